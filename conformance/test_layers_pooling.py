"""The pooling layers (``keras.layers`` MaxPooling1D/2D/3D, AveragePooling1D/2D/3D,
GlobalMaxPooling1D/2D/3D, GlobalAveragePooling1D/2D/3D) against reference/layers/pooling.py; cases in
conformance/cases/layers_pooling.py.

- ``values``: generated inputs of every float dtype and configs (pool_size as an int, a tuple or
  the default; strides None, an int or a tuple; padding valid/same in mixed case; data_format
  None, channels_last, channels_first in mixed case; keepdims). Max pooling and global max are
  exact (0 ULP) on inputs carrying every special value (NaN, +inf, ±0, subnormals, the extremes;
  -inf is replaced by the lowest finite number here: ``neg_inf`` covers it). A max-pooling window
  that holds a NaN is implementation-defined (TensorFlow's CPU MaxPool skips NaN, JAX and torch
  propagate it): those outputs are left out and what the adapter did is recorded as information
  (check.compare_pooling). Global max propagates NaN on every backend: compared exactly.
- ``same_padding``: a targeted check, float32, deterministic configs whose "same" padding is odd
  (the extra cell goes after) and even, strided and not, per data_format: all-negative distinct
  inputs for max pooling (a framework that pads with 0 returns 0 at the border), distinct positive
  inputs for average pooling (counting padded cells shrinks the border averages; padding on the
  wrong side shifts the windows); and strides past the last window, where the padding "same" would
  need is negative and Keras clamps it at 0 (the first window starts at cell 0). The 3D ``values``
  draws leave that last corner to this check (TensorFlow's 3D pooling shifts the windows there).
- ``neg_inf``: max pooling and global max of windows that are entirely -inf (the result is -inf,
  not the lowest finite number) next to windows that mix -inf with finite values.
- ``shapes``: compute_output_shape of input shapes with None batch/spatial/channel dims equals the
  spec's; the adapter's compute_output_shape of the concrete shape and the shape of its own output
  equal the spec's (check.assert_shapes; padding in lower case: Keras 3's
  compute_output_shape is case-sensitive).
- ``masks``: GlobalAveragePooling1D with a (batch, steps) mask (masked steps hold NaN/inf, which must
  not reach the output; a row with every step masked gives NaN); GlobalMaxPooling1D, MaxPooling1D and
  AveragePooling1D ignore the mask. No output carries a mask.
- ``rejects``: a table of invalid configs and inputs both must reject.
- ``roundtrip``: from_config(get_config()) of generated configs (padding and data_format in mixed
  case, keepdims variants).

Examples: values and shapes run half the profile's examples per parametrization (15 in ci: 60 per
layer over the four dtypes), roundtrip a third (10): the module's share of the gate's time.

Tolerances: tolerance.layers_pooling (max pooling and global max exact; average pooling by the
number of cells averaged, with the scale of their mean magnitude).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.dtypes import FLOAT_DTYPES
from conformance import check
from conformance import strategies as cs
from conformance.cases import features_of
from conformance.cases.layers_pooling import (SAVED_CASES, GRADIENT_CASES, FEATURES, KERAS3_ONLY, MASKED, MAX, POOLING, REJECTED,
                                              neg_inf_cases, pooling_cases, same_padding_cases)
from conformance.check import assert_equal, assert_masks, expect_rejection, run_both
from conformance.profiles import fewer
from reference.editions import KERAS3


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@fewer(2)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The pooled outputs of generated inputs and configs (pool_size, strides, padding valid/same in
    mixed case, data_format, keepdims) under tolerance.layers_pooling: max and global max exactly, with
    every special value (a max-pooling window holding a NaN is implementation-defined: recorded, not
    compared)."""
    check.compare_pooling(spec, adapter, data.draw(pooling_cases(feature, dtype), label="case"))


