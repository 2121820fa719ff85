"""Checks of the ActivityRegularization layer (reference/layers/regularization.py; cases in
conformance/cases/layers_regularization.py).

``values``: its output is its input, exactly (``tolerance.layers_regularization``). ``losses``,
``losses_edges``: ``layer.losses`` after one call, [(l1 * sum|x| + l2 * sum x^2) / batch_size]
(check.compare_losses states Keras' rule). ``shapes``, ``propagation``, ``rejects``,
``roundtrip``: the checks every core layer has.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.dtypes import FLOAT_DTYPES
from conformance import check, tolerance
from conformance import strategies as cs
from conformance.cases import features_of
from conformance.cases.layers_regularization import SAVED_CASES, GRADIENT_CASES, CASES, LOSS_CASES, LOSS_EDGES, REJECTED, ROUNDTRIP, VARIANTS
from conformance.profiles import fewer


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The layer's outputs for generated configs and inputs: the input, exactly."""
    check.layer_values(spec, adapter, data.draw(CASES[feature](dtype), label="case"), tolerance.layers_regularization)


@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """Output shapes of generated configs and inputs, symbolic (with unknown dims) and actual, and the
    adapter's symbolic shape agreeing with its own call (check.assert_shapes)."""
    call = data.draw(CASES[feature]("float32"), label="case")
    symbolic = data.draw(cs.unknown_dims(call, spec.edition), label="symbolic input shape")
    check.assert_shapes(spec, adapter, call, symbolic)


@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_propagation(spec, adapter, feature, data):
    """The output mask for an input with or without a mask: passed through unchanged, and never
    invented for an input without a mask."""
    check.compare_masks(spec, adapter, data.draw(cs.masked_cases(CASES[feature]("float32")), label="case"))


@pytest.mark.parametrize("feature, reject", [(f, name) for f, rows in REJECTED.items() for name in rows])
def test_rejects(spec, adapter, feature, reject):
    """An invalid configuration (the row's name says which): the adapter rejects it as the spec does.
    A row the spec of the edition under test accepts (only the other edition rejects it) must be
    accepted."""
    check.assert_reject(spec, adapter, feature, REJECTED[feature][reject])


@pytest.mark.parametrize("feature, variant", ROUNDTRIP)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, variant, data):
    """from_config(get_config()) of generated configs (l1, l2)."""
    case = data.draw(CASES[feature]("float32"), label="case")
    check.assert_layer_roundtrip(spec, adapter, VARIANTS[variant](data, case))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(LOSS_CASES))
@given(data=st.data())
def test_losses(spec, adapter, feature, dtype, data):
    """layer.losses after a call, by value: [(l1 * sum|x| + l2 * sum x^2) / batch_size], for random
    factors (each maybe zero) and inputs (an empty one gives 0)."""
    check.compare_losses(spec, adapter, data.draw(LOSS_CASES[feature](dtype), label="case"))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(LOSS_EDGES))
def test_losses_edges(spec, adapter, feature, dtype):
    """layer.losses for special values: ±inf and NaN inputs, a zero factor beside an inf (inf, not
    NaN), an empty batch (0), and penalties whose sums overflow the dtype (inf)."""
    for case in LOSS_EDGES[feature](dtype):
        check.compare_losses(spec, adapter, case)


@pytest.mark.parametrize("feature", features_of("layers_regularization"))
def test_signature(spec, adapter, feature):
    """The framework's public constructor and a layer's ``call`` accept every argument the spec documents, by the
    same name, kind and default (reference/signatures.py); an extra argument is information
    (check.assert_signature)."""
    check.assert_signature(spec, adapter, feature)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(GRADIENT_CASES))
@fewer(3)
@given(data=st.data())
def test_gradients(spec, adapter, feature, dtype, data):
    """The VJP of the layer's output for a drawn cotangent, to each floating input and each weight, against
    reference/gradients/ (check.compare_gradients, tolerance.gradients): ActivityRegularization: g plus the activity penalty's gradient over the batch size. Nonzero,
    finite inputs and weights (strategies.differentiable): no input on a kink."""
    check.compare_gradients(spec, adapter, data.draw(GRADIENT_CASES[feature](dtype, spec.edition), label="case"))


@pytest.mark.parametrize("feature", sorted(SAVED_CASES))
@fewer(3)
@given(data=st.data())
def test_saved_model(spec, adapter, feature, data):
    """The layer (weights, mask, a regularizer and a constraint per weight) in a one-layer model saved to a
    .keras file and loaded again: the loaded layer's config is the spec's, its outputs and masks the
    original's (check.assert_saved_model)."""
    check.assert_saved_model(spec, adapter, data.draw(SAVED_CASES[feature](spec.edition), label="case"))
