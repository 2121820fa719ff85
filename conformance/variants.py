"""``--device=cpu,gpu`` and ``--mode=eager,jit``: every case in each variant, each variant checked
against the spec, and any difference between them a divergence.

A *variant* is one (device, mode) of the adapter under test (``Adapter.variant``: ``cpu``,
``cpu/jit``). :class:`CrossVariant` is the adapter the checks see. The first time a check's example
runs a case, it runs it in every variant and compares them with each other:

- both reject, or both accept (Embedding's out-of-range indices: TensorFlow raises on the CPU and
  returns zeros on a GPU);
- the same structure: the shapes and dtypes of arrays, config keys, Python numbers and strings
  exactly. Array values are the spec's to judge in each variant's pass: it leaves some
  implementation-defined (a softmax slice holding +inf: XLA gives NaN, TensorFlow's kernel 0) and
  accepts subnormals read as zero (a Masking mask), where variants may legitimately differ.

Then the check runs once per variant (:func:`per_variant`, which the plugin wraps around every
check body): the first pass draws the example, the others replay its draws and see the results
of their variant, so each variant's values meet the spec within the check's own tolerance (its
reduction lengths and conditioning), and a failure names the variant (``in cpu/jit: out[0]=...``).
Array values that differ between variants (masks or integers, NaN or infinity in one only, or
finite values more than ``VARIANT_ULPS`` ULP apart) while each meets the spec (XLA's fusion, reordered sums, contracted
multiply-adds, expm1 for exp - 1; an implementation-defined slice) are information, noted with the
first such element: not a semantic, but what a user comparing the modes' outputs will see.

Random semantics (``sample``, and calls in training mode: dropout noise) draw from streams that
legitimately differ between devices and modes: there only the structure is compared across
variants, and each variant's draws meet the check's distribution. A mode compiles only ``call``
(``adapters.base.COMPILED_OPS``): the other operations run once per device.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np

from adapters.base import COMPILED_OPS, Adapter, Case, Rejected
from conformance import tolerance
from conformance.divergence import Divergence, recorder

VARIANT_ULPS = tolerance.ELEMENTWISE_ULPS


class CrossVariant(Adapter):
    """One adapter per variant, behind the adapter interface; see the module docstring."""

    def __init__(self, adapters: list[Adapter]):
        first = adapters[0]
        self.adapters = adapters
        self.name, self.edition, self.framework = first.name, first.edition, first.framework
        self.version, self.versions = first.version, dict(getattr(first, "versions", {}))
        self.variants = tuple(a.variant for a in adapters)
        self.devices = tuple(dict.fromkeys(a.device for a in adapters))
        self.device = ",".join(self.devices)
        self.mode = ",".join(dict.fromkeys(a.mode for a in adapters))
        self.dtype_policy = first.dtype_policy
        self.current = 0  # the variant whose results the checks see (per_variant's pass)
        self._ran: list[tuple] = []  # (case, outcome per variant) of each run() of the example's first pass
        self._next = 0  # in a later pass: the index of its next run() in _ran

    @property
    def framework_seconds(self) -> float:
        return sum(a.framework_seconds for a in self.adapters)

    @property
    def compile_seconds(self) -> float:
        return sum(getattr(a, "compile_seconds", 0.0) for a in self.adapters)

    @property
    def compiles_per_shape(self) -> bool:
        return any(getattr(a, "compiles_per_shape", False) for a in self.adapters)

    def platform(self):
        """Each fact's values over the variants, joined with commas where they differ (``device=cpu,gpu``)."""
        merged: dict[str, list[str]] = {}
        for a in self.adapters:
            for k, v in a.describe()["platform_facts"].items():
                if v not in merged.setdefault(k, []):
                    merged[k].append(v)
        return {k: ",".join(v) for k, v in merged.items()}

    def supports(self, feature, dtype=None):
        return next((f"{a.variant}: {r}" for a in self.adapters if (r := a.supports(feature, dtype))), None)

    def snippet(self, case: Case) -> str:
        return self.adapters[0].snippet(case)

    def signature(self, feature):
        return self.adapters[0].signature(feature)  # one framework: the same Python API in every variant

    def _running(self, case: Case) -> list[Adapter]:
        """The variants a case runs in: every one for a compiled operation, one per device otherwise."""
        if case.op in COMPILED_OPS:
            return self.adapters
        first = {}
        for a in self.adapters:
            first.setdefault(a.device, a)
        return list(first.values())

    def run(self, case: Case):
        """The current variant's result for ``case``. In an example's first pass every call runs the
        case in every variant and compares them (module docstring); a later pass's calls replay the
        first pass's, in order (a check that runs one case twice, as a seeded layer's, gets two runs)."""
        if self.current == 0:
            self._ran.append((case, self._run_all(case)))
            outcomes = self._ran[-1][1]
        else:
            first = self._ran[self._next][0] if self._next < len(self._ran) else None
            if first is None or (first.feature, first.op) != (case.feature, case.op):
                raise RuntimeError(f"a check ran other cases in variant {self.variants[self.current]}'s pass than in the "
                                   "first: what it runs must not depend on the adapter's results")
            outcomes = self._ran[self._next][1]
            self._next += 1
        kind, value = outcomes[self.current]
        if kind == "rejected":
            raise value
        return value

    def start_pass(self, k: int) -> None:
        """Let the checks see variant ``k``'s results; pass 0 starts a new example."""
        self.current, self._next = k, 0
        if k == 0:
            self._ran.clear()

    def _run_all(self, case: Case) -> list:
        running = self._running(case)
        outcomes = []
        for a in running:
            try:
                outcomes.append(("ok", a.run(case)))
            except Rejected as e:
                outcomes.append(("rejected", e))
        (k0, v0), d0 = outcomes[0], running[0].variant
        random = case.op == "sample" or case.training
        for (k, v), d in zip(outcomes[1:], [a.variant for a in running[1:]]):
            if k != k0:
                what = {"ok": "accepts it", "rejected": "rejects it"}
                msg = v0 if k0 == "rejected" else v
                raise Divergence(f"variants differ: {d0} {what[k0]} but {d} {what[k]} [{_label(case)}]: {msg}",
                                 {"snippet": self.snippet(case), "rejections": {d0: str(v0) if k0 == "rejected" else None,
                                                                              d: str(v) if k == "rejected" else None}})
            if k == "rejected":
                continue
            where = first_difference(v0, v, case.dtype, values=False)
            if where:
                raise Divergence(f"variants differ: {where} ({d0} vs {d}) [{_label(case)}]",
                                 {"snippet": self.snippet(case)})
            differ = None if random else first_difference(v0, v, case.dtype)
            if differ:
                note = (f"variants differ (NaN/inf positions, or more than {VARIANT_ULPS} ULP), each checked against "
                        "the spec on its own")
                recorder().note(f"{note}: {differ} ({d0} vs {d}) [{_label(case)}]", case, once=note)
        by_variant = dict(zip(running, outcomes))
        # An operation no mode compiles ran once per device: a mode variant sees its device's result.
        return [by_variant.get(a) or next(o for r, o in by_variant.items() if r.device == a.device)
                for a in self.adapters]

    # The operations are reached through run(); these satisfy the abstract interface.
    def call(self, case):  # pragma: no cover
        return self.run(case)

    sample = roundtrip = resolve = shape = call


