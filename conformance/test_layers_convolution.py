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

Tolerance (conformance/tolerance.py, as Dense's ``dense_tolerance``): each output is a sum of
n = prod(kernel_size) * C / groups products plus the bias (Depthwise: prod(kernel_size); Separable:
prod(kernel_size) for the depthwise step, then C * depth_multiplier for the pointwise one, n the sum
of both), so the pre-activation is within reduction_ulps(n + 1) with scale = the same layer (linear)
applied to |x|, |kernels|, |bias|; that error then goes through the activation (``_propagated``).
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
from conformance.check import assert_close, assert_equal, assert_outputs, expect_rejection, label, run_both
from conformance.divergence import Divergence, recorder
from reference.editions import KERAS2
from reference.layers.windows import output_length

CONV = ("layers.Conv1D", "layers.Conv2D", "layers.Conv3D")
DEPTHWISE = ("layers.DepthwiseConv1D", "layers.DepthwiseConv2D")
SEPARABLE = ("layers.SeparableConv1D", "layers.SeparableConv2D")
FEATURES = CONV + DEPTHWISE + SEPARABLE
RANK = {f: int(f[-2]) for f in FEATURES}
# TensorFlow's float32 tanh and sigmoid are a few ULP beyond the policy (see the activations.* entries
# of conformance/expectations/tf.toml): the activations here are the ones exact to the policy.
ACTIVATIONS = (None, None, "relu", "elu", "linear")
MAX_SIDE = {1: 7, 2: 5, 3: 4}  # spatial sides per rank: small cases keep the module fast
# Each TensorFlow call builds a layer (tens of ms on CPU, more for XLA-compiled grouped convolutions):
# fewer examples than the ci profile's 30 keep the module within the suite's time budget. ``forms``
# skips shrinking: where TensorFlow's CPU kernels reject a form (an expected divergence) every case
# fails, and shrinking one costs tens of seconds.
FEW = settings(max_examples=12)
FORMS_SETTINGS = settings(max_examples=6, phases=(Phase.explicit, Phase.generate))


def kernel_names(feature, edition="keras3"):
    if feature in SEPARABLE:
        return ("depthwise_kernel", "pointwise_kernel")
    return ("depthwise_kernel",) if feature in DEPTHWISE and edition == KERAS2 else ("kernel",)


def spec_layer(spec, feature, config):
    return reference.get_feature(feature).obj(**config, edition=spec.edition)


def forms_of(feature):
    """The special forms of a layer the ``forms`` check runs, each its own parameter (so a framework's
    limitation in one form is its own expectation): ``channels_first`` (Conv: groups 1; depthwise and
    separable: strides > 1 with dilation_rate > 1 too), ``channels_first_grouped`` (Conv, groups >= 2),
    ``channels_first_bias_last_dim`` (channels_first with a bias, the last output side equal to the output
    channels; every other channels_first form keeps them different), ``unequal_strides`` (rank >= 2) and
    ``strides_with_dilation`` (depthwise and separable, channels_last)."""
    forms = ["channels_first"]
    if feature in CONV:
        forms.append("channels_first_grouped")
    forms.append("channels_first_bias_last_dim")
    if RANK[feature] > 1:
        forms.append("unequal_strides")
    if feature not in CONV:
        forms.append("strides_with_dilation")
    return forms


FORMS = [(f, form) for f in FEATURES for form in forms_of(f)]


@st.composite
def conv_configs(draw, feature, form="plain"):
    """(config, input shape) of a valid layer: the kernel fits a valid-padded input. ``plain``:
    channels_last, one stride for every axis, never strides > 1 with dilation_rate > 1; the other
    forms are those of :func:`forms_of`."""
    r = RANK[feature]
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="seed"))
    k = tuple(int(v) for v in rng.integers(1, 4, size=r))
    paddings = ("valid", "same", "causal") if feature == "layers.Conv1D" else ("valid", "same")
    padding = paddings[int(rng.integers(len(paddings)))]
    strides, dilation = (1,) * r, (1,) * r
    mode = int(rng.integers(3))  # 0: plain, 1: strided, 2: dilated
    if form == "unequal_strides":
        while len(set(strides)) < 2:
            strides = tuple(int(v) for v in rng.integers(1, 4, size=r))
    elif form == "strides_with_dilation" or (form == "channels_first" and feature not in CONV and mode == 0):
        while max(strides) == 1 or max(dilation) == 1:
            strides = tuple(int(v) for v in rng.integers(1, 3, size=r))
            dilation = tuple(int(v) for v in rng.integers(1, 3, size=r))
    elif mode == 1:
        strides = (int(rng.integers(1, 3)),) * r
    elif mode == 2:
        dilation = tuple(int(v) for v in rng.integers(1, 3, size=r))
    k_eff = [(kk - 1) * d + 1 for kk, d in zip(k, dilation)]
    spatial = tuple(int(rng.integers(e if padding == "valid" else 1, max(e, MAX_SIDE[r]) + 1)) for e in k_eff)
    config = {"kernel_size": k if rng.random() < 0.7 or len(set(k)) > 1 else k[0], "padding": padding}
    if any(s > 1 for s in strides):
        config["strides"] = strides if len(set(strides)) > 1 or rng.random() < 0.5 else strides[0]
    if any(d > 1 for d in dilation):
        config["dilation_rate"] = dilation
    if feature in CONV:
        if form in ("channels_first_grouped", "channels_first_bias_last_dim"):
            groups = int(rng.choice([2, 3]))  # grouped: the XLA path, which TensorFlow's CPU runs channels_first
        elif form == "channels_first":
            groups = 1
        else:
            groups = int(rng.choice([1, 1, 1, 2, 3]))
        channels = groups * int(rng.integers(1, 3))
        config["filters"] = groups * int(rng.integers(1, 3))
        if groups > 1:
            config["groups"] = groups
    else:
        channels = int(rng.integers(1, 4))
        config["depth_multiplier"] = int(rng.integers(1, 4 if feature in DEPTHWISE else 3))
        if feature in SEPARABLE:
            config["filters"] = int(rng.integers(1, 4))
    activation = ACTIVATIONS[int(rng.integers(len(ACTIVATIONS)))]
    if activation is not None:
        config["activation"] = activation
    if rng.random() < 0.25 and form != "channels_first_bias_last_dim":
        config["use_bias"] = False
    first = form.startswith("channels_first")
    if first:
        # Keras 3's TF ops.add takes a (1, C, 1..) bias for an NHWC one when the last output side equals C
        # (keras/src/backend/tensorflow/numpy.py add): that case is its own form.
        out_c = config["filters"] if "filters" in config else channels * config["depth_multiplier"]
        n, kk, st_, d = spatial[-1], k[-1], strides[-1], dilation[-1]
        if form == "channels_first_bias_last_dim":
            n = out_c * st_ if padding != "valid" else (out_c - 1) * st_ + (kk - 1) * d + 1
        elif output_length(n, kk, st_, padding, d) == out_c:
            n += st_
        spatial = (*spatial[:-1], n)
        config["data_format"] = "channels_first"
    elif rng.random() < 0.2:
        config["data_format"] = "channels_last"
    b = int(rng.integers(1, 3))
    shape = (b, channels, *spatial) if first else (b, *spatial, channels)
    return config, shape


