"""The convolution layers (``keras.layers`` Conv1D/2D/3D, DepthwiseConv1D/2D, SeparableConv1D/2D) against
reference/layers/convolution.py.

- ``values``: generated channels_last configs (kernel_size 1-3 per axis, one stride up to 2 for every
  axis or a dilation_rate up to 2 per axis, valid/same padding and causal for Conv1D, groups 1-3 for
  Conv, depth_multiplier 1-3, use_bias, an activation from ACTIVATIONS), inputs and supplied kernels
  and biases of each float dtype.
- ``forms``: float32 values of one special form each (a parameter, so that a framework's limitation
  in one form is its own expectation, see ``forms_of``): channels_first (Conv with groups 1, and
  grouped), channels_first with the last output side equal to the output channels (a bias on the
  wrong axis in Keras 3's TF backend), unequal strides per axis, and strides > 1 with dilation_rate > 1
  on the depthwise and separable layers.
- ``shapes``: compute_output_shape of an input shape of any form with None batch and None spatial dims
  (and a None channel dim, which Depthwise rejects and the others pass through) equals the spec's; the
  output of an actual call of a plain config has the spec's shape.
- ``seed_page``: the seed page's Conv2D example (channels_first), literally.
- ``rejects``: a table of invalid configs and inputs both must reject (bad padding, causal where it
  is not allowed, a kernel larger than a valid-padded input, strides > 1 with dilation_rate > 1 on
  Conv, groups not dividing filters or input channels, filters/depth_multiplier 0 or negative,
  kernel_size/strides/dilation_rate 0, wrong input rank, a bad data_format, unknown identifiers).
  Rows that build (``sample``: Keras validates the input shape in ``build``) need no weights.
- ``roundtrip``: get_config/from_config with initializer, regularizer, constraint and activation
  variants (names and {"class_name", "config"} dicts), use_bias False and mixed-case strings.
- ``default_weights``: the kernels a built layer starts with follow their initializer with the fans
  of the kernel layout (glorot_uniform by default, and he_uniform / lecun_normal / lecun_uniform /
  he_normal, whose variance uses one fan alone, so a fan without the receptive field is caught):
  KS and two moments (conformance/stats.py); the bias is exactly zero.
- ``weight_losses``: layer.losses of Conv1D, DepthwiseConv1D and SeparableConv1D with weight
  regularizers, by value and in weight order.

Tolerance (``conformance.tolerance.layers_convolution``, as Dense's): each output is a sum of n products
(n = prod(kernel_size) * C / groups; fewer for Depthwise, both steps for Separable) plus the bias, within
reduction_ulps(n + 1) scaled by the same layer (linear) on |x|, |kernels|, |bias|, through the activation.

Cases: conformance/cases/layers_convolution.py.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import check, tolerance
from conformance.cases import features_of
from conformance.cases.layers_convolution import (SAVED_CASES, GRADIENT_CASES, TRAINING_CASES, DEFAULT_WEIGHT_CASES, FEATURES, FEW, FORMS, FORMS_SETTINGS,
                                                  KERAS3_ONLY, REJECTED, WEIGHT_REGULARIZERS, conv_cases,
                                                  conv_configs, forms_of, reject_base, rejected_rows,
                                                  roundtrip_options, SEED_PAGE)
from conformance.strategies import weighted_layer_case
from conformance.profiles import fewer
from reference.editions import KERAS2


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@FEW
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The layer's outputs for generated channels_last configs (kernel_size, one stride for all axes,
    dilation_rate, valid/same padding and causal for Conv1D, groups, depth_multiplier, use_bias,
    activation), inputs and supplied kernels and biases of ``dtype``, within reduction_ulps(n + 1)
    scaled by the same convolution of |x|, |kernels|, |bias| (module docstring)."""
    case = data.draw(conv_cases(feature, dtype, edition=spec.edition), label="case")
    check.compare(spec, adapter, case, tolerance.layers_convolution)


