"""Shared assertions: run a case through the spec and the adapter, and compare.

Every failure raises :class:`Divergence` with a message shaped like
``out[1, 2]=0.5, but should be 0.47 [activations.hard_sigmoid(x), float32]``
and a detail record (case, metrics, first mismatches, the adapter's snippet).
"""

from __future__ import annotations

import dataclasses
import math
import struct
import zlib
from dataclasses import dataclass

import numpy as np

from adapters.base import Case, LayerResult, Rejected
from adapters.dtypes import np_dtype, to_dtype
from conformance import stats, tolerance
from conformance.divergence import Divergence, Unsupported, recorder
from conformance.summary import case_dict
from reference.activations import softmax_defined
from reference.layers.spatial import ImplementationDefined
from reference.policies import compute_dtype, variable_dtype

MAX_SHOWN = 10


def _detail(adapter, case, **extra) -> dict:
    return {"case": case_dict(case), "snippet": adapter.snippet(case), **extra}


def policy_of(adapter) -> str:
    """The adapter's --dtype-policy (a third party's adapter that never configured one runs float32)."""
    return getattr(adapter, "dtype_policy", "float32")


def label(case) -> str:
    cfg = ", ".join(f"{k}={v!r}" for k, v in dict(case.config).items())
    if case.area == "layers":
        args = ", ".join(["x" if len(case.inputs) == 1 else f"[x0..x{len(case.inputs) - 1}]"]
                         + (["training=True"] if case.training else []) + (["mask=m"] if case.mask is not None else []))
        what = {"call": f"{case.feature}({cfg})({args})",
                "sample": f"{case.feature}({cfg}).build({case.shape})",
                "shape": f"{case.feature}({cfg}).compute_output_shape({case.shape})",
                "roundtrip": f"from_config(get_config({case.feature}({cfg})))",
                "save": f"load_model(Model(x, {case.feature}({cfg})(x)).save('model.keras')) called on ({args})",
                "resolve": f"{case.area}.get({case.identifier!r})",
                "grad": f"grad of sum(g * {case.feature}({cfg})({args}))",
                "train": f"SGD({case.learning_rate}) step on sum(g * {case.feature}({cfg})({args})) + losses"}[case.op]
        return f"{what}, {case.dtype}" if case.op in ("call", "sample", "grad", "train", "save") else what
    what = {"call": f"{case.feature}({'x, ' if case.inputs else ''}{cfg})",
            "grad": f"grad of sum(g * {case.feature}(x{', ' + cfg if cfg else ''}))",
            "sample": f"{case.feature}({cfg})(shape={case.shape})",
            "roundtrip": f"from_config(get_config({case.feature}({cfg})))",
            "resolve": f"{case.area}.get({case.identifier!r})"}[case.op]
    return f"{what}, {case.dtype}" if case.op in ("call", "sample", "grad") else what


def outcome(runner, case):
    """('ok', value) or ('rejected', message) for one runner (the spec or the adapter)."""
    try:
        return "ok", runner.run(case)
    except Rejected as e:
        return "rejected", str(e)


def track(case):
    """Note ``case`` as the one the check is running: a passing record's example and snippet, and
    the case a crash or time-out is reported with. run_both does it; a check that calls the
    adapter itself (a statistical sample) says so here."""
    rec = recorder()
    rec.last_case, rec.examples = case, rec.examples + 1


def run_both(spec, adapter, case):
    """(expected, actual), or None when both reject the case.

    Raises Divergence when exactly one of them rejects it.
    """
    track(case)
    s_kind, expected = outcome(spec, case)
    a_kind, actual = outcome(adapter, case)
    if s_kind == a_kind == "rejected":
        return None
    if s_kind != a_kind:
        who, other = ("the adapter", "the spec") if a_kind == "rejected" else ("the spec", "the adapter")
        msg = expected if s_kind == "rejected" else actual
        raise Divergence(
            f"{who} rejects it but {other} accepts it [{label(case)}]: {msg}",
            _detail(adapter, case, rejections={"spec": expected if s_kind == "rejected" else None,
                                               "adapter": actual if a_kind == "rejected" else None}))
    return expected, actual


def expect_rejection(spec, adapter, case):
    """Both the spec and the adapter must reject ``case``."""
    result = run_both(spec, adapter, case)
    if result is not None:
        raise Divergence(f"both accept a configuration the spec rejects [{label(case)}]",
                         _detail(adapter, case))


def expect_acceptance(spec, adapter, case):
    """Both the spec and the adapter must accept ``case``: a row of a rejects table that the spec's
    edition accepts (Keras 2 is laxer in places). Returns run_both's (expected, actual)."""
    result = run_both(spec, adapter, case)
    if result is None:
        raise Divergence(f"both reject what {spec.edition} accepts [{label(case)}]", _detail(adapter, case))
    return result


def _fmt(v) -> str:
    return f"{v:.9g}" if isinstance(v, float) else repr(v)


@dataclass(frozen=True)
class Closeness:
    """An adapter's array against the spec's under the tolerance policy (conformance.tolerance),
    elementwise, in float64: what :func:`closeness` finds, with no effect on the check's record."""

    act: np.ndarray  # the adapter's values
    exp: np.ndarray  # the spec's
    err: np.ndarray  # |act - exp|
    tol: np.ndarray  # the policy's allowed error
    ulp_err: np.ndarray  # err in ULPs of the dtype at exp (0 where not both finite)
    ok: np.ndarray  # within the policy (an exact special, or an overflow the tolerance reaches)
    metrics: dict  # max_abs_err, max_rel_err, max_ulp_err and allowed_ulps

    def within(self, dtype, ulps, scale) -> np.ndarray:
        """Where the values are within the policy or within ``ulps`` ULP (an expectation's bound)."""
        return self.ok | (self.err <= tolerance.allowed(self.exp, dtype, ulps, np.broadcast_to(scale, self.exp.shape)))


def closeness(actual, expected, dtype, ulps, scale) -> Closeness:
    """Compare ``actual`` with ``expected`` (same shape) in ``dtype`` at ``ulps`` ULP and conditioning ``scale``."""
    exp = np.asarray(expected, np.float64)
    act = np.asarray(actual).astype(np.float64)
    with np.errstate(over="ignore"):
        rounded = to_dtype(exp, dtype).astype(np.float64)  # the spec's value rounded to the dtype
    tol = tolerance.allowed(exp, dtype, ulps, np.broadcast_to(scale, exp.shape))
    with np.errstate(invalid="ignore", over="ignore"):
        err = np.abs(act - exp)
        fmax = float(tolerance.finfo(dtype).max)
        special = ~np.isfinite(rounded)
        ok = np.where(special, (act == rounded) | (np.isnan(act) & np.isnan(rounded)), err <= tol)
        ok |= np.isinf(act) & (np.sign(act) == np.sign(exp)) & (np.abs(exp) + tol >= fmax)
        finite = np.isfinite(act) & np.isfinite(exp) & ~special
        ulp_err = np.where(finite, err / tolerance.ulp(exp, dtype), 0.0)
        rel = np.where(finite & (exp != 0), err / np.abs(np.where(exp == 0, 1, exp)), 0.0)
    metrics = {"max_abs_err": float(np.max(err[finite], initial=0.0)), "max_rel_err": float(np.max(rel, initial=0.0)),
               "max_ulp_err": float(np.max(ulp_err, initial=0.0)), "allowed_ulps": ulps}
    return Closeness(act, exp, err, tol, ulp_err, ok, metrics)


