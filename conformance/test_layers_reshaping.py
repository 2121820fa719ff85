"""Checks of the reshaping layers Flatten, Reshape, Permute and RepeatVector (reference/layers/reshaping.py;
cases in conformance/cases/layers_reshaping.py).

``values``: the outputs of generated configs and inputs, bit for bit (``tolerance.layers_reshaping``:
they only move data; NaN payloads aside). ``shapes``, ``seed_page``: output shapes, symbolic and
actual; the seed page's (../shared/seeds/001), literally. ``propagation``: they drop the mask.
``rejects``, ``roundtrip``: invalid configs both must reject, and the config round trip.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.dtypes import FLOAT_DTYPES
from conformance import check, tolerance
from conformance import strategies as cs
from conformance.cases import features_of
from conformance.cases.layers_reshaping import SAVED_CASES, GRADIENT_CASES, CASES, REJECTED, ROUNDTRIP, SEED_PAGE, SHAPE_CASES, VARIANTS
from conformance.profiles import fewer


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The layer's outputs for generated configs and inputs (every special value), exactly."""
    check.layer_values(spec, adapter, data.draw(CASES[feature](dtype), label="case"), tolerance.layers_reshaping)


@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """Output shapes of generated configs and inputs, symbolic (with unknown dims) and actual, and the
    adapter's symbolic shape agreeing with its own call (check.assert_shapes).
    Covers Reshape's -1 (anywhere), Permute's 1-indexed dims, Flatten (both data formats, rank-1
    input -> (N, 1)), RepeatVector."""
    call = data.draw(SHAPE_CASES[feature]("float32"), label="case")
    symbolic = data.draw(cs.unknown_dims(call, spec.edition), label="symbolic input shape")
    check.assert_shapes(spec, adapter, call, symbolic)


@pytest.mark.parametrize("feature, example", [(e.feature, name) for name, e in SEED_PAGE.items()])
def test_seed_page(spec, adapter, feature, example):
    """The seed page's shape examples, literally: compute_output_shape of the layer for the page's
    input shape (batch None) equals the spec's and the page's. The page's Flatten example follows a
    Conv2D whose stated (None, 64, 32, 32) holds only with channels_first (the page's erratum, see
    reference/layers/reshaping.py Flatten), so it runs with that data_format."""
    check.assert_seed_page(spec, adapter, SEED_PAGE[example], example)


@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_propagation(spec, adapter, feature, data):
    """The output mask for an input with or without a mask: dropped (Keras 3 warns), and never
    invented for an input without a mask."""
    check.compare_masks(spec, adapter, data.draw(cs.masked_cases(CASES[feature]("float32")), label="case"))


@pytest.mark.parametrize("feature, reject", [(f, name) for f, rows in REJECTED.items() for name in rows])
def test_rejects(spec, adapter, feature, reject):
    """An invalid configuration or input (the row's name says which): the adapter rejects it as the
    spec does, at construction, in compute_output_shape (a "symbolic" row) or in the call. A row the
    spec of the edition under test accepts (only the other edition rejects it) must be accepted."""
    check.assert_reject(spec, adapter, feature, REJECTED[feature][reject])


@pytest.mark.parametrize("feature, variant", ROUNDTRIP)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, variant, data):
    """from_config(get_config()) of generated configs (Reshape's -1, Permute's dims, Flatten's
    data_format), and of a data_format in mixed case (Keras 3 lower-cases it)."""
    case = data.draw(CASES[feature]("float32"), label="case")
    check.assert_layer_roundtrip(spec, adapter, VARIANTS[variant](data, case))


@pytest.mark.parametrize("feature", features_of("layers_reshaping"))
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
    reference/gradients/ (check.compare_gradients, tolerance.gradients): Flatten, Reshape, Permute and RepeatVector: the gather's adjoint (RepeatVector sums its copies' cotangents). Nonzero,
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
