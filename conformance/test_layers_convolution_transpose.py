"""The transposed convolution layers (``keras.layers.Conv1DTranspose``, ``Conv2DTranspose``,
``Conv3DTranspose``): values, shapes, errors, config, initial weights, weight losses.

- ``values``: generated configs (kernel_size, strides, valid/same padding, output_padding None or
  each < stride, activation, use_bias), channels_last inputs and supplied kernel/bias, each float
  dtype. Tolerance (``conformance.tolerance.layers_convolution_transpose``, as Dense's): the
  pre-activation is a sum of at most n = (most (tap, input channel) terms meeting in one output cell)
  + 1 (the bias) roundings, so ``4 + n`` ULP plus eps * the same transposed conv of |x|, |kernel| and
  |bias| per rounding, propagated through the activation.
- ``forms``: the same in float32 for the forms TensorFlow's CPU kernels do not compute (see
  Implementation-defined in the spec): ``channels_first``; ``dilated`` (dilation_rate > 1, strides 1);
  ``same_even_output_padding_0`` (same padding, output_padding given and 0 on an axis whose
  effective kernel is even: the forward "same" conv of the output would not give back the input).
- ``shapes``: compute_output_shape of input shapes with None dims (batch, spatial or channel), any
  data_format, dilation and output_padding, equals the spec's; a channels_last call's output has
  the spec's shape.
- ``rejects``: output_padding >= strides or < 0, padding "causal"/"full"/unknown, strides,
  kernel_size or dilation_rate 0 or of the wrong length, strides > 1 with dilation > 1, an unknown
  data_format, filters <= 0 / None / float, an input of the wrong rank, unknown
  activation/initializer/regularizer/constraint.
- ``roundtrip``: from_config(get_config()) with output_padding, data_format and nested-object variants.
- ``default_weights``: the built kernel follows glorot_uniform (the default) and he_uniform, whose
  fan_in = filters * prod(kernel_size) checks the (*kernel_size, filters, in) layout; the bias is 0.
- ``weight_losses``: layer.losses of Conv2DTranspose with weight regularizers, by value and in weight
  order.

Cases: conformance/cases/layers_convolution_transpose.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import check, tolerance
from conformance.cases import features_of
from conformance.cases.layers_convolution_transpose import (SAVED_CASES, GRADIENT_CASES, TRAINING_CASES, DEFAULT_WEIGHT_CASES, FEATURES, FEW, FORMS,
                                                            FORMS_SETTINGS, REJECTED, ROUNDTRIP_OPTIONS,
                                                            WEIGHT_REGULARIZERS, convt_cases, convt_configs,
                                                            rank_of, rejected_rows)
from conformance.strategies import weighted_layer_case
from conformance.profiles import fewer
from reference.layers.convolution_transpose import consistent


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@FEW
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """Outputs of generated configs (kernel_size, strides, valid/same, output_padding, activation,
    use_bias) on channels_last inputs with the supplied kernel (*kernel_size, filters, in) and bias, in
    ``dtype``: within the reduction's tolerance (4 + terms + 1 ULP, scaled by the conv of the magnitudes)."""
    case = data.draw(convt_cases(feature, dtype), label="case")
    check.compare(spec, adapter, case, tolerance.layers_convolution_transpose)


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("feature", FEATURES)
@FORMS_SETTINGS
@given(data=st.data())
def test_forms(spec, adapter, feature, form, data):
    """float32 outputs, as ``values``, for channels_first (channel axis 1 in and out), dilation_rate > 1
    (strides 1) and same padding with output_padding 0 on an even effective kernel (the spec's values,
    the JAX backend's padding; TensorFlow rejects it)."""
    case = data.draw(convt_cases(feature, "float32", form), label="case")
    check.compare(spec, adapter, case, tolerance.layers_convolution_transpose)


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape of an input shape with the batch None, and with None dims (batch, spatial,
    channel) drawn, for a config of any data_format, dilation and output_padding, the same with the other
    padding, and both without output_padding, equals the spec's ((n - 1) * s + max(k_eff, s) valid, n * s
    same, with output_padding (n - 1) * s + k_eff [% 2] + op); a channels_last call (dilation 1,
    consistent padding) gives an output of the spec's shape."""
    config, spatial = data.draw(convt_configs(feature, "any"), label="config")
    first = config.get("data_format") == "channels_first"
    channels = data.draw(st.integers(1, 3), label="in_channels")
    shape = (2, channels, *spatial) if first else (2, *spatial, channels)
    unknown = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)), label="unknown")
    symbolic = tuple(None if u else d for d, u in zip(shape, unknown))
    variants = [config, {**config, "padding": "same" if config["padding"] == "valid" else "valid"}]
    variants += [{k: v for k, v in c.items() if k != "output_padding"} for c in variants if "output_padding" in c]
    for variant in variants:
        for input_shape in ((None, *shape[1:]), symbolic):
            check.assert_compute_output_shape(spec, adapter, Case(feature, "shape", variant, shape=input_shape))
    # The call: channels_last, dilation 1, and output_padding dropped where TensorFlow cannot compute it.
    call_config = {k: v for k, v in config.items() if k not in ("data_format", "dilation_rate")}
    layer = spec.build(feature, call_config)
    x_spatial = shape[2:] if first else shape[1:-1]
    outs = layer.output_lengths(x_spatial)
    if not all(consistent(n, o, s, layer.padding) for n, o, s in zip(x_spatial, outs, layer.strides)):
        call_config.pop("output_padding")
        layer = spec.build(feature, call_config)
    x = np.random.default_rng(len(shape)).uniform(-1, 1, (2, *x_spatial, channels)).astype(np.float32)
    weights = {"kernel": np.ones((*layer.kernel_size, layer.filters, channels), np.float32),
               "bias": np.zeros(layer.filters, np.float32)}
    check.assert_call_shape(spec, adapter, Case(feature, "call", call_config, (x,), weights=weights))