@st.composite
def conv_cases(draw, feature, dtype, form="plain", edition="keras3"):
    config, shape = draw(conv_configs(feature, form), label="config")
    try:
        layer = reference.get_feature(feature).obj(**config, edition=edition)
    except reference.SpecError:  # an edition that rejects the config (Keras 2: strides with dilation)
        layer = reference.get_feature(feature).obj(**config)
    x = draw(cs.arrays(dtype, shape, magnitudes=cs.FINITE), label="x")
    weights = {name: draw(cs.arrays(dtype, s, magnitudes=cs.WEIGHTS), label=name)
               for name, s in layer.weight_shapes(shape).items()}
    return Case(feature, "call", config, (x,), dtype=dtype, weights=weights)


def reduction_length(feature, config, weights):
    """Terms of each output's sum, the bias included."""
    names = [k for k in weights if k != "bias"]
    k = weights[names[0]].shape
    n = math.prod(k[:-1])  # prod(kernel_size) * (C / groups) for Conv; prod(kernel_size) * C for Depthwise
    if feature not in CONV:
        n = math.prod(k[:-2])  # a depthwise output sums one channel's taps
    if feature in SEPARABLE:
        n += weights["pointwise_kernel"].shape[-2]
    return n + (1 if config.get("use_bias", True) else 0)


