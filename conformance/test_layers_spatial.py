"""Cropping, zero-padding and up-sampling layers (``keras.layers`` Cropping1D/2D/3D,
ZeroPadding1D/2D/3D, UpSampling1D/2D/3D) against reference/layers/spatial.py.

- ``values``: generated configs (cropping/padding as an int, one int per axis, or a (before, after)
  pair per axis, as tuples or lists; size as an int or a tuple; both data formats and the default
  None) on inputs carrying every special value (NaN, ±inf, ±0, subnormals, the extremes), per
  dtype: exact (0 ULP; these layers only copy elements or write +0.0). UpSampling2D here uses
  interpolation="nearest" (in any letter case).
- ``bilinear``: UpSampling2D(interpolation="bilinear") on finite inputs: half-pixel centers and
  edge clamping (reference docstring). Tolerance: each output is a lerp along each axis of 4
  neighbours (TensorFlow: top = a + (b - a) * w, then the same vertically), reduction_ulps(4) with
  scale M * max(H, W), M the largest |x| of the 2x2 neighbourhood: (b - a) cancels (an absolute
  error of eps * 2M), and the weight w = u - floor(u) carries the rounding of u = (i + 0.5)/s - 0.5,
  an absolute error of about eps * |u| <= eps * n that multiplies |b - a| <= 2M.
- Generated configs draw a data_format only where the edition has one (Keras 2's ZeroPadding1D has none).
- ``shapes``: compute_output_shape of the input shape with the batch (mostly), some spatial dims and
  the channels unknown (None) equals the spec's (or both reject it); the adapter's
  compute_output_shape of the concrete shape equals the spec's and the shape of its own output.
- ``masks``: none of these layers supports masking: with a mask on the input, the output carries
  none (Keras 3 drops it with a warning), and the values are unchanged.
- ``rejects``: a table of invalid configs and inputs both must reject: negative crop/pad, wrong
  tuple lengths, a crop as large as the input (an error, never an empty output), a wrong rank, a
  bad data_format, bad sizes and interpolations. On Keras 2 the rows it accepts (KERAS3_ONLY) must be
  accepted by both, and UpSampling2D's "gaussian" is recorded as implementation-defined.
- ``roundtrip``: get_config/from_config of generated configs (the stored cropping/padding/size is the
  normalized tuple form; interpolation lower-cased).
- ``implementation_defined``: IMPLEMENTATION-DEFINED, recorded as information: a negative int padding
  of ZeroPadding2D/3D (the constructor accepts it; ops.pad with negative widths is backend-specific),
  UpSampling2D with bicubic/lanczos3/lanczos5/area, and bilinear on non-finite inputs. The spec must
  mark them; where the adapter returns an output, its shape must be compute_output_shape's.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import reference
from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import strategies as cs
from conformance import check
from conformance.check import (assert_equal, assert_masks, assert_outputs, expect_rejection, label, outcome,
                               run_both)
from conformance.divergence import Divergence, recorder
from conformance.summary import case_dict
from conformance.tolerance import reduction_ulps
from reference.editions import KERAS2, KERAS3
from reference.layers.spatial import IMPLEMENTATION_DEFINED_INTERPOLATIONS, ImplementationDefined

# feature: (kind, rank, has data_format)
LAYERS = {
    "layers.Cropping1D": ("crop", 1, False),
    "layers.Cropping2D": ("crop", 2, True),
    "layers.Cropping3D": ("crop", 3, True),
    "layers.ZeroPadding1D": ("pad", 1, True),
    "layers.ZeroPadding2D": ("pad", 2, True),
    "layers.ZeroPadding3D": ("pad", 3, True),
    "layers.UpSampling1D": ("up", 1, False),
    "layers.UpSampling2D": ("up", 2, True),
    "layers.UpSampling3D": ("up", 3, True),
}
FEATURES = tuple(LAYERS)
KERAS3_DATA_FORMAT = {"layers.ZeroPadding1D"}  # Keras 2's ZeroPadding1D takes no data_format
MAX_SIDE = {1: 7, 2: 5, 3: 3}  # spatial sides (small: the suite is a CI gate)
FINITE = (2.0**-6, 16.0)


def _rng(draw):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _form(rng, pairs, rank):
    """The cropping/padding argument for per-axis (before, after) pairs: an int when every pair is the
    same symmetric one (sometimes), one int per axis when each is symmetric (sometimes), else pairs;
    tuples or lists. Cropping1D/ZeroPadding1D take one pair: an int or the pair itself."""
    seq = tuple if rng.random() < 0.7 else list
    if rank == 1:
        (a, b), = pairs
        return a if a == b and rng.random() < 0.5 else seq((a, b))
    if len(set(pairs)) == 1 and pairs[0][0] == pairs[0][1] and rng.random() < 0.5:
        return pairs[0][0]
    if all(a == b for a, b in pairs) and rng.random() < 0.5:
        return seq(a for a, _ in pairs)
    return seq(seq(p) for p in pairs)


def _data_format(rng, feature, *, mixed_case=False, edition=KERAS3):
    if not LAYERS[feature][2] or (edition == KERAS2 and feature in KERAS3_DATA_FORMAT):
        return {}
    r = rng.random()
    if r < 0.2:
        return {}  # the default (None: channels_last)
    fmt = "channels_first" if r < 0.6 else "channels_last"
    if mixed_case and rng.random() < 0.5:
        fmt = fmt.title().replace("_l", "_L").replace("_f", "_F")  # Keras 3 lower-cases it
    return {"data_format": fmt}


def _layout(config, feature, batch, spatial, channels):
    cf = str(config.get("data_format", "channels_last")).lower() == "channels_first"
    return (batch, channels, *spatial) if cf else (batch, *spatial, channels)


def _config(rng, feature, spatial, *, interpolation="nearest", edition=KERAS3):
    """A valid config for ``spatial`` sides (a crop leaves at least one cell on every axis) in ``edition``."""
    kind, rank, _ = LAYERS[feature]
    config = _data_format(rng, feature, mixed_case=True, edition=edition)
    if kind == "crop":
        pairs = []
        for d in spatial:
            c0 = int(rng.integers(0, d))
            pairs.append((c0, int(rng.integers(0, d - c0))))
        config["cropping"] = _form(rng, pairs, rank)
    elif kind == "pad":
        config["padding"] = _form(rng, [tuple(int(v) for v in rng.integers(0, 4, 2)) for _ in spatial], rank)
    else:
        sizes = [int(v) for v in rng.integers(1, 4, rank)]
        if rank == 1:
            config["size"] = sizes[0]
        elif len(set(sizes)) == 1 and rng.random() < 0.4:
            config["size"] = sizes[0]
        else:
            config["size"] = tuple(sizes) if rng.random() < 0.7 else list(sizes)
        if rank == 2:
            config["interpolation"] = interpolation if rng.random() < 0.7 else interpolation.upper()
    return config


@st.composite
def spatial_cases(draw, feature, dtype, *, interpolation="nearest", magnitudes=None, edition=KERAS3):
    """A ``call`` case of ``feature``: batch 1-2, 1-3 channels, small spatial sides; inputs with every
    special value unless ``magnitudes`` is given; a data_format only where ``edition`` has one."""
    rng = _rng(draw)
    rank = LAYERS[feature][1]
    spatial = [int(v) for v in rng.integers(1, MAX_SIDE[rank] + 1, rank)]
    config = _config(rng, feature, spatial, interpolation=interpolation, edition=edition)
    shape = _layout(config, feature, int(rng.integers(1, 3)), spatial, int(rng.integers(1, 4)))
    x = draw(cs.arrays(dtype, shape, magnitudes=magnitudes), label="x")
    return Case(feature, "call", config, (x,), dtype=dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The outputs of generated configs (int, per-axis and pair forms; both data formats; UpSampling2D
    nearest) on inputs with every special value: exactly the spec's (0 ULP, NaN for NaN, -0.0 kept,
    the padding +0.0)."""
    case = data.draw(spatial_cases(feature, dtype, edition=spec.edition), label="case")
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_outputs(actual, expected, case, adapter, ulps=0)
        _assert_signed_zeros(actual, expected, case, adapter)


