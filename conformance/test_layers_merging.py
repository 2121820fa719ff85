"""The merge layers (``keras.layers`` Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot) against reference/layers/merging.py; cases in conformance/cases/layers_merging.py.

- ``values``: generated 2-4 inputs (Subtract and Dot: 2) of equal or broadcast-compatible shapes
  (size-1 dims, and lower-rank inputs that Keras expands at axis 1), Concatenate on a random valid
  axis, Dot with int or pair axes (positive or negative) and normalize True/False.
- ``masks``: per-input masks (some None): the output mask exactly, and the masked values (Maximum,
  Minimum and Multiply use the masks in their values; Concatenate combines them per axis; Dot drops them).
- ``shapes``: the symbolic compute_output_shape of input shapes with None batch and dims equals the
  spec's, and so do the adapter's compute_output_shape of the concrete shapes and the shape of its
  output (check.assert_shapes).
- ``rejects``: a table of invalid inputs and configs both must reject.
- ``roundtrip``: get_config/from_config (Concatenate's axis, Dot's axes and normalize).

Tolerances: tolerance.layers_merging (sums and Dot's products by their length, with the scale of
their magnitudes; Maximum, Minimum and Concatenate exact, which is why they also get every special
value).
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import check, tolerance
from conformance import strategies as cs
from conformance.cases import features_of
from conformance.cases.layers_merging import SAVED_CASES, GRADIENT_CASES, FEATURES, REJECTED, merge_cases, symbolic
from conformance.check import assert_masks, expect_rejection
from conformance.profiles import fewer


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The merged outputs of generated inputs (broadcast shapes, lower-rank inputs, Concatenate's axis,
    Dot's axes and normalize) under tolerance.layers_merging; Maximum, Minimum and Concatenate exactly,
    with every special value as well."""
    check.compare(spec, adapter, data.draw(merge_cases(feature, dtype), label="case"), tolerance.layers_merging)


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_masks(spec, adapter, feature, data):
    """With one mask (or None) per input: the output mask (the OR of the masks, None if one is
    missing; Concatenate's per-axis combination; Dot: none) exactly, and the values, which Maximum,
    Minimum and Multiply compute from the masks (a masked-out row takes the other operand's value or 1)."""
    case = data.draw(merge_cases(feature, "float32", masked=True), label="case")
    result = check.compare(spec, adapter, case, tolerance.layers_merging)
    if result is not None:
        assert_masks(result[1], result[0], case, adapter)


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape of the input shapes with None batch and dims equals the spec's (or both
    reject them); the adapter's compute_output_shape of the concrete shapes and the shape of its output
    equal the spec's (check.assert_shapes)."""
    call = data.draw(merge_cases(feature, "float32"), label="case")
    concrete = [tuple(np.shape(x)) for x in call.inputs]
    check.assert_shapes(spec, adapter, call, symbolic(cs.rng(data.draw), concrete, call.config))


@pytest.mark.parametrize("feature, reject", [(f, name) for f, rows in REJECTED.items() for name in rows])
def test_rejects(spec, adapter, feature, reject):
    """An invalid input or config (the row's name says which; "symbolic" rows go through
    compute_output_shape, the others through a call): the adapter rejects it as the spec does."""
    expect_rejection(spec, adapter, REJECTED[feature][reject])


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, data):
    """from_config(get_config()) of generated configs (Concatenate's axis, Dot's int or pair axes and
    normalize): both configs equal the spec's and the clone gives exactly the original's outputs and masks."""
    call = data.draw(merge_cases(feature, "float32", masked=data.draw(st.booleans())), label="case")
    check.assert_layer_roundtrip(spec, adapter, Case(feature, "roundtrip", call.config, call.inputs, mask=call.mask))


@pytest.mark.parametrize("feature", features_of("layers_merging"))
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
    reference/gradients/ (check.compare_gradients, tolerance.gradients): the merges: Add, Subtract, Multiply, Average, Concatenate, Dot (normalize=False), and Maximum/Minimum routed to the winner. Nonzero,
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
