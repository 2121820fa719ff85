"""Checks for ``keras.constraints``: one test per check, parametrized by feature and dtype."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES, finfo, to_dtype
from conformance import strategies as cs
from conformance.check import assert_close, assert_equal, assert_roundtrip, expect_rejection, run_both
from conformance.tolerance import ELEMENTWISE_ULPS, reduction_ulps
from reference import KERAS2
from reference.registry import features

CONSTRAINTS = [f.id for f in features("constraints")]
NORM_CONSTRAINTS = ("constraints.MaxNorm", "constraints.MinMaxNorm", "constraints.UnitNorm")

# Element magnitudes where the 1e-7 epsilon added to a norm stays below the dtype's rounding.
# Bounds are representable in the dtype (float32: 1e-3 rounded up to 0.0010000000474974513).
MAGNITUDES = {"float16": (2.0**-6, 100.0), "bfloat16": (2.0**-6, 100.0),
              "float32": (float(np.float32(1e-3)), 1e6), "float64": (1e-3, 1e6)}


@functools.cache
def magnitudes(dtype: str, hi: float | None = None):
    """0, or a value in [MAGNITUDES[dtype][0], hi]: a max_value or min_value that keeps the scale
    desired / (1e-7 + n) a normal number (a subnormal intermediate may be flushed to zero, which
    tolerance.py leaves implementation-defined)."""
    lo, top = MAGNITUDES[dtype]
    return st.one_of(st.just(0.0), cs.floats(dtype, min_value=lo, max_value=top if hi is None else hi,
                                            allow_subnormal=False))


@functools.cache
@st.composite
def axes(draw, ndim: int):
    """An int axis in [-ndim, ndim), or a tuple of distinct axes (each written as a or a - ndim)."""
    if draw(st.booleans()):
        return draw(st.integers(-ndim, ndim - 1))
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(a - ndim if draw(st.booleans()) else a for a in chosen)


@functools.cache
@st.composite
def config_strategy(draw, feature: str, dtype: str, ndim: int):
    """Keyword arguments for ``feature``, representable in ``dtype``; a random subset of them.
    Norm bounds are 0 or of the elements' magnitudes; MinMaxNorm keeps min_value <= max_value
    (defaults included)."""
    config = {}
    if feature == "constraints.NonNeg":
        return config
    if draw(st.booleans()):
        config["axis"] = draw(axes(ndim))
    if feature == "constraints.MaxNorm" and draw(st.booleans()):
        config["max_value"] = draw(magnitudes(dtype))
    if feature == "constraints.MinMaxNorm":
        if draw(st.booleans()):
            config["rate"] = draw(cs.floats(dtype, min_value=0, max_value=1))
        which = draw(st.sampled_from(["none", "min", "max", "both"]))
        if which == "min":  # max_value defaults to 1.0
            config["min_value"] = draw(magnitudes(dtype, hi=1.0))
        elif which == "max":  # min_value defaults to 0.0
            config["max_value"] = draw(magnitudes(dtype))
        elif which == "both":
            a, b = sorted(draw(st.lists(magnitudes(dtype), min_size=2, max_size=2)))
            config["min_value"], config["max_value"] = a, b
    return config


def reduced(feature: str, config: dict, shape) -> int:
    """Number of elements each norm sums over."""
    if feature not in NORM_CONSTRAINTS:
        return 0
    axis = config.get("axis", 0)
    return int(np.prod([shape[a] for a in np.atleast_1d(axis)]))


def _ulps(feature, config, x):
    if feature in NORM_CONSTRAINTS:
        return reduction_ulps(reduced(feature, config, x.shape))
    return ELEMENTWISE_ULPS


def _compare(spec, adapter, case):
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_close(actual, expected, case, adapter, ulps=_ulps(case.feature, case.config, case.inputs[0]))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", CONSTRAINTS)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """Random weights of rank 1-4 (0 or moderate magnitudes) and random keyword arguments."""
    w = data.draw(cs.arrays(dtype, cs.shapes(1, 4), magnitudes=MAGNITUDES[dtype]), label="w")
    config = data.draw(config_strategy(feature, dtype, w.ndim), label="config")
    _compare(spec, adapter, Case(feature, "call", config, (w,), dtype=dtype))


def edge_weights(dtype: str) -> list[np.ndarray]:
    """Weights of shape (3, k): every column (the default axis=0 slice) holds one special value.

    First every special value of the dtype in a column [v, 1, 0] plus an all-zero column;
    then huge columns whose sum of squares overflows the dtype (but not float64)."""
    fi = finfo(dtype)
    e = np.asarray(cs.edge_values(dtype), np.float64)
    special = np.concatenate([np.stack([e, np.ones_like(e), np.zeros_like(e)]), np.zeros((3, 1))], axis=1)
    big = float(fi.max)
    huge = np.array([[big, big, -big, big / 4], [big, 1.0, 0.0, big / 4], [-big, 0.0, 0.0, big / 4]])
    return [to_dtype(special, dtype), to_dtype(huge, dtype)]


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", CONSTRAINTS)
def test_edges(spec, adapter, feature, dtype):
    """Zero columns, ±inf, NaN, subnormal and huge values, with the default arguments."""
    for w in edge_weights(dtype):
        _compare(spec, adapter, Case(feature, "call", {}, (w,), dtype=dtype))


REJECTED = {f: [({"axis": 2}, (2, 3)), ({"axis": -3}, (2, 3)), ({"axis": (0, 2)}, (2, 3)), ({"axis": 1}, (4,))]
            for f in NORM_CONSTRAINTS}
REJECTED_KERAS2 = {}


@pytest.mark.parametrize("feature", CONSTRAINTS)
def test_rejects(spec, adapter, feature):
    """An axis outside the weight's rank is rejected; so is an unknown name in ``keras.constraints.get``."""
    cases = REJECTED.get(feature, []) + (REJECTED_KERAS2.get(feature, []) if spec.edition == KERAS2 else [])
    for config, shape in cases:
        w = np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)
        expect_rejection(spec, adapter, Case(feature, "call", config, (w,)))
    expect_rejection(spec, adapter, Case(feature, "resolve", identifier=feature.split(".")[1] + "_not_a_name"))