def _assert_signed_zeros(actual, expected, case, adapter):
    """-0.0 stays -0.0 and the padding is +0.0 (0 ULP compares -0.0 equal to +0.0)."""
    a, e = np.asarray(actual.outputs[0], np.float64), np.asarray(expected.outputs[0], np.float64)
    if a.shape == e.shape:
        bad = (e == 0) & (np.signbit(a) != np.signbit(e))
        if bad.any():
            i = tuple(int(j) for j in np.argwhere(bad)[0])
            raise Divergence(f"out[{', '.join(map(str, i))}]={a[i]!r}, but should be {e[i]!r} (the sign of zero) "
                             f"[{label(case)}]", {"case": case_dict(case), "snippet": adapter.snippet(case)})


def _neighbourhood_max(x, axes, sizes):
    """max |x| over the (clamped) 2x2 neighbourhood each bilinear output interpolates."""
    a = np.abs(np.asarray(x, np.float64))
    for s, ax in zip(sizes, axes):
        n = a.shape[ax]
        u = np.clip((np.arange(n * s) + 0.5) / s - 0.5, 0, n - 1)
        lo = np.floor(u).astype(int)
        a = np.maximum(np.take(a, lo, ax), np.take(a, np.minimum(lo + 1, n - 1), ax))
    return a


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ["layers.UpSampling2D"])
@given(data=st.data())
def test_bilinear(spec, adapter, feature, dtype, data):
    """UpSampling2D(interpolation="bilinear") on finite inputs: half-pixel centers, clamped at the edges,
    within reduction_ulps(4) with scale M * max(H, W) (module docstring)."""
    case = data.draw(spatial_cases(feature, dtype, interpolation="bilinear", magnitudes=FINITE,
                                   edition=spec.edition), label="case")
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        cf = str(case.config.get("data_format", "")).lower() == "channels_first"
        axes = (2, 3) if cf else (1, 2)
        size = case.config["size"]
        sizes = (size, size) if isinstance(size, int) else tuple(size)
        x = case.inputs[0]
        scale = _neighbourhood_max(x, axes, sizes) * max(x.shape[a] for a in axes)
        assert_outputs(actual, expected, case, adapter, ulps=reduction_ulps(4), scales=[scale])


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape with the batch (80%), spatial dims (30% each) and the channels (20%) unknown
    equals the spec's; the adapter's compute_output_shape of the concrete shape equals the spec's and
    the shape of its own call. UpSampling2D with any interpolation (the shape does not depend on it)."""
    rng = _rng(data.draw)
    interp = "nearest"
    if feature == "layers.UpSampling2D":
        interp = str(rng.choice(["nearest", "bilinear", *IMPLEMENTATION_DEFINED_INTERPOLATIONS]))
    call = data.draw(spatial_cases(feature, "float32", interpolation=interp, magnitudes=FINITE,
                                   edition=spec.edition), label="case")
    concrete = tuple(call.inputs[0].shape)
    cf = str(call.config.get("data_format", "")).lower() == "channels_first"
    channel = 1 if cf else len(concrete) - 1
    p = {0: 0.8, channel: 0.2}
    symbolic = tuple(None if rng.random() < p.get(i, 0.3) else d for i, d in enumerate(concrete))
    case = Case(feature, "shape", call.config, shape=symbolic)
    result = run_both(spec, adapter, case)
    if result is not None:
        assert_equal(tuple(result[1]), tuple(result[0]), case, adapter, "compute_output_shape")
    exact = Case(feature, "shape", call.config, shape=concrete)
    result = run_both(spec, adapter, exact)
    assert result is not None, "the spec rejects the shape of a valid case"
    assert_equal(tuple(result[1]), tuple(result[0]), exact, adapter, "compute_output_shape")
    if interp in IMPLEMENTATION_DEFINED_INTERPOLATIONS:
        return  # the call is test_implementation_defined's
    got = run_both(spec, adapter, call)
    recorder().last_case = call
    assert_equal(tuple(np.shape(got[1].outputs[0])), tuple(result[1]), call, adapter, "output shape")


@pytest.mark.filterwarnings("ignore:.*does not support masking")
@pytest.mark.parametrize("feature", FEATURES)
@settings(max_examples=max(5, settings.default.max_examples // 3))  # dropping a mask: few examples suffice
@given(data=st.data())
def test_masks(spec, adapter, feature, data):
    """With a boolean mask on the input (over every axis but the last), the output carries no mask (none
    of these layers supports masking) and the values are the same as without it."""
    case = data.draw(spatial_cases(feature, "float32", edition=spec.edition), label="case")
    rng = _rng(data.draw)
    case = dataclasses.replace(case, mask=rng.random(case.inputs[0].shape[:-1]) < 0.5)
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_masks(actual, expected, case, adapter)
        assert_outputs(actual, expected, case, adapter, ulps=0)


# --- rejects -----------------------------------------------------------------------------------
def _call(feature, config, shape):
    x = np.linspace(-1, 1, math.prod(shape), dtype=np.float32).reshape(shape)
    return Case(feature, "call", config, (x,))


def _shape(feature, config, shape):
    return Case(feature, "shape", config, shape=tuple(shape))


CL, CF = {"data_format": "channels_last"}, {"data_format": "channels_first"}
BAD_FORMAT = {"data_format": "channels_middle"}
REJECTED = {
    "layers.Cropping1D": {
        "negative int": _shape("layers.Cropping1D", {"cropping": -1}, (None, 4, 2)),
        "negative entry": _shape("layers.Cropping1D", {"cropping": (1, -1)}, (None, 4, 2)),
        "3 entries": _shape("layers.Cropping1D", {"cropping": (1, 1, 1)}, (None, 4, 2)),
        "crop = length": _call("layers.Cropping1D", {"cropping": (2, 2)}, (2, 4, 2)),
        "crop > length": _call("layers.Cropping1D", {"cropping": (5, 0)}, (1, 4, 2)),
        "crop = length, symbolic": _shape("layers.Cropping1D", {"cropping": (3, 1)}, (None, 4, None)),
        "float entry": _call("layers.Cropping1D", {"cropping": (1.0, 1)}, (1, 4, 2)),
        "rank 4 input": _call("layers.Cropping1D", {"cropping": 1}, (1, 4, 2, 1)),
    },
    "layers.Cropping2D": {
        "negative int": _shape("layers.Cropping2D", {"cropping": -1}, (None, 4, 4, 1)),
        "negative in pair": _shape("layers.Cropping2D", {"cropping": ((1, -1), (0, 0))}, (None, 4, 4, 1)),
        "3 entries": _shape("layers.Cropping2D", {"cropping": (1, 1, 1)}, (None, 4, 4, 1)),
        "pair of 3": _shape("layers.Cropping2D", {"cropping": ((1, 1, 1), (0, 0))}, (None, 4, 4, 1)),
        "float": _shape("layers.Cropping2D", {"cropping": 1.5}, (None, 4, 4, 1)),
        "height crop = H": _call("layers.Cropping2D", {"cropping": ((2, 2), (0, 0))}, (1, 4, 5, 1)),
        "width crop = W, channels_first": _call("layers.Cropping2D", {"cropping": ((0, 0), (1, 2)), **CF},
                                                (1, 2, 5, 3)),
        "width crop > W, symbolic": _shape("layers.Cropping2D", {"cropping": ((0, 0), (5, 1))},
                                           (None, None, 5, 2)),
        "rank 3 input": _call("layers.Cropping2D", {"cropping": 1}, (1, 4, 4)),
        "bad data_format": _shape("layers.Cropping2D", BAD_FORMAT, (None, 4, 4, 1)),
    },
    "layers.Cropping3D": {
        "negative int": _shape("layers.Cropping3D", {"cropping": -2}, (None, 4, 4, 4, 1)),
        "2 entries": _shape("layers.Cropping3D", {"cropping": ((1, 1), (1, 1))}, (None, 4, 4, 4, 1)),
        "negative in third pair": _shape("layers.Cropping3D", {"cropping": ((0, 0), (0, 0), (0, -1))},
                                         (None, 4, 4, 4, 1)),
        "depth crop = D, channels_first": _call("layers.Cropping3D", {"cropping": ((1, 1), (0, 0), (0, 0)), **CF},
                                                (1, 3, 2, 4, 4)),
        "third crop > dim": _call("layers.Cropping3D", {"cropping": ((0, 0), (0, 0), (2, 2))}, (1, 3, 3, 3, 2)),
        "crop = dim, symbolic": _shape("layers.Cropping3D", {"cropping": 1}, (None, None, 2, None, 1)),
        "rank 4 input": _call("layers.Cropping3D", {"cropping": 1}, (1, 4, 4, 4)),
        "bad data_format": _shape("layers.Cropping3D", BAD_FORMAT, (None, 4, 4, 4, 1)),
    },
    "layers.ZeroPadding1D": {
        "negative int": _shape("layers.ZeroPadding1D", {"padding": -1}, (None, 4, 2)),
        "negative entry": _shape("layers.ZeroPadding1D", {"padding": (1, -2)}, (None, 4, 2)),
        "3 entries": _shape("layers.ZeroPadding1D", {"padding": (1, 2, 3)}, (None, 4, 2)),
        "rank 2 input": _call("layers.ZeroPadding1D", {"padding": 1}, (2, 4)),
        "bad data_format": _shape("layers.ZeroPadding1D", {"padding": 1, **BAD_FORMAT}, (None, 4, 2)),
    },
    "layers.ZeroPadding2D": {
        "negative in pair": _shape("layers.ZeroPadding2D", {"padding": ((1, -1), (0, 0))}, (None, 4, 4, 1)),
        "negative per-axis int": _shape("layers.ZeroPadding2D", {"padding": (1, -1)}, (None, 4, 4, 1)),
        "3 entries": _shape("layers.ZeroPadding2D", {"padding": (1, 1, 1)}, (None, 4, 4, 1)),
        "float": _shape("layers.ZeroPadding2D", {"padding": 1.5}, (None, 4, 4, 1)),
        "np.int64 (not a Python int)": _shape("layers.ZeroPadding2D", {"padding": np.int64(2)}, (None, 4, 4, 1)),
        "rank 5 input": _call("layers.ZeroPadding2D", {"padding": 1}, (1, 2, 2, 2, 1)),
        "bad data_format": _shape("layers.ZeroPadding2D", BAD_FORMAT, (None, 4, 4, 1)),
    },
    "layers.ZeroPadding3D": {
        "2 entries": _shape("layers.ZeroPadding3D", {"padding": (1, 1)}, (None, 3, 3, 3, 1)),
        "negative in third pair": _shape("layers.ZeroPadding3D", {"padding": ((0, 0), (0, 0), (2, -1))},
                                         (None, 3, 3, 3, 1)),
        "pair of 1": _shape("layers.ZeroPadding3D", {"padding": ((1,), (1, 1), (1, 1))}, (None, 3, 3, 3, 1)),
        "rank 4 input": _call("layers.ZeroPadding3D", {"padding": 1}, (1, 3, 3, 3)),
        "bad data_format": _shape("layers.ZeroPadding3D", BAD_FORMAT, (None, 3, 3, 3, 1)),
    },
    "layers.UpSampling1D": {
        "size 0": _shape("layers.UpSampling1D", {"size": 0}, (None, 4, 2)),
        "negative size": _shape("layers.UpSampling1D", {"size": -2}, (None, 4, 2)),
        "float size": _shape("layers.UpSampling1D", {"size": 2.0}, (None, 4, 2)),
        "bool size": _shape("layers.UpSampling1D", {"size": True}, (None, 4, 2)),
        "tuple size": _shape("layers.UpSampling1D", {"size": (2,)}, (None, 4, 2)),
        "rank 4 input": _call("layers.UpSampling1D", {"size": 2}, (1, 2, 2, 1)),
    },
    "layers.UpSampling2D": {
        "size 0": _shape("layers.UpSampling2D", {"size": 0}, (None, 2, 2, 1)),
        "size (2, 0)": _shape("layers.UpSampling2D", {"size": (2, 0)}, (None, 2, 2, 1)),
        "3 sizes": _shape("layers.UpSampling2D", {"size": (2, 2, 2)}, (None, 2, 2, 1)),
        "interpolation 'linear'": _call("layers.UpSampling2D", {"interpolation": "linear"}, (1, 2, 2, 1)),
        "interpolation 'gaussian' (Keras 2 only)": _call("layers.UpSampling2D", {"interpolation": "gaussian"},
                                                         (1, 2, 2, 1)),
        "interpolation None": _shape("layers.UpSampling2D", {"interpolation": None}, (None, 2, 2, 1)),
        "rank 3 input": _call("layers.UpSampling2D", {"size": 2}, (1, 2, 2)),
        "bad data_format": _shape("layers.UpSampling2D", BAD_FORMAT, (None, 2, 2, 1)),
    },
    "layers.UpSampling3D": {
        "2 sizes": _shape("layers.UpSampling3D", {"size": (2, 2)}, (None, 2, 2, 2, 1)),
        "size (1, 0, 1)": _shape("layers.UpSampling3D", {"size": (1, 0, 1)}, (None, 2, 2, 2, 1)),
        "negative size": _shape("layers.UpSampling3D", {"size": -1}, (None, 2, 2, 2, 1)),
        "rank 4 input": _call("layers.UpSampling3D", {"size": 2}, (1, 2, 2, 1)),
        "bad data_format": _shape("layers.UpSampling3D", BAD_FORMAT, (None, 2, 2, 2, 1)),
    },
}
# Rows only Keras 3 rejects: Keras 2 accepts them (a crop giving a 0 dim, or one its call slices
# literally; a size it int()s; size 0 in compute_output_shape; see the reference's Editions sections).
KERAS3_ONLY = {("layers.Cropping1D", "crop = length, symbolic"), ("layers.Cropping2D", "negative int"),
               ("layers.Cropping3D", "negative int"), ("layers.Cropping3D", "third crop > dim"),
               ("layers.Cropping3D", "crop = dim, symbolic"), ("layers.Cropping3D", "depth crop = D, channels_first"),
               ("layers.UpSampling1D", "float size"), ("layers.UpSampling1D", "bool size"),
               ("layers.UpSampling1D", "size 0")}
# Rows Keras 2 accepts whose result the keras2 spec leaves implementation-defined: its UpSampling2D has
# "gaussian" (tf.image.resize's own kernel).
KERAS2_IMPLEMENTATION_DEFINED = {("layers.UpSampling2D", "interpolation 'gaussian' (Keras 2 only)")}


@pytest.mark.parametrize("feature, reject", [(f, name) for f, rows in REJECTED.items() for name in rows])
def test_rejects(spec, adapter, feature, reject):
    """An invalid config or input (the row's name says which; a "shape" case fails in the constructor
    or compute_output_shape, a "call" case in the call): the adapter rejects it as the spec does. On
    Keras 2 the rows of KERAS3_ONLY are accepted by both instead, and those of
    KERAS2_IMPLEMENTATION_DEFINED are recorded as implementation_defined records them."""
    case = REJECTED[feature][reject]
    if spec.edition == KERAS2 and (feature, reject) in KERAS2_IMPLEMENTATION_DEFINED:
        _record_implementation_defined(spec, adapter, case, reject)
        return
    if spec.edition == KERAS2 and (feature, reject) in KERAS3_ONLY:
        if run_both(spec, adapter, case) is None:
            raise Divergence(f"both reject what Keras 2 accepts [{label(case)}]",
                             {"case": case_dict(case), "snippet": adapter.snippet(case)})
        return
    expect_rejection(spec, adapter, case)


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, data):
    """from_config(get_config()) of generated configs (every argument form, data_format in mixed case,
    UpSampling2D nearest or bilinear in any letter case): both configs equal the spec's (the normalized
    tuples, lower-cased strings) and the clone gives exactly the original's outputs."""
    interp = "bilinear" if feature == "layers.UpSampling2D" and data.draw(st.booleans()) else "nearest"
    call = data.draw(spatial_cases(feature, "float32", interpolation=interp, magnitudes=FINITE,
                                   edition=spec.edition), label="case")
    check.assert_layer_roundtrip(spec, adapter, dataclasses.replace(call, op="roundtrip"))


