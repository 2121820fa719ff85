"""Checks for ``keras.activations``: one test per check, parametrized by feature and dtype."""

from __future__ import annotations

import functools

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import strategies as cs
from conformance.check import (accept_daz, assert_close, assert_equal, assert_roundtrip, expect_rejection, run_both,
                              softmax_set_aside)
from conformance.tolerance import ELEMENTWISE_ULPS, cancellation_scale, reduction_ulps
from reference import KERAS2
from reference.registry import features

ACTIVATIONS = [f.id for f in features("activations")]


@functools.cache
def config_strategy(feature: str, dtype: str, ndim: int):
    """Keyword arguments for ``feature``, representable in ``dtype``; a random subset of them."""
    small = cs.floats(dtype, min_value=-10, max_value=10)
    optional = {
        "activations.relu": {"negative_slope": cs.floats(dtype, min_value=-2, max_value=2),
                             "max_value": cs.floats(dtype, min_value=0, max_value=10), "threshold": small},
        "activations.elu": {"alpha": cs.floats(dtype, min_value=-3, max_value=3)},
        "activations.softmax": {"axis": st.integers(-ndim, ndim - 1)},
    }.get(feature, {})
    return st.fixed_dictionaries({}, optional=optional)


def _ulps(feature, config, x):
    if feature == "activations.softmax":
        return reduction_ulps(x.shape[config.get("axis", -1)])
    return ELEMENTWISE_ULPS


def _compare(spec, adapter, case):
    """The adapter's values against the spec's, or against the spec's on the case with subnormal
    inputs read as zero (DAZ, as the tolerance policy allows: selu of a subnormal bfloat16 is normal)."""
    result = run_both(spec, adapter, case)
    if result is not None:
        accept_daz(spec, case, lambda expected: _assert_values(result[1], expected, case, adapter), result[0])


def _assert_values(actual, expected, case, adapter):
    x = case.inputs[0]
    if case.feature == "activations.softmax":  # slices with NaN, +inf or only -inf: see its spec
        actual, expected = softmax_set_aside(actual, expected, x, case.config.get("axis", -1), case, adapter)
    scale = cancellation_scale(case.feature, case.config, x)
    assert_close(actual, expected, case, adapter, ulps=_ulps(case.feature, case.config, x),
                 scale=np.where(np.isfinite(scale), scale, 0.0))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ACTIVATIONS)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """Random inputs (NaN, inf, subnormals included) and random keyword arguments."""
    x = data.draw(cs.arrays(dtype, cs.shapes(1, 3)), label="x")
    config = data.draw(config_strategy(feature, dtype, x.ndim), label="config")
    _compare(spec, adapter, Case(feature, "call", config, (x,), dtype=dtype))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ACTIVATIONS)
def test_edges(spec, adapter, feature, dtype):
    """Every special value of the dtype at once, with the default arguments. Softmax gets
    rows [v, 0, -1] so that one special value decides each row."""
    x = cs.edge_values(dtype)
    if feature == "activations.softmax":
        x = np.stack([x, np.zeros_like(x), -np.ones_like(x)], axis=1)
    _compare(spec, adapter, Case(feature, "call", {}, (x,), dtype=dtype))


REJECTED = {
    "activations.softmax": [({"axis": 2}, (2, 3)), ({"axis": -3}, (2, 3))],
}
REJECTED_KERAS2 = {"activations.softmax": [({}, (4,))]}


@pytest.mark.parametrize("feature", ACTIVATIONS)
def test_rejects(spec, adapter, feature):
    """Configurations and inputs the spec rejects are rejected by the adapter; for a feature
    that rejects nothing, an unknown name in ``keras.activations.get`` is the rejected case."""
    cases = REJECTED.get(feature, []) + (REJECTED_KERAS2.get(feature, []) if spec.edition == KERAS2 else [])
    for config, shape in cases:
        x = np.linspace(-1, 1, int(np.prod(shape)), dtype=np.float32).reshape(shape)
        expect_rejection(spec, adapter, Case(feature, "call", config, (x,)))
    expect_rejection(spec, adapter, Case(feature, "resolve", identifier=feature.split(".")[1] + "_not_a_name"))


@pytest.mark.parametrize("feature", ACTIVATIONS)
def test_roundtrip(spec, adapter, feature):
    """serialize() gives the function's name, deserialize() gives a function with the same values."""
    x = np.linspace(-5, 5, 24, dtype=np.float32).reshape(4, 6)
    assert_roundtrip(spec, adapter, Case(feature, "roundtrip", {}, (x,)),
                     what=("serialize(fn)", "serialize(deserialize(name))"))


@pytest.mark.parametrize("feature", ACTIVATIONS)
def test_resolve(spec, adapter, feature):
    """keras.activations.get(name) gives the function of that name."""
    case = Case(feature, "resolve", identifier=feature.split(".")[1])
    expected, actual = run_both(spec, adapter, case)
    assert_equal(actual.feature, expected.feature, case, adapter, "get(name)")