def tolerance_for(spec, case):
    """(ulps, scales) of the module docstring's policy."""
    linear = {k: v for k, v in case.config.items() if k != "activation"}
    layer = spec_layer(spec, case.feature, linear)
    x = np.asarray(case.inputs[0], np.float64)
    w = {k: np.asarray(v, np.float64) for k, v in case.weights.items()}
    magnitude = layer(np.abs(x), weights={k: np.abs(v) for k, v in w.items()})
    return tolerance.weighted_sum_tolerance(case, layer(x, weights=w), reduction_length(case.feature, case.config, w), magnitude)


def _compare(spec, adapter, case):
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        ulps, scales = tolerance_for(spec, case)
        assert_outputs(actual, expected, case, adapter, ulps=ulps, scales=scales)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@FEW
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The layer's outputs for generated channels_last configs (kernel_size, one stride for all axes,
    dilation_rate, valid/same padding and causal for Conv1D, groups, depth_multiplier, use_bias,
    activation), inputs and supplied kernels and biases of ``dtype``, within reduction_ulps(n + 1)
    scaled by the same convolution of |x|, |kernels|, |bias| (module docstring)."""
    _compare(spec, adapter, data.draw(conv_cases(feature, dtype, edition=spec.edition), label="case"))


@pytest.mark.parametrize("feature,form", FORMS, ids=[f"{f}-{form}" for f, form in FORMS])
@FORMS_SETTINGS
@given(data=st.data())
def test_forms(spec, adapter, feature, form, data):
    """float32 outputs, as ``values``, of one special form each (``forms_of``): channels_first (channel
    axis 1 in and out; Conv with groups 1, and grouped; the last output side equal to the output
    channels, with a bias), unequal strides per axis (rank >= 2), and strides > 1 with dilation_rate > 1
    on the depthwise and separable layers (Keras 3 accepts it; Keras 2 rejects it)."""
    _compare(spec, adapter, data.draw(conv_cases(feature, "float32", form, spec.edition), label="case"))


@pytest.mark.parametrize("feature", FEATURES)
@FEW
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape of the input shape of a config in any form (channels_first included) with the
    batch, some spatial dims and (rarely) the channel dim None equals the spec's (Depthwise rejects a None
    channel dim in both); an actual call of a plain config on its concrete shape (zero weights) gives the
    spec's output shape."""
    form = data.draw(st.sampled_from(["plain", *forms_of(feature)]), label="form")
    config, shape = data.draw(conv_configs(feature, form), label="config")
    channel_axis = 1 if config.get("data_format") == "channels_first" else len(shape) - 1
    unknown = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)), label="unknown")
    none_channel = data.draw(st.integers(0, 5), label="none_channel") == 0
    symbolic = tuple(None if i == 0 or (u and i != channel_axis) or (i == channel_axis and none_channel) else d
                     for i, (d, u) in enumerate(zip(shape, unknown)))
    case = Case(feature, "shape", config, shape=symbolic)
    result = run_both(spec, adapter, case)
    if result is not None:
        assert_equal(tuple(result[1]), tuple(result[0]), case, adapter, "compute_output_shape")
    if form != "plain":
        return
    layer = spec_layer(spec, feature, config)
    weights = {k: np.zeros(s, np.float32) for k, s in layer.weight_shapes(shape).items()}
    call = Case(feature, "call", config, (np.ones(shape, np.float32),), weights=weights)
    result = run_both(spec, adapter, call)
    if result is not None:
        expected, actual = result
        want = tuple(layer.compute_output_shape(shape))
        assert_equal(tuple(np.shape(expected.outputs[0])), want, call, adapter, "the spec's out.shape")
        assert_equal(tuple(np.shape(actual.outputs[0])), want, call, adapter, "out.shape")