class _Recording:
    """The first pass's ``data``: draws as Hypothesis' does, and keeps what it drew."""

    def __init__(self, data):
        self._data, self.draws = data, []

    def draw(self, strategy, label=None):
        value = self._data.draw(strategy, label=label)
        self.draws.append(value)
        return value


class _Replay:
    """A later pass's ``data``: each draw is the first pass's, in order (the same case objects)."""

    def __init__(self, draws: list):
        self._draws = iter(draws)

    def draw(self, strategy, label=None):
        try:
            return next(self._draws)
        except StopIteration:
            raise RuntimeError("a check drew more in a later variant's pass than in the first: its draws must not "
                               "depend on the adapter's results") from None


def per_variant(body, adapter: CrossVariant):
    """``body`` (a check's test function, or Hypothesis' ``inner_test``) run once per variant on the
    same example: the first pass draws it, the others replay its draws (module docstring). A
    divergence in a later pass names its variant."""

    @functools.wraps(body)
    def passes(*args, **kwargs):
        data = kwargs.get("data")
        recording = _Recording(data) if data is not None else None
        rec = recorder()
        try:
            for k, variant in enumerate(adapter.variants):
                adapter.start_pass(k)
                if recording is not None:
                    kwargs["data"] = recording if k == 0 else _Replay(recording.draws)
                examples = rec.examples
                try:
                    body(*args, **kwargs)
                except Divergence as e:
                    if k == 0:
                        raise
                    raise Divergence(f"in {variant}: {e}", e.detail) from None
                finally:
                    if k:
                        rec.examples = examples  # one example, however many passes
        finally:
            adapter.start_pass(0)

    return passes


def _label(case: Case) -> str:
    from conformance.check import label

    return label(case)


def first_difference(a, b, dtype: str, *, values: bool = True, path: str = "out") -> str | None:
    """A description of the first place where two results differ, or None when they agree.

    With ``values=False`` arrays and NumPy scalars are compared by shape and dtype only (the
    structure; their values are the spec's to judge, or random draws)."""
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
    if isinstance(a, (np.ndarray, np.generic, float)) or isinstance(b, (np.ndarray, np.generic)):
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
            close = np.abs(x - y) <= tolerance.allowed(np.maximum(np.abs(x), np.abs(y)), dtype, VARIANT_ULPS)
        bad = np.argwhere(~(same_special | (np.isfinite(x) & np.isfinite(y) & close)))
    if not len(bad):
        return None
    i = tuple(int(j) for j in bad[0])
    at = f"{path}[{', '.join(map(str, i))}]" if i else path
    return f"{at}={a[i]!r} vs {b[i]!r}, {len(bad)} of {a.size} elements"
