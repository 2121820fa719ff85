"""The ``reference`` adapter: the spec itself, run as if it were a framework.

The suite must pass on it. Random initializers sample the reference
distributions with NumPy's generator (seeded by the case's seed), since the
spec gives distributions, not values. Results are rounded to the case's dtype.
"""

from __future__ import annotations

import dataclasses

import numpy as np

import reference
from adapters import lambdas
from adapters.base import DTYPE_POLICIES, Adapter, Case, Gradients, LayerResult, Rejected, Resolved, RoundTrip
from adapters.dtypes import to_dtype
from reference import signatures
from reference.editions import check_edition
from reference.dtypes import is_float
from reference.policies import compute_dtype, variable_dtype


class ReferenceAdapter(Adapter):
    name = "reference"
    framework = "keras-conformance reference"
    devices = ("cpu",)
    dtype_policies = DTYPE_POLICIES  # what each policy stores and computes in: reference/policies.py

    def __init__(self, device="cpu", edition="keras3", exact=False):
        super().__init__(device)
        self.edition = check_edition(edition)
        # exact=True: hand back float64 (the spec side of a comparison); else round to the case's dtype.
        self._round = (lambda x, dtype: np.asarray(x, np.float64)) if exact else to_dtype
        self.version = reference.__name__

    def supports(self, feature, dtype=None):
        editions = reference.get_feature(feature).editions if feature in reference.FEATURES else None
        if editions and self.edition not in editions:
            return (f"{feature} is not part of edition {self.edition} (only {', '.join(editions)}); "
                    f"run with --edition={editions[0]}")
        return None

    # One place builds spec objects, so SpecError becomes Rejected everywhere.
    def _spec(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except reference.SpecError as e:
            raise Rejected(str(e), type(e).__name__) from None

    def _obj(self, feature: str):
        """The spec object of ``feature`` (tests/mutants.py swaps in broken ones here)."""
        return reference.get_feature(feature).obj

    def build(self, feature: str, config: dict):
        """The spec's object of ``feature`` built from ``config`` in this edition: what a check asks of
        the spec beyond a case's result (a layer's weight shapes, an initializer's distribution).
        A SpecError propagates: callers build configs the spec accepts."""
        return reference.get_feature(feature).obj(**config, edition=self.edition)

    def _build(self, case: Case, config=None):
        obj = self._obj(case.feature)
        config = dict(case.config if config is None else config)
        if case.area == "activations":
            return lambda x: obj(x, **config, edition=self.edition)
        if case.feature == "layers.Lambda":
            config = lambdas.resolve(config)
        return self._spec(obj, **config, edition=self.edition)

    def _layer_call(self, case: Case, layer) -> LayerResult:
        # In their own dtype: a layer may compare in it (Masking casts mask_value to the input's dtype).
        # Under a mixed policy, Layer.__call__ casts floating inputs, and call reads the weights, in the
        # compute dtype (reference/policies.py).
        compute = compute_dtype(self.dtype_policy, case.dtype)
        x = [np.asarray(v) for v in case.inputs]
        weights = case.weights
        if compute != case.dtype:
            x = [to_dtype(v, compute) if is_float(v.dtype) else v for v in x]
            weights = weights and {k: to_dtype(w, compute) for k, w in weights.items()}
        x = x if len(x) > 1 else x[0]
        rng = np.random.default_rng(_seed(case))
        kwargs = dict(weights=weights, training=case.training, mask=case.mask)
        y = self._spec(layer, x, **kwargs, rng=rng)
        masks = self._spec(layer.compute_mask, x, case.mask)
        # Weight penalties are taken on the stored variables: float32 under a mixed policy.
        stored = case.weights and {k: to_dtype(w, variable_dtype(self.dtype_policy, case.dtype))
                                   for k, w in case.weights.items()}
        losses = self._spec(layer.losses, x, stored)
        ys, ms = (y, masks) if isinstance(y, list) else ([y], [masks])
        ms = ms if isinstance(ms, list) else [ms] * len(ys)
        return LayerResult([self._round(v, compute) for v in ys],
                           [None if m is None else np.asarray(m, bool) for m in ms], [float(v) for v in losses])

    def _apply(self, case: Case, built):
        if case.area == "layers":
            return self._layer_call(case, built)
        if case.area == "initializers":
            if built.random:
                rng = np.random.default_rng(built.seed)
                return self._round(self._spec(built.sample, rng, case.shape), case.dtype)
            return self._round(self._spec(built.value, case.shape), case.dtype)
        return self._round(self._spec(built, case.inputs[0]), case.dtype)

    def call(self, case):
        return self._apply(case, self._build(case))

    def grad(self, case):
        """The spec's VJP (reference/gradients/), at the case's inputs and weights as float64; the
        forward outputs are the call's. Float32 policy only: the checks set mixed policies aside."""
        from reference import gradients

        if case.mask is not None:
            raise ValueError("a grad case carries no input mask: the spec's VJPs take none")
        x = [np.asarray(v, np.float64) if is_float(np.asarray(v).dtype) else np.asarray(v) for v in case.inputs]
        weights = {k: np.asarray(w, np.float64) for k, w in (case.weights or {}).items()}
        config = dict(case.config)
        if case.area == "activations":
            outputs = [self.call(dataclasses.replace(case, op="call"))]
            layer = None
        else:
            layer = self._build(case)
            outputs = self._layer_call(dataclasses.replace(case, op="call"), layer).outputs
        out = self._spec(gradients.vjp, case.feature, layer, x if len(x) > 1 else x[0], weights,
                         np.asarray(case.cotangent[0], np.float64), training=case.training, seed=_seed(case),
                         edition=self.edition, config=config)
        if case.area == "activations":  # where the output overflows the dtype, so may the backward pass's y
            with np.errstate(over="ignore"):
                overflow = ~np.isfinite(to_dtype(outputs[0], case.dtype).astype(np.float64))
            out["undefined"]["inputs[0]"] = out["undefined"]["inputs[0]"] | overflow
        if layer is not None:  # the weight regularizers' terms of sum(layer.losses)
            from reference.gradients import training

            for k, p in self._spec(training.penalties, layer, dict(case.weights or {})).items():
                out[k] = out[k] + p
        floats = [is_float(np.asarray(v).dtype) for v in case.inputs]
        return Gradients(outputs, [None if d is None or not f else self._round(d, case.dtype)
                                  for d, f in zip(out["inputs"], floats)],
                         {k: self._round(out[k], case.dtype) for k in weights}, out["undefined"])

    def train(self, case):
        """The spec's SGD step (reference/gradients/training.py) on the spec's gradients."""
        from reference.gradients import training

        grads = self.grad(dataclasses.replace(case, op="grad"))
        new = self._spec(training.sgd_step, self._build(case), dict(case.weights), grads.weights, case.learning_rate)
        return {k: self._round(v, case.dtype) for k, v in new.items()}

    def sample(self, case):
        if case.area != "layers":
            return self.call(case)
        layer = self._build(case)
        rng = np.random.default_rng(_seed(case))
        weights = self._spec(layer.init_weights, case.shape, rng)
        return {k: self._round(v, variable_dtype(self.dtype_policy, case.dtype)) for k, v in weights.items()}

    def shape(self, case):
        if case.feature == "layers.Input":
            built = self._build(case)
            return tuple(built.shape), built.dtype
        return self._spec(self._build(case).compute_output_shape, case.shape)

    def roundtrip(self, case):
        built = self._build(case)
        if case.area == "activations":
            # Activations serialize to their name; deserializing gives the same function.
            return RoundTrip({"name": case.name}, {"name": case.name}, self._apply(case, built),
                             self._apply(case, built))
        def plain(obj):  # a Lambda's functions back to their catalog names
            return {k: lambdas.name_of(v) for k, v in obj.get_config().items()}

        config = plain(built)
        clone = self._build(case, config)
        return RoundTrip(config, plain(clone), self._apply(case, built), self._apply(case, clone))

    def save(self, case):
        """A layer saved to a ``.keras`` file and loaded again is the layer rebuilt from its config
        (``roundtrip``) holding the saved weights, the case's: the same configs and results."""
        return self.roundtrip(case)

    def signature(self, feature):
        """The spec's own signatures in this edition (``reference/signatures.py``)."""
        return signatures.of(self._obj(feature), feature.partition(".")[0], self.edition)

    def resolve(self, case):
        # Every area's get gives (feature id, arguments): the config is that of the object they build.
        fid, arguments = self._spec(getattr(reference, case.area).get, case.identifier, edition=self.edition)
        if case.area == "activations":
            return Resolved(fid, {})
        built = self._spec(reference.get_feature(fid).obj, **arguments, edition=self.edition)
        return Resolved(fid, built.get_config())


def _seed(case) -> int:
    """The case's int seed for the spec's own draws (Keras 2 accepts other seeds: then 0)."""
    seed = case.config.get("seed")
    return seed if isinstance(seed, int) and not isinstance(seed, bool) and seed >= 0 else 0


def make(device="cpu", edition=None):
    return ReferenceAdapter(device=device, edition=edition or "keras3")
