"""Cropping, zero-padding and up-sampling layers (``keras.layers`` Cropping1D/2D/3D,
ZeroPadding1D/2D/3D, UpSampling1D/2D/3D) against reference/layers/spatial.py; cases in
conformance/cases/layers_spatial.py.

- ``values``: generated configs (cropping/padding as an int, one int per axis, or a (before, after)
  pair per axis, as tuples or lists; size as an int or a tuple; both data formats and the default
  None) on inputs carrying every special value (NaN, ±inf, ±0, subnormals, the extremes), per
  dtype: exact (0 ULP; these layers only copy elements or write +0.0). UpSampling2D here uses
  interpolation="nearest" (in any letter case).
- ``bilinear``: UpSampling2D(interpolation="bilinear") on finite inputs: half-pixel centers and
  edge clamping (reference docstring). Tolerance: tolerance.layers_spatial (a lerp of 4 neighbours,
  with the scale of the largest of them times the side).
- Generated configs draw a data_format only where the edition has one (Keras 2's ZeroPadding1D has none).
- ``shapes``: compute_output_shape of the input shape with the batch (mostly), some spatial dims and
  the channels unknown (None) equals the spec's (or both reject it); the adapter's
  compute_output_shape of the concrete shape and the shape of its own output equal the spec's
  (check.assert_shapes).
- ``masks``: none of these layers supports masking: with a mask on the input, the output carries
  none (Keras 3 drops it with a warning), and the values are unchanged.
- ``rejects``: a table of invalid configs and inputs both must reject: negative crop/pad, wrong
  tuple lengths, a crop as large as the input (an error, never an empty output), a wrong rank, a
  bad data_format, bad sizes and interpolations. On Keras 2 the rows it accepts (KERAS3_ONLY) must be
  accepted by both, and UpSampling2D's "gaussian" is recorded as implementation-defined.
- ``roundtrip``: get_config/from_config of generated configs (the stored cropping/padding/size is the
  normalized tuple form; interpolation lower-cased).
- ``implementation_defined``: IMPLEMENTATION-DEFINED, recorded as information: a negative int padding
  of ZeroPadding2D/3D (the constructor accepts it; ops.pad with negative widths is backend-specific),
  UpSampling2D with bicubic/lanczos3/lanczos5/area, and bilinear on non-finite inputs. The spec must
  mark them; where the adapter returns an output, its shape must be compute_output_shape's
  (check.record_implementation_defined).
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.dtypes import FLOAT_DTYPES
from conformance import check, tolerance
from conformance import strategies as cs
from conformance.cases import features_of
from conformance.cases.layers_spatial import (SAVED_CASES, GRADIENT_CASES, FEATURES, IMPLEMENTATION_DEFINED, KERAS2_IMPLEMENTATION_DEFINED,
                                              KERAS3_ONLY, REJECTED, spatial_cases)
from conformance.check import assert_masks, expect_rejection
from conformance.profiles import fewer
from conformance.strategies import FINITE
from reference.editions import KERAS2
from reference.layers.spatial import IMPLEMENTATION_DEFINED_INTERPOLATIONS


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The outputs of generated configs (int, per-axis and pair forms; both data formats; UpSampling2D
    nearest) on inputs with every special value: exactly the spec's (0 ULP, NaN for NaN, -0.0 kept,
    the padding +0.0)."""
    case = data.draw(spatial_cases(feature, dtype, edition=spec.edition), label="case")
    result = check.compare(spec, adapter, case, tolerance.layers_spatial)
    if result is not None:
        check.assert_signed_zeros(result[1], result[0], case, adapter)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", ["layers.UpSampling2D"])
