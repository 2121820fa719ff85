"""Mutants of the backward pass (the ``gradients`` checks: conformance/test_*.py test_gradients).

Each is the reference adapter with its forward pass intact and one VJP made wrong, the ways a
backend's hand-written gradient goes wrong.
"""

from __future__ import annotations

import dataclasses

import numpy as np

import reference
from adapters.dtypes import to_dtype
from adapters.reference import ReferenceAdapter
from reference.gradients import affine, training
from tests.mutants import Mutant


class GradientMutant(Mutant):
    """The reference, with ``patches[feature](adapter, case, grads) -> grads`` applied to its ``grad``."""

    def _obj(self, feature):
        return reference.get_feature(feature).obj  # the forward pass is the spec's

    def grad(self, case):
        grads = super().grad(case)
        fix = self.patches.get(case.feature)
        return fix(self, case, grads) if fix and case.op == "grad" else grads


class StepMutant(GradientMutant):
    """The reference, its SGD step replaced by ``patches[feature](adapter, case) -> weights``."""

    def grad(self, case):
        return ReferenceAdapter.grad(self, case)

    def train(self, case):
        fix = self.patches.get(case.feature)
        return fix(self, case) if fix else super().train(case)


def _step(adapter, case, *, penalties=True, constrain="after"):
    """w' = constraint(w - lr * grad) as the spec says, or with the penalties left out of grad, or the
    constraint applied before the update, or never."""
    layer = adapter._build(case)
    grads = ReferenceAdapter.grad(adapter, dataclasses.replace(case, op="grad")).weights
    if not penalties:
        grads = {k: g - training.penalties(layer, dict(case.weights)).get(k, 0.0) for k, g in grads.items()}
    out = {}
    for k, w in case.weights.items():
        c = training.constraint_of(layer, k) or (lambda v: v)
        w = np.asarray(c(w) if constrain == "before" else w, np.float64)
        lr = float(np.float32(case.learning_rate))
        new = (w - lr * np.asarray(grads[k], np.float64)).astype(np.asarray(case.weights[k]).dtype)
        out[k] = to_dtype(c(new) if constrain == "after" else new, case.dtype)
    return out


def _inputs(grads, *dx):
    return dataclasses.replace(grads, inputs=list(dx))


def _softplus_naive(adapter, case, grads):
    """softplus' as exp(x) / (1 + exp(x)) in the dtype: inf / inf = NaN where exp overflows."""
    x = np.asarray(case.inputs[0])
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x)
        return _inputs(grads, to_dtype(np.asarray(case.cotangent[0]) * (e / (1 + e)), case.dtype))


def _dropout_mask_redrawn(adapter, case, grads):
    """The backward pass draws a fresh mask instead of reusing the forward pass's."""
    keep = np.random.default_rng(12345).random(np.shape(case.inputs[0])) >= case.config["rate"]
    g = np.asarray(case.cotangent[0], np.float64)
    return _inputs(grads, to_dtype(g * keep / (1 - case.config["rate"]), case.dtype))


def _embedding_overwrites(adapter, case, grads):
    """Repeated indices overwrite each other's rows (the last one written wins) instead of adding."""
    layer = adapter._build(case)
    i = layer.indices(case.inputs[0]).astype(np.int64).reshape(-1)
    rows = np.where(i < 0, i + layer.input_dim, i)
    table = np.zeros(np.shape(case.weights["embeddings"]))
    table[rows] = np.asarray(case.cotangent[0], np.float64).reshape(rows.size, -1)
    return dataclasses.replace(grads, weights={"embeddings": to_dtype(table, case.dtype)})


def _conv_kernel_flipped(adapter, case, grads):
    """The kernel's gradient with its spatial taps reversed (a transposed kernel in the backward pass)."""
    k = grads.weights["kernel"]
    return dataclasses.replace(grads, weights={**grads.weights, "kernel": k[::-1, ::-1].copy()})


def _max_pool_spread(adapter, case, grads):
    """Max pooling's gradient spread over the whole window, as average pooling's, not routed to the maximum."""
    avg = reference.get_feature(case.feature.replace("Max", "Average")).obj(**case.config, edition=adapter.edition)
    dx = affine.layer_vjp(avg, np.asarray(case.inputs[0], np.float64), {}, case.cotangent[0])["inputs"][0]
    return _inputs(grads, to_dtype(dx, case.dtype))


def _masking_leaks(adapter, case, grads):
    """Masked timesteps pass the cotangent through (the mask not applied in the backward pass)."""
    return _inputs(grads, to_dtype(case.cotangent[0], case.dtype))


def _activity_penalty_left_out(adapter, case, grads):
    """ActivityRegularization's penalty missing from the gradient: dx = g."""
    return _inputs(grads, to_dtype(case.cotangent[0], case.dtype))


def _entry(feature, fix, cls=GradientMutant, check="gradients"):
    from conformance.cases import family
    return cls, {feature: fix}, family(feature), check, feature


MUTANTS = {
    "grad_softplus_naive": _entry("activations.softplus", _softplus_naive),
    "grad_dropout_mask_redrawn": _entry("layers.Dropout", _dropout_mask_redrawn),
    "grad_embedding_overwrites": _entry("layers.Embedding", _embedding_overwrites),
    "grad_conv_kernel_flipped": _entry("layers.Conv2D", _conv_kernel_flipped),
    "grad_max_pool_spread": _entry("layers.MaxPooling2D", _max_pool_spread),
    "grad_masking_leaks": _entry("layers.Masking", _masking_leaks),
    "grad_activity_penalty_left_out": _entry("layers.ActivityRegularization", _activity_penalty_left_out),
    "step_constraint_before_update": _entry("layers.Dense", lambda a, c: _step(a, c, constrain="before"), StepMutant,
                                            "training_step"),
    "step_constraint_never_applied": _entry("layers.Dense", lambda a, c: _step(a, c, constrain="never"), StepMutant,
                                            "training_step"),
    "step_penalty_left_out": _entry("layers.Conv2D", lambda a, c: _step(a, c, penalties=False), StepMutant,
                                    "training_step"),
}
