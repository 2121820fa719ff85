"""The pooling layers (``keras.layers`` MaxPooling1D/2D/3D, AveragePooling1D/2D/3D,
GlobalMaxPooling1D/2D/3D, GlobalAveragePooling1D/2D/3D) against reference/layers/pooling.py.

- ``values``: generated inputs of every float dtype and configs (pool_size as an int, a tuple or
  the default; strides None, an int or a tuple; padding valid/same in mixed case; data_format
  None, channels_last, channels_first in mixed case; keepdims). Max pooling and global max are
  exact (0 ULP) on inputs carrying every special value (NaN, +inf, ±0, subnormals, the extremes;
  -inf is replaced by the lowest finite number here: ``neg_inf`` covers it). A max-pooling window
  that holds a NaN is implementation-defined (TensorFlow's CPU MaxPool skips NaN, JAX and torch
  propagate it): those outputs are left out and what the adapter did is recorded as information.
  Global max propagates NaN on every backend: compared exactly.
- ``same_padding``: a targeted check, float32, deterministic configs whose "same" padding is odd
  (the extra cell goes after) and even, strided and not, per data_format: all-negative distinct
  inputs for max pooling (a framework that pads with 0 returns 0 at the border), distinct positive
  inputs for average pooling (counting padded cells shrinks the border averages; padding on the
  wrong side shifts the windows); and strides past the last window, where the padding "same" would
  need is negative and Keras clamps it at 0 (the first window starts at cell 0). The 3D ``values``
  draws leave that last corner to this check (TensorFlow's 3D pooling shifts the windows there).
- ``neg_inf``: max pooling and global max of windows that are entirely -inf (the result is -inf,
  not the lowest finite number) next to windows that mix -inf with finite values.
- ``shapes``: compute_output_shape of input shapes with None batch/spatial/channel dims equals the
  spec's; the adapter's compute_output_shape of the concrete shape equals the spec's and the shape of
  its own output (padding in lower case: Keras 3's compute_output_shape is case-sensitive).
- ``masks``: GlobalAveragePooling1D with a (batch, steps) mask (masked steps hold NaN/inf, which must
  not reach the output; a row with every step masked gives NaN); GlobalMaxPooling1D, MaxPooling1D and
  AveragePooling1D ignore the mask. No output carries a mask.
- ``rejects``: a table of invalid configs and inputs both must reject.
- ``roundtrip``: from_config(get_config()) of generated configs (padding and data_format in mixed
  case, keepdims variants).

Examples: values and shapes run half the profile's examples per parametrization (15 in ci: 60 per
layer over the four dtypes), roundtrip a third (10): the module's share of the gate's time.

Tolerances (conformance/tolerance.py): max pooling and global max select a value: exact (0 ULP).
Average pooling sums the k = prod(pool_size) cells of a window (fewer at a "same" border) and divides
once: reduction_ulps(k) with scale the window's average of |x| (where the sum may cancel); global
average: reduction_ulps(number of spatial cells) with scale the mean of |x|; the masked
GlobalAveragePooling1D: reduction_ulps(steps) with scale the mean of |x| over the kept steps.
"""

from __future__ import annotations

import dataclasses
import math
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES, finfo, to_dtype
from conformance import strategies as cs
from conformance import check
from conformance.check import (assert_close, assert_equal, assert_masks, assert_outputs, expect_rejection, label,
                               run_both)
from conformance.divergence import recorder
from conformance.tolerance import reduction_ulps
from reference.editions import KERAS3

POOLING = tuple(f"layers.{m}Pooling{r}D" for m in ("Max", "Average") for r in (1, 2, 3))
GLOBAL = tuple(f"layers.Global{m}Pooling{r}D" for m in ("Max", "Average") for r in (1, 2, 3))
FEATURES = POOLING + GLOBAL
MAX = tuple(f for f in FEATURES if "Max" in f)
MASKED = ("layers.GlobalAveragePooling1D", "layers.GlobalMaxPooling1D", "layers.MaxPooling1D",
          "layers.AveragePooling1D")