ROUNDTRIP_CONFIGS = {
    "constraints.MaxNorm": [{}, {"max_value": 1.5, "axis": 1}, {"max_value": 3, "axis": (0, 1)}],
    "constraints.MinMaxNorm": [{}, {"min_value": 0.5, "max_value": 2.0, "rate": 0.25, "axis": -1}],
    "constraints.UnitNorm": [{}, {"axis": 1}],
    "constraints.NonNeg": [{}],
}


@pytest.mark.parametrize("feature", CONSTRAINTS)
def test_roundtrip(spec, adapter, feature):
    """get_config() gives the constructor arguments; from_config() gives an equal constraint."""
    w = np.linspace(-5, 5, 24, dtype=np.float32).reshape(4, 6)
    for config in ROUNDTRIP_CONFIGS[feature]:
        assert_roundtrip(spec, adapter, Case(feature, "roundtrip", config, (w,)))


# Every string the spec resolves in either edition, with the feature it names.
IDENTIFIERS = [(f"constraints.{cls}", name) for cls, names in {
    "MaxNorm": ("MaxNorm", "max_norm", "maxnorm"),
    "MinMaxNorm": ("MinMaxNorm", "min_max_norm"),
    "NonNeg": ("NonNeg", "non_neg", "nonneg"),
    "UnitNorm": ("UnitNorm", "unit_norm", "unitnorm"),
}.items() for name in names]


@pytest.mark.parametrize("feature,identifier", IDENTIFIERS, ids=[i for _, i in IDENTIFIERS])
def test_resolve(spec, adapter, feature, identifier):
    """keras.constraints.get(name) gives the constraint of that name with its defaults
    (the Keras 2 names maxnorm/nonneg/unitnorm are rejected by Keras 3)."""
    case = Case(feature, "resolve", identifier=identifier)
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_equal(actual.feature, expected.feature, case, adapter, "get(name)")
        assert_equal(actual.config, expected.config, case, adapter, "get(name).get_config()")