@given(data=st.data())
def test_bilinear(spec, adapter, feature, dtype, data):
    """UpSampling2D(interpolation="bilinear") on finite inputs: half-pixel centers, clamped at the edges,
    within reduction_ulps(4) with scale M * max(H, W) (tolerance.layers_spatial)."""
    case = data.draw(spatial_cases(feature, dtype, interpolation="bilinear", magnitudes=FINITE,
                                   edition=spec.edition), label="case")
    check.compare(spec, adapter, case, tolerance.layers_spatial)


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape with the batch (80%), spatial dims (30% each) and the channels (20%) unknown
    equals the spec's; the adapter's compute_output_shape of the concrete shape equals the spec's and
    the shape of its own call. UpSampling2D with any interpolation (the shape does not depend on it)."""
    rng = cs.rng(data.draw)
    interp = "nearest"
    if feature == "layers.UpSampling2D":
        interp = str(rng.choice(["nearest", "bilinear", *IMPLEMENTATION_DEFINED_INTERPOLATIONS]))
    call = data.draw(spatial_cases(feature, "float32", interpolation=interp, magnitudes=FINITE,
                                   edition=spec.edition), label="case")
    concrete = tuple(call.inputs[0].shape)
    cf = str(call.config.get("data_format", "")).lower() == "channels_first"
    channel = 1 if cf else len(concrete) - 1
    p = {0: 0.8, channel: 0.2}
    symbolic = tuple(None if rng.random() < p.get(i, 0.3) else d for i, d in enumerate(concrete))
    # the call of an implementation-defined interpolation is test_implementation_defined's
    check.assert_shapes(spec, adapter, call, symbolic,
                                called=interp not in IMPLEMENTATION_DEFINED_INTERPOLATIONS)


@pytest.mark.filterwarnings("ignore:.*does not support masking")
@pytest.mark.parametrize("feature", FEATURES)
@fewer(3)  # dropping a mask: few examples suffice
@given(data=st.data())
def test_masks(spec, adapter, feature, data):
    """With a boolean mask on the input (over every axis but the last), the output carries no mask (none
    of these layers supports masking) and the values are the same as without it."""
    case = data.draw(spatial_cases(feature, "float32", edition=spec.edition), label="case")
    rng = cs.rng(data.draw)
    case = dataclasses.replace(case, mask=rng.random(case.inputs[0].shape[:-1]) < 0.5)
    result = check.compare(spec, adapter, case, tolerance.layers_spatial)
    if result is not None:
        assert_masks(result[1], result[0], case, adapter)


@pytest.mark.parametrize("feature, reject", [(f, name) for f, rows in REJECTED.items() for name in rows])
def test_rejects(spec, adapter, feature, reject):
    """An invalid config or input (the row's name says which; a "shape" case fails in the constructor
    or compute_output_shape, a "call" case in the call): the adapter rejects it as the spec does. On
    Keras 2 the rows of KERAS3_ONLY are accepted by both instead, and those of
    KERAS2_IMPLEMENTATION_DEFINED are recorded as implementation_defined records them."""
    case = REJECTED[feature][reject]
    if spec.edition == KERAS2 and (feature, reject) in KERAS2_IMPLEMENTATION_DEFINED:
        check.record_implementation_defined(spec, adapter, case, reject)
        return
    if spec.edition == KERAS2 and (feature, reject) in KERAS3_ONLY:
        check.expect_acceptance(spec, adapter, case)
        return
    expect_rejection(spec, adapter, case)


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, data):
    """from_config(get_config()) of generated configs (every argument form, data_format in mixed case,
    UpSampling2D nearest or bilinear in any letter case): both configs equal the spec's (the normalized
    tuples, lower-cased strings) and the clone gives exactly the original's outputs."""
    interp = "bilinear" if feature == "layers.UpSampling2D" and data.draw(st.booleans()) else "nearest"
    call = data.draw(spatial_cases(feature, "float32", interpolation=interp, magnitudes=FINITE,
                                   edition=spec.edition), label="case")
    check.assert_layer_roundtrip(spec, adapter, dataclasses.replace(call, op="roundtrip"))


@pytest.mark.parametrize("feature, row", [(c.feature, name) for name, c in IMPLEMENTATION_DEFINED.items()])
def test_implementation_defined(spec, adapter, feature, row):
    """IMPLEMENTATION-DEFINED (information, not a failure): negative int padding of ZeroPadding2D/3D,
    UpSampling2D with bicubic/lanczos3/lanczos5/area, bilinear on inf/NaN. The spec must mark the call
    ImplementationDefined; what the adapter does (rejects, or its output) is recorded; an output must
    have the shape compute_output_shape gives for the input."""
    check.record_implementation_defined(spec, adapter, IMPLEMENTATION_DEFINED[row], row)


@pytest.mark.parametrize("feature", features_of("layers_spatial"))
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
    reference/gradients/ (check.compare_gradients, tolerance.gradients): Cropping (cropped cells get 0), ZeroPadding (the padding's cotangent dropped), UpSampling (summed over copies; bilinear: the interpolation's adjoint). Nonzero,
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