def assert_close(actual, expected, case, adapter, *, ulps=tolerance.ELEMENTWISE_ULPS, scale=0.0,
                 dtype=None, check_dtype=True, name="out"):
    """``actual`` (the adapter's, in the case's dtype) must match ``expected`` (the spec's)
    under the tolerance policy of conformance.tolerance.

    Where an expectation bounds the check's imprecision (``ulps = N``, the recorder's
    ``allowance``), elements beyond the policy but within N ULP are noted, not a divergence.
    ``name`` is what the message calls the array (``out``; a gradient's ``grad[kernel]``).
    Returns the comparison's metrics; the recorder keeps the worst of them."""
    # A layer's outputs come in its compute dtype: the case's, unless a mixed policy says otherwise.
    dtype = dtype or (compute_dtype(policy_of(adapter), case.dtype) if case.area == "layers"
                      else case.dtype)
    actual_arr, exp = np.asarray(actual), np.asarray(expected, np.float64)
    if actual_arr.shape != exp.shape:
        raise Divergence(f"{name}.shape={actual_arr.shape}, but should be {exp.shape} [{label(case)}]",
                         _detail(adapter, case))
    if check_dtype and str(actual_arr.dtype) != str(np_dtype(dtype)):
        raise Divergence(f"{name}.dtype={actual_arr.dtype}, but should be {dtype} [{label(case)}]",
                         _detail(adapter, case))
    c = closeness(actual_arr, exp, dtype, ulps, scale)
    rec = recorder()
    entry = rec.allowance(case) if rec.allowance and not c.ok.all() else None
    entry = entry if entry is not None and entry.ulps > ulps else None  # a known imprecision wider than the policy
    ok = c.within(dtype, entry.ulps, scale) if entry is not None else c.ok
    # What the check records, all here: the worst metrics, and elements only the expectation's bound accepts.
    rec.worst(**{k: v for k, v in c.metrics.items() if k != "allowed_ulps"})
    if ok.all():
        if entry is not None:
            rec.within_bound(entry, int((~c.ok).sum()), float(np.max(c.ulp_err[~c.ok])))
        return c.metrics
    raise _close_divergence(c, ok, entry.ulps if entry is not None else ulps, case, adapter, name)


def _close_divergence(c: Closeness, ok, ulps, case, adapter, name="out") -> Divergence:
    """The divergence of a comparison whose elements ``~ok`` are beyond ``ulps`` ULP: the first
    ``MAX_SHOWN`` of them, their inputs at the same index, and the metrics."""
    bad = np.argwhere(~ok) if ok.ndim else np.zeros((1, 0), int)
    shown = []
    for idx in bad[:MAX_SHOWN]:
        i = tuple(int(j) for j in idx)
        shown.append({"index": list(i), "actual": _num(c.act[i]), "expected": _num(c.exp[i]),
                      "abs_err": _num(c.err[i]), "ulp_err": _num(c.ulp_err[i]), "allowed": _num(c.tol[i]),
                      "inputs": [_num(np.asarray(x, np.float64)[i]) for x in case.inputs
                                 if np.shape(x) == c.exp.shape]})
    first, metrics = shown[0], c.metrics
    where = f"{name}[{', '.join(map(str, first['index']))}]" if first["index"] else name
    msg = (f"{where}={_fmt(first['actual'])}, but should be {_fmt(first['expected'])} [{label(case)}]; "
           f"{len(bad)} of {c.exp.size} elements differ, max {metrics['max_ulp_err']:.3g} ULP "
           f"(allowed {ulps}), max abs {metrics['max_abs_err']:.3g}")
    return Divergence(msg, _detail(adapter, case, metrics={**metrics, "mismatching": int(len(bad)),
                                                            "elements": int(c.exp.size)}, mismatches=shown))


def set_aside(actual, expected, defined, case, adapter, *, bound, bound_text: str, note: str):
    """Where the spec leaves an output implementation-defined (``defined`` False), each of the
    adapter's values must still satisfy ``bound`` (a function of the values, in float64, that
    returns a boolean array), or the check diverges ("should be {bound_text}"); values other than
    the spec's there are noted as information (``note``, once per check). Returns
    ``(actual, expected)`` with those elements zeroed, for :func:`assert_close` on the rest."""
    act, exp = np.asarray(actual), np.asarray(expected, np.float64)
    if act.shape != exp.shape or np.all(defined):
        return actual, expected
    undefined = ~np.asarray(defined, bool)
    got = act.astype(np.float64)
    bad = np.argwhere(undefined & ~bound(got))
    if len(bad):
        i = tuple(int(j) for j in bad[0])
        raise Divergence(f"out[{', '.join(map(str, i))}]={_fmt(float(got[i]))}, but should be {bound_text} "
                         f"[{label(case)}]; {len(bad)} elements out of bounds",
                         _detail(adapter, case, mismatches=[{"index": list(i), "actual": _num(got[i]),
                                                             "expected": bound_text}]))
    same = (got == exp) | (np.isnan(got) & np.isnan(exp))
    if not same[undefined].all():
        i = tuple(int(j) for j in np.argwhere(undefined & ~same)[0])
        recorder().note(f"implementation-defined: {note}: e.g. out[{', '.join(map(str, i))}]={_fmt(float(got[i]))} "
                        f"where the formula gives {_fmt(float(exp[i]))} [{label(case)}]", case, once="implementation-defined")
    act, exp = act.copy(), exp.copy()
    act[undefined], exp[undefined] = 0, 0
    return act, exp


def softmax_set_aside(actual, expected, x, axis, case, adapter):
    """:func:`set_aside` for a softmax along ``axis`` of ``x``: a slice holding NaN, +inf or only -inf is
    implementation-defined (``reference.activations.softmax_defined``), bounded to NaN at a NaN input,
    else NaN or a value in [0, 1]."""
    x64 = np.asarray(x, np.float64)
    nan_in = np.isnan(x64)
    return set_aside(actual, expected, softmax_defined(x64, axis), case, adapter,
                     bound=lambda y: np.where(nan_in, np.isnan(y), np.isnan(y) | ((y >= 0) & (y <= 1))),
                     bound_text="NaN (a NaN input), else NaN or in [0, 1]",
                     note="softmax of a slice holding NaN, +inf or only -inf")


def _num(v):
    v = float(v)
    return v if math.isfinite(v) else repr(v)


def assert_equal(actual, expected, case, adapter, what: str):
    """Exact equality of plain values (names, shapes; a config, a dict, goes to assert_config)."""
    if isinstance(expected, dict):
        return assert_config(actual, expected, case, adapter, what)
    if not _same(actual, expected):
        raise Divergence(f"{what}={actual!r}, but should be {expected!r} [{label(case)}]",
                         _detail(adapter, case, mismatches=[{"actual": repr(actual), "expected": repr(expected)}]))


def _same(a, b) -> bool:
    """Equal values, a list equal to a tuple of the same items (shapes), NaN to NaN, bool not an int."""
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return type(a) is type(b) and a == b
    if isinstance(a, (int, float)) and isinstance(b, (int, float)):
        return a == b or (math.isnan(a) and math.isnan(b))
    return a == b


def _bits(v: float) -> int:
    return struct.unpack("<q", struct.pack("<d", v))[0]


class _Absent:
    def __repr__(self):
        return "<absent>"


_ABSENT = _Absent()  # a key one config has and the other lacks


