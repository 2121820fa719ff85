"""Cases of the Masking layer (reference/layers/masking.py; checks in conformance/test_layers_masking.py).

``CASES``: the call cases the values, shapes, mask propagation and round-trip checks share
(inputs with whole timesteps equal to mask_value, special values anywhere). The mask checks draw
``masking_case`` (whole and partial matches, no subnormals) and the fixed ``cast_case`` of each
``CAST_VALUES`` mask_value.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import finfo, to_dtype
from conformance import strategies as cs


@functools.cache
@st.composite
def masking(draw, dtype):
    """Inputs with whole timesteps equal to mask_value, and special values anywhere."""
    x = draw(cs.arrays(dtype, cs.shapes(3, 3, max_side=4)))
    value = draw(st.sampled_from((0.0, 1.0, -0.0, math.inf, math.nan)))
    rows = draw(st.lists(st.tuples(st.integers(0, x.shape[0] - 1), st.integers(0, x.shape[1] - 1)), max_size=4))
    x = x.copy()
    for b, t in rows:
        x[b, t, :] = value
    return Case("layers.Masking", "call", {"mask_value": value}, (x,), dtype=dtype)


# The call cases, by feature: a function of the dtype (cached: Hypothesis validates each new strategy).
CASES = {"layers.Masking": masking}

# --- the mask checks' cases -----------------------------------------------------------------------
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


# --- config round trip (Masking rejects nothing: its spec lists no errors) ------------------------
VARIANTS = {"generated": cs.roundtrip_variant()}
ROUNDTRIP = [("layers.Masking", "generated")]


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
@functools.cache
def gradient_cases(dtype: str, edition: str):
    """Masking of nonzero inputs (rank 3) with some timesteps set to the mask value: those carry no gradient."""
    @st.composite
    def strategy(draw):
        case = draw(cs.differentiable(CASES["layers.Masking"](dtype)), label="case")
        x = np.array(case.inputs[0], copy=True)
        if x.ndim >= 2:
            masked = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="masked_seed")).random(x.shape[:-1]) < 0.4
            x[masked] = case.config.get("mask_value", 0.0)
        return dataclasses.replace(case, inputs=(x,))

    return strategy()


GRADIENT_CASES = {"layers.Masking": functools.partial(gradient_cases)}

# The saved-model check's (float32): a call case, with a regularizer and a constraint drawn for each weight.
SAVED_CASES = {f: functools.cache(lambda edition, f=f: cs.savable(CASES[f]("float32"))) for f in CASES}
