"""The ``reference`` adapter: the spec itself, run as if it were a framework.

The suite must pass on it. Random initializers sample the reference
distributions with NumPy's generator (seeded by the case's seed), since the
spec gives distributions, not values. Results are rounded to the case's dtype.
"""

from __future__ import annotations

import numpy as np

import reference
from adapters.base import Adapter, Case, Rejected, Resolved, RoundTrip
from adapters.dtypes import to_dtype
from reference.editions import check_edition


class ReferenceAdapter(Adapter):
    name = "reference"
    framework = "keras-conformance reference"
    devices = ("cpu",)

    def __init__(self, device="cpu", edition="keras3", exact=False):
        super().__init__(device)
        self.edition = check_edition(edition)
        # exact=True: hand back float64 (the spec side of a comparison); else round to the case's dtype.
        self._round = (lambda x, dtype: np.asarray(x, np.float64)) if exact else to_dtype
        self.version = reference.__name__

    # One place builds spec objects, so SpecError becomes Rejected everywhere.
    def _spec(self, fn, *args, **kwargs):
        try:
            return fn(*args, **kwargs)
        except reference.SpecError as e:
            raise Rejected(str(e)) from None

    def _build(self, case: Case, config=None):
        obj = reference.get_feature(case.feature).obj
        config = dict(case.config if config is None else config)
        if case.area == "activations":
            return lambda x: obj(x, **config, edition=self.edition)
        return self._spec(obj, **config, edition=self.edition)

    def _apply(self, case: Case, built):
        if case.area == "initializers":
            if built.random:
                rng = np.random.default_rng(built.seed)
                return self._round(self._spec(built.sample, rng, case.shape), case.dtype)
            return self._round(self._spec(built.value, case.shape), case.dtype)
        return self._round(self._spec(built, case.inputs[0]), case.dtype)

    def call(self, case):
        return self._apply(case, self._build(case))

    sample = call

    def roundtrip(self, case):
        built = self._build(case)
        if case.area == "activations":
            # Activations serialize to their name; deserializing gives the same function.
            return RoundTrip({"name": case.name}, {"name": case.name}, self._apply(case, built),
                             self._apply(case, built))
        config = built.get_config()
        clone = self._build(case, config)
        return RoundTrip(config, clone.get_config(), self._apply(case, built), self._apply(case, clone))

    def resolve(self, case):
        area = getattr(reference, case.area)
        got = self._spec(area.get, case.identifier, edition=self.edition)
        if isinstance(got, tuple):
            return Resolved(*got)
        obj = reference.get_feature(got).obj
        return Resolved(got, {} if case.area == "activations" else obj(edition=self.edition).get_config())


def make(device="cpu", edition=None):
    return ReferenceAdapter(device=device, edition=edition or "keras3")
