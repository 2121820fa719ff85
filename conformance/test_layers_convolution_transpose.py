"""The transposed convolution layers (``keras.layers.Conv1DTranspose``, ``Conv2DTranspose``,
``Conv3DTranspose``): values, shapes, errors, config, initial weights.

- ``values``: generated configs (kernel_size, strides, valid/same padding, output_padding None or
  each < stride, activation, use_bias), channels_last inputs and supplied kernel/bias, each float
  dtype. Tolerance (as Dense's, conformance/test_layers_values.py): the pre-activation is a sum of
  at most n = (most (tap, input channel) terms meeting in one output cell) + 1 (the bias) roundings,
  so ``4 + n`` ULP plus eps * the same transposed conv of |x|, |kernel| and |bias| per rounding,
  propagated through the activation.
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
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

import reference
from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import stats, tolerance
from conformance import strategies as cs
from conformance import check
from conformance.check import assert_close, assert_equal, assert_outputs, expect_rejection, run_both
from conformance.divergence import recorder
from conformance.strategies import ACTIVATION_NAMES
from reference.layers.convolution_transpose import consistent, effective_size

FEATURES = ["layers.Conv1DTranspose", "layers.Conv2DTranspose", "layers.Conv3DTranspose"]
FORMS = ("channels_first", "dilated", "same_even_output_padding_0")
# Each TensorFlow call builds a layer (about 50 ms on CPU): fewer examples than the ci profile's 30
# keep the module within the suite's time budget. ``forms`` skips shrinking: TensorFlow's CPU
# kernels reject every one of its cases (an expected divergence), and shrinking one costs ~20 s.
FEW = settings(max_examples=15)
FORMS_SETTINGS = settings(max_examples=6, phases=(Phase.explicit, Phase.generate))


def rank_of(feature):
    return int(feature[len("layers.Conv")])


def spec_layer(spec, feature, config):
    return reference.get_feature(feature).obj(**config, edition=spec.edition)


@st.composite
def convt_configs(draw, feature, form="plain"):
    """A config the spec accepts, and a spatial input shape. ``form`` as in the module docstring;
    "plain" (channels_last, dilation 1, TensorFlow-consistent same padding) and "any" (any of them)."""
    r = rank_of(feature)
    kmax, smax, side = (3, 3, 5) if r < 3 else (2, 2, 3)
    if form == "any":
        form = draw(st.sampled_from(("plain", *FORMS)), label="form")
    kernel = tuple(draw(st.lists(st.integers(1, kmax), min_size=r, max_size=r), label="kernel_size"))
    strides = tuple(draw(st.lists(st.integers(1, smax), min_size=r, max_size=r), label="strides"))
    dilation = (1,) * r
    if form == "dilated":
        strides = (1,) * r
        dilation = tuple(draw(st.lists(st.integers(1, 3), min_size=r, max_size=r), label="dilation_rate"))
        if max(dilation) == 1:
            dilation = (2, *dilation[1:])
    padding = "same" if form == "same_even_output_padding_0" else draw(st.sampled_from(("valid", "same")),
                                                                         label="padding")
    if form == "same_even_output_padding_0":
        axis = draw(st.integers(0, r - 1), label="even_axis")
        kernel = tuple(2 * draw(st.integers(1, 2), label="even_k") if i == axis else k for i, k in enumerate(kernel))
    k_eff = [effective_size(k, d) for k, d in zip(kernel, dilation)]
    output_padding = None
    if draw(st.booleans(), label="has_output_padding") or form == "same_even_output_padding_0":
        # TensorFlow computes same padding with output_padding only where k_eff is odd or output_padding >= 1.
        low = [1 if padding == "same" and e % 2 == 0 and form != "same_even_output_padding_0" else 0 for e in k_eff]
        if all(lo < s for lo, s in zip(low, strides)):
            output_padding = tuple(draw(st.integers(lo, s - 1), label="output_padding") for lo, s in zip(low, strides))
        if form == "same_even_output_padding_0":
            output_padding = tuple(0 if i == axis else op for i, op in enumerate(output_padding))
    as_int = len(set(strides)) == 1 and draw(st.booleans(), label="int_strides")  # an int: every axis
    config = {"filters": draw(st.integers(1, 3), label="filters"), "kernel_size": kernel,
              "strides": strides[0] if as_int else strides, "padding": padding}
    if output_padding is not None:
        config["output_padding"] = output_padding
    if form == "dilated":
        config["dilation_rate"] = dilation
    if form == "channels_first":
        config["data_format"] = "channels_first"
    elif draw(st.booleans(), label="explicit_channels_last"):
        config["data_format"] = "channels_last"
    spatial = tuple(draw(st.lists(st.integers(1, side), min_size=r, max_size=r), label="spatial"))
    return config, spatial


@st.composite
def convt_cases(draw, feature, dtype, form="plain"):
    config, spatial = draw(convt_configs(feature, form), label="config")
    config["use_bias"] = draw(st.booleans(), label="use_bias")
    config["activation"] = draw(st.sampled_from(ACTIVATION_NAMES), label="activation")
    batch, channels = draw(st.integers(1, 2), label="batch"), draw(st.integers(1, 3), label="in_channels")
    first = config.get("data_format") == "channels_first"
    shape = (batch, channels, *spatial) if first else (batch, *spatial, channels)
    x = draw(cs.arrays(dtype, shape, magnitudes=cs.FINITE), label="x")
    kernel_shape = (*config["kernel_size"], config["filters"], channels)
    weights = {"kernel": draw(cs.arrays(dtype, kernel_shape, magnitudes=cs.WEIGHTS), label="kernel")}
    if config["use_bias"]:
        weights["bias"] = draw(cs.arrays(dtype, (config["filters"],), magnitudes=cs.WEIGHTS), label="bias")
    return Case(feature, "call", config, (x,), dtype=dtype, weights=weights)


def convt_tolerance(spec, case):
    """(ulps, scales): the pre-activation sums at most n terms (the most (tap, channel) products meeting
    in one output cell, counted by the transposed conv of ones) plus the bias; each rounding is up to
    eps * (the transposed conv of |x|, |kernel|, plus |bias|); that error goes through the activation."""
    linear = {**case.config, "activation": "linear", "use_bias": True}
    layer = spec_layer(spec, case.feature, linear)
    x = np.asarray(case.inputs[0], np.float64)
    k = np.asarray(case.weights["kernel"], np.float64)
    b = np.asarray(case.weights.get("bias", np.zeros(k.shape[-2])), np.float64)
    pre = layer(x, weights={"kernel": k, "bias": b})
    mag = layer(np.abs(x), weights={"kernel": np.abs(k), "bias": np.abs(b)})
    terms = int(np.max(layer(np.ones_like(x), weights={"kernel": np.ones_like(k), "bias": np.zeros_like(b)}),
                       initial=0))
    return tolerance.weighted_sum_tolerance(case, pre, terms + 1, mag)


def _check_values(spec, adapter, case):
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        ulps, scales = convt_tolerance(spec, case)
        assert_outputs(actual, expected, case, adapter, ulps=ulps, scales=scales)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@FEW
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """Outputs of generated configs (kernel_size, strides, valid/same, output_padding, activation,
    use_bias) on channels_last inputs with the supplied kernel (*kernel_size, filters, in) and bias, in
    ``dtype``: within the reduction's tolerance (4 + terms + 1 ULP, scaled by the conv of the magnitudes)."""
    _check_values(spec, adapter, data.draw(convt_cases(feature, dtype), label="case"))


