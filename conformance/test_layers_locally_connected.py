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
  as (N, N) (KS and two moments, see conformance/stats.py); the bias is exactly zero.

Tolerance (conformance/tolerance.py): each output sums k*C products and the bias, a reduction of
n = prod(kernel_size) * C + 1 terms: reduction_ulps(n), with the scale at which it may cancel,
sum |x| * |W| + |bias| (the spec layer, linear, run on |x| and |weights|). The activations used are
1-Lipschitz, so that absolute error carries through them.
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
from conformance import stats, tolerance
from conformance import strategies as cs
from conformance import check
from conformance.check import assert_close, assert_equal, assert_masks, assert_outputs, expect_rejection, run_both
from conformance.divergence import recorder
from reference.editions import KERAS2

F1, F2 = "layers.LocallyConnected1D", "layers.LocallyConnected2D"
FEATURES = (F1, F2)
RANK = {F1: 1, F2: 2}
MAX_SIDE = {F1: 8, F2: 6}
ACTIVATIONS = (None, "relu", "tanh", "sigmoid")  # 1-Lipschitz: an absolute error carries through


def spec_layer(config, feature):
    """The spec's layer (edition keras2: the only one that has it)."""
    return reference.get_feature(feature).obj(**config, edition=KERAS2)


def _input_shape(batch, spatial, channels, data_format):
    return (batch, channels, *spatial) if data_format == "channels_first" else (batch, *spatial, channels)


def _tuple_or_int(draw, values, label):
    """An int when every value is the same and the draw says so, else the tuple."""
    if len(set(values)) == 1 and draw(st.booleans(), label=f"{label} as an int"):
        return values[0]
    return tuple(values)


@st.composite
def lc_configs(draw, feature):
    """(config, spatial sizes) of a layer whose every output size is >= 1."""
    rank = RANK[feature]
    implementation = draw(st.sampled_from((1, 2, 3)), label="implementation")
    padding = "valid" if implementation == 1 else draw(st.sampled_from(("valid", "same")), label="padding")
    k = [draw(st.integers(1, 3), label="kernel_size") for _ in range(rank)]
    s = [draw(st.integers(1, 3), label="strides") for _ in range(rank)]
    low = k if padding == "valid" else [1] * rank
    spatial = tuple(draw(st.integers(lo, MAX_SIDE[feature]), label="side") for lo in low)
    config = {"filters": draw(st.integers(1, 3), label="filters"), "kernel_size": _tuple_or_int(draw, k, "kernel_size"),
              "strides": _tuple_or_int(draw, s, "strides"), "padding": padding,
              "data_format": draw(st.sampled_from(("channels_last", "channels_first")), label="data_format"),
              "activation": draw(st.sampled_from(ACTIVATIONS), label="activation"),
              "use_bias": draw(st.booleans(), label="use_bias"), "implementation": implementation}
    return config, spatial


@st.composite
def lc_cases(draw, feature, dtype):
    """A ``call`` case: config, input and weights in the implementation's layout."""
    config, spatial = draw(lc_configs(feature), label="config")
    shape = _input_shape(draw(st.integers(1, 2), label="batch"), spatial, draw(st.integers(1, 3), label="channels"),
                         config["data_format"])
    x = draw(cs.arrays(dtype, shape, magnitudes=cs.FINITE), label="x")
    weights = {name: draw(cs.arrays(dtype, w_shape, magnitudes=cs.WEIGHTS), label=name)
               for name, w_shape in spec_layer(config, feature).weight_shapes(shape).items()}
    return Case(feature, "call", config, (x,), dtype=dtype, weights=weights)