# --- rejects -----------------------------------------------------------------------------------
def _base(feature):
    r = RANK[feature]
    config = {"kernel_size": 2}
    if feature in CONV or feature in SEPARABLE:
        config["filters"] = 2
    shape = (1, *(4,) * r, 2)
    return config, shape


def _rows(feature):
    """name: (config changes, op, input shape or None for the base shape); "shape" rejects at
    construction or in compute_output_shape, "sample" builds the layer for the shape."""
    r = RANK[feature]
    rows = {
        "padding 'full'": ({"padding": "full"}, "shape", None),
        "padding 'SAME ' (not a known string)": ({"padding": "SAME "}, "shape", None),
        "data_format 'channels_middle'": ({"data_format": "channels_middle"}, "shape", None),
        "data_format 'NHWC'": ({"data_format": "NHWC"}, "shape", None),
        "kernel_size 0": ({"kernel_size": 0}, "shape", None),
        f"kernel_size of {r + 1} ints": ({"kernel_size": (2,) * (r + 1)}, "shape", None),
        "kernel_size negative": ({"kernel_size": -2}, "shape", None),
        "strides 0": ({"strides": 0}, "shape", None),
        "strides negative": ({"strides": (-1,) * r}, "shape", None),
        "dilation_rate 0": ({"dilation_rate": 0}, "shape", None),
        "kernel larger than the input (valid)": ({"kernel_size": 5}, "shape", None),
        "dilated kernel larger than the input (valid)": ({"kernel_size": 3, "dilation_rate": 2}, "shape", None),
        "kernel larger than the input (valid), built": ({"kernel_size": 5}, "sample", None),
        "input rank too low": ({}, "shape", (1, *(4,) * r)),
        "input rank too high": ({}, "shape", (1, 3, *(4,) * r, 2)),
        "input rank too low, built": ({}, "sample", (1, *(4,) * r)),
        "input rank too high, built": ({}, "sample", (1, 3, *(4,) * r, 2)),
        "unknown activation": ({"activation": "no_such_activation"}, "shape", None),
        "unknown bias initializer": ({"bias_initializer": "no_such_initializer"}, "shape", None),
        "unknown bias regularizer": ({"bias_regularizer": "no_such_regularizer"}, "shape", None),
        "unknown activity regularizer": ({"activity_regularizer": "no_such_regularizer"}, "shape", None),
        "unknown bias constraint": ({"bias_constraint": "no_such_constraint"}, "shape", None),
        "unknown channel dim, built": ({}, "sample", (1, *(4,) * r, None)),
    }
    if feature != "layers.Conv1D":
        rows["padding 'causal'"] = ({"padding": "causal"}, "shape", None)
    prefixes = {"layers.Conv1D": ("kernel",)}.get(feature, ("depthwise", "pointwise") if feature in SEPARABLE
                                                   else ("depthwise",) if feature in DEPTHWISE else ("kernel",))
    for p in prefixes:
        rows[f"unknown {p} initializer"] = ({f"{p}_initializer": "no_such_initializer"}, "shape", None)
        rows[f"unknown {p} regularizer"] = ({f"{p}_regularizer": "no_such_regularizer"}, "shape", None)
        rows[f"unknown {p} constraint"] = ({f"{p}_constraint": "no_such_constraint"}, "shape", None)
    if feature in CONV or feature in SEPARABLE:
        rows.update({"filters 0": ({"filters": 0}, "shape", None), "filters negative": ({"filters": -2}, "shape", None),
                     "filters 2.5": ({"filters": 2.5}, "sample", None)})
    if feature in CONV:
        rows.update({
            "strides > 1 with dilation_rate > 1": ({"strides": 2, "dilation_rate": 2}, "shape", None),
            "strides > 1 on one axis, dilation_rate > 1 on another": (
                {"strides": (2,) + (1,) * (r - 1), "dilation_rate": (1,) * (r - 1) + (2,)}, "shape", None)
            if r > 1 else ({"strides": (2,), "dilation_rate": (3,)}, "shape", None),
            "groups 0": ({"groups": 0}, "shape", None),
            "groups negative": ({"groups": -1}, "shape", None),
            "groups not dividing filters": ({"groups": 2, "filters": 3}, "shape", None),
            "groups not dividing input channels": ({"groups": 2, "filters": 4}, "sample", (1, *(4,) * r, 3)),
            "groups 2.0": ({"groups": 2.0}, "sample", None),
        })
    else:
        rows.update({"depth_multiplier 0": ({"depth_multiplier": 0}, "shape", None),
                     "depth_multiplier negative": ({"depth_multiplier": -1}, "shape", None),
                     "depth_multiplier 2.0": ({"depth_multiplier": 2.0}, "sample", None)})
    if feature in DEPTHWISE:
        rows["unknown channel dim"] = ({}, "shape", (None, *(4,) * r, None))
    return rows