def config_difference(actual, expected, path: str = ""):
    """The first field where the config ``actual`` differs from the spec's ``expected``, as
    (path, actual, expected, why), or None. Exact, field by field, in the spec's key order and
    then the adapter's extra keys: a float is that float bit for bit (NaN equals NaN, -0.0 is not
    0.0; a float subclass such as numpy's float64 is a float, numpy's float32 is not), an int is an
    int (not a float, not a bool, not a numpy integer), a bool a bool, a tuple a tuple and a list a
    list (Keras 3 keeps tuples where it normalizes an argument: a config that gives a list there
    is not what Keras saves), a string that string. A missing or extra key is a difference whose
    value is absent (``actual`` or ``expected`` is the _ABSENT marker)."""
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return path, actual, expected, "not a dict"
        for k in expected:
            if k not in actual:
                return f"{path}[{k!r}]", _ABSENT, expected[k], "missing"
            found = config_difference(actual[k], expected[k], f"{path}[{k!r}]")
            if found:
                return found
        for k in actual:
            if k not in expected:
                return f"{path}[{k!r}]", actual[k], _ABSENT, "extra"
        return None
    if isinstance(expected, (list, tuple)):
        if not isinstance(actual, (list, tuple)) or isinstance(actual, tuple) != isinstance(expected, tuple):
            return path, actual, expected, "type"
        if len(actual) != len(expected):
            return path, actual, expected, "length"
        for i, (a, e) in enumerate(zip(actual, expected)):
            found = config_difference(a, e, f"{path}[{i}]")
            if found:
                return found
        return None
    if isinstance(expected, bool) or isinstance(actual, bool):
        same = type(actual) is type(expected) and actual == expected
    elif isinstance(expected, float):
        same = isinstance(actual, float) and (
            _bits(actual) == _bits(expected) or (math.isnan(actual) and math.isnan(expected)))
    elif isinstance(expected, int):
        same = isinstance(actual, int) and actual == expected
    else:
        same = type(actual) is type(expected) and actual == expected
    return None if same else (path, actual, expected, "value")


def assert_config(actual, expected, case, adapter, what: str = "get_config()"):
    """A config (``get_config()``, a clone's, a resolved object's) equal to the spec's exactly, field
    by field (config_difference). The message names the first differing field with both values in
    full precision: ``get_config()['l2']=0.009999999776482582, but should be 0.01 [...]``."""
    found = config_difference(actual, expected)
    if found is None:
        return
    path, a, e, why = found
    if why == "missing":
        msg = f"{what}{path} is missing, but should be {e!r}"
    elif why == "extra":
        msg = f"{what}{path}={a!r}, but the spec's config has no such key"
    else:
        msg = f"{what}{path}={a!r}, but should be {e!r}"
        if repr(a) == repr(e) or why == "type":
            msg += f" (a {type(a).__name__}, but should be a {type(e).__name__})"
    raise Divergence(f"{msg} [{label(case)}]", _detail(adapter, case, mismatches=[
        {"field": f"{what}{path}", "actual": repr(a), "expected": repr(e)}]))


def assert_roundtrip(spec, adapter, case, what=("get_config()", "from_config(config).get_config()")):
    """A ``roundtrip`` case: the config and the clone's config equal the spec's, and the clone
    gives exactly the original's values. Nothing to compare when both reject the config."""
    result = run_both(spec, adapter, case)
    if result is None:
        return
    expected, actual = result
    assert_config(actual.config, expected.config, case, adapter, what[0])
    assert_config(actual.clone_config, expected.clone_config, case, adapter, what[1])
    assert_close(actual.clone, actual.original, case, adapter, ulps=0, dtype="float32")


def _same_result(a, b) -> bool:
    """Two LayerResults with the same outputs (NaN equal to NaN) and masks."""
    return (len(a.outputs) == len(b.outputs) and all(
        np.array_equal(np.asarray(x, np.float64), np.asarray(y, np.float64), equal_nan=True)
        for x, y in zip(a.outputs, b.outputs)) and len(a.masks) == len(b.masks) and all(
        (x is None) == (y is None) and (x is None or np.array_equal(x, y)) for x, y in zip(a.masks, b.masks)))


def assert_layer_roundtrip(spec, adapter, case, clone_what="from_config(config).get_config()"):
    """A layer's ``roundtrip`` case (or ``save`` case: the clone is the layer loaded from a ``.keras``
    file, ``clone_what`` names its config): get_config() and the clone's get_config() equal the spec's, and
    the clone's outputs (exactly, 0 ULP) and masks equal the original's, unless the spec's own clone
    differs from its original (Keras 2's SpatialDropout config has no data_format: a channels_first
    clone drops channels_last maps). assert_roundtrip compares arrays; a layer gives LayerResults."""
    result = run_both(spec, adapter, case)
    if result is None:
        return
    expected, actual = result
    if actual is None:
        raise Unsupported(f"adapter {adapter.name!r} has no {case.op} (its Adapter.{case.op} returns None)")
    assert_config(actual.config, expected.config, case, adapter, "get_config()")
    assert_config(actual.clone_config, expected.clone_config, case, adapter, clone_what)
    if not _same_result(expected.clone, expected.original):
        note = (f"the {spec.edition} spec's clone differs from its original where the config loses a setting "
                f"(e.g. {label(case)}): the adapter's clone outputs are not compared there")
        recorder().note(note, case, once=note[:60])
        return
    assert_outputs(actual.clone, actual.original, case, adapter, ulps=0)
    assert_masks(actual.clone, actual.original, case, adapter)


def assert_saved_model(spec, adapter, case):
    """A layer in a one-layer model saved to a ``.keras`` file and loaded again (``save``, the path
    users persist models by): the loaded layer's config equals the spec's, and its outputs (0 ULP)
    and masks equal the original's (assert_layer_roundtrip). Catches a config key dropped or
    mangled by the file format, weights not saved or loaded into the wrong variables."""
    assert_layer_roundtrip(spec, adapter, dataclasses.replace(case, op="save"),
                           clone_what="load_model(saved).layers[-1].get_config()")


def assert_stats(case, adapter, tests):
    """Record statistical tests (conformance/stats.py results) on the check, and raise the first
    failed one as a divergence, with its false-alarm probability and detectable effect."""
    rec = recorder()
    rec.stats.extend(tests)
    failed = [t for t in tests if not t["passed"]]
    if failed:
        t = failed[0]
        raise Divergence(f"{t['test']}: statistic {t['statistic']!r} beyond {t['threshold']!r} "
                         f"(false-alarm probability {t['alpha']:.0e}; detects {t['detects']}) [{label(case)}]",
                         {"case": None, "snippet": adapter.snippet(case), "stats": tests})


def assert_outputs(actual, expected, case, adapter, *, ulps=tolerance.ELEMENTWISE_ULPS, scales=None):
    """Every output of a layer call (:class:`~adapters.base.LayerResult`) under the tolerance policy;
    ``scales`` one conditioning scale per output (default 0)."""
    assert_equal(len(actual.outputs), len(expected.outputs), case, adapter, "len(outputs)")
    scales = scales if scales is not None else [0.0] * len(expected.outputs)
    for a, e, s in zip(actual.outputs, expected.outputs, scales):
        assert_close(a, e, case, adapter, ulps=ulps, scale=s)