# --- implementation-defined --------------------------------------------------------------------
IMPLEMENTATION_DEFINED = {
    "ZeroPadding2D negative int": Case("layers.ZeroPadding2D", "call", {"padding": -1},
                                       (np.arange(2 * 4 * 5 * 2, dtype=np.float32).reshape(2, 4, 5, 2),)),
    "ZeroPadding3D negative int, channels_first": Case(
        "layers.ZeroPadding3D", "call", {"padding": -1, **CF},
        (np.arange(1 * 2 * 3 * 4 * 5, dtype=np.float32).reshape(1, 2, 3, 4, 5),)),
    **{f"UpSampling2D {m}": Case("layers.UpSampling2D", "call", {"size": (2, 3), "interpolation": m},
                                 (np.arange(1 * 3 * 2 * 2, dtype=np.float32).reshape(1, 3, 2, 2),))
       for m in IMPLEMENTATION_DEFINED_INTERPOLATIONS},
    "UpSampling2D bilinear of inf and NaN": Case(
        "layers.UpSampling2D", "call", {"size": 2, "interpolation": "bilinear"},
        (np.array([[[[1.0], [np.inf]], [[np.nan], [-2.0]]]], dtype=np.float32),)),
}


def _describe(out):
    out = np.asarray(out, np.float64)
    kinds = [k for k, m in (("NaN", np.isnan(out)), ("inf", np.isinf(out)), ("finite", np.isfinite(out))) if m.any()]
    return f"an output of shape {out.shape} ({', '.join(kinds) or 'empty'})"


