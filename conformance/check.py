"""Shared assertions: run a case through the spec and the adapter, and compare.

Every failure raises :class:`Divergence` with a message shaped like
``out[1, 2]=0.5, but should be 0.47 [activations.hard_sigmoid(x), float32]``
and a detail record (case, metrics, first mismatches, the adapter's snippet).
"""

from __future__ import annotations

import math

import numpy as np

from adapters.base import LayerResult, Rejected
from adapters.dtypes import np_dtype, to_dtype
from conformance import stats, tolerance
from conformance.divergence import Divergence, recorder
from conformance.summary import case_dict
from reference.activations import softmax_defined

MAX_SHOWN = 10


def _detail(adapter, case, **extra) -> dict:
    return {"case": case_dict(case), "snippet": adapter.snippet(case), **extra}


def label(case) -> str:
    cfg = ", ".join(f"{k}={v!r}" for k, v in dict(case.config).items())
    if case.area == "layers":
        args = ", ".join(["x" if len(case.inputs) == 1 else f"[x0..x{len(case.inputs) - 1}]"]
                         + (["training=True"] if case.training else []) + (["mask=m"] if case.mask is not None else []))
        what = {"call": f"{case.feature}({cfg})({args})",
                "sample": f"{case.feature}({cfg}).build({case.shape})",
                "shape": f"{case.feature}({cfg}).compute_output_shape({case.shape})",
                "roundtrip": f"from_config(get_config({case.feature}({cfg})))",
                "resolve": f"{case.area}.get({case.identifier!r})"}[case.op]
        return f"{what}, {case.dtype}" if case.op in ("call", "sample") else what
    what = {"call": f"{case.feature}({'x, ' if case.inputs else ''}{cfg})",
            "sample": f"{case.feature}({cfg})(shape={case.shape})",
            "roundtrip": f"from_config(get_config({case.feature}({cfg})))",
            "resolve": f"{case.area}.get({case.identifier!r})"}[case.op]
    return f"{what}, {case.dtype}" if case.op in ("call", "sample") else what


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


def assert_close(actual, expected, case, adapter, *, ulps=tolerance.ELEMENTWISE_ULPS, scale=0.0,
                 dtype=None, check_dtype=True):
    """``actual`` (the adapter's, in the case's dtype) must match ``expected`` (the spec's)
    under the tolerance policy of conformance.tolerance."""
    dtype = dtype or case.dtype
    actual_arr = np.asarray(actual)
    exp = np.asarray(expected, np.float64)
    if actual_arr.shape != exp.shape:
        raise Divergence(f"out.shape={actual_arr.shape}, but should be {exp.shape} [{label(case)}]",
                         _detail(adapter, case))
    if check_dtype and str(actual_arr.dtype) != str(np_dtype(dtype)):
        raise Divergence(f"out.dtype={actual_arr.dtype}, but should be {dtype} [{label(case)}]",
                         _detail(adapter, case))
    act = actual_arr.astype(np.float64)
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
        ulps_err = np.where(finite, err / tolerance.ulp(exp, dtype), 0.0)
        rel = np.where(finite & (exp != 0), err / np.abs(np.where(exp == 0, 1, exp)), 0.0)
    metrics = {"max_abs_err": float(np.max(err[finite], initial=0.0)), "max_rel_err": float(np.max(rel, initial=0.0)),
               "max_ulp_err": float(np.max(ulps_err, initial=0.0)), "allowed_ulps": ulps}
    rec = recorder()
    rec.worst(**{k: v for k, v in metrics.items() if k != "allowed_ulps"})
    if ok.all():
        return metrics
    entry = rec.allowance(case) if rec.allowance else None
    if entry is not None and entry.ulps > ulps:
        # A known imprecision: within the expectation's bound the check notes it and goes on.
        wide = ok | (err <= tolerance.allowed(exp, dtype, entry.ulps, np.broadcast_to(scale, exp.shape)))
        if wide.all():
            if not rec.beyond_policy:
                rec.beyond_policy_case, rec.beyond_policy_entry = rec.last_case, entry
            rec.beyond_policy += int((~ok).sum())
            rec.beyond_policy_ulps = max(rec.beyond_policy_ulps, float(np.max(ulps_err[~ok])))
            return metrics
        ok, ulps = wide, entry.ulps
    bad = np.argwhere(~ok) if ok.ndim else np.zeros((1, 0), int)
    shown = []
    for idx in bad[:MAX_SHOWN]:
        i = tuple(int(j) for j in idx)
        shown.append({"index": list(i), "actual": _num(act[i]), "expected": _num(exp[i]),
                      "abs_err": _num(err[i]), "ulp_err": _num(ulps_err[i]), "allowed": _num(tol[i]),
                      "inputs": [_num(np.asarray(x, np.float64)[i]) for x in case.inputs
                                 if np.shape(x) == exp.shape]})
    first = shown[0]
    where = f"out[{', '.join(map(str, first['index']))}]" if first["index"] else "out"
    msg = (f"{where}={_fmt(first['actual'])}, but should be {_fmt(first['expected'])} [{label(case)}]; "
           f"{len(bad)} of {exp.size} elements differ, max {metrics['max_ulp_err']:.3g} ULP "
           f"(allowed {ulps}), max abs {metrics['max_abs_err']:.3g}")
    raise Divergence(msg, _detail(adapter, case, metrics={**metrics, "mismatching": int(len(bad)),
                                                           "elements": int(exp.size)}, mismatches=shown))


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
    """Exact equality of plain values (configs, names, shapes)."""
    if not _same(actual, expected):
        raise Divergence(f"{what}={actual!r}, but should be {expected!r} [{label(case)}]",
                         _detail(adapter, case, mismatches=[{"actual": repr(actual), "expected": repr(expected)}]))