@pytest.mark.parametrize("feature", POOLING)
def test_same_padding(spec, adapter, feature):
    """"same" padding on deterministic configs (odd padding with the extra cell after, even padding,
    strided, a stride that would need negative padding (clamped at 0), both data_formats):
    all-negative distinct inputs for max pooling (no padded cell may win),
    distinct positive inputs for average pooling (padded cells are not counted); exact for max, the
    average's tolerance for average."""
    for case in same_padding_cases(feature):
        check.compare_pooling(spec, adapter, case)


@pytest.mark.parametrize("feature", MAX)
def test_neg_inf(spec, adapter, feature):
    """Max pooling (valid and same) and global max where whole windows are -inf (the max is -inf, not
    the lowest finite number) and others mix -inf with finite values: exact."""
    for case in neg_inf_cases(feature):
        check.compare_pooling(spec, adapter, case)


@pytest.mark.parametrize("feature", FEATURES)
@fewer(2)
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape of the input shape with None batch (mostly), spatial and channel dims
    equals the spec's (or both reject it); the adapter's compute_output_shape of the concrete shape and
    the shape of its output equal the spec's (check.assert_shapes)."""
    call = data.draw(pooling_cases(feature, "float32", mixed=False), label="case")
    rng = cs.rng(data.draw)
    concrete = tuple(np.shape(call.inputs[0]))
    symbolic = tuple(None if (i == 0 and rng.random() < 0.8) or (i and rng.random() < 0.3) else d
                     for i, d in enumerate(concrete))
    check.assert_shapes(spec, adapter, call, symbolic)


@pytest.mark.filterwarnings("ignore:.*does not support masking")
@pytest.mark.parametrize("feature", MASKED)
@given(data=st.data())
def test_masks(spec, adapter, feature, data):
    """With a (batch, steps) mask: GlobalAveragePooling1D averages the kept steps only (masked steps
    hold NaN/inf/large values that must not reach the output; a row with every step masked gives NaN);
    GlobalMaxPooling1D, MaxPooling1D and AveragePooling1D ignore the mask (the masked steps' values
    count); no output carries a mask. Tolerance: tolerance.layers_pooling (GlobalAveragePooling1D: the
    kept steps' mean magnitude)."""
    case = data.draw(pooling_cases(feature, "float32", masked=True), label="case")
    result = check.compare_pooling(spec, adapter, case)
    if result is not None:
        assert_masks(result[1], result[0], case, adapter)


@pytest.mark.parametrize("feature, reject", [(f, name) for f, rows in REJECTED.items() for name in rows])
def test_rejects(spec, adapter, feature, reject):
    """An invalid config or input (the row's name says which; "symbolic" rows and config errors go
    through compute_output_shape, the others through a call): the adapter rejects it as the spec does
    (Keras 2 accepts the KERAS3_ONLY rows: there both must give the same output shape)."""
    case = REJECTED[feature][reject]
    if spec.edition != KERAS3 and reject in KERAS3_ONLY:  # Keras 2 accepts it: the shapes must agree
        result = run_both(spec, adapter, case)
        if result is not None:
            assert_equal(tuple(result[1]), tuple(result[0]), case, adapter, "compute_output_shape")
        return
    expect_rejection(spec, adapter, case)


@pytest.mark.parametrize("feature", FEATURES)
@fewer(3)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, data):
    """from_config(get_config()) of generated configs (pool_size/strides as ints, tuples or defaults,
    padding and data_format in mixed case, keepdims variants): both configs equal the spec's, the clone's
    outputs equal the original's exactly."""
    call = data.draw(pooling_cases(feature, "float32"), label="case")
    check.assert_layer_roundtrip(spec, adapter, dataclasses.replace(call, op="roundtrip"))


@pytest.mark.parametrize("feature", features_of("layers_pooling"))
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
    reference/gradients/ (check.compare_gradients, tolerance.gradients): pooling: max routed to the window's maximum (summed where windows overlap), average spread over each window's counted cells ("same" padding's excluded cells get none). Nonzero,
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