@pytest.mark.parametrize("form", FORMS)
@pytest.mark.parametrize("feature", FEATURES)
@FORMS_SETTINGS
@given(data=st.data())
def test_forms(spec, adapter, feature, form, data):
    """float32 outputs, as ``values``, for channels_first (channel axis 1 in and out), dilation_rate > 1
    (strides 1) and same padding with output_padding 0 on an even effective kernel (the spec's values,
    the JAX backend's padding; TensorFlow rejects it)."""
    _check_values(spec, adapter, data.draw(convt_cases(feature, "float32", form), label="case"))


@pytest.mark.parametrize("feature", FEATURES)
@FEW
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape of an input shape with None dims (batch, spatial, channel), for any
    data_format, dilation and output_padding, equals the spec's ((n - 1) * s + max(k_eff, s) valid,
    n * s same, with output_padding (n - 1) * s + k_eff [% 2] + op); a channels_last call (dilation 1,
    consistent padding) gives an output of the spec's shape."""
    config, spatial = data.draw(convt_configs(feature, "any"), label="config")
    first = config.get("data_format") == "channels_first"
    channels = data.draw(st.integers(1, 3), label="in_channels")
    shape = (2, channels, *spatial) if first else (2, *spatial, channels)
    unknown = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)), label="unknown")
    symbolic = tuple(None if u else d for d, u in zip(shape, unknown))
    case = Case(feature, "shape", config, shape=symbolic)
    result = run_both(spec, adapter, case)
    if result is not None:
        assert_equal(tuple(result[1]), tuple(result[0]), case, adapter, "compute_output_shape")
    # The call: channels_last, dilation 1, and output_padding dropped where TensorFlow cannot compute it.
    call_config = {k: v for k, v in config.items() if k not in ("data_format", "dilation_rate")}
    layer = spec_layer(spec, feature, call_config)
    x_spatial = shape[2:] if first else shape[1:-1]
    outs = layer.output_lengths(x_spatial)
    if not all(consistent(n, o, s, layer.padding) for n, o, s in zip(x_spatial, outs, layer.strides)):
        call_config.pop("output_padding")
        layer = spec_layer(spec, feature, call_config)
    x = np.random.default_rng(len(shape)).uniform(-1, 1, (2, *x_spatial, channels)).astype(np.float32)
    weights = {"kernel": np.ones((*layer.kernel_size, layer.filters, channels), np.float32),
               "bias": np.zeros(layer.filters, np.float32)}
    call = Case(feature, "call", call_config, (x,), weights=weights)
    result = run_both(spec, adapter, call)
    if result is not None:
        expected, actual = result
        want = tuple(layer.compute_output_shape(x.shape))
        assert_equal(tuple(np.shape(expected.outputs[0])), want, call, adapter, "the spec's out.shape")
        assert_equal(tuple(np.shape(actual.outputs[0])), want, call, adapter, "out.shape")


