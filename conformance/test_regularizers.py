"""Checks for ``keras.regularizers``: one test per check, parametrized by feature and dtype."""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES, finfo, to_dtype
from conformance import strategies as cs
from conformance.check import assert_close, assert_equal, assert_roundtrip, expect_rejection, run_both
from conformance.test_constraints import MAGNITUDES
from conformance.cases.regularizers import FACTORS, config_strategy
from conformance.tolerance import reduction_ulps
from reference import KERAS2
from reference.registry import features

REGULARIZERS = [f.id for f in features("regularizers")]
def _compare(spec, adapter, case):
    """The penalty is a 0-d array; it sums every element, so the tolerance grows with x.size."""
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_close(actual, expected, case, adapter, ulps=reduction_ulps(case.inputs[0].size))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", REGULARIZERS)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """Random weights of rank 1-4 (0 or moderate magnitudes) and random factors."""
    x = data.draw(cs.arrays(dtype, cs.shapes(1, 4), magnitudes=MAGNITUDES[dtype]), label="x")
    config = data.draw(config_strategy(feature, dtype), label="config")
    _compare(spec, adapter, Case(feature, "call", config, (x,), dtype=dtype))


def edge_inputs(dtype: str) -> list[np.ndarray]:
    """Zeros, each special value next to ordinary ones, the smallest numbers, then huge values
    whose sum (or sum of squares) overflows the dtype."""
    fi = finfo(dtype)
    big, tiny, sub = float(fi.max), float(fi.smallest_normal), float(fi.smallest_subnormal)
    rows = [[0.0, 0.0, 0.0], [np.inf, 1.0, -2.0], [-np.inf, 1.0, -2.0], [np.nan, 1.0, -2.0],
            [np.inf, -np.inf, 1.0], [tiny, -tiny, sub], [1.0, -0.5, 0.25], [big, 1.0, 0.0],
            [big, big, -big]]
    return [to_dtype(np.array(r), dtype) for r in rows]


# Configurations beyond the defaults: a zero factor skips its term, so inf gives inf, not NaN.
EDGE_CONFIGS = {"regularizers.L1L2": [{"l1": 0.0, "l2": 0.01}, {"l1": 0.01, "l2": 0.0}, {"l1": 0.01, "l2": 0.01}]}


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", REGULARIZERS)
def test_edges(spec, adapter, feature, dtype):
    """Zeros, ±inf, NaN, subnormal and huge values, with the default factors (and, for L1L2,
    with one factor zero)."""
    for config in [{}, *EDGE_CONFIGS.get(feature, [])]:
        for x in edge_inputs(dtype):
            _compare(spec, adapter, Case(feature, "call", config, (x,), dtype=dtype))


REJECTED = {f: [{name: bad} for name in names for bad in (-0.01, -1, math.inf, -math.inf, math.nan)]
            for f, names in FACTORS.items()}
# Keras 2 accepts negative factors but rejects infinite and NaN ones (tf_keras regularizers.py
# _check_penalty_number).
REJECTED_KERAS2 = {f: [{name: bad} for name in names for bad in (math.inf, -math.inf, math.nan)]
                   for f, names in FACTORS.items()}


@pytest.mark.parametrize("feature", REGULARIZERS)
def test_rejects(spec, adapter, feature):
    """Keras 3 rejects a negative, infinite or NaN factor, Keras 2 an infinite or NaN one; an
    unknown name in ``keras.regularizers.get`` is rejected in both editions."""
    cases = [] if spec.edition == KERAS2 else REJECTED.get(feature, [])
    cases = cases + (REJECTED_KERAS2.get(feature, []) if spec.edition == KERAS2 else [])
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    for config in cases:
        expect_rejection(spec, adapter, Case(feature, "call", config, (x,)))
    expect_rejection(spec, adapter, Case(feature, "resolve", identifier=feature.split(".")[1] + "_not_a_name"))


ROUNDTRIP_CONFIGS = {
    "regularizers.L1": [{}, {"l1": 0.25}, {"l1": 0.3}],
    "regularizers.L2": [{}, {"l2": 0.25}, {"l2": 0.3}],
    "regularizers.L1L2": [{}, {"l1": 0.25, "l2": 0.3}, {"l2": 0.1}],
}


@pytest.mark.parametrize("feature", REGULARIZERS)
def test_roundtrip(spec, adapter, feature):
    """get_config() gives the factors; from_config() gives a regularizer with the same penalty."""
    x = np.linspace(-5, 5, 24, dtype=np.float32).reshape(4, 6)
    for config in ROUNDTRIP_CONFIGS[feature]:
        assert_roundtrip(spec, adapter, Case(feature, "roundtrip", config, (x,)))


# Every string the spec resolves in either edition, with the feature it names.
IDENTIFIERS = [("regularizers.L1", "l1"), ("regularizers.L1", "L1"), ("regularizers.L2", "l2"),
               ("regularizers.L2", "L2"), ("regularizers.L1L2", "l1l2"), ("regularizers.L1L2", "L1L2"),
               ("regularizers.L1L2", "l1_l2")]


@pytest.mark.parametrize("feature,identifier", IDENTIFIERS, ids=[i for _, i in IDENTIFIERS])
def test_resolve(spec, adapter, feature, identifier):
    """keras.regularizers.get(name) gives the regularizer of that name with its string defaults
    (Keras 3 rejects "l1_l2"; Keras 2 gives L1L2(0.01, 0.01))."""
    case = Case(feature, "resolve", identifier=identifier)
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_equal(actual.feature, expected.feature, case, adapter, "get(name)")
        assert_equal(actual.config, expected.config, case, adapter, "get(name).get_config()")