def _same(a, b) -> bool:
    if isinstance(a, dict) and isinstance(b, dict):
        return a.keys() == b.keys() and all(_same(a[k], b[k]) for k in a)
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(_same(x, y) for x, y in zip(a, b))
    if isinstance(a, (int, float)) and isinstance(b, (int, float)) and not isinstance(a, bool):
        return math.isclose(a, b, rel_tol=tolerance.CONFIG_RTOL) or (math.isnan(a) and math.isnan(b))
    return a == b


def assert_roundtrip(spec, adapter, case, what=("get_config()", "from_config(config).get_config()")):
    """A ``roundtrip`` case: the config and the clone's config equal the spec's, and the clone
    gives exactly the original's values. Nothing to compare when both reject the config."""
    result = run_both(spec, adapter, case)
    if result is None:
        return
    expected, actual = result
    assert_equal(actual.config, expected.config, case, adapter, what[0])
    assert_equal(actual.clone_config, expected.clone_config, case, adapter, what[1])
    assert_close(actual.clone, actual.original, case, adapter, ulps=0, dtype="float32")


def _same_result(a, b) -> bool:
    """Two LayerResults with the same outputs (NaN equal to NaN) and masks."""
    return (len(a.outputs) == len(b.outputs) and all(
        np.array_equal(np.asarray(x, np.float64), np.asarray(y, np.float64), equal_nan=True)
        for x, y in zip(a.outputs, b.outputs)) and len(a.masks) == len(b.masks) and all(
        (x is None) == (y is None) and (x is None or np.array_equal(x, y)) for x, y in zip(a.masks, b.masks)))


def assert_layer_roundtrip(spec, adapter, case):
    """A layer's ``roundtrip`` case: get_config() and the clone's get_config() equal the spec's, and
    the clone's outputs (exactly, 0 ULP) and masks equal the original's, unless the spec's own clone
    differs from its original (Keras 2's SpatialDropout config has no data_format: a channels_first
    clone drops channels_last maps). assert_roundtrip compares arrays; a layer gives LayerResults."""
    result = run_both(spec, adapter, case)
    if result is None:
        return
    expected, actual = result
    assert_equal(actual.config, expected.config, case, adapter, "get_config()")
    assert_equal(actual.clone_config, expected.clone_config, case, adapter, "from_config(config).get_config()")
    if not _same_result(expected.clone, expected.original):
        note = (f"the {spec.edition} spec's clone differs from its original where the config loses a setting "
                f"(e.g. {label(case)}): the adapter's clone outputs are not compared there")
        recorder().note(note, case, once=note[:60])
        return
    assert_outputs(actual.clone, actual.original, case, adapter, ulps=0)
    assert_masks(actual.clone, actual.original, case, adapter)


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


def assert_losses(actual, expected, case, adapter, *, ulps):
    """``layer.losses``: as many as the spec's, each within ``ulps`` (losses are sums: see tolerance.py)."""
    assert_equal(len(actual.losses), len(expected.losses), case, adapter, "len(layer.losses)")
    for a, e in zip(actual.losses, expected.losses):
        assert_close(np.float64(a), np.float64(e), case, adapter, ulps=ulps, check_dtype=False)


# --- layers_convolution, layers_convolution_transpose, layers_locally_connected, layers_embedding ---
def assert_compute_output_shape(spec, adapter, case):
    """A layer's ``shape`` case: compute_output_shape of ``case.shape`` (None where a dim is unknown)
    equals the spec's, or both reject it."""
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_equal(tuple(actual), tuple(expected), case, adapter, "compute_output_shape")


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
    inits = spec.build(case.feature, case.config).weight_initializers()
    for name in sorted(expected, key=lambda n: inits[n].random):  # the exact ones first
        if inits[name].random:
            w = np.asarray(weights[name], np.float64)
            dist = inits[name].distribution(w.shape)
            assert_stats(case, adapter, [stats.ks_test(w, dist), *stats.moment_tests(w, dist)])
        else:
            assert_close(weights[name], expected[name], case, adapter, ulps=0)


def assert_weight_losses(spec, adapter, case):
    """``layer.losses`` of a convolution-family layer after a call: one penalty per weight whose
    regularizer is set, in weight order, each within reduction_ulps(the largest weight's size)."""
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        longest = max(np.size(w) for w in case.weights.values())
        assert_losses(actual, expected, case, adapter, ulps=tolerance.reduction_ulps(longest))


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