@pytest.mark.parametrize("feature, row", [(c.feature, name) for name, c in IMPLEMENTATION_DEFINED.items()])
def test_implementation_defined(spec, adapter, feature, row):
    """IMPLEMENTATION-DEFINED (information, not a failure): negative int padding of ZeroPadding2D/3D,
    UpSampling2D with bicubic/lanczos3/lanczos5/area, bilinear on inf/NaN. The spec must mark the call
    ImplementationDefined; what the adapter does (rejects, or its output) is recorded; an output must
    have the shape compute_output_shape gives for the input."""
    _record_implementation_defined(spec, adapter, IMPLEMENTATION_DEFINED[row], row)


def _record_implementation_defined(spec, adapter, case, row):
    """The spec marks the call ImplementationDefined; what the adapter does is recorded as information
    (an output must have compute_output_shape's shape)."""
    recorder().last_case = case
    layer = reference.get_feature(case.feature).obj(**case.config, edition=spec.edition)
    with pytest.raises(ImplementationDefined):
        layer(case.inputs[0])
    kind, actual = outcome(adapter, case)
    if kind == "rejected":
        what = f"rejects it ({actual.split(':', 1)[0]})"
    else:
        shape = layer.compute_output_shape(case.inputs[0].shape)
        assert_equal(tuple(np.shape(actual.outputs[0])), tuple(shape), case, adapter, "output shape")
        what = f"returns {_describe(actual.outputs[0])}"
    recorder().note(f"implementation-defined: {row}: the adapter {what} [{label(case)}]", case)
