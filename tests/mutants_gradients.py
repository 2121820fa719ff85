"""Mutants of the backward pass (the ``gradients`` checks: conformance/test_*.py test_gradients).

Each is the reference adapter with its forward pass intact and one VJP made wrong, the ways a
backend's hand-written gradient goes wrong.
"""

from __future__ import annotations

import dataclasses

import numpy as np

import reference
from adapters.dtypes import to_dtype
from reference.gradients import affine
from tests.mutants import Mutant


class GradientMutant(Mutant):
    """The reference, with ``patches[feature](adapter, case, grads) -> grads`` applied to its ``grad``."""

    def _obj(self, feature):
        return reference.get_feature(feature).obj  # the forward pass is the spec's

    def grad(self, case):
        grads = super().grad(case)
        fix = self.patches.get(case.feature)
        return fix(self, case, grads) if fix else grads


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


def _entry(feature, fix):
    from conformance.cases import family
    return GradientMutant, {feature: fix}, family(feature), "gradients", feature


MUTANTS = {
    "grad_softplus_naive": _entry("activations.softplus", _softplus_naive),
    "grad_dropout_mask_redrawn": _entry("layers.Dropout", _dropout_mask_redrawn),
    "grad_embedding_overwrites": _entry("layers.Embedding", _embedding_overwrites),
    "grad_conv_kernel_flipped": _entry("layers.Conv2D", _conv_kernel_flipped),
    "grad_max_pool_spread": _entry("layers.MaxPooling2D", _max_pool_spread),
    "grad_masking_leaks": _entry("layers.Masking", _masking_leaks),
    "grad_activity_penalty_left_out": _entry("layers.ActivityRegularization", _activity_penalty_left_out),
}