def compare(spec, adapter, case, tolerance_of):
    """Run ``case`` on both sides and compare the adapter's result with the spec's under the
    tolerance ``tolerance_of(spec, case, expected) -> (ulps, scale)`` (a family's function in
    conformance/tolerance.py): a layer's outputs with :func:`assert_outputs` (``scale`` one per
    output), any other result with :func:`assert_close`. Returns run_both's (expected, actual), or
    None when both sides reject the case."""
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        ulps, scale = tolerance_of(spec, case, expected)
        if isinstance(expected, LayerResult):
            assert_outputs(actual, expected, case, adapter, ulps=ulps, scales=scale)
        else:
            assert_close(actual, expected, case, adapter, ulps=ulps, scale=0.0 if scale is None else scale)
    return result


# --- shapes ---
def norm(shape):
    """A shape, or a list of shapes (several outputs), as plain tuples of int/None."""
    if isinstance(shape, (list, tuple)) and shape and all(isinstance(s, (list, tuple)) for s in shape):
        return [norm(s) for s in shape]
    return tuple(None if d is None else int(d) for d in shape)


def _as_shapes(shape) -> list:
    """Always a list of shapes (a single-output layer has one)."""
    shape = norm(shape)
    return shape if isinstance(shape, list) else [shape]


def _agree(symbolic, concrete) -> bool:
    """Whether a symbolic shape list admits the concrete one (None matches any size)."""
    return len(symbolic) == len(concrete) and all(
        len(s) == len(c) and all(a is None or a == b for a, b in zip(s, c)) for s, c in zip(symbolic, concrete))


def assert_compute_output_shape(spec, adapter, case):
    """A layer's ``shape`` case: compute_output_shape of ``case.shape`` (None where a dim is unknown)
    equals the spec's, or both reject it."""
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_equal(norm(actual), norm(expected), case, adapter, "compute_output_shape")


def assert_call_shape(spec, adapter, call):
    """A layer's ``call`` case: its one output has the shape the spec's compute_output_shape gives for
    the input's, in the spec's result and in the adapter's; nothing to compare when both reject it."""
    result = run_both(spec, adapter, call)
    if result is not None:
        expected, actual = result
        want = tuple(spec.build(call.feature, call.config).compute_output_shape(np.shape(call.inputs[0])))
        assert_equal(len(actual.outputs), 1, call, adapter, "len(outputs)")
        assert_equal(tuple(np.shape(expected.outputs[0])), want, call, adapter, "the spec's out.shape")
        assert_equal(tuple(np.shape(actual.outputs[0])), want, call, adapter, "out.shape")


def assert_shapes(spec, adapter, call, symbolic, *, called=True):
    """For a ``call`` case and its input shape with a None batch and some unknown dims
    (``symbolic``, e.g. strategies.unknown_dims): (1) compute_output_shape of ``symbolic`` equals
    the spec's; (2) the outputs of the call have the spec's shapes; (3) the adapter's own
    compute_output_shape for the concrete input shape agrees with the shapes its call gives (None
    matches any size) and equals the spec's. Without ``called`` (a call whose values are another
    check's business, e.g. an implementation-defined interpolation), only compute_output_shape:
    (1), and (3) against the spec alone. Both sides rejecting a step ends that step. A layer of
    several inputs takes a list of shapes (``symbolic`` too), a layer of one input its shape.
    A layer family's shape check is this, or (where its cases need several symbolic variants of one
    config, as the convolutions') its steps: :func:`assert_compute_output_shape` and
    :func:`assert_call_shape`."""
    # (1) symbolic, with unknown dims
    assert_compute_output_shape(spec, adapter, Case(call.feature, "shape", call.config, shape=symbolic))

    # (2) the actual shapes of a call
    got = None
    result = run_both(spec, adapter, call) if called else None
    if called and result is None:
        return
    if result is not None:
        expected, actual = result
        got = [tuple(o.shape) for o in actual.outputs]
        assert_equal(got, [tuple(o.shape) for o in expected.outputs], call, adapter, "output shapes")

    # (3) the adapter's compute_output_shape for the concrete shape agrees with its own call
    shapes = [tuple(x.shape) for x in call.inputs]
    concrete = Case(call.feature, "shape", call.config, shape=shapes if len(shapes) > 1 else shapes[0])
    result = run_both(spec, adapter, concrete)
    if result is not None:
        expected_sym, actual_sym = _as_shapes(result[0]), _as_shapes(result[1])
        if got is not None and not _agree(actual_sym, got):
            raise Divergence(f"compute_output_shape={actual_sym!r}, but the adapter's own call gives outputs of "
                             f"shapes {got!r} [{label(concrete)}]",
                             {"case": case_dict(concrete), "snippet": adapter.snippet(call),
                              "mismatches": [{"actual": repr(actual_sym), "expected": repr(got)}]})
        assert_equal(actual_sym, expected_sym, concrete, adapter, "compute_output_shape")


def assert_masks(actual, expected, case, adapter, spec=None):
    """The output masks, exactly: both None, or the same boolean array. With ``spec``, masks that
    equal the spec's on the case with subnormals flushed to zero are accepted too (the one
    flush-to-zero policy of conformance/tolerance.py)."""
    compare = lambda e: _assert_same_masks(actual, e, case, adapter)  # noqa: E731
    return accept_daz(spec, case, compare, expected) if spec is not None else compare(expected)


def accept_daz(spec, case, compare, expected):
    """``compare(expected)``; where that diverges and the case holds subnormals, ``compare`` of the
    spec's result on the case with them flushed to zero (what a CPU that reads subnormals as zero
    computes on: the one flush-to-zero policy of conformance/tolerance.py). If both diverge, the
    first divergence is raised."""
    try:
        return compare(expected)
    except Divergence as e:
        first = e
    flushed = tolerance.flush_subnormals(case)
    daz = outcome(spec, flushed) if flushed is not None else None
    if daz is not None and daz[0] == "ok":
        try:
            return compare(daz[1])
        except Divergence:
            pass
    raise first  # from one place, so that Hypothesis sees one failure, not two distinct ones


def _assert_same_masks(actual, expected, case, adapter):
    assert_equal(len(actual.masks), len(expected.masks), case, adapter, "len(masks)")
    for i, (a, e) in enumerate(zip(actual.masks, expected.masks)):
        if a is None or e is None:
            assert_equal(a is None, e is None, case, adapter, f"output {i} has no mask")
            continue
        a, e = np.asarray(a, bool), np.asarray(e, bool)
        assert_equal(a.shape, e.shape, case, adapter, f"mask[{i}].shape")
        if not np.array_equal(a, e):
            idx = tuple(int(j) for j in np.argwhere(a != e)[0])
            raise Divergence(f"mask[{i}][{', '.join(map(str, idx))}]={bool(a[idx])}, but should be {bool(e[idx])} "
                             f"[{label(case)}]; {int((a != e).sum())} of {e.size} differ",
                             _detail(adapter, case, mismatches=[{"index": list(idx), "actual": bool(a[idx]),
                                                                 "expected": bool(e[idx])}]))


def assert_losses(actual, expected, case, adapter, *, ulps, weight_penalties=0):
    """``layer.losses``: as many as the spec's, each within ``ulps`` (losses are sums: see tolerance.py),
    in its dtype: the activity penalties (first) in the layer's compute dtype, the last ``weight_penalties``
    in its variables' (float32 under a mixed policy: reference/policies.py)."""
    assert_equal(len(actual.losses), len(expected.losses), case, adapter, "len(layer.losses)")
    policy, first_weight = policy_of(adapter), len(expected.losses) - weight_penalties
    for i, (a, e) in enumerate(zip(actual.losses, expected.losses)):
        dtype = (variable_dtype if i >= first_weight else compute_dtype)(policy, case.dtype)
        assert_close(np.float64(a), np.float64(e), case, adapter, ulps=ulps, dtype=dtype, check_dtype=False)


