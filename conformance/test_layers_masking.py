"""Checks of the Masking layer (reference/layers/masking.py; cases in conformance/cases/layers_masking.py):
how it computes a mask and zeroes masked timesteps, and what every core layer does with it.

The adapter attaches ``case.mask`` to the first input and hands back the mask each output
carries (``LayerResult.masks``, None when it carries none). Keras propagates masks layer by
layer: a layer sees only the mask attached to its input (``previous_mask``) and attaches
``compute_mask(x, previous_mask)`` to its output when it supports masking, nothing otherwise
(Keras 3 warns; the warning is not checked, the adapter does not hand warnings back). A chain
is therefore the composition of one-layer steps, and ``test_propagation`` (here for Masking,
in each layer's family module for the others) checks each step:

- "Masking -> X": the case's input is what Masking(0.0) outputs (masked timesteps zeroed) and
  carries Masking's mask (mask kind ``from_masking``);
- "downstream of a layer that does not support masking" (Masking -> Flatten -> X): Flatten's
  output carries no mask (checked on Flatten), so X gets an input without a mask (mask kind
  ``none``): X must not invent one (only Masking and a Lambda with ``mask=`` compute a mask
  from nothing).

``values``, ``shapes``, ``roundtrip``: the checks every core layer has (Masking's output exactly,
``tolerance.layers_masking``).
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.dtypes import FLOAT_DTYPES
from conformance import check, tolerance
from conformance import strategies as cs
from conformance.cases import features_of
from conformance.cases.layers_masking import SAVED_CASES, GRADIENT_CASES, CASES, CAST_VALUES, ROUNDTRIP, VARIANTS, cast_case, masking_case
from conformance.profiles import fewer


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The layer's outputs for generated inputs (whole timesteps equal to mask_value, special values
    anywhere), exactly."""
    check.layer_values(spec, adapter, data.draw(CASES[feature](dtype), label="case"), tolerance.layers_masking)


@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """Output shapes of generated configs and inputs, symbolic (with unknown dims) and actual, and the
    adapter's symbolic shape agreeing with its own call (check.assert_shapes)."""
    call = data.draw(CASES[feature]("float32"), label="case")
    symbolic = data.draw(cs.unknown_dims(call, spec.edition), label="symbolic input shape")
    check.assert_shapes(spec, adapter, call, symbolic)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ["layers.Masking"])
@given(data=st.data())
def test_compute_mask(spec, adapter, feature, dtype, data):
    """Masking's output mask is any(x != mask_value, axis=-1): a timestep is masked only when
    all its features equal mask_value (-0.0 == 0.0; a NaN mask_value never masks; NaN and inf
    anywhere else), for whole and partial matches."""
    check.compare_masks(spec, adapter, data.draw(masking_case(dtype), label="case"))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ["layers.Masking"])
@given(data=st.data())
def test_masked_output(spec, adapter, feature, dtype, data):
    """Masking's output, bit for bit: kept timesteps unchanged (NaN, inf, -0.0 included);
    masked ones are where(mask, x, 0) = +0.0 in Keras 3 (a -0.0 or ±inf timestep becomes +0),
    x * mask in Keras 2 (-0.0 stays -0.0, inf * 0 gives NaN)."""
    case = data.draw(masking_case(dtype), label="case")
    result = check.run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        check.assert_bitwise(actual, expected, case, adapter)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ["layers.Masking"])
def test_mask_value_cast(spec, adapter, feature, dtype):
    """mask_value is compared in x's dtype: a timestep equal to dtype(mask_value) is masked even
    when mask_value is not representable (float16 x = 0.1 is masked by mask_value=0.1; 70000 is
    inf in float16, so inf timesteps are masked)."""
    for value in CAST_VALUES:
        check.compare_masks(spec, adapter, cast_case(value, dtype))


@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_propagation(spec, adapter, feature, data):
    """The output mask for an input with or without a mask: computed from the input alone (Masking
    ignores the incoming mask)."""
    check.compare_masks(spec, adapter, data.draw(cs.masked_cases(CASES[feature]("float32")), label="case"))


@pytest.mark.parametrize("feature, variant", ROUNDTRIP)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, variant, data):
    """from_config(get_config()) of generated configs (mask_value with NaN and inf)."""
    case = data.draw(CASES[feature]("float32"), label="case")
    check.assert_layer_roundtrip(spec, adapter, VARIANTS[variant](data, case))


@pytest.mark.parametrize("feature", features_of("layers_masking"))
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
    reference/gradients/ (check.compare_gradients, tolerance.gradients): Masking: a masked timestep (every feature equal to mask_value) carries no gradient. Nonzero,
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