@pytest.mark.parametrize("feature,form", FORMS, ids=[f"{f}-{form}" for f, form in FORMS])
@FORMS_SETTINGS
@given(data=st.data())
def test_forms(spec, adapter, feature, form, data):
    """float32 outputs, as ``values``, of one special form each (``forms_of``): channels_first (channel
    axis 1 in and out; Conv with groups 1, and grouped; the last output side equal to the output
    channels, with a bias), unequal strides per axis (rank >= 2), and strides > 1 with dilation_rate > 1
    on the depthwise and separable layers (Keras 3 accepts it; Keras 2 rejects it)."""
    case = data.draw(conv_cases(feature, "float32", form, spec.edition), label="case")
    check.compare(spec, adapter, case, tolerance.layers_convolution)


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape of the input shape of a config in any form (channels_first included), and of the
    same config with the other padding ("valid" for "same" or "causal", "same" for "valid"), with the batch
    None, and with some spatial dims and (rarely) the channel dim None too, equals the spec's (Depthwise
    rejects a None channel dim in both); an actual call of a plain config on its concrete shape (zero
    weights) gives the spec's output shape."""
    form = data.draw(st.sampled_from(["plain", *forms_of(feature)]), label="form")
    config, shape = data.draw(conv_configs(feature, form), label="config")
    channel_axis = 1 if config.get("data_format") == "channels_first" else len(shape) - 1
    unknown = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)), label="unknown")
    none_channel = data.draw(st.integers(0, 5), label="none_channel") == 0
    symbolic = tuple(None if i == 0 or (u and i != channel_axis) or (i == channel_axis and none_channel) else d
                     for i, (d, u) in enumerate(zip(shape, unknown)))
    other = {**config, "padding": "same" if config["padding"] == "valid" else "valid"}
    for variant in (config, other):
        for input_shape in ((None, *shape[1:]), symbolic):
            check.assert_compute_output_shape(spec, adapter, Case(feature, "shape", variant, shape=input_shape))
    if form == "plain":
        weights = {k: np.zeros(s, np.float32) for k, s in spec.build(feature, config).weight_shapes(shape).items()}
        check.assert_call_shape(spec, adapter, Case(feature, "call", config, (np.ones(shape, np.float32),),
                                                    weights=weights))



@pytest.mark.parametrize("feature, example", [(e.feature, name) for name, e in SEED_PAGE.items()])
def test_seed_page(spec, adapter, feature, example):
    """The seed page's Conv2D shape example, literally: compute_output_shape for the page's input shape
    (batch None) equals the spec's and the page's (channels_first: the page's erratum)."""
    check.assert_seed_page(spec, adapter, SEED_PAGE[example], example)

@pytest.mark.parametrize("feature,reject", REJECTED, ids=[f"{f}-{n}" for f, n in REJECTED])
def test_rejects(spec, adapter, feature, reject):
    """An invalid configuration or input (the row's name says which) is rejected by the adapter as by
    the spec; on Keras 2 the rows of KERAS3_ONLY are accepted by both instead."""
    changes, op, shape = rejected_rows(feature)[reject]
    config, base_shape = reject_base(feature)
    case = Case(feature, op, {**config, **changes}, shape=shape or base_shape)
    if (feature, reject) in KERAS3_ONLY and spec.edition == KERAS2:
        check.expect_acceptance(spec, adapter, case)
    else:
        check.expect_rejection(spec, adapter, case)


@pytest.mark.parametrize("feature", FEATURES)
@FEW
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, data):
    """from_config(get_config()) of generated configs with initializer, regularizer, constraint (names and
    dicts), activation, use_bias, activity regularizer and mixed-case padding/data_format variants: both
    configs equal the spec's (tuples for kernel_size, strides, dilation_rate); the clone's outputs equal
    the original's (0 ULP)."""
    call = data.draw(conv_cases(feature, "float32", edition=spec.edition), label="case")
    options = data.draw(roundtrip_options(feature), label="options")
    config = {**call.config, **options}
    if options.get("padding"):  # a valid padding: keep the case's shapes valid
        config["padding"] = options["padding"] if call.config.get("padding", "valid") == "valid" else call.config["padding"]
    layer = spec.build(feature, config)
    weights = {k: call.weights[k] if k in call.weights else np.linspace(-1, 1, math.prod(s)).reshape(s).astype("float32")
               for k, s in layer.weight_shapes(call.inputs[0].shape).items()}
    check.assert_layer_roundtrip(spec, adapter, dataclasses.replace(call, op="roundtrip", config=config, weights=weights))


@pytest.mark.parametrize("feature,config,input_shape", DEFAULT_WEIGHT_CASES,
                         ids=[f"{f}-{c}" for f, c, _ in DEFAULT_WEIGHT_CASES])
def test_default_weights(spec, adapter, feature, config, input_shape):
    """The kernels a built layer starts with, in the spec's layouts ((*k, C/groups, filters); depthwise
    (*k, C, dm); pointwise (1.., C*dm, filters)), follow their initializer with the fans of that layout
    (KS and two moments, see conformance/stats.py); the bias is exactly zero."""
    check.assert_default_weights(spec, adapter, Case(feature, "sample", config, shape=input_shape))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(WEIGHT_REGULARIZERS))
@FEW
@given(data=st.data())
def test_weight_losses(spec, adapter, feature, dtype, data):
    """layer.losses of a convolution layer after a call: one penalty per weight whose regularizer is set,
    in weight order (Conv: kernel, bias; Depthwise: its kernel, bias; Separable: depthwise_kernel,
    pointwise_kernel, bias), a bias penalty only with use_bias."""
    case = data.draw(weighted_layer_case(feature, dtype, WEIGHT_REGULARIZERS[feature]), label="case")
    check.assert_weight_losses(spec, adapter, case)


@pytest.mark.parametrize("feature", features_of("layers_convolution"))
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
    reference/gradients/ (check.compare_gradients, tolerance.gradients): the convolutions, depthwise and separable (input, kernels, bias), through the activation. Nonzero,
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