REJECTED = [(f, name) for f in FEATURES for name in _rows(f)]
KERAS3_ONLY = {  # rows Keras 2 accepts: causal SeparableConv1D, a float filters (int()-ed), groups 0 (taken as
    # 1), and for Conv extra leading batch dims (tf.nn.convolution folds them); a valid window one cell
    # larger than the input (an output length of 0, not negative) in compute_output_shape and build; groups
    # -1 and depth_multiplier 0 (unchecked) in compute_output_shape; and, as only the call checks the rank,
    # another rank in Conv's and SeparableConv's compute_output_shape and build (DepthwiseConv's build checks
    # it, its compute_output_shape indexes the shape: a lower rank fails there, a higher one not); a negative
    # depth_multiplier in SeparableConv's compute_output_shape (it depends on filters only)
    ("layers.SeparableConv1D", "padding 'causal'"), *((f, "filters 2.5") for f in FEATURES),
    *((f, "groups 0") for f in CONV), *((f, r) for f in CONV for r in ("input rank too high",
                                                                      "input rank too high, built")),
    *((f, r) for f in FEATURES for r in ("kernel larger than the input (valid)",
                                         "kernel larger than the input (valid), built",
                                         "dilated kernel larger than the input (valid)")),
    *((f, "groups negative") for f in CONV),
    *((f, "depth_multiplier 0") for f in FEATURES if f not in CONV),
    *((f, r) for f in CONV + SEPARABLE for r in ("input rank too low", "input rank too low, built")),
    *((f, r) for f in SEPARABLE for r in ("input rank too high", "input rank too high, built",
                                          "depth_multiplier negative")),
    *((f, "input rank too high") for f in DEPTHWISE)}


@pytest.mark.parametrize("feature,reject", REJECTED, ids=[f"{f}-{n}" for f, n in REJECTED])
def test_rejects(spec, adapter, feature, reject):
    """An invalid configuration or input (the row's name says which) is rejected by the adapter as by
    the spec; on Keras 2 the rows of KERAS3_ONLY are accepted by both instead."""
    changes, op, shape = _rows(feature)[reject]
    config, base_shape = _base(feature)
    case = Case(feature, op, {**config, **changes}, shape=shape or base_shape)
    if (feature, reject) in KERAS3_ONLY and spec.edition == KERAS2:
        if run_both(spec, adapter, case) is None:
            raise Divergence(f"both reject what Keras 2 accepts [{label(case)}]", {"case": None,
                                                                                 "snippet": adapter.snippet(case)})
        return
    expect_rejection(spec, adapter, case)


# --- roundtrip ---------------------------------------------------------------------------------
def _roundtrip_options(feature):
    prefixes = ("depthwise", "pointwise") if feature in SEPARABLE else ("depthwise",) if feature in DEPTHWISE \
        else ("kernel",)
    optional = {k: st.sampled_from(v) for k, v in cs.weight_objects("bias", *prefixes).items()}
    optional.update({"use_bias": st.booleans(), "activation": st.sampled_from(("relu", "tanh", "softplus", "linear", None)),
                     "padding": st.sampled_from(("VALID", "Valid")), "data_format": st.just("Channels_Last")})
    return st.fixed_dictionaries({}, optional=optional)