def tolerance_for(case):
    """(ulps, scales): prod(k) * C + 1 terms at magnitude sum |x| |W| + |bias| per output, through
    the activation (weighted_sum_tolerance)."""
    linear = spec_layer({**case.config, "activation": None}, case.feature)
    x = np.asarray(case.inputs[0], np.float64)
    channels = x.shape[1] if linear.data_format == "channels_first" else x.shape[-1]
    w = {k: np.asarray(v, np.float64) for k, v in case.weights.items()}
    magnitude = linear(np.abs(x), weights={k: np.abs(v) for k, v in w.items()})
    return tolerance.weighted_sum_tolerance(case, linear(x, weights=w), int(np.prod(linear.kernel_size)) * channels + 1,
                                  magnitude)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The output of a call with supplied weights (implementation 1, 2 or 3; valid or same padding;
    either data_format; strides; bias; activation) in ``dtype``: within reduction_ulps(prod(k) * C + 1)
    at the scale sum |x| |W| + |bias|, through the activation; no output mask."""
    case = data.draw(lc_cases(feature, dtype), label="case")
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        ulps, scales = tolerance_for(case)
        assert_outputs(actual, expected, case, adapter, ulps=ulps, scales=scales)
        assert_masks(actual, expected, case, adapter)


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape with None dims (batch, spatial, channels) equals the spec's, sizes where the
    kernel is one larger than the input included (an output size of 0 there); the output of a call on a
    concrete input of that shape has the spec's shape (both reject it where an output size is 0)."""
    config, spatial = data.draw(lc_configs(feature), label="config")
    # On some axes, one cell less than the kernel ("valid": an output size of 0, accepted symbolically
    # and rejected when building) or than the drawn size ("same").
    shrink = data.draw(st.lists(st.booleans(), min_size=len(spatial), max_size=len(spatial)), label="shrink")
    k = spec_layer(config, feature).kernel_size
    spatial = tuple(max(1, (kd if config["padding"] == "valid" else n) - 1) if sh else n
                    for n, kd, sh in zip(spatial, k, shrink))
    shape = _input_shape(data.draw(st.integers(1, 2), label="batch"), spatial,
                         data.draw(st.integers(1, 3), label="channels"), config["data_format"])
    unknown = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)), label="unknown")
    symbolic = tuple(None if u else d for d, u in zip(shape, unknown))
    case = Case(feature, "shape", config, shape=symbolic)
    result = run_both(spec, adapter, case)
    if result is not None:
        assert_equal(tuple(result[1]), tuple(result[0]), case, adapter, "compute_output_shape")
    x = np.random.default_rng(len(shape)).uniform(-1, 1, size=shape).astype(np.float32)
    layer = spec_layer(config, feature)
    try:
        weights = {k: np.zeros(v, np.float32) for k, v in layer.weight_shapes(shape).items()}
    except reference.SpecError:
        weights = None  # the spec rejects building for this shape: the adapter must reject the call too
    call = Case(feature, "call", config, (x,), weights=weights)
    result = run_both(spec, adapter, call)
    if result is not None:
        expected, actual = result
        assert_equal(len(actual.outputs), 1, call, adapter, "len(outputs)")
        want = tuple(layer.compute_output_shape(shape))
        assert_equal(tuple(np.shape(expected.outputs[0])), want, call, adapter, "the spec's out.shape")
        assert_equal(tuple(np.shape(actual.outputs[0])), want, call, adapter, "out.shape")


# --- rejects -----------------------------------------------------------------------------------
BASE = {"filters": 2, "kernel_size": 2}
X1, X2 = (2, 5, 3), (2, 4, 5, 3)  # valid input shapes of the 1D and 2D layers
REJECTED = {  # name: (config changes, op, input shape or None for the layer's valid one)
    # At construction.
    "kernel_size = 0": ({"kernel_size": 0}, "shape", None),
    "kernel_size < 0": ({"kernel_size": -2}, "shape", None),
    "kernel_size of the wrong length": ({"kernel_size": (2, 2, 2)}, "shape", None),
    "kernel_size a string": ({"kernel_size": "2"}, "shape", None),
    "kernel_size a NumPy scalar": ({"kernel_size": np.int64(2)}, "shape", None),
    "strides < 0": ({"strides": -1}, "shape", None),
    "strides of the wrong length": ({"strides": (1, 1, 1)}, "shape", None),
    "padding same with implementation 1": ({"padding": "same"}, "shape", None),
    "padding causal with implementation 1": ({"padding": "causal"}, "shape", None),
    "padding unknown": ({"padding": "full", "implementation": 2}, "shape", None),
    "padding None": ({"padding": None, "implementation": 2}, "shape", None),
    "padding a tuple": ({"padding": (1, 1), "implementation": 2}, "shape", None),
    "data_format unknown": ({"data_format": "channels_middle"}, "shape", None),
    "unknown activation": ({"activation": "no_such_activation"}, "shape", None),
    "unknown initializer": ({"kernel_initializer": "no_such_initializer"}, "shape", None),
    # tf-keras' regularizers.get returns an unknown string as is: the layer fails when layer.losses
    # calls it, so this row is a call (the spec rejects it at construction).
    "unknown regularizer": ({"kernel_regularizer": "no_such_regularizer"}, "call", None),
    "unknown constraint": ({"bias_constraint": "no_such_constraint"}, "shape", None),
    # In compute_output_shape.
    "strides = 0 (shape)": ({"strides": 0}, "shape", None),
    "negative output size (shape)": ({"kernel_size": 4}, "shape", "small"),
    "filters < 0 (shape)": ({"filters": -1}, "shape", None),
    # When building.
    "strides = 0": ({"strides": 0}, "sample", None),
    "kernel larger than the input": ({"kernel_size": 4}, "sample", "small"),
    "output size 0": ({"kernel_size": 3}, "sample", "small"),
    "filters < 0": ({"filters": -1}, "sample", None),
    "filters a float": ({"filters": 2.0}, "sample", None),
    "implementation = 0": ({"implementation": 0}, "sample", None),
    "implementation = 4": ({"implementation": 4}, "sample", None),
    "padding causal with implementation 2": ({"padding": "causal", "implementation": 2}, "sample", None),
    "padding causal with implementation 3": ({"padding": "causal", "implementation": 3}, "sample", None),
    "channels None": ({}, "sample", "no channels"),
    "input rank too low": ({}, "sample", "low rank"),
    # In the call (the InputSpec).
    "input rank too high": ({}, "call", "high rank"),
}