FINITE = (2.0**-6, 16.0)
MAX_SIDE = {1: 8, 2: 6, 3: 4}


def fewer(divisor):
    """The current Hypothesis profile's example count divided by ``divisor`` (at least 5): twelve layers
    times four dtypes would otherwise take the module past its share of the gate's time."""
    return settings(max_examples=max(5, settings.default.max_examples // divisor))


def _rank(feature):
    return int(feature[-2])


def _is_max(feature):
    return "Max" in feature


def _rng(draw):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def spec_layer(spec, case):
    return reference.get_feature(case.feature).obj(**case.config, edition=spec.edition)


def _mixed_case(rng, word):
    return rng.choice([word, word.upper(), word.capitalize()])


def _data_format(rng, config, *, mixed):
    r = rng.random()
    if r < 0.3:
        return "channels_last"
    if r < 0.65:
        config["data_format"] = "channels_last"
        return "channels_last"
    config["data_format"] = str(_mixed_case(rng, "channels_first")) if mixed and rng.random() < 0.3 \
        else "channels_first"
    return "channels_first"


def _tuple_or_int(rng, values):
    if len(set(values)) == 1 and rng.random() < 0.5:
        return int(values[0])
    return tuple(int(v) for v in values) if rng.random() < 0.7 else [int(v) for v in values]


def _pool_config(rng, feature, spatial, *, mixed):
    """(config, data_format) of a windowed pooling layer that the spec accepts for ``spatial``."""
    rank = len(spatial)
    config = {}
    padding = "same" if rng.random() < 0.5 else "valid"
    if padding == "same" or rng.random() < 0.5:
        config["padding"] = str(_mixed_case(rng, padding)) if mixed and rng.random() < 0.4 else padding
    default = {1: (2,), 2: (2, 2), 3: (2, 2, 2)}[rank]
    fits = padding == "same" or all(n >= 2 for n in spatial)
    if _is_max(feature) and fits and rng.random() < 0.2:
        pool = default  # the default pool_size
    else:
        pool = tuple(int(rng.integers(1, (4 if padding == "same" else min(3, n)) + 1)) for n in spatial)
        config["pool_size"] = _tuple_or_int(rng, pool)
    if rng.random() < 0.6:
        strides = [int(rng.integers(1, 4)) for _ in range(rank)]
        if rank == 3 and padding == "same" and any(_negative_same(n, k, s) for n, k, s in zip(spatial, pool, strides)):
            strides = list(pool)  # see SAME_AXES: TensorFlow's 3D pooling mishandles it (same_padding checks it)
        config["strides"] = _tuple_or_int(rng, strides)
    elif rng.random() < 0.3:
        config["strides"] = None
    return config


def _negative_same(n, k, s):
    """Whether "same" needs negative padding on this axis: (ceil(n / s) - 1) * s + k - n <= -2 (the last
    window ends before the input does; Keras clamps the padding at 0)."""
    return (-(-n // s) - 1) * s + k - n <= -2


@st.composite
def pooling_cases(draw, feature, dtype, *, mixed=True, masked=False):
    """A ``call`` case of ``feature`` that the spec accepts (masked: GlobalAveragePooling1D & co with a mask)."""
    rng = _rng(draw)
    rank = _rank(feature)
    config = {}
    data_format = _data_format(rng, config, mixed=mixed)
    batch, channels = int(rng.integers(1, 3)), int(rng.integers(1, 4))
    spatial = tuple(int(rng.integers(1, MAX_SIDE[rank] + 1)) for _ in range(rank))
    if feature in POOLING:
        config.update(_pool_config(rng, feature, spatial, mixed=mixed))
    else:
        options = ("omitted", True, False, 1, 0, None)
        keepdims = options[int(rng.choice(len(options), p=[0.3, 0.3, 0.2, 0.08, 0.07, 0.05]))]
        if keepdims != "omitted":
            config["keepdims"] = keepdims
    shape = (batch, *spatial, channels) if data_format == "channels_last" else (batch, channels, *spatial)
    mask = None
    if masked:
        x = np.asarray(draw(cs.arrays(dtype, shape, magnitudes=FINITE)), np.float64)
        mask = rng.random((batch, spatial[0])) < 0.6
        mask[rng.random(batch) < 0.2] = False  # some rows with every step masked
        # -inf only where no window can be all -inf (see neg_inf)
        specials = rng.choice([np.nan, np.inf, 1e4] + ([] if feature == "layers.MaxPooling1D" else [-np.inf]),
                              size=x.shape)
        hidden = (mask[:, :, None] if data_format == "channels_last" else mask[:, None, :]) == 0
        x = to_dtype(np.where(hidden & (rng.random(x.shape) < 0.5), specials, x), dtype)
    elif _is_max(feature):
        x = np.asarray(draw(cs.arrays(dtype, shape)), np.float64)
        if feature in POOLING:
            x = np.where(x == -np.inf, -float(finfo(dtype).max), x)  # see neg_inf
        x = to_dtype(x, dtype)
    else:
        x = draw(cs.arrays(dtype, shape, magnitudes=FINITE))
    return Case(feature, "call", config, (x,), dtype=dtype, mask=mask)


def _scale(spec, case):
    """The average of |x| the spec's layer computes (the cancellation scale), NaN -> 0."""
    absolute = dataclasses.replace(case, inputs=(np.abs(np.asarray(case.inputs[0], np.float64)),))
    s = np.asarray(spec.run(absolute).outputs[0], np.float64)
    return np.nan_to_num(s, nan=0.0, posinf=0.0)


def tolerance_for(spec, case):
    """(ulps, scales) of the module docstring's policy."""
    if _is_max(case.feature):
        return 0, None
    layer = spec_layer(spec, case)
    x = np.asarray(case.inputs[0])
    if case.feature in POOLING:
        n = math.prod(layer.pool_size)
    elif case.mask is not None:
        n = x.shape[layer._axes()[0]]
    else:
        n = math.prod(x.shape[a] for a in layer._axes())
    return reduction_ulps(n), [_scale(spec, case)]


def _classify(actual, expected_windows, dtype):
    """What the adapter put where a max-pooling window holds a NaN."""
    kinds = set()
    with np.errstate(invalid="ignore"), warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        nanmax = np.nanmax(expected_windows, axis=-1)
    lowest = -float(finfo(dtype).max)
    for a, m in zip(actual, nanmax):
        if np.isnan(a):
            kinds.add("NaN (propagates it)")
        elif np.isnan(m) and a == lowest:
            kinds.add("the lowest finite number for a window of NaN only")
        elif a == m:
            kinds.add("the max of the other values (skips NaN)")
        else:
            kinds.add(f"another value ({a})")
    return ", ".join(sorted(kinds))


def _compare(spec, adapter, case):
    result = run_both(spec, adapter, case)
    if result is None:
        return None
    expected, actual = result
    if case.feature in POOLING and _is_max(case.feature):
        assert_equal(len(actual.outputs), 1, case, adapter, "len(outputs)")
        layer = spec_layer(spec, case)
        x = np.asarray(case.inputs[0], np.float64)
        defined = layer.defined(x)
        out, exp = np.asarray(actual.outputs[0]), np.asarray(expected.outputs[0])
        if out.shape == exp.shape and not defined.all():
            xl = np.moveaxis(x, 1, -1) if layer.data_format == "channels_first" else x
            w = layer._windows(xl, layer.call_padding(), -np.inf)
            w = w.reshape(*w.shape[:-layer.rank], -1)
            w = np.moveaxis(w, -2, 1) if layer.data_format == "channels_first" else w
            what = _classify(out[~defined].astype(np.float64), w[~defined], case.dtype)
            note = f"implementation-defined: {case.feature} of a window holding a NaN gives {what}"
            recorder().note(note + f" (e.g. [{label(case)}])", case, once=note)
            out, exp = out.copy(), exp.copy()
            out[~defined] = 0
            exp[~defined] = 0
        assert_close(out, exp, case, adapter, ulps=0)
        return result
    ulps, scales = tolerance_for(spec, case)
    assert_outputs(actual, expected, case, adapter, ulps=ulps, scales=scales)
    return result


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@fewer(2)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The pooled outputs of generated inputs and configs (pool_size, strides, padding valid/same in
    mixed case, data_format, keepdims) under the module docstring's tolerances: max and global max
    exactly, with every special value (a max-pooling window holding a NaN is implementation-defined:
    recorded, not compared)."""
    _compare(spec, adapter, data.draw(pooling_cases(feature, dtype), label="case"))


# --- same padding ------------------------------------------------------------------------------
# Per axis (n, pool, stride): total "same" padding max((ceil(n/s) - 1) * s + k - n, 0).
# The last two need a negative total (the stride skips cells past the last window): Keras clamps it at
# 0, so the first window starts at cell 0.
SAME_AXES = [(5, 2, 1), (5, 4, 1), (6, 3, 2), (7, 2, 3), (4, 3, 1), (5, 3, 2), (3, 1, 3), (7, 1, 4)]
# totals:     1          3          1          1          2          2          -2         -2
SAME_CONFIGS = {1: [(a,) for a in SAME_AXES],
                2: [(SAME_AXES[0], SAME_AXES[2]), (SAME_AXES[1], SAME_AXES[4]), (SAME_AXES[3], SAME_AXES[5]),
                    (SAME_AXES[6], SAME_AXES[0]), (SAME_AXES[1], SAME_AXES[7])],
                3: [((5, 2, 1), (4, 3, 1), (3, 2, 1)), ((4, 4, 1), (5, 3, 2), (3, 3, 3)),
                    ((3, 1, 3), (3, 2, 1), (2, 2, 1)), ((3, 2, 1), (2, 1, 1), (7, 1, 4))]}


def _same_cases(feature):
    rank = _rank(feature)
    for i, axes in enumerate(SAME_CONFIGS[rank]):
        spatial, pool, strides = (tuple(a[j] for a in axes) for j in range(3))
        for data_format in ("channels_last", "channels_first"):
            rng = np.random.default_rng(i)
            channels = 2
            values = rng.permutation(math.prod(spatial) * channels) + 1.0
            x = values.reshape(1, *spatial, channels)
            if _is_max(feature):
                x = -x  # every value negative: a zero pad would win
            if data_format == "channels_first":
                x = np.moveaxis(x, -1, 1)
            config = {"pool_size": pool, "strides": strides, "padding": "same", "data_format": data_format}
            yield Case(feature, "call", config, (x.astype(np.float32),))


@pytest.mark.parametrize("feature", POOLING)
def test_same_padding(spec, adapter, feature):
    """"same" padding on deterministic configs (odd padding with the extra cell after, even padding,
    strided, a stride that would need negative padding (clamped at 0), both data_formats):
    all-negative distinct inputs for max pooling (no padded cell may win),
    distinct positive inputs for average pooling (padded cells are not counted); exact for max, the
    average's tolerance for average."""
    for case in _same_cases(feature):
        _compare(spec, adapter, case)


# --- -inf ----------------------------------------------------------------------------------------
def _neg_inf_cases(feature):
    rank = _rank(feature)
    spatial = {1: (6,), 2: (4, 4), 3: (2, 4, 2)}[rank]
    x = np.full((2, *spatial, 2), -np.inf)
    flat = x.reshape(-1)
    finite = np.random.default_rng(0).permutation(flat.size)[: flat.size // 4]
    flat[finite] = np.resize([-3.0, 2.5, -0.5], finite.size)
    x[1] = -np.inf  # the second sample: -inf everywhere
    if feature in GLOBAL:
        yield Case(feature, "call", {}, (x.astype(np.float32),))
        return
    for padding in ("valid", "same"):
        yield Case(feature, "call", {"pool_size": 2, "padding": padding}, (x.astype(np.float32),))
    yield Case(feature, "call", {"pool_size": 3, "strides": 1, "padding": "same"}, (x.astype(np.float32),))


@pytest.mark.parametrize("feature", MAX)
def test_neg_inf(spec, adapter, feature):
    """Max pooling (valid and same) and global max where whole windows are -inf (the max is -inf, not
    the lowest finite number) and others mix -inf with finite values: exact."""
    for case in _neg_inf_cases(feature):
        _compare(spec, adapter, case)


# --- shapes --------------------------------------------------------------------------------------
@pytest.mark.parametrize("feature", FEATURES)
@fewer(2)
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape of the input shape with None batch (mostly), spatial and channel dims
    equals the spec's (or both reject it); the adapter's compute_output_shape of the concrete shape
    equals the spec's, and so does the shape of its output."""
    call = data.draw(pooling_cases(feature, "float32", mixed=False), label="case")
    rng = _rng(data.draw)
    concrete = tuple(np.shape(call.inputs[0]))
    symbolic = tuple(None if (i == 0 and rng.random() < 0.8) or (i and rng.random() < 0.3) else d
                     for i, d in enumerate(concrete))
    case = Case(feature, "shape", call.config, shape=symbolic)
    result = run_both(spec, adapter, case)
    if result is not None:
        assert_equal(tuple(result[1]), tuple(result[0]), case, adapter, "compute_output_shape")
    exact = Case(feature, "shape", call.config, shape=concrete)
    result = run_both(spec, adapter, exact)
    assert result is not None, "the spec rejects the shape of a valid case"
    assert_equal(tuple(result[1]), tuple(result[0]), exact, adapter, "compute_output_shape")
    actual = run_both(spec, adapter, call)[1]
    recorder().last_case = call
    assert_equal(tuple(np.shape(actual.outputs[0])), tuple(result[0]), call, adapter, "out.shape")


# --- masks ---------------------------------------------------------------------------------------
@pytest.mark.filterwarnings("ignore:.*does not support masking")
@pytest.mark.parametrize("feature", MASKED)
@given(data=st.data())
def test_masks(spec, adapter, feature, data):
    """With a (batch, steps) mask: GlobalAveragePooling1D averages the kept steps only (masked steps
    hold NaN/inf/large values that must not reach the output; a row with every step masked gives NaN);
    GlobalMaxPooling1D, MaxPooling1D and AveragePooling1D ignore the mask (the masked steps' values
    count); no output carries a mask."""
    case = data.draw(pooling_cases(feature, "float32", masked=True), label="case")
    result = run_both(spec, adapter, case)
    if result is None:
        return
    expected, actual = result
    if feature == "layers.GlobalAveragePooling1D":
        layer = spec_layer(spec, case)
        axis = layer._axes()[0]
        x = np.asarray(case.inputs[0], np.float64)
        m = case.mask[:, :, None] if layer.data_format == "channels_last" else case.mask[:, None, :]
        with np.errstate(invalid="ignore"):
            scale = np.sum(np.where(m, np.abs(x), 0.0), axis=axis, keepdims=bool(layer.keepdims)) / \
                np.maximum(np.sum(m, axis=axis, keepdims=bool(layer.keepdims)), 1)
        assert_outputs(actual, expected, case, adapter, ulps=reduction_ulps(x.shape[axis]), scales=[scale])
    else:
        _compare(spec, adapter, case)
    assert_masks(actual, expected, case, adapter)


# --- rejects -------------------------------------------------------------------------------------
def _x(shape):
    return np.linspace(-1, 1, math.prod(shape), dtype=np.float32).reshape(shape)


def _call(feature, config, shape, mask=None):
    return Case(feature, "call", config, (_x(shape),), mask=mask)


def _shape(feature, config, shape):
    return Case(feature, "shape", config, shape=shape)


def _pool_rejects(feature):
    r = _rank(feature)
    shape = (1, *(4,) * r, 2)
    pool = {} if _is_max(feature) else {"pool_size": 2}
    rows = {
        "pool_size 0": _shape(feature, {"pool_size": 0}, shape),
        "pool_size negative": _shape(feature, {"pool_size": -2}, shape),
        "pool_size float": _shape(feature, {"pool_size": 2.0}, shape),
        "pool_size of the wrong length": _shape(feature, {"pool_size": (2,) * (r + 1)}, shape),
        "pool_size with a 0 entry": _shape(feature, {"pool_size": (2,) * (r - 1) + (0,)}, shape),
        "strides negative": _shape(feature, {**pool, "strides": -1}, shape),
        "strides of the wrong length": _shape(feature, {**pool, "strides": (1,) * (r + 1)}, shape),
        "strides 0": _call(feature, {**pool, "strides": 0}, shape),
        "strides 0, symbolic": _shape(feature, {**pool, "strides": 0}, (None, *shape[1:])),
        "padding causal": _call(feature, {**pool, "padding": "causal"}, shape),
        "padding causal, symbolic": _shape(feature, {**pool, "padding": "causal"}, (None, *shape[1:])),
        "padding full": _call(feature, {**pool, "padding": "full"}, shape),
        "data_format channels_middle": _shape(feature, {**pool, "data_format": "channels_middle"}, shape),
        "pool larger than the input (valid), symbolic": _shape(feature, {"pool_size": 5}, (None, *shape[1:])),
        "pool larger than the input along one axis, symbolic":
            _shape(feature, {"pool_size": (2,) * (r - 1) + (3,), "strides": 1}, (None, *(4,) * (r - 1), 2, 2)),
        "input of rank r + 1": _call(feature, pool, (*shape, 1)),
        "input of rank r - 1": _call(feature, pool, shape[:-1]),
    }
    if not _is_max(feature):
        rows["pool_size missing"] = _shape(feature, {}, shape)
    return rows


def _global_rejects(feature):
    r = _rank(feature)
    shape = (1, *(3,) * r, 2)
    rows = {
        "data_format channels_middle": _shape(feature, {"data_format": "channels_middle"}, shape),
        "input of rank r + 1": _call(feature, {}, (*shape, 1)),
        "input of rank r - 1": _call(feature, {}, shape[:-1]),
    }
    if _is_max(feature):
        rows["empty spatial axis"] = _call(feature, {}, (1, *(3,) * (r - 1), 0, 2))
    if feature == "layers.GlobalAveragePooling1D":
        rows["mask of the wrong length"] = _call(feature, {}, (1, 4, 2), mask=np.array([[True, False, True]]))
    return rows


REJECTED = {f: (_pool_rejects(f) if f in POOLING else _global_rejects(f)) for f in FEATURES}
# Keras 2 accepts these: its compute_output_shape treats "causal" as "same" and does not reject a "valid"
# length <= 0; its AveragePooling has a default pool_size.
KERAS3_ONLY = ("padding causal, symbolic", "pool larger than the input (valid), symbolic",
               "pool larger than the input along one axis, symbolic", "pool_size missing")


@pytest.mark.parametrize("feature, reject", [(f, name) for f, rows in REJECTED.items() for name in rows])
def test_rejects(spec, adapter, feature, reject):
    """An invalid config or input (the row's name says which; "symbolic" rows and config errors go
    through compute_output_shape, the others through a call): the adapter rejects it as the spec does
    (Keras 2 accepts the KERAS3_ONLY rows: there both must give the same output shape)."""
    case = REJECTED[feature][reject]
    if spec.edition != KERAS3 and reject in KERAS3_ONLY:  # Keras 2 accepts it: the shapes must agree
        result = run_both(spec, adapter, case)
        if result is not None:
            assert_equal(tuple(result[1]), tuple(result[0]), case, adapter, "compute_output_shape")
        return
    expect_rejection(spec, adapter, case)


# --- roundtrip -----------------------------------------------------------------------------------
@pytest.mark.parametrize("feature", FEATURES)
@fewer(3)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, data):
    """from_config(get_config()) of generated configs (pool_size/strides as ints, tuples or defaults,
    padding and data_format in mixed case, keepdims variants): both configs equal the spec's, the clone's
    outputs equal the original's exactly."""
    call = data.draw(pooling_cases(feature, "float32"), label="case")
    check.assert_layer_roundtrip(spec, adapter, dataclasses.replace(call, op="roundtrip"))