# --- rejects -----------------------------------------------------------------------------------
def _rejected(r):
    """name: (config, op, input rank offset); op "shape" rejects at construction, "call" may at build."""
    base = {"filters": 2, "kernel_size": 2}
    return {
        "output_padding = strides": ({**base, "strides": 2, "output_padding": 2}, "shape", 0),
        "output_padding > strides": ({**base, "strides": 1, "output_padding": 1}, "shape", 0),
        "output_padding < 0": ({**base, "strides": 2, "output_padding": -1}, "shape", 0),
        "padding causal": ({**base, "padding": "causal"}, "shape", 0),
        "padding full": ({**base, "padding": "full"}, "shape", 0),
        "padding unknown": ({**base, "padding": "middle"}, "shape", 0),
        "strides 0": ({**base, "strides": 0}, "shape", 0),
        "kernel_size 0": ({**base, "kernel_size": 0}, "shape", 0),
        "dilation_rate 0": ({**base, "dilation_rate": 0}, "shape", 0),
        "kernel_size of rank + 1 ints": ({**base, "kernel_size": (2,) * (r + 1)}, "shape", 0),
        "strides of rank + 1 ints": ({**base, "strides": (1,) * (r + 1)}, "shape", 0),
        "strides > 1 with dilation_rate > 1": ({**base, "strides": 2, "dilation_rate": 2}, "shape", 0),
        "strides > 1 on one axis, dilation_rate > 1 on another": (
            {**base, "strides": (2,) + (1,) * (r - 1), "dilation_rate": (1,) * (r - 1) + (2,)}, "shape", 0),
        "data_format unknown": ({**base, "data_format": "NHWC"}, "shape", 0),
        "filters = 0": ({**base, "filters": 0}, "shape", 0),
        "filters < 0": ({**base, "filters": -1}, "shape", 0),
        "filters None": ({**base, "filters": None}, "call", 0),
        # Keras 3 rejects any float when building; Keras 2 converts with int(): 0.5 is 0, rejected too.
        "filters float 0.5": ({**base, "filters": 0.5}, "call", 0),
        "input rank too low": (base, "call", -1),
        "input rank too high": (base, "call", 1),
        "unknown activation": ({**base, "activation": "no_such_activation"}, "shape", 0),
        "unknown initializer": ({**base, "kernel_initializer": "no_such_initializer"}, "shape", 0),
        "unknown regularizer": ({**base, "bias_regularizer": "no_such_regularizer"}, "shape", 0),
        "unknown constraint": ({**base, "kernel_constraint": "no_such_constraint"}, "shape", 0),
    }