# --- activations ---
def compare_activation(spec, adapter, case):
    """:func:`compare` of an activation under ``tolerance.activations``, with the DAZ retry
    (:func:`accept_daz`: the spec's values on the case with subnormal inputs read as zero are
    accepted too; selu of a subnormal bfloat16 is normal) and a softmax's slices holding NaN, +inf
    or only -inf set aside (:func:`softmax_set_aside`). Returns run_both's result."""
    result = run_both(spec, adapter, case)
    if result is not None:
        accept_daz(spec, case, lambda expected: _assert_activation(spec, result[1], expected, case, adapter), result[0])
    return result


def _assert_activation(spec, actual, expected, case, adapter):
    if case.feature == "activations.softmax":  # slices with NaN, +inf or only -inf: see its spec
        actual, expected = softmax_set_aside(actual, expected, case.inputs[0], case.config.get("axis", -1), case,
                                             adapter)
    ulps, scale = tolerance.activations(spec, case, expected)
    assert_close(actual, expected, case, adapter, ulps=ulps, scale=scale)


# --- initializers ---
def compare_initializer(spec, adapter, case):
    """A deterministic initializer's ``sample`` case, value by value; where the spec's initializer
    is not ``defined()`` (a float32-subnormal Constant, see its Implementation-defined) each value
    must be the spec's or 0. Returns run_both's result."""
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        if not getattr(spec.build(case.feature, case.config), "defined", lambda: True)():
            actual, expected = set_aside(actual, expected, np.zeros(np.shape(expected), bool), case, adapter,
                                         bound=lambda y: (y == np.asarray(expected, np.float64)) | (y == 0),
                                         bound_text="the value or 0", note="a float32-subnormal Constant")
        assert_close(actual, expected, case, adapter)
    return result


def sample(adapter, case):
    """The adapter's sample (float64) of a case the spec accepts, noted with :func:`track`; the
    adapter's rejection is a divergence, not a crash."""
    track(case)
    kind, value = outcome(adapter, case)
    if kind == "rejected":
        raise Divergence(f"the adapter rejects it but the spec accepts it [{label(case)}]: {value}",
                         {"case": None, "snippet": adapter.snippet(case), "rejections": {"spec": None, "adapter": value}})
    return np.asarray(value, np.float64)


def assert_support(actual, dist, case, adapter):
    """Every element lies in the support of ``dist`` (the spec's distribution), widened by the
    dtype's rounding of the bound."""
    lo, hi = dist.support
    x = np.asarray(actual, np.float64)
    fi = tolerance.finfo(case.dtype)
    eps, tiny = float(fi.eps), float(fi.smallest_normal)
    lo_ok, hi_ok = lo - 2 * eps * abs(lo) - tiny, hi + 2 * eps * abs(hi) + tiny
    bad = ~((x >= lo_ok) & (x <= hi_ok))
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        raise Divergence(f"out[{', '.join(map(str, i))}]={x[i]!r}, outside the support [{lo:.6g}, {hi:.6g}] "
                         f"[{label(case)}]; {int(bad.sum())} of {x.size} elements outside",
                         {"case": None, "snippet": adapter.snippet(case)})


def assert_orthonormal(actual, init, case, adapter):
    """Orthogonal: the sample, flattened to ``init.matrix_shape``, has orthonormal columns (or rows)
    of length gain: its Gram matrix is gain² I, within a reduction over the longer side."""
    rows, cols = init.matrix_shape(case.shape)
    m = np.asarray(actual, np.float64).reshape(rows, cols)
    gram = m.T @ m if rows >= cols else m @ m.T
    expected = init.gain**2 * np.eye(min(rows, cols))
    assert_close(gram, expected, case, adapter, ulps=tolerance.reduction_ulps(max(rows, cols)), scale=init.gain**2,
                 dtype=case.dtype, check_dtype=False)


# --- layers_pooling ---
def _nan_window_outcomes(layer, x, actual, defined, dtype):
    """What the adapter put (``actual``) where a max-pooling window of ``x`` holds a NaN (``defined``
    False): NaN, the max of the other values, the lowest finite number, or another value."""
    xl = np.moveaxis(x, 1, -1) if layer.data_format == "channels_first" else x
    w = layer._windows(xl, layer.call_padding(), -np.inf)
    w = w.reshape(*w.shape[:-layer.rank], -1)
    w = (np.moveaxis(w, -2, 1) if layer.data_format == "channels_first" else w)[~defined]
    nan = np.isnan(w)
    nanmax = np.where(nan.all(axis=-1), np.nan, np.max(np.where(nan, -np.inf, w), axis=-1))  # NaN: only NaN
    lowest = -float(tolerance.finfo(dtype).max)
    kinds = set()
    for a, m in zip(np.asarray(actual)[~defined].astype(np.float64), nanmax):
        if np.isnan(a):
            kinds.add("NaN (propagates it)")
        elif np.isnan(m) and a == lowest:
            kinds.add("the lowest finite number for a window of NaN only")
        elif a == m:
            kinds.add("the max of the other values (skips NaN)")
        else:
            kinds.add(f"another value ({a})")
    return ", ".join(sorted(kinds))


def compare_pooling(spec, adapter, case):
    """:func:`compare` of a pooling layer's call under tolerance.layers_pooling, except that a
    max-pooling output whose window holds a NaN is implementation-defined (reference/layers/pooling.py:
    TensorFlow's CPU MaxPool skips NaN, JAX and torch propagate it): those outputs are left out, what
    the adapter put there is noted as information, and the rest is compared exactly. Global max
    propagates NaN on every backend: compared exactly. Returns run_both's (expected, actual), or None
    when both reject the case."""
    if not case.feature.startswith("layers.MaxPooling"):
        return compare(spec, adapter, case, tolerance.layers_pooling)
    result = run_both(spec, adapter, case)
    if result is None:
        return None
    expected, actual = result
    assert_equal(len(actual.outputs), 1, case, adapter, "len(outputs)")
    layer = spec.build(case.feature, case.config)
    x = np.asarray(case.inputs[0], np.float64)
    defined = layer.defined(x)
    out, exp = np.asarray(actual.outputs[0]), np.asarray(expected.outputs[0])
    if out.shape == exp.shape and not defined.all():
        what = _nan_window_outcomes(layer, x, out, defined, case.dtype)
        note = f"implementation-defined: {case.feature} of a window holding a NaN gives {what}"
        recorder().note(note + f" (e.g. [{label(case)}])", case, once=note)
        out, exp = out.copy(), exp.copy()
        out[~defined] = 0
        exp[~defined] = 0
    assert_close(out, exp, case, adapter, ulps=0)
    return result


# --- layers_spatial ---
def assert_signed_zeros(actual, expected, case, adapter):
    """Where the spec's output is a zero, the adapter's has its sign (an input's -0.0 stays -0.0, zero
    padding is +0.0): :func:`assert_close` compares -0.0 equal to +0.0."""
    a, e = np.asarray(actual.outputs[0], np.float64), np.asarray(expected.outputs[0], np.float64)
    if a.shape == e.shape:
        bad = (e == 0) & (np.signbit(a) != np.signbit(e))
        if bad.any():
            i = tuple(int(j) for j in np.argwhere(bad)[0])
            raise Divergence(f"out[{', '.join(map(str, i))}]={a[i]!r}, but should be {e[i]!r} (the sign of zero) "
                             f"[{label(case)}]", _detail(adapter, case))