def _reject_shape(feature, which):
    base = X1 if feature == F1 else X2
    return {None: base, "small": (2, 2, 3) if feature == F1 else (2, 2, 5, 3),
            "no channels": (*base[:-1], None), "low rank": base[:-1], "high rank": (*base, 2)}[which]


@pytest.mark.parametrize("reject", list(REJECTED))
@pytest.mark.parametrize("feature", FEATURES)
def test_rejects(spec, adapter, feature, reject):
    """An invalid configuration or input (the row's name says which) is rejected by the adapter as by
    the spec: at construction and in compute_output_shape (a ``shape`` case), when building for an input
    shape (a ``sample`` case) or in the call (a ``call`` case without weights)."""
    changes, op, which = REJECTED[reject]
    config = {**BASE, **changes}
    shape = _reject_shape(feature, which)
    if op == "call":
        x = np.zeros(shape, np.float32)
        case = Case(feature, "call", config, (x,))
    else:
        case = Case(feature, op, config, shape=shape)
    expect_rejection(spec, adapter, case)


# --- roundtrip ---------------------------------------------------------------------------------
ROUNDTRIP_OPTIONS = cs.options(**cs.weight_objects("kernel", "bias"))


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
        config["padding"] = config["padding"].upper()
        config["data_format"] = config["data_format"].title()
    check.assert_layer_roundtrip(spec, adapter, dataclasses.replace(call, op="roundtrip", config=config))


# --- default weights ---------------------------------------------------------------------------
# Each kernel holds >= stats.ks_sample_size() values (355,899). Glorot's limit depends on
# fan_in + fan_out only, so channels_first (whose implementation-2 fans are swapped) adds nothing.
DEFAULT_WEIGHT_CASES = [
    (F1, {"filters": 64, "kernel_size": 3}, (1, 100, 20)),  # (98, 60, 64): fans 5880 + 6272
    (F1, {"filters": 24, "kernel_size": 3, "implementation": 2}, (1, 40, 10)),  # (40, 10, 38, 24)
    (F1, {"filters": 64, "kernel_size": 3, "implementation": 3, "padding": "same"}, (1, 100, 20)),  # (381440,)
    (F2, {"filters": 50, "kernel_size": 3}, (1, 12, 12, 8)),  # (100, 72, 50)
]
for _feature, _config, _shape in DEFAULT_WEIGHT_CASES:
    assert int(np.prod(spec_layer(_config, _feature).weight_shapes(_shape)["kernel"])) >= stats.ks_sample_size()


@pytest.mark.parametrize("feature,config,input_shape",
                         [pytest.param(*c, id=f"{c[0]}-{c[1]}-{c[2]}") for c in DEFAULT_WEIGHT_CASES])
def test_default_weights(spec, adapter, feature, config, input_shape):
    """The kernel a built layer starts with has the implementation's shape and follows glorot_uniform
    with tf-keras' fans of that shape (KS and two moments); the bias, of shape (*output, filters), is
    exactly zero."""
    case = Case(feature, "sample", config, shape=input_shape)
    recorder().last_case = case
    weights = adapter.run(case)
    expected = spec.run(case)
    assert_equal(sorted(weights), sorted(expected), case, adapter, "weight names")
    for name in expected:
        assert_equal(tuple(np.shape(weights[name])), tuple(np.shape(expected[name])), case, adapter, f"{name}.shape")
    assert_close(weights["bias"], np.zeros(np.shape(expected["bias"])), case, adapter, ulps=0)
    kernel = np.asarray(weights["kernel"], np.float64)
    dist = spec_layer(config, feature).kernel_initializer.distribution(kernel.shape)
    check.assert_stats(case, adapter, [stats.ks_test(kernel, dist), *stats.moment_tests(kernel, dist)])