@pytest.mark.parametrize("reject", list(_rejected(1)))
@pytest.mark.parametrize("feature", FEATURES)
def test_rejects(spec, adapter, feature, reject):
    """An invalid configuration or input (the row's name says which) is rejected by the adapter as
    by the spec."""
    r = rank_of(feature)
    config, op, offset = _rejected(r)[reject]
    if op == "shape":
        case = Case(feature, "shape", config, shape=(1, *(4,) * r, 3))
    else:
        x = np.ones((1, *(4,) * (r + offset), 3), np.float32)
        filters = 2
        weights = {"kernel": np.ones((*(2,) * r, filters, 3), np.float32), "bias": np.zeros(filters, np.float32)}
        case = Case(feature, "call", config, (x,), weights=weights)
    expect_rejection(spec, adapter, case)


# --- roundtrip ---------------------------------------------------------------------------------
ROUNDTRIP_OPTIONS = cs.options(**cs.weight_objects("kernel", "bias"))


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


# --- default weights ---------------------------------------------------------------------------
# Each kernel holds >= stats.ks_sample_size() values; filters != in, so he_uniform's
# fan_in = filters * prod(kernel_size) differs from in * prod(kernel_size).
_SHAPES = {"layers.Conv1DTranspose": ({"filters": 250, "kernel_size": 3}, (2, 5, 480)),
           "layers.Conv2DTranspose": ({"filters": 100, "kernel_size": (3, 2)}, (2, 4, 4, 600)),
           "layers.Conv3DTranspose": ({"filters": 60, "kernel_size": 2, "data_format": "channels_first"},
                                      (1, 750, 2, 2, 2))}
DEFAULT_WEIGHT_CASES = [(f, {**c, **extra}, s) for f, (c, s) in _SHAPES.items()
                        for extra in ({}, {"kernel_initializer": "he_uniform"})]
for _f, _config, _shape in DEFAULT_WEIGHT_CASES:
    _in = _shape[1] if _config.get("data_format") == "channels_first" else _shape[-1]
    assert math.prod(reference.get_feature(_f).obj(**_config).weight_shapes(_shape)["kernel"]) >= stats.ks_sample_size()
    assert _in != _config["filters"]


@pytest.mark.parametrize("feature,config,input_shape", DEFAULT_WEIGHT_CASES, ids=lambda v: str(v))
def test_default_weights(spec, adapter, feature, config, input_shape):
    """The kernel a built layer starts with, of shape (*kernel_size, filters, in), follows its
    initializer (glorot_uniform by default; he_uniform with fan_in = filters * prod(kernel_size)) by KS
    and two moments (conformance/stats.py); the bias is exactly zero."""
    case = Case(feature, "sample", config, shape=input_shape)
    recorder().last_case = case
    weights = adapter.run(case)
    expected = spec.run(case)
    assert_equal(sorted(weights), sorted(expected), case, adapter, "weight names")
    assert_close(weights["bias"], np.zeros(config["filters"]), case, adapter, ulps=0)
    assert_equal(tuple(np.shape(weights["kernel"])), tuple(np.shape(expected["kernel"])), case, adapter,
                 "kernel.shape")
    kernel = np.asarray(weights["kernel"], np.float64)
    dist = spec_layer(spec, feature, config).kernel_initializer.distribution(kernel.shape)
    check.assert_stats(case, adapter, [stats.ks_test(kernel, dist), *stats.moment_tests(kernel, dist)])