def _describe_output(out):
    out = np.asarray(out, np.float64)
    kinds = [k for k, m in (("NaN", np.isnan(out)), ("inf", np.isinf(out)), ("finite", np.isfinite(out))) if m.any()]
    return f"an output of shape {out.shape} ({', '.join(kinds) or 'empty'})"


def record_implementation_defined(spec, adapter, case, row):
    """A call whose result the spec leaves implementation-defined (reference/layers/spatial.py's
    :class:`ImplementationDefined`; the spec must mark it so): what the adapter does, reject it or
    return an output, is recorded as information (``row`` names the case); an output must have the
    shape of the spec's compute_output_shape."""
    track(case)
    layer = spec.build(case.feature, case.config)
    try:
        layer(case.inputs[0])
    except ImplementationDefined:
        pass
    else:
        raise AssertionError(f"the spec does not mark it implementation-defined [{label(case)}]")
    kind, actual = outcome(adapter, case)
    if kind == "rejected":
        what = f"rejects it ({actual.split(':', 1)[0]})"
    else:
        shape = layer.compute_output_shape(case.inputs[0].shape)
        assert_equal(tuple(np.shape(actual.outputs[0])), tuple(shape), case, adapter, "output shape")
        what = f"returns {_describe_output(actual.outputs[0])}"
    recorder().note(f"implementation-defined: {row}: the adapter {what} [{label(case)}]", case)


# --- core layers ----------------------------------------------------------------------------------
# The checks the core layers' families share (conformance/test_layers_core.py, _reshaping, _dropout,
# _masking and _regularization: one thin test_<check> each, over the family's features), and the
# exact assertions of Dropout's training-time checks.
def layer_values(spec, adapter, case, tolerance_of):
    """A core layer's outputs (training=False) under ``tolerance_of`` (the family's function in
    conformance/tolerance.py). Activation's softmax leaves a slice holding NaN, +inf or only -inf
    implementation-defined, as activations.softmax does (:func:`softmax_set_aside`)."""
    result = run_both(spec, adapter, case)
    if result is None:
        return
    expected, actual = result
    ulps, scales = tolerance_of(spec, case, expected)
    if case.feature == "layers.Activation" and case.config.get("activation") == "softmax":
        a, e = softmax_set_aside(actual.outputs[0], expected.outputs[0], case.inputs[0], -1, case, adapter)
        actual, expected = dataclasses.replace(actual, outputs=[a]), dataclasses.replace(expected, outputs=[e])
    assert_outputs(actual, expected, case, adapter, ulps=ulps, scales=scales)


def assert_seed_page(spec, adapter, example, name):
    """A seed page example (strategies.PageExample ``name``), literally: compute_output_shape of the
    layer for the page's input shape equals the spec's and the page's (keras.Input: its shape and
    dtype)."""
    case = example.case()
    result = run_both(spec, adapter, case)
    assert result is not None, f"the spec rejects the seed page's example {name}"
    expected, actual = result
    if example.feature == "layers.Input":
        actual, expected, page = (norm(actual[0]), str(actual[1])), (norm(expected[0]), expected[1]), example.page
    else:
        actual, expected, page = norm(actual), norm(expected), norm(example.page)
    assert_equal(actual, expected, case, adapter, "compute_output_shape")
    assert_equal(actual, page, case, adapter, "compute_output_shape (the seed page's)")


def assert_reject(spec, adapter, feature, row):
    """A strategies.Reject row: the adapter rejects it as the spec of the edition under test does;
    where only the other edition's spec rejects it, both must accept it (what they compute is the
    values, shapes and round-trip checks' business)."""
    if spec.edition in row.editions:
        expect_rejection(spec, adapter, row.case(feature))
    else:
        run_both(spec, adapter, row.case(feature))


def compare_masks(spec, adapter, case):
    """The output masks of a call, exactly, or as the spec's on the case with subnormals flushed
    (:func:`assert_masks`)."""
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_masks(actual, expected, case, adapter, spec)


def assert_bitwise(actual, expected, case, adapter):
    """Every output exactly (0 ULP, NaN == NaN), and where the spec gives a zero, its sign too
    (assert_close compares -0.0 == 0.0)."""
    assert_outputs(actual, expected, case, adapter, ulps=0)
    for a, e in zip(actual.outputs, expected.outputs):
        a, e = np.asarray(a, np.float64), np.asarray(e, np.float64)
        bad = (e == 0) & (a == 0) & (np.signbit(a) != np.signbit(e))
        if bad.any():
            idx = tuple(int(j) for j in np.argwhere(bad)[0])
            where = f"out[{', '.join(map(str, idx))}]"
            raise Divergence(f"{where}={a[idx]!r}, but should be {e[idx]!r} (the sign of zero) [{label(case)}]; "
                             f"{int(bad.sum())} of {e.size} zeros have the wrong sign",
                             {"mismatches": [{"index": list(idx), "actual": repr(float(a[idx])),
                                              "expected": repr(float(e[idx]))}]})


def compare_losses(spec, adapter, case):
    """``layer.losses`` after one call, by value and in Keras' order, within tolerance.layer_losses.

    Keras 3 (``Layer.__call__``, ``Layer.losses``): an activity regularizer adds
    regularizer(output) / batch_size (``divide_no_nan``; a rank-0 output is not divided) for each
    output during the call; ``layer.losses`` lists those first, then one penalty per trainable
    weight with a regularizer, in weight order (Dense: kernel, then bias). tf-keras (Keras 2) has
    the same division (``_handle_activity_regularization``) and the same order (eager losses, then
    the callable weight losses added by ``add_weight``). Each regularizer casts its factor to the
    weight's (or output's) dtype, as reference/regularizers.py models."""
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        penalties = sum(r is not None for r in spec.build(case.feature, case.config).weight_regularizers().values())
        assert_losses(actual, expected, case, adapter, ulps=tolerance.layer_losses(spec, case),
                      weight_penalties=penalties)


def noise_shape(spec, case) -> tuple:
    """A dropout case's noise shape as the spec resolves it, left-padded with 1s to the input's rank
    (NumPy broadcasting)."""
    shape = tuple(np.shape(case.inputs[0]))
    n = tuple(spec.build(case.feature, case.config).resolved_noise_shape(shape))
    return (1,) * (len(shape) - len(n)) + n


def single_output(actual, case, adapter):
    """The one output of a dropout call, checked to have the input's shape and dtype (the compute dtype
    under a mixed policy)."""
    assert_equal(len(actual.outputs), 1, case, adapter, "len(outputs)")
    out = np.asarray(actual.outputs[0])
    assert_equal(tuple(out.shape), tuple(np.shape(case.inputs[0])), case, adapter, "out.shape")
    dtype = compute_dtype(policy_of(adapter), case.dtype)
    assert_equal(str(out.dtype), str(np_dtype(dtype)), case, adapter, "out.dtype")
    return out


def assert_identical(out, x, case, adapter, what="the input"):
    """``out`` is ``x`` bit for bit (any NaN for a NaN): ±0, subnormals and infinities included."""
    out, x = np.asarray(out), np.asarray(x)
    assert_equal(tuple(out.shape), tuple(x.shape), case, adapter, "out.shape")
    assert_equal(str(out.dtype), str(x.dtype), case, adapter, "out.dtype")
    bits = np.dtype(f"u{x.dtype.itemsize}")
    o64, x64 = out.astype(np.float64), x.astype(np.float64)
    ok = (out.view(bits) == x.view(bits)) | (np.isnan(o64) & np.isnan(x64))
    if not ok.all():
        i = tuple(int(j) for j in np.argwhere(~ok)[0])
        raise Divergence(f"out[{', '.join(map(str, i))}]={o64[i]!r}, but should be {what}'s {x64[i]!r} "
                         f"(bit for bit) [{label(case)}]; {int((~ok).sum())} of {x.size} elements differ",
                         {"case": None, "snippet": adapter.snippet(case),
                          "mismatches": [{"index": list(i), "actual": repr(o64[i]), "expected": repr(x64[i])}]})