@pytest.mark.parametrize("reject", REJECTED)
@pytest.mark.parametrize("feature", FEATURES)
def test_rejects(spec, adapter, feature, reject):
    """An invalid configuration or input (the row's name says which) is rejected by the adapter as
    by the spec."""
    r = rank_of(feature)
    config, op, offset = rejected_rows(r)[reject]
    if op == "shape":
        case = Case(feature, "shape", config, shape=(1, *(4,) * r, 3))
    else:
        x = np.ones((1, *(4,) * (r + offset), 3), np.float32)
        filters = 2
        weights = {"kernel": np.ones((*(2,) * r, filters, 3), np.float32), "bias": np.zeros(filters, np.float32)}
        case = Case(feature, "call", config, (x,), weights=weights)
    check.expect_rejection(spec, adapter, case)


@pytest.mark.parametrize("feature", FEATURES)
@settings(max_examples=8)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, data):
    """from_config(get_config()) of generated configs (strides, padding, output_padding, activation,
    use_bias) with initializer, regularizer and constraint variants: both configs equal the spec's;
    the clone's outputs (0 ULP) equal the original's."""
    call = data.draw(convt_cases(feature, "float32"), label="case")
    config = {**call.config, **data.draw(ROUNDTRIP_OPTIONS, label="options")}
    check.assert_layer_roundtrip(spec, adapter, dataclasses.replace(call, op="roundtrip", config=config))


@pytest.mark.parametrize("feature,config,input_shape", DEFAULT_WEIGHT_CASES, ids=lambda v: str(v))
def test_default_weights(spec, adapter, feature, config, input_shape):
    """The kernel a built layer starts with, of shape (*kernel_size, filters, in), follows its
    initializer (glorot_uniform by default; he_uniform with fan_in = filters * prod(kernel_size)) by KS
    and two moments (conformance/stats.py); the bias is exactly zero."""
    check.assert_default_weights(spec, adapter, Case(feature, "sample", config, shape=input_shape))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(WEIGHT_REGULARIZERS))
@FEW
@given(data=st.data())
def test_weight_losses(spec, adapter, feature, dtype, data):
    """layer.losses of a transposed convolution after a call: the kernel's penalty, then the bias's
    (only with use_bias), each where its regularizer is set."""
    case = data.draw(weighted_layer_case(feature, dtype, WEIGHT_REGULARIZERS[feature]), label="case")
    check.assert_weight_losses(spec, adapter, case)


@pytest.mark.parametrize("feature", features_of("layers_convolution_transpose"))
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
    reference/gradients/ (check.compare_gradients, tolerance.gradients): the transposed convolutions (input, kernel, bias): the adjoint of the scatter. Nonzero,
    finite inputs and weights (strategies.differentiable): no input on a kink."""
    check.compare_gradients(spec, adapter, data.draw(GRADIENT_CASES[feature](dtype, spec.edition), label="case"))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(TRAINING_CASES))
@fewer(3)
@given(data=st.data())
def test_training_step(spec, adapter, feature, dtype, data):
    """One SGD step (drawn learning rate) on sum(g * y) + sum(layer.losses) with a drawn regularizer and
    constraint on each weight: w' = constraint(w - lr * (dL/dw + d penalty/dw)), the regularizer in the
    loss and the constraint a projection after the update (check.compare_training_step)."""
    check.compare_training_step(spec, adapter, data.draw(TRAINING_CASES[feature](dtype, spec.edition), label="case"))


@pytest.mark.parametrize("feature", sorted(SAVED_CASES))
@fewer(3)
@given(data=st.data())
def test_saved_model(spec, adapter, feature, data):
    """The layer (weights, mask, a regularizer and a constraint per weight) in a one-layer model saved to a
    .keras file and loaded again: the loaded layer's config is the spec's, its outputs and masks the
    original's (check.assert_saved_model)."""
    check.assert_saved_model(spec, adapter, data.draw(SAVED_CASES[feature](spec.edition), label="case"))
