"""Masks: how ``layers.Masking`` computes a mask and zeroes masked timesteps, and how every
core layer propagates (keeps, drops or replaces) the mask attached to its input.

The adapter attaches ``case.mask`` to the first input and hands back the mask each output
carries (``LayerResult.masks``, None when it carries none). Keras propagates masks layer by
layer: a layer sees only the mask attached to its input (``previous_mask``) and attaches
``compute_mask(x, previous_mask)`` to its output when it supports masking, nothing otherwise
(Keras 3 warns; the warning is not checked, the adapter does not hand warnings back). A chain
is therefore the composition of one-layer steps, and ``test_propagation`` checks each step:

- "Masking -> X": the case's input is what Masking(0.0) outputs (masked timesteps zeroed) and
  carries Masking's mask (mask kind ``from_masking``);
- "downstream of a layer that does not support masking" (Masking -> Flatten -> X): Flatten's
  output carries no mask (checked on Flatten), so X gets an input without a mask (mask kind
  ``none``): X must not invent one (only Masking and a Lambda with ``mask=`` compute a mask
  from nothing).
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES, finfo, to_dtype
from conformance import strategies as cs
from conformance.check import assert_masks, assert_outputs, label, run_both
from conformance.divergence import Divergence
from conformance.layer_cases import cases

SPECIAL_MASK_VALUES = (0.0, -0.0, 1.0, math.nan, math.inf, -math.inf)


def no_subnormals(x, dtype):
    """A copy of x with every subnormal element replaced by the smallest normal of its sign."""
    tiny = float(finfo(dtype).smallest_normal)
    x64 = np.asarray(x, np.float64)
    sub = (x64 != 0) & (np.abs(x64) < tiny)
    return to_dtype(np.where(sub, np.copysign(tiny, x64), x64), dtype)


@st.composite
def masking_case(draw, dtype):
    """A Masking call case: input of rank 2-4 (the mask covers every axis but the last) with
    special values anywhere (NaN, ±inf, ±0, subnormals, the extremes); each timestep is left
    as drawn, set wholly to mask_value (a zero mask_value: each element ±0 at random, since
    -0.0 == 0.0), or set to mask_value in a random non-empty proper subset of its features
    (a partial match, never masked). mask_value is one of 0.0, -0.0, 1.0, NaN, ±inf or a
    random finite value representable in the dtype and in float32 (values that round when
    cast are test_mask_value_cast's).

    No subnormal numbers, in x or in mask_value: whether a subnormal equals 0 is
    implementation-defined (TensorFlow's CPU kernels treat subnormal inputs as zero, DAZ;
    conformance/tolerance.py), so a subnormal element is replaced by the smallest normal number
    of its sign."""
    x = draw(cs.arrays(dtype, cs.shapes(2, 4, min_side=1, max_side=4)), label="x")
    value = draw(st.one_of(st.sampled_from(SPECIAL_MASK_VALUES),
                           cs.floats("float32" if dtype == "float64" else dtype, allow_nan=False,
                                     allow_infinity=False, allow_subnormal=False)), label="mask_value")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="rows_seed"))
    x = no_subnormals(x, dtype)
    feats = x.shape[-1]
    with np.errstate(over="ignore"):
        fill = to_dtype(value, dtype)
    for idx in np.ndindex(*x.shape[:-1]):
        kind = rng.choice(3, p=(0.45, 0.35, 0.2))
        if kind == 1:
            x[idx] = fill
        elif kind == 2 and feats > 1:
            cols = rng.permutation(feats)[: rng.integers(1, feats)]
            x[idx + (cols,)] = fill
        if kind and value == 0:  # ±0 at random: both are the mask value 0
            signs = rng.choice([-1.0, 1.0], feats)
            x[idx] = np.where(x[idx] == 0, to_dtype(np.copysign(0.0, signs), dtype), x[idx])
    return Case("layers.Masking", "call", {"mask_value": value}, (x,), dtype=dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ["layers.Masking"])
@given(data=st.data())
def test_compute_mask(spec, adapter, feature, dtype, data):
    """Masking's output mask is any(x != mask_value, axis=-1): a timestep is masked only when
    all its features equal mask_value (-0.0 == 0.0; a NaN mask_value never masks; NaN and inf
    anywhere else), for whole and partial matches."""
    case = data.draw(masking_case(dtype), label="case")
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


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ["layers.Masking"])
@given(data=st.data())
def test_masked_output(spec, adapter, feature, dtype, data):
    """Masking's output, bit for bit: kept timesteps unchanged (NaN, inf, -0.0 included);
    masked ones are where(mask, x, 0) = +0.0 in Keras 3 (a -0.0 or ±inf timestep becomes +0),
    x * mask in Keras 2 (-0.0 stays -0.0, inf * 0 gives NaN)."""
    case = data.draw(masking_case(dtype), label="case")
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_bitwise(actual, expected, case, adapter)


# mask_values that round when cast to a narrower dtype: 0.1 and 1/3 round in every dtype but
# float64; 70000 overflows float16 to inf; 1e-8 underflows float16 to 0 (and rounds in
# bfloat16); 1 + 2**-20 rounds to 1 in float16 and bfloat16. None is subnormal in any dtype
# but float16's 0 (see masking_case on subnormals).
CAST_VALUES = (0.1, 1 / 3, 70000.0, 1e-8, 1 + 2.0**-20)


def cast_case(value, dtype):
    """Timestep [0, 0] is dtype(mask_value), [0, 1] zeros, [0, 2] inf, [1, 0] float32(mask_value)
    in the dtype, [1, 1] ones; the rest ordinary values."""
    with np.errstate(over="ignore"):
        rows = [[value] * 3, [0.0] * 3, [math.inf] * 3, [1.0, 2.0, 3.0],
                [float(np.float32(value))] * 3, [1.0] * 3, [-2.0, 0.5, 4.0], [value, 1.0, value]]
        x = to_dtype(np.array(rows, np.float64).reshape(2, 4, 3), dtype)
    return Case("layers.Masking", "call", {"mask_value": value}, (x,), dtype=dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ["layers.Masking"])
def test_mask_value_cast(spec, adapter, feature, dtype):
    """mask_value is compared in x's dtype: a timestep equal to dtype(mask_value) is masked even
    when mask_value is not representable (float16 x = 0.1 is masked by mask_value=0.1; 70000 is
    inf in float16, so inf timesteps are masked)."""
    for value in CAST_VALUES:
        case = cast_case(value, dtype)
        result = run_both(spec, adapter, case)
        if result is not None:
            expected, actual = result
            assert_masks(actual, expected, case, adapter, spec)


# Layers whose mask propagation is checked: they pass the mask through (Dense, Activation, the
# dropouts, ActivityRegularization), drop it (Reshape, Flatten, Permute, RepeatVector, Lambda
# without mask=), or compute their own (Masking; Lambda with mask=).
PROPAGATION = ("layers.Dense", "layers.Activation", "layers.Dropout", "layers.SpatialDropout1D",
               "layers.SpatialDropout2D", "layers.SpatialDropout3D", "layers.Reshape", "layers.Flatten",
               "layers.Permute", "layers.RepeatVector", "layers.Lambda", "layers.ActivityRegularization",
               "layers.Masking")
DROPOUTS = ("layers.Dropout", "layers.SpatialDropout1D", "layers.SpatialDropout2D", "layers.SpatialDropout3D")


@st.composite
def masked_case(draw, feature):
    """A call case of ``feature`` (conformance/layer_cases.py, float32) with an input mask of
    shape x.shape[:-1] (the timesteps of a 3-D input): ``none``, ``random`` booleans, or
    ``from_masking`` (the input as Masking(0.0) outputs it, some timesteps zeroed, with its mask).
    A single-input Lambda gets ``mask="mask_positive"`` half the time; a dropout runs in training
    half the time (the mask passes through either way)."""
    case = draw(cases(feature, "float32"), label="case")
    x = np.array(case.inputs[0], copy=True)
    kind = draw(st.sampled_from(("none", "random", "from_masking")), label="mask_kind")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="mask_seed"))
    mask_shape = x.shape[:-1]
    mask = None
    if kind == "random":
        mask = rng.random(mask_shape) < 0.6
    elif kind == "from_masking":
        zero = rng.random(mask_shape) < 0.4
        x[zero] = 0.0
        mask = np.any(x != 0, axis=-1)
        x = np.where(mask[..., None], x, np.zeros_like(x))
    changes = {"inputs": (x, *case.inputs[1:]), "mask": mask}
    if feature == "layers.Lambda" and len(case.inputs) == 1 and draw(st.booleans(), label="with_mask_fn"):
        changes["config"] = {**case.config, "mask": "mask_positive"}
    if feature in DROPOUTS:
        changes["training"] = draw(st.booleans(), label="training")
    return dataclasses.replace(case, **changes)


@pytest.mark.parametrize("feature", PROPAGATION)
@given(data=st.data())
def test_propagation(spec, adapter, feature, data):
    """The output mask for an input with or without a mask: passed through unchanged (Dense,
    Activation, Dropout and SpatialDropout1D-3D in training or not, ActivityRegularization),
    dropped (Reshape, Flatten, Permute, RepeatVector, Lambda without mask=; Keras 3 warns),
    computed from the input alone (Masking ignores the incoming mask; Lambda's mask function
    mask_positive gives x[..., 0] > 0), and never invented for an input without a mask."""
    case = data.draw(masked_case(feature), label="case")
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_masks(actual, expected, case, adapter, spec)