def keep_pattern(out) -> np.ndarray:
    """The kept elements of a dropout output whose input is finite and nonzero (NaN counts as kept)."""
    return np.asarray(out, np.float64) != 0


def assert_cells(keep, noise, case, adapter):
    """The keep pattern is constant within every noise cell: along each axis where the noise
    shape is 1, every element is kept or dropped with the element at index 0 on that axis.
    Returns the pattern of the cells (``keep`` at index 0 along those axes)."""
    first = keep[tuple(slice(0, 1) if n == 1 else slice(None) for n in noise)]
    bad = keep != np.broadcast_to(first, keep.shape)
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        j = tuple(0 if n == 1 else k for k, n in zip(i, noise))
        state = lambda kept: "kept" if kept else "dropped"  # noqa: E731
        raise Divergence(f"out[{', '.join(map(str, i))}] is {state(keep[i])} but out[{', '.join(map(str, j))}] "
                         f"in the same noise cell is {state(keep[j])} (noise shape {noise}, every element of a "
                         f"cell is kept or dropped together) [{label(case)}]; {int(bad.sum())} of {keep.size} "
                         f"elements disagree with their cell",
                         {"case": None, "snippet": adapter.snippet(case)})
    return first


def assert_dropout_values(out, keep, case, adapter):
    """A dropout output is x / (1 - rate) where kept (one rounding), 0 where dropped; specials exactly."""
    x = np.asarray(case.inputs[0], np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        expected = np.where(keep, x / (1.0 - case.config["rate"]), 0.0)
    assert_close(out, expected, case, adapter, ulps=tolerance.ELEMENTWISE_ULPS)


# --- layers_convolution, layers_convolution_transpose, layers_locally_connected, layers_embedding ---
def assert_default_weights(spec, adapter, case):
    """A layer's ``sample`` case: the weights it builds for ``case.shape`` have the spec's names and
    shapes; those of a random initializer (a kernel, a table) follow its distribution for the spec's
    shape, so with its fans (KS and two moments, conformance/stats.py), and the others (a zeros bias)
    equal the spec's exactly."""
    track(case)
    weights = adapter.run(case)
    expected = spec.run(case)
    assert_equal(sorted(weights), sorted(expected), case, adapter, "weight names")
    for name in expected:
        assert_equal(tuple(np.shape(weights[name])), tuple(np.shape(expected[name])), case, adapter, f"{name}.shape")
    # Stored in the policy's variable dtype: float32 under a mixed policy (reference/policies.py).
    stored = variable_dtype(policy_of(adapter), case.dtype)
    for name in expected:
        assert_equal(str(np.asarray(weights[name]).dtype), str(np_dtype(stored)), case, adapter, f"{name}.dtype")
    inits = spec.build(case.feature, case.config).weight_initializers()
    for name in sorted(expected, key=lambda n: inits[n].random):  # the exact ones first
        if inits[name].random:
            w = np.asarray(weights[name], np.float64)
            dist = inits[name].distribution(w.shape)
            assert_stats(case, adapter, [stats.ks_test(w, dist), *stats.moment_tests(w, dist)])
        else:
            assert_close(weights[name], expected[name], case, adapter, ulps=0, dtype=stored)


def assert_weight_losses(spec, adapter, case):
    """``layer.losses`` of a convolution-family layer after a call: one penalty per weight whose
    regularizer is set, in weight order (:func:`compare_losses`; its tolerance.layer_losses takes the
    largest weight's size)."""
    compare_losses(spec, adapter, case)


def out_of_range_rows(rows, indices, table) -> str:
    """What an adapter put where an Embedding index is outside ``table``: zero rows, NaN rows, the row
    of the index mod input_dim (a wrap), the nearest row (a clamp) or other rows, one ``rows[i]`` per
    ``indices[i]``; the kinds found, in words."""
    input_dim = len(table)
    kinds = []
    for row, i in zip(rows, indices):
        if np.all(row == 0):
            kinds.append("zero rows")
        elif np.all(np.isnan(row)):
            kinds.append("NaN rows")
        elif np.isfinite(i) and -2**31 <= i < 2**31 and np.array_equal(row, table[int(np.trunc(i)) % input_dim]):
            kinds.append("wraps (index mod input_dim)")
        elif np.array_equal(row, table[0 if i < 0 else input_dim - 1]):
            kinds.append("clamps to the nearest row")
        else:
            kinds.append(f"other rows ({row.tolist()})")
    return ", ".join(sorted(set(kinds)))


# --- signatures (every family's test_signature) ---
_POSITIONAL = ("POSITIONAL_ONLY", "POSITIONAL_OR_KEYWORD")
_VARIADIC = {"VAR_POSITIONAL": "*", "VAR_KEYWORD": "**"}


def _parameter(p) -> str:
    """A parameter as Python writes it: ``padding='valid'``, ``**kwargs``."""
    return _VARIADIC.get(p["kind"], "") + p["name"] + (f"={p['default']}" if "default" in p else "")


def signature_problems(actual: list, expected: list) -> tuple[list[str], list[str]]:
    """(divergences, extras) of the framework's parameters ``actual`` against the spec's ``expected``
    (plain data, ``reference.signatures.parameters``). Every argument the spec names must be there by
    that name, with the same default (or required where the spec has none) and, where the spec makes it
    positional, at the same position and not positional-only where the spec lets it be passed by keyword
    (an argument the spec makes keyword-only may also be positional: every documented call works). A
    ``*args``/``**kwargs`` the spec declares must be there; the framework's own ``**kwargs`` (where Keras
    takes the base layer's name, dtype, trainable...) is not compared. Any other argument of the
    framework is an extra: information, not a divergence."""
    named = {p["name"]: p for p in actual if p["kind"] not in _VARIADIC}
    positions = [p["name"] for p in actual if p["kind"] in _POSITIONAL]
    spec_positions = [p["name"] for p in expected if p["kind"] in _POSITIONAL]
    spec_names = {p["name"] for p in expected}
    extras = [p for p in actual if p["kind"] not in _VARIADIC and p["name"] not in spec_names]
    problems, shifted = [], False
    for p in expected:
        name = p["name"]
        if p["kind"] in _VARIADIC:
            if not any(a["kind"] == p["kind"] for a in actual):
                problems.append(f"takes no {_VARIADIC[p['kind']]}{'kwargs' if p['kind'] == 'VAR_KEYWORD' else 'args'}, "
                                f"but should take {_parameter(p)}")
            continue
        a = named.get(name)
        if a is None:
            hint = f" (it has {', '.join(repr(e['name']) for e in extras)} instead)" if extras else ""
            problems.append(f"argument {name!r} is missing{hint}, but should be there ({_parameter(p)})")
            continue
        if "default" in p and "default" not in a:
            problems.append(f"argument {name!r} is required, but should default to {p['default']}")
        elif "default" in a and "default" not in p:
            problems.append(f"argument {name!r} default={a['default']}, but should be required")
        elif a.get("default") != p.get("default"):
            problems.append(f"argument {name!r} default={a['default']}, but should be {p['default']}")
        if p["kind"] in _POSITIONAL:
            if a["kind"] not in _POSITIONAL:
                problems.append(f"argument {name!r} is keyword-only, but should be positional "
                                f"(position {spec_positions.index(name)})")
            elif positions.index(name) != spec_positions.index(name) and not shifted:
                shifted = True  # the positional arguments after it shift with it: said once
                problems.append(f"argument {name!r} is at position {positions.index(name)}, but should be at "
                                f"position {spec_positions.index(name)} (and the positional arguments after it)")
            if p["kind"] == "POSITIONAL_OR_KEYWORD" and a["kind"] == "POSITIONAL_ONLY":
                problems.append(f"argument {name!r} is positional-only, but should be accepted by keyword")
    return problems, [_parameter(e) for e in extras]


def assert_signature(spec, adapter, feature):
    """The framework's public signatures of ``feature`` (``Adapter.signature``) against the spec's: the
    constructor (an activation: the function) and a layer's ``call`` accept every argument the spec
    documents, under the same name, kind and default (``signature_problems``). A divergence names each
    difference (``Conv2D.__init__: argument 'padding' default='same', but should be 'valid'
    [layers.Conv2D]``); an extra argument of the framework is recorded as information. An adapter that
    does not report signatures makes the check ``unsupported``."""
    actual = adapter.signature(feature)
    if actual is None:
        raise Unsupported(f"adapter {adapter.name!r} does not report signatures (its Adapter.signature returns None)")
    expected = spec.signature(feature)
    area, _, name = feature.partition(".")
    for part in ("init", "call"):
        if expected[part] is None:
            continue
        where = name if area == "activations" else f"{name}.{'__init__' if part == 'init' else part}"
        got = actual.get(part)
        if got is None:
            raise Divergence(f"{where}: missing, but should be ({', '.join(map(_parameter, expected[part]))}) "
                             f"[{feature}]", {"mismatches": [{"actual": None, "expected": expected[part]}]})
        problems, extras = signature_problems(got, expected[part])
        if problems:
            raise Divergence(f"{where}: {'; '.join(problems)} [{feature}]",
                             {"mismatches": [{"actual": ", ".join(map(_parameter, got)),
                                              "expected": ", ".join(map(_parameter, expected[part]))}]})
        if extras:
            recorder().note(f"{where}: extra arguments, not in the spec: {', '.join(extras)} [{feature}]")


# --- gradients ------------------------------------------------------------------------------------
def with_cotangent(spec, case):
    """``case`` (a ``grad`` case) with a cotangent per output of the spec's forward pass, drawn from
    strategies.nonzero at COTANGENTS magnitudes, seeded by the case's own input bytes (the same
    case, the same cotangent). None when the spec rejects the call (the check then compares
    rejections)."""
    from conformance import strategies as cs

    try:
        out = spec.run(dataclasses.replace(case, op="call"))
    except Rejected:
        return case
    outs = out.outputs if isinstance(out, LayerResult) else [out]
    seed = zlib.crc32(b"".join(np.ascontiguousarray(x).tobytes() for x in case.inputs))
    rng = np.random.default_rng(seed)
    return dataclasses.replace(case, cotangent=tuple(cs.nonzero(rng, np.shape(y), case.dtype, cs.COTANGENTS)
                                                     for y in outs))


def _gradient_pairs(expected, actual, case, adapter):
    """(name, spec's, adapter's) for every gradient the spec defines: ``inputs[i]`` and each weight."""
    assert_equal(len(actual.inputs), len(expected.inputs), case, adapter, "len(grad inputs)")
    assert_equal(sorted(actual.weights), sorted(expected.weights), case, adapter, "the weights differentiated")
    pairs = [(f"inputs[{i}]", e, a) for i, (e, a) in enumerate(zip(expected.inputs, actual.inputs)) if e is not None]
    return pairs + [(k, expected.weights[k], actual.weights[k]) for k in sorted(expected.weights)]


def run_backward(spec, adapter, case):
    """run_both for a ``grad`` or ``train`` case, its cotangent added (:func:`with_cotangent`):
    (that case, expected, actual), or None when both reject it. Unsupported under a mixed dtype policy (not in
    the spec yet) and for an adapter whose ``grad``/``train`` returns None."""
    if policy_of(adapter) != "float32":
        raise Unsupported(f"gradients under --dtype-policy={policy_of(adapter)} are not in the spec yet (float32 only): "
                          "reference/gradients/ states no loss scaling or float32 accumulation")
    case = with_cotangent(spec, case)
    result = run_both(spec, adapter, case)
    if result is None:
        return None
    if result[1] is None:
        raise Unsupported(f"adapter {adapter.name!r} has no {case.op} (its Adapter.{case.op} returns None)")
    return (case, *result)


def compare_gradients(spec, adapter, case):
    """The adapter's VJP (``grad``) against the spec's (reference/gradients/), for each floating input
    and each trainable weight, under ``tolerance.gradients``. Elements the spec marks
    implementation-defined (a kink) are set aside, a value other than the spec's convention noted as
    information. An adapter without gradients (``grad`` returns None) makes the check unsupported."""
    result = run_backward(spec, adapter, case)
    if result is None:
        return
    case, expected, actual = result
    tolerances = tolerance.gradients(spec, case, expected)
    for name, e, a in _gradient_pairs(expected, actual, case, adapter):
        undefined = expected.undefined.get(name)
        if undefined is not None and np.shape(a) == np.shape(e):
            a, e = set_aside(a, e, ~undefined, case, adapter, bound=lambda v: np.ones(v.shape, bool),
                             bound_text="any value", note=f"the derivative at a kink, grad[{name}]")
        ulps, scale = tolerances[name]
        assert_close(a, e, case, adapter, ulps=ulps, scale=scale, name=f"grad[{name}]")


def assert_dropout_gradient(spec, adapter, case):
    """A dropout layer's VJP in training reuses its forward pass's mask: with the adapter's own output
    ``out`` (masks differ between frameworks: the spec gives a distribution, not a draw),
    ``grad[inputs[0]] = g * (out != 0) / (1 - rate)`` (every input is nonzero), up to one rounding."""
    result = run_backward(spec, adapter, case)
    if result is None:
        return
    case, _, actual = result
    rate = case.config.get("rate", 0.5)
    keep = np.asarray(actual.outputs[0], np.float64) != 0
    expected = np.asarray(case.cotangent[0], np.float64) * keep / (1.0 - rate)
    assert_close(actual.inputs[0], expected, case, adapter, ulps=tolerance.ELEMENTWISE_ULPS, name="grad[inputs[0]]")


def compare_training_step(spec, adapter, case):
    """The weights after one SGD step (``train``) against the spec's (reference/gradients/training.py):
    ``w' = constraint(w - lr * (dL/dw + d penalty/dw))``, under ``tolerance.training_step``. Catches
    a constraint never applied or applied before the update, and a penalty missing from the
    gradient. An adapter that cannot train (``train`` returns None) makes the check unsupported."""
    result = run_backward(spec, adapter, case)
    if result is None:
        return
    case, expected, actual = result
    assert_equal(sorted(actual), sorted(expected), case, adapter, "the weights trained")
    tolerances = tolerance.training_step(spec, case, expected)
    for k in sorted(expected):
        ulps, scale = tolerances[k]
        assert_close(actual[k], expected[k], case, adapter, ulps=ulps, scale=scale, name=f"trained[{k}]")
