"""``--device=cpu,gpu``: every case on both devices, and any difference between them a divergence.

:class:`CrossDevice` is the adapter the checks see: it runs each case through one instance of
the adapter per device and hands the first device's result on to the check (which compares it
with the spec as usual). Before that, the devices must agree with each other:

- both reject, or both accept (Embedding's out-of-range indices: TensorFlow raises on the CPU and
  returns zeros on a GPU);
- the same structure: shapes, dtypes, config keys, masks, integers and strings exactly;
- floats: the same NaN and infinity positions, and values within ``DEVICE_ULPS`` ULP of each
  other. A smaller difference is accumulation order, not a semantic; a larger one is reported
  even where both devices are within the spec's tolerance.

Random semantics (``sample``, and calls in training mode: dropout noise) draw from streams that
legitimately differ between devices: there only the structure is compared.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from adapters.base import Adapter, Case, Rejected
from conformance import tolerance
from conformance.divergence import Divergence

DEVICE_ULPS = tolerance.ELEMENTWISE_ULPS


class CrossDevice(Adapter):
    """One adapter per device, behind the adapter interface; see the module docstring."""

    def __init__(self, adapters: list[Adapter]):
        first = adapters[0]
        self.adapters = adapters
        self.name, self.edition, self.framework = first.name, first.edition, first.framework
        self.version, self.versions = first.version, dict(getattr(first, "versions", {}))
        self.devices = tuple(a.device for a in adapters)
        self.device = ",".join(self.devices)

    @property
    def framework_seconds(self) -> float:
        return sum(a.framework_seconds for a in self.adapters)

    def platform(self):
        """Each fact's values over the devices, joined with commas where they differ (``device=cpu,gpu``)."""
        merged: dict[str, list[str]] = {}
        for a in self.adapters:
            for k, v in a.describe()["platform_facts"].items():
                if v not in merged.setdefault(k, []):
                    merged[k].append(v)
        return {k: ",".join(v) for k, v in merged.items()}

    def supports(self, feature, dtype=None):
        return next((f"{a.device}: {r}" for a in self.adapters if (r := a.supports(feature, dtype))), None)

    def snippet(self, case: Case) -> str:
        return self.adapters[0].snippet(case)

    def signature(self, feature):
        return self.adapters[0].signature(feature)  # one framework: the same Python API on every device

    def run(self, case: Case):
        outcomes = []
        for a in self.adapters:
            try:
                outcomes.append(("ok", a.run(case)))
            except Rejected as e:
                outcomes.append(("rejected", e))
        kinds = {k for k, _ in outcomes}
        if kinds == {"rejected"}:
            raise outcomes[0][1]
        (k0, v0), d0 = outcomes[0], self.devices[0]
        for (k, v), d in zip(outcomes[1:], self.devices[1:]):
            if k != k0:
                what = {"ok": "accepts it", "rejected": "rejects it"}
                msg = v0 if k0 == "rejected" else v
                raise Divergence(f"devices differ: {d0} {what[k0]} but {d} {what[k]} [{_label(case)}]: {msg}",
                                 {"snippet": self.snippet(case), "rejections": {d0: str(v0) if k0 == "rejected" else None,
                                                                              d: str(v) if k == "rejected" else None}})
            random = case.op == "sample" or case.training
            where = first_difference(v0, v, case.dtype, values=not random)
            if where:
                raise Divergence(f"devices differ: {where} ({d0} vs {d}) [{_label(case)}]",
                                 {"snippet": self.snippet(case)})
        return v0

    # The operations are reached through run(); these satisfy the abstract interface.
    def call(self, case):  # pragma: no cover
        return self.run(case)

    sample = roundtrip = resolve = shape = call


def _label(case: Case) -> str:
    from conformance.check import label

    return label(case)


def first_difference(a, b, dtype: str, *, values: bool = True, path: str = "out") -> str | None:
    """A description of the first place where two results differ, or None when they agree.

    With ``values=False`` arrays are compared by shape and dtype only (random draws)."""
    if dataclasses.is_dataclass(a) and type(a) is type(b):
        for f in dataclasses.fields(a):
            found = first_difference(getattr(a, f.name), getattr(b, f.name), dtype, values=values,
                                     path=f"{path}.{f.name}")
            if found:
                return found
        return None
    if isinstance(a, dict) and isinstance(b, dict):
        if a.keys() != b.keys():
            return f"{path} keys {sorted(a)} vs {sorted(b)}"
        return next((d for k in a if (d := first_difference(a[k], b[k], dtype, values=values,
                                                             path=f"{path}[{k!r}]"))), None)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        if len(a) != len(b):
            return f"len({path}) {len(a)} vs {len(b)}"
        return next((d for i, (x, y) in enumerate(zip(a, b))
                     if (d := first_difference(x, y, dtype, values=values, path=f"{path}[{i}]"))), None)
    if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) or isinstance(a, float):
        return _array_difference(np.asarray(a), np.asarray(b), dtype, values, path)
    return None if a == b else f"{path}={a!r} vs {b!r}"


def _array_difference(a, b, dtype, values, path) -> str | None:
    if a.shape != b.shape or a.dtype != b.dtype:
        return f"{path}.shape/dtype {a.shape} {a.dtype} vs {b.shape} {b.dtype}"
    if not values:
        return None
    if a.dtype.kind not in "fc" and a.dtype.name != "bfloat16":
        bad = np.argwhere(a != b)
    else:
        x, y = a.astype(np.float64), b.astype(np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            same_special = (np.isnan(x) & np.isnan(y)) | (x == y)
            close = np.abs(x - y) <= tolerance.allowed(np.maximum(np.abs(x), np.abs(y)), dtype, DEVICE_ULPS)
        bad = np.argwhere(~(same_special | (np.isfinite(x) & np.isfinite(y) & close)))
    if not len(bad):
        return None
    i = tuple(int(j) for j in bad[0])
    at = f"{path}[{', '.join(map(str, i))}]" if i else path
    return f"{at}={a[i]!r} vs {b[i]!r}, {len(bad)} of {a.size} elements"
