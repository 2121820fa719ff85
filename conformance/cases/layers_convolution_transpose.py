"""Cases of the transposed convolution layers (reference/layers/convolution_transpose.py; checks in
conformance/test_layers_convolution_transpose.py).

- :func:`convt_configs` / :func:`convt_cases`: configs the spec accepts (kernel_size, strides, valid/same
  padding, output_padding None or each < stride, activation, use_bias) with channels_last inputs and a
  supplied kernel (*kernel_size, filters, in) and bias of the dtype; or one of FORMS, the forms
  TensorFlow's CPU kernels do not compute: ``channels_first``; ``dilated`` (dilation_rate > 1, strides
  1); ``same_even_output_padding_0`` (same padding, output_padding given and 0 on an axis whose effective
  kernel is even).
- :func:`rejected_rows`: the invalid configs and inputs both must reject.
- ROUNDTRIP_OPTIONS: initializer, regularizer and constraint variants.
- DEFAULT_WEIGHT_CASES: built layers whose kernels are large enough for KS, filters != input channels.
- WEIGHT_REGULARIZERS: the layer whose weight penalties are checked (strategies.weighted_layer_case draws
  its cases), with its regularizer keys in weight order.
"""

from __future__ import annotations

import functools
import math

from hypothesis import Phase, settings
from hypothesis import strategies as st

import reference
from adapters.base import Case
from conformance import stats
from conformance import strategies as cs
from reference.layers.convolution_transpose import effective_size

FEATURES = ["layers.Conv1DTranspose", "layers.Conv2DTranspose", "layers.Conv3DTranspose"]
FORMS = ("channels_first", "dilated", "same_even_output_padding_0")
# Each TensorFlow call builds a layer (about 50 ms on CPU): fewer examples than the ci profile's 30
# keep the module within the suite's time budget. ``forms`` skips shrinking: TensorFlow's CPU
# kernels reject every one of its cases (an expected divergence), and shrinking one costs ~20 s.
FEW = settings(max_examples=15)
FORMS_SETTINGS = settings(max_examples=6, phases=(Phase.explicit, Phase.generate))


def rank_of(feature):
    return int(feature[len("layers.Conv")])


@st.composite
def convt_configs(draw, feature, form="plain"):
    """A config the spec accepts, and a spatial input shape. ``form`` one of FORMS, "plain"
    (channels_last, dilation 1, TensorFlow-consistent same padding) or "any" (any of them)."""
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
    """A ``call`` case of :func:`convt_configs` with use_bias, an activation, an input and the weights
    of ``dtype``."""
    config, spatial = draw(convt_configs(feature, form), label="config")
    config["use_bias"] = draw(st.booleans(), label="use_bias")
    config["activation"] = draw(st.sampled_from((None, *cs.ACTIVATION_NAMES)), label="activation")
    batch, channels = draw(st.integers(1, 2), label="batch"), draw(st.integers(1, 3), label="in_channels")
    first = config.get("data_format") == "channels_first"
    shape = (batch, channels, *spatial) if first else (batch, *spatial, channels)
    x = draw(cs.arrays(dtype, shape, magnitudes=cs.FINITE), label="x")
    kernel_shape = (*config["kernel_size"], config["filters"], channels)
    weights = {"kernel": draw(cs.arrays(dtype, kernel_shape, magnitudes=cs.WEIGHTS), label="kernel")}
    if config["use_bias"]:
        weights["bias"] = draw(cs.arrays(dtype, (config["filters"],), magnitudes=cs.WEIGHTS), label="bias")
    return Case(feature, "call", config, (x,), dtype=dtype, weights=weights)


# --- rejects -----------------------------------------------------------------------------------
def rejected_rows(r):
    """name: (config, op, input rank offset) for a layer of rank ``r``; op "shape" rejects at
    construction, "call" may at build."""
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


REJECTED = list(rejected_rows(1))

# --- roundtrip ---------------------------------------------------------------------------------
ROUNDTRIP_OPTIONS = cs.options(**cs.weight_objects("kernel", "bias"))

# --- default weights ---------------------------------------------------------------------------
# Each kernel holds >= stats.ks_sample_size() values; filters != in, so he_uniform's
# fan_in = filters * prod(kernel_size) differs from in * prod(kernel_size).
_SHAPES = {"layers.Conv1DTranspose": ({"filters": 250, "kernel_size": 3}, (2, 5, 480)),
           "layers.Conv2DTranspose": ({"filters": 100, "kernel_size": (3, 2)}, (2, 4, 4, 600)),
           "layers.Conv3DTranspose": ({"filters": 60, "kernel_size": 2, "data_format": "channels_first"},
                                      (1, 750, 2, 2, 2))}
DEFAULT_WEIGHT_CASES = [(f, {**c, **extra}, s) for f, (c, s) in _SHAPES.items()
                        for extra in ({}, {"kernel_initializer": "he_uniform"}, {"bias_initializer": "ones"})]
for _f, _config, _shape in DEFAULT_WEIGHT_CASES:
    _in = _shape[1] if _config.get("data_format") == "channels_first" else _shape[-1]
    assert math.prod(reference.get_feature(_f).obj(**_config).weight_shapes(_shape)["kernel"]) >= stats.ks_sample_size()
    assert _in != _config["filters"]

# --- weight losses -----------------------------------------------------------------------------
# By config key in weight order (Keras' losses order).
WEIGHT_REGULARIZERS = {f: ("kernel_regularizer", "bias_regularizer", "activity_regularizer") for f in FEATURES}


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
GRADIENT_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.differentiable(convt_cases(f, dtype))) for f in FEATURES}

# The training-step check's cases (check.compare_training_step): each weight with a drawn regularizer and constraint.
TRAINING_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.trainable(GRADIENT_CASES[f](dtype, edition)))
                  for f in GRADIENT_CASES}

# The saved-model check's (float32): a call case, with a regularizer and a constraint drawn for each weight.
SAVED_CASES = {f: functools.cache(lambda edition, f=f: cs.savable(convt_cases(f, "float32"))) for f in FEATURES}
