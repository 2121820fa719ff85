"""Checks for ``keras.regularizers``: one test per check, parametrized by feature and dtype."""

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
from conformance.cases.regularizers import (EDGE_CONFIGS, NAMES, REGULARIZERS, REJECTED, REJECTED_KERAS2,
                                            ROUNDTRIP_CONFIGS, config_strategy, edge_inputs)
from conformance.check import assert_equal, assert_roundtrip, assert_signature, compare, expect_rejection, run_both
from reference import KERAS2


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", REGULARIZERS)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """Random weights of rank 1-4 (0 or moderate magnitudes) and random factors."""
    x = data.draw(cs.arrays(dtype, cs.shapes(1, 4), magnitudes=cs.MAGNITUDES[dtype]), label="x")
    config = data.draw(config_strategy(feature, dtype), label="config")
    compare(spec, adapter, Case(feature, "call", config, (x,), dtype=dtype), tolerance.regularizers)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", REGULARIZERS)
def test_edges(spec, adapter, feature, dtype):
    """Zeros, ±inf, NaN, subnormal and huge values, with the default factors (and, for L1L2,
    with one factor zero)."""
    for config in [{}, *EDGE_CONFIGS.get(feature, [])]:
        for x in edge_inputs(dtype):
            compare(spec, adapter, Case(feature, "call", config, (x,), dtype=dtype), tolerance.regularizers)


@pytest.mark.parametrize("feature", REGULARIZERS)
def test_rejects(spec, adapter, feature):
    """Keras 3 rejects a negative, infinite or NaN factor, Keras 2 an infinite or NaN one; an
    unknown name in ``keras.regularizers.get`` is rejected in both editions."""
    x = np.linspace(-1, 1, 6, dtype=np.float32).reshape(2, 3)
    for config in (REJECTED_KERAS2 if spec.edition == KERAS2 else REJECTED).get(feature, []):
        expect_rejection(spec, adapter, Case(feature, "call", config, (x,)))
    expect_rejection(spec, adapter, Case(feature, "resolve", identifier=feature.split(".")[1] + "_not_a_name"))


@pytest.mark.parametrize("feature", REGULARIZERS)
def test_roundtrip(spec, adapter, feature):
    """get_config() gives the factors; from_config() gives a regularizer with the same penalty."""
    x = np.linspace(-5, 5, 24, dtype=np.float32).reshape(4, 6)
    for config in ROUNDTRIP_CONFIGS[feature]:
        assert_roundtrip(spec, adapter, Case(feature, "roundtrip", config, (x,)))


@pytest.mark.parametrize("feature,identifier", NAMES, ids=[i for _, i in NAMES])
def test_resolve(spec, adapter, feature, identifier):
    """keras.regularizers.get(name) gives the regularizer of that name with its string defaults
    (Keras 3 rejects "l1_l2"; Keras 2 gives L1L2(0.01, 0.01))."""
    case = Case(feature, "resolve", identifier=identifier)
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_equal(actual.feature, expected.feature, case, adapter, "get(name)")
        assert_equal(actual.config, expected.config, case, adapter, "get(name).get_config()")


@pytest.mark.parametrize("feature", features_of("regularizers"))
def test_signature(spec, adapter, feature):
    """The framework's public constructor accepts every argument the spec documents, by the
    same name, kind and default (reference/signatures.py); an extra argument is information
    (check.assert_signature)."""
    assert_signature(spec, adapter, feature)