@pytest.mark.parametrize("feature", FEATURES)
@FEW
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, data):
    """from_config(get_config()) of generated configs with initializer, regularizer, constraint (names and
    dicts), activation, use_bias, activity regularizer and mixed-case padding/data_format variants: both
    configs equal the spec's (tuples for kernel_size, strides, dilation_rate); the clone's outputs equal
    the original's (0 ULP)."""
    call = data.draw(conv_cases(feature, "float32", edition=spec.edition), label="case")
    options = data.draw(_roundtrip_options(feature), label="options")
    config = {**call.config, **options}
    if options.get("padding"):  # a valid padding: keep the case's shapes valid
        config["padding"] = options["padding"] if call.config["padding"] == "valid" else call.config["padding"]
    layer = spec_layer(spec, feature, config)
    weights = {k: call.weights[k] if k in call.weights else np.linspace(-1, 1, math.prod(s)).reshape(s).astype("float32")
               for k, s in layer.weight_shapes(call.inputs[0].shape).items()}
    check.assert_layer_roundtrip(spec, adapter, dataclasses.replace(call, op="roundtrip", config=config, weights=weights))


# --- default weights ---------------------------------------------------------------------------
# Each kernel holds >= stats.ks_sample_size() (355899) values; fan-sensitive initializers included.
DEFAULT_WEIGHT_CASES = [
    ("layers.Conv1D", {"filters": 288, "kernel_size": 5, "kernel_initializer": "he_uniform"}, (1, 6, 256)),
    ("layers.Conv2D", {"filters": 160, "kernel_size": 3}, (1, 5, 5, 256)),
    ("layers.Conv2D", {"filters": 320, "kernel_size": (3, 2), "groups": 2, "kernel_initializer": "lecun_uniform"},
     (1, 4, 4, 384)),
    ("layers.Conv3D", {"filters": 104, "kernel_size": 3, "kernel_initializer": "lecun_normal"}, (1, 3, 3, 3, 128)),
    ("layers.DepthwiseConv1D", {"kernel_size": 9, "depth_multiplier": 200}, (1, 9, 200)),
    ("layers.DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 200, "depthwise_initializer": "he_uniform"},
     (1, 3, 3, 200)),
    ("layers.SeparableConv1D", {"filters": 9, "kernel_size": 9, "depth_multiplier": 200}, (1, 9, 200)),
    ("layers.SeparableConv2D", {"filters": 9, "kernel_size": 3, "depth_multiplier": 200,
                                "depthwise_initializer": "lecun_uniform", "pointwise_initializer": "he_normal"},
     (1, 3, 3, 200)),
]


@pytest.mark.parametrize("feature,config,input_shape", DEFAULT_WEIGHT_CASES,
                         ids=[f"{f}-{c}" for f, c, _ in DEFAULT_WEIGHT_CASES])
def test_default_weights(spec, adapter, feature, config, input_shape):
    """The kernels a built layer starts with, in the spec's layouts ((*k, C/groups, filters); depthwise
    (*k, C, dm); pointwise (1.., C*dm, filters)), follow their initializer with the fans of that layout
    (KS and two moments, see conformance/stats.py); the bias is exactly zero."""
    case = Case(feature, "sample", config, shape=input_shape)
    recorder().last_case = case
    weights = adapter.run(case)
    expected = spec.run(case)
    assert_equal(sorted(weights), sorted(expected), case, adapter, "weight names")
    for name in expected:
        assert_equal(tuple(np.shape(weights[name])), tuple(np.shape(expected[name])), case, adapter, f"{name}.shape")
    assert_close(weights["bias"], np.zeros(np.shape(expected["bias"])), case, adapter, ulps=0)
    layer = spec_layer(spec, feature, config)
    inits = layer.weight_initializers()
    for name in kernel_names(feature, spec.edition):
        kernel = np.asarray(weights[name], np.float64)
        dist = inits[name].distribution(kernel.shape)
        check.assert_stats(case, adapter, [stats.ks_test(kernel, dist), *stats.moment_tests(kernel, dist)])
