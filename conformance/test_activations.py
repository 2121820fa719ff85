"""Checks for ``keras.activations``: one test per check, parametrized by feature and dtype."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES, to_dtype
from conformance import check
from conformance import strategies as cs
from conformance.cases import features_of
from conformance.cases.activations import ACTIVATIONS, GRADIENT_CASES, KINKS, REJECTED, REJECTED_KERAS2, config_strategy, edge_inputs
from conformance.check import assert_equal, assert_roundtrip, expect_rejection, run_both
from conformance.profiles import fewer
from reference import KERAS2


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ACTIVATIONS)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """Random inputs (NaN, inf, subnormals included) and random keyword arguments."""
    x = data.draw(cs.arrays(dtype, cs.shapes(1, 3)), label="x")
    config = data.draw(config_strategy(feature, dtype, x.ndim), label="config")
    check.compare_activation(spec, adapter, Case(feature, "call", config, (x,), dtype=dtype))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ACTIVATIONS)
def test_edges(spec, adapter, feature, dtype):
    """Every special value of the dtype at once, with the default arguments (softmax: see edge_inputs)."""
    check.compare_activation(spec, adapter, Case(feature, "call", {}, (edge_inputs(feature, dtype),), dtype=dtype))


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
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_equal(actual.feature, expected.feature, case, adapter, "get(name)")


@pytest.mark.parametrize("feature", features_of("activations"))
def test_signature(spec, adapter, feature):
    """The framework's public constructor (the function itself) accepts every argument the spec documents, by the
    same name, kind and default (reference/signatures.py); an extra argument is information
    (check.assert_signature)."""
    check.assert_signature(spec, adapter, feature)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ACTIVATIONS)
@fewer(3)
@given(data=st.data())
def test_gradients(spec, adapter, feature, dtype, data):
    """The VJP g * f'(x) (softmax: y * (g - sum(g * y))) against reference/gradients/activations.py, for
    nonzero inputs up to 100 in magnitude (the stable formulas' branches) and drawn keyword arguments
    (check.compare_gradients, tolerance.gradients)."""
    check.compare_gradients(spec, adapter, data.draw(GRADIENT_CASES[feature](dtype, spec.edition), label="case"))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature, config, points", [(f, c, p) for f, rows in KINKS.items() for c, p in rows],
                         ids=lambda v: str(v))
def test_gradient_kinks(spec, adapter, feature, dtype, config, points):
    """At the kinks (relu's threshold, max_value and 0; hard_sigmoid's corners; elu and selu at 0) the
    derivative is implementation-defined: the framework's value there is recorded as information
    (the spec's convention is TensorFlow's: reference/gradients/activations.py); the points around
    them are compared."""
    x = np.array([v + d for v in points for d in (0.0, -0.25, 0.25)], np.float64)
    case = Case(feature, "grad", config, (to_dtype(x, dtype),), dtype=dtype)
    check.compare_gradients(spec, adapter, case)
