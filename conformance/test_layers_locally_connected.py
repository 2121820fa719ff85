"""LocallyConnected1D and LocallyConnected2D (Keras 2: ``tf_keras.layers``) against
reference/layers/locally_connected.py.

These checks run only in edition keras2 (``--edition=keras2``, or an adapter of edition keras2):
Keras 3 removed both layers, so the reference adapter reports them ``unsupported`` in edition
keras3 and the tf adapter (Keras 3) reports them ``unsupported`` too (keras.layers has no such layer).

- ``values``: generated configs (kernel_size 1-3, strides 1-3 as an int or a tuple, implementation
  1, 2 or 3, padding "valid" and, for implementations 2 and 3, "same" (Keras 2's window centred at
  o*s with k // 2 cells before), channels_last/channels_first, use_bias, activation None, relu, tanh,
  sigmoid), inputs of each float dtype and weights in the implementation's kernel layout: the outputs
  under the tolerance below; no output mask (Keras 2 drops it).
- ``shapes``: compute_output_shape of input shapes with None batch, spatial and channel dims equals the
  spec's (an output size of 0 passes, a negative one is rejected by both), and the output of a call on
  a concrete input has the spec's shape.
- ``rejects``: a table of invalid configs and inputs both must reject: at construction (a ``shape``
  case on a valid input shape), in compute_output_shape (``shape``), when building (``sample``: build
  for the input shape, no weights needed) or in the call (the input rank).
- ``roundtrip``: from_config(get_config()) with implementation, padding in mixed case, data_format,
  activation and initializer/regularizer/constraint variants: both configs equal the spec's, the
  clone's outputs equal the original's (0 ULP).
- ``default_weights``: the kernel a built layer starts with follows glorot_uniform with the fans of
  tf-keras' ``_compute_fans`` on the stored kernel shape, which treats the rank-3 implementation-1
  kernel (positions, k*C, filters) as a convolution kernel (fan_in = k*C*positions, fan_out =
  filters*positions), the dense implementation-2 kernel likewise and the rank-1 implementation-3 kernel
  as (N, N) (KS and two moments, see conformance/stats.py); the bias is exactly zero (or the bias
  initializer's constant).
- ``weight_losses``: layer.losses after a call with the activity, kernel and bias regularizers each
  maybe set (strategies.weighted_layer_case): the activity penalty, then the weights' in order.

Tolerance (``conformance.tolerance.layers_locally_connected``): each output sums k*C products and the
bias, a reduction of n = prod(kernel_size) * C + 1 terms: reduction_ulps(n), with the scale at which it
may cancel, sum |x| * |W| + |bias| (the spec layer, linear, run on |x| and |weights|). The activations
used are 1-Lipschitz, so that absolute error carries through them.

Cases: conformance/cases/layers_locally_connected.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import reference
from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import check, tolerance
from conformance.cases import features_of
from conformance.cases.layers_locally_connected import (SAVED_CASES, GRADIENT_CASES, TRAINING_CASES, BASE, DEFAULT_WEIGHT_CASES, FEATURES, REJECTED,
                                                        ROUNDTRIP_OPTIONS, input_shape_of, lc_cases, lc_configs,
                                                        reject_shape, REGULARIZERS)
from conformance.profiles import fewer
from conformance.strategies import weighted_layer_case


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The output of a call with supplied weights (implementation 1, 2 or 3; valid or same padding;
    either data_format; strides; bias; activation) in ``dtype``: within reduction_ulps(prod(k) * C + 1)
    at the scale sum |x| |W| + |bias|, through the activation; no output mask."""
    case = data.draw(lc_cases(feature, dtype), label="case")
    result = check.compare(spec, adapter, case, tolerance.layers_locally_connected)
    if result is not None:
        expected, actual = result
        check.assert_masks(actual, expected, case, adapter)


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape of an input shape with the batch None, and with None dims (batch, spatial,
    channels) drawn, equals the spec's, sizes where the kernel is one larger than the input included (an
    output size of 0 there); the output of a call on a concrete input of that shape has the spec's shape
    (both reject it where an output size is 0)."""
    config, spatial = data.draw(lc_configs(feature), label="config")
    # On some axes, one cell less than the kernel ("valid": an output size of 0, accepted symbolically
    # and rejected when building) or than the drawn size ("same").
    shrink = data.draw(st.lists(st.booleans(), min_size=len(spatial), max_size=len(spatial)), label="shrink")
    layer = spec.build(feature, config)
    spatial = tuple(max(1, (kd if config["padding"] == "valid" else n) - 1) if sh else n
                    for n, kd, sh in zip(spatial, layer.kernel_size, shrink))
    shape = input_shape_of(data.draw(st.integers(1, 2), label="batch"), spatial,
                           data.draw(st.integers(1, 3), label="channels"), config["data_format"])
    unknown = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)), label="unknown")
    symbolic = tuple(None if u else d for d, u in zip(shape, unknown))
    for input_shape in ((None, *shape[1:]), symbolic):
        check.assert_compute_output_shape(spec, adapter, Case(feature, "shape", config, shape=input_shape))
    x = np.random.default_rng(len(shape)).uniform(-1, 1, size=shape).astype(np.float32)
    try:
        weights = {k: np.zeros(v, np.float32) for k, v in layer.weight_shapes(shape).items()}
    except reference.SpecError:
        weights = None  # the spec rejects building for this shape: the adapter must reject the call too
    check.assert_call_shape(spec, adapter, Case(feature, "call", config, (x,), weights=weights))


@pytest.mark.parametrize("reject", list(REJECTED))
@pytest.mark.parametrize("feature", FEATURES)
def test_rejects(spec, adapter, feature, reject):
    """An invalid configuration or input (the row's name says which) is rejected by the adapter as by
    the spec: at construction and in compute_output_shape (a ``shape`` case), when building for an input
    shape (a ``sample`` case) or in the call (a ``call`` case without weights)."""
    changes, op, which = REJECTED[reject]
    config = {**BASE, **changes}
    shape = reject_shape(feature, which)
    if op == "call":
        x = np.zeros(shape, np.float32)
        case = Case(feature, "call", config, (x,))
    else:
        case = Case(feature, op, config, shape=shape)
    check.expect_rejection(spec, adapter, case)


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, data):
    """from_config(get_config()) of generated configs (implementation, padding in mixed case,
    data_format in mixed case, strides, activation) with initializer, regularizer and constraint
    variants: both configs equal the spec's; the clone's outputs (0 ULP) equal the original's."""
    call = data.draw(lc_cases(feature, "float32"), label="case")
    options = data.draw(ROUNDTRIP_OPTIONS, label="options")
    config = {**call.config, **options}
    if data.draw(st.booleans(), label="mixed case"):
        config["padding"] = config.get("padding", "valid").upper()
        config["data_format"] = config.get("data_format", "channels_last").title()
    check.assert_layer_roundtrip(spec, adapter, dataclasses.replace(call, op="roundtrip", config=config))


@pytest.mark.parametrize("feature,config,input_shape",
                         [pytest.param(*c, id=f"{c[0]}-{c[1]}-{c[2]}") for c in DEFAULT_WEIGHT_CASES])
def test_default_weights(spec, adapter, feature, config, input_shape):
    """The kernel a built layer starts with has the implementation's shape and follows glorot_uniform
    with tf-keras' fans of that shape (KS and two moments); the bias, of shape (*output, filters), is
    exactly zero."""
    check.assert_default_weights(spec, adapter, Case(feature, "sample", config, shape=input_shape))


@pytest.mark.parametrize("feature", features_of("layers_locally_connected"))
def test_signature(spec, adapter, feature):
    """The framework's public constructor and a layer's ``call`` accept every argument the spec documents, by the
    same name, kind and default (reference/signatures.py); an extra argument is information
    (check.assert_signature)."""
    check.assert_signature(spec, adapter, feature)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@fewer(3)  # each example builds a layer: 10 per dtype suffice to draw each regularizer
@given(data=st.data())
def test_weight_losses(spec, adapter, feature, dtype, data):
    """layer.losses after a call: the activity penalty, then the kernel's and the bias's (only with
    use_bias), each where its regularizer is set (check.assert_weight_losses)."""
    case = data.draw(weighted_layer_case(feature, dtype, REGULARIZERS), label="case")
    check.assert_weight_losses(spec, adapter, case)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(GRADIENT_CASES))
@fewer(3)
@given(data=st.data())
def test_gradients(spec, adapter, feature, dtype, data):
    """The VJP of the layer's output for a drawn cotangent, to each floating input and each weight, against
    reference/gradients/ (check.compare_gradients, tolerance.gradients): LocallyConnected1D/2D (input, unshared kernel, bias), through the activation. Nonzero,
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
