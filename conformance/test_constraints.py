"""Checks for ``keras.constraints``: one test per check, parametrized by feature and dtype."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import strategies as cs
from conformance import tolerance
from conformance.cases import features_of
from conformance.cases.constraints import CONSTRAINTS, NAMES, REJECTED, ROUNDTRIP_CONFIGS, config_strategy, edge_weights
from conformance.check import assert_equal, assert_roundtrip, assert_signature, compare, expect_rejection, run_both


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", CONSTRAINTS)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """Random weights of rank 1-4 (0 or moderate magnitudes) and random keyword arguments."""
    w = data.draw(cs.arrays(dtype, cs.shapes(1, 4), magnitudes=cs.MAGNITUDES[dtype]), label="w")
    config = data.draw(config_strategy(feature, dtype, w.ndim), label="config")
    compare(spec, adapter, Case(feature, "call", config, (w,), dtype=dtype), tolerance.constraints)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", CONSTRAINTS)
def test_edges(spec, adapter, feature, dtype):
    """Zero columns, ±inf, NaN, subnormal and huge values, with the default arguments."""
    for w in edge_weights(dtype):
        compare(spec, adapter, Case(feature, "call", {}, (w,), dtype=dtype), tolerance.constraints)


@pytest.mark.parametrize("feature", CONSTRAINTS)
def test_rejects(spec, adapter, feature):
    """An axis outside the weight's rank is rejected; so is an unknown name in ``keras.constraints.get``."""
    for config, shape in REJECTED.get(feature, []):
        w = np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)
        expect_rejection(spec, adapter, Case(feature, "call", config, (w,)))
    expect_rejection(spec, adapter, Case(feature, "resolve", identifier=feature.split(".")[1] + "_not_a_name"))


@pytest.mark.parametrize("feature", CONSTRAINTS)
def test_roundtrip(spec, adapter, feature):
    """get_config() gives the constructor arguments; from_config() gives an equal constraint."""
    w = np.linspace(-5, 5, 24, dtype=np.float32).reshape(4, 6)
    for config in ROUNDTRIP_CONFIGS[feature]:
        assert_roundtrip(spec, adapter, Case(feature, "roundtrip", config, (w,)))


@pytest.mark.parametrize("feature,identifier", NAMES, ids=[i for _, i in NAMES])
def test_resolve(spec, adapter, feature, identifier):
    """keras.constraints.get(name) gives the constraint of that name with its defaults
    (the Keras 2 names maxnorm/nonneg/unitnorm are rejected by Keras 3)."""
    case = Case(feature, "resolve", identifier=identifier)
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_equal(actual.feature, expected.feature, case, adapter, "get(name)")
        assert_equal(actual.config, expected.config, case, adapter, "get(name).get_config()")


@pytest.mark.parametrize("feature", features_of("constraints"))
def test_signature(spec, adapter, feature):
    """The framework's public constructor accepts every argument the spec documents, by the
    same name, kind and default (reference/signatures.py); an extra argument is information
    (check.assert_signature)."""
    assert_signature(spec, adapter, feature)
