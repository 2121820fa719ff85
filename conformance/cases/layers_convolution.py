"""Cases of the convolution layers (reference/layers/convolution.py; checks in
conformance/test_layers_convolution.py).

- :func:`conv_configs` / :func:`conv_cases`: channels_last configs (kernel_size 1-3 per axis, one stride up
  to 2 for every axis or a dilation_rate up to 2 per axis, valid/same padding and causal for Conv1D, groups
  1-3 for Conv, depth_multiplier 1-3, use_bias, an activation from ACTIVATIONS) whose kernel fits a
  valid-padded input, with inputs and supplied kernels and biases of the dtype; or one special form each
  (:func:`forms_of`).
- :func:`rejected_rows`: the invalid configs and inputs both must reject, per layer; KERAS3_ONLY the rows
  Keras 2 accepts.
- :func:`roundtrip_options`: initializer, regularizer, constraint, activation, use_bias and mixed-case
  padding/data_format variants.
- DEFAULT_WEIGHT_CASES: built layers whose kernels are large enough for KS, with fan-sensitive initializers.
- WEIGHT_REGULARIZERS: the layers whose weight penalties are checked (strategies.weighted_layer_case draws
  their cases), with their regularizer keys in weight order.
"""

from __future__ import annotations

import functools
import numpy as np
from hypothesis import Phase, settings
from hypothesis import strategies as st

import reference
from adapters.base import Case
from conformance import strategies as cs
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
    sizes = cs.shape_rng(rng)
    spatial = tuple(int(sizes.integers(e if padding == "valid" else 1, max(e, MAX_SIDE[r]) + 1)) for e in k_eff)
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
    b = int(sizes.integers(1, 3))
    shape = (b, channels, *spatial) if first else (b, *spatial, channels)
    return config, shape


@st.composite
def conv_cases(draw, feature, dtype, form="plain", edition="keras3"):
    """A ``call`` case of :func:`conv_configs` with an input and weights (the spec's weight shapes) of
    ``dtype``."""
    config, shape = draw(conv_configs(feature, form), label="config")
    try:
        layer = reference.get_feature(feature).obj(**config, edition=edition)
    except reference.SpecError:  # an edition that rejects the config (Keras 2: strides with dilation)
        layer = reference.get_feature(feature).obj(**config)
    x = draw(cs.arrays(dtype, shape, magnitudes=cs.FINITE), label="x")
    weights = {name: draw(cs.arrays(dtype, s, magnitudes=cs.WEIGHTS), label=name)
               for name, s in layer.weight_shapes(shape).items()}
    return Case(feature, "call", config, (x,), dtype=dtype, weights=weights)


# --- rejects -----------------------------------------------------------------------------------
def reject_base(feature):
    """The valid (config, input shape) a row of :func:`rejected_rows` changes."""
    r = RANK[feature]
    config = {"kernel_size": 2}
    if feature in CONV or feature in SEPARABLE:
        config["filters"] = 2
    shape = (1, *(4,) * r, 2)
    return config, shape


def rejected_rows(feature):
    """name: (config changes, op, input shape or None for the base shape); "shape" rejects at
    construction or in compute_output_shape, "sample" builds the layer for the shape (Keras validates
    the input shape in ``build``; no weights needed)."""
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


REJECTED = [(f, name) for f in FEATURES for name in rejected_rows(f)]
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


# --- roundtrip ---------------------------------------------------------------------------------
def roundtrip_options(feature):
    """Config options a round trip must keep: each weight's nested objects, use_bias, an activation, and
    valid padding and channels_last data_format in mixed case."""
    prefixes = ("depthwise", "pointwise") if feature in SEPARABLE else ("depthwise",) if feature in DEPTHWISE \
        else ("kernel",)
    optional = {k: st.sampled_from(v) for k, v in cs.weight_objects("bias", *prefixes).items()}
    optional.update({"use_bias": st.booleans(), "activation": st.sampled_from(("relu", "tanh", "softplus", "linear", None)),
                     "padding": st.sampled_from(("VALID", "Valid")), "data_format": st.just("Channels_Last")})
    return st.fixed_dictionaries({}, optional=optional)


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
    # Each depthwise and pointwise initializer given, over unequal fans (ignoring it shows).
    ("layers.DepthwiseConv1D", {"kernel_size": 9, "depth_multiplier": 400, "depthwise_initializer": "lecun_uniform"},
     (1, 9, 100)),
    ("layers.SeparableConv1D", {"filters": 9, "kernel_size": 9, "depth_multiplier": 400,
                                "depthwise_initializer": "lecun_uniform", "pointwise_initializer": "lecun_normal"},
     (1, 9, 100)),
    ("layers.SeparableConv2D", {"filters": 9, "kernel_size": 3, "depth_multiplier": 400,
                                "depthwise_initializer": "lecun_uniform", "pointwise_initializer": "lecun_normal"},
     (1, 3, 3, 100)),
    # Every initializer at its default, over unequal fans (a default of another fan shows), and a bias
    # initializer that is not the default zeros (ignoring it shows).
    ("layers.Conv1D", {"filters": 288, "kernel_size": 5, "bias_initializer": "ones"}, (1, 6, 256)),
    ("layers.Conv2D", {"filters": 160, "kernel_size": 3, "bias_initializer": "ones"}, (1, 5, 5, 256)),
    ("layers.Conv3D", {"filters": 104, "kernel_size": 3, "bias_initializer": "ones"}, (1, 3, 3, 3, 128)),
    ("layers.DepthwiseConv1D", {"kernel_size": 9, "depth_multiplier": 400, "bias_initializer": "ones"}, (1, 9, 100)),
    ("layers.DepthwiseConv2D", {"kernel_size": 3, "depth_multiplier": 400, "bias_initializer": "ones"}, (1, 3, 3, 100)),
    ("layers.SeparableConv1D", {"filters": 9, "kernel_size": 9, "depth_multiplier": 400, "bias_initializer": "ones"},
     (1, 9, 100)),
    ("layers.SeparableConv2D", {"filters": 9, "kernel_size": 3, "depth_multiplier": 400, "bias_initializer": "ones"},
     (1, 3, 3, 100)),
]


# --- weight losses -----------------------------------------------------------------------------
# Layers with several regularized weights, by config key in weight order (Keras' losses order).
WEIGHT_REGULARIZERS = {
    **{f: ("kernel_regularizer", "bias_regularizer", "activity_regularizer") for f in CONV},
    **{f: ("depthwise_regularizer", "bias_regularizer", "activity_regularizer") for f in DEPTHWISE},
    **{f: ("depthwise_regularizer", "pointwise_regularizer", "bias_regularizer", "activity_regularizer")
       for f in SEPARABLE},
}

# The seed page's Conv2D (../shared/seeds/001): (None, 64, 32, 32) for input_shape=(3, 32, 32) holds
# only with channels_first (the page assumes Keras 1's "th" image ordering; see reference/layers/
# reshaping.py Flatten, Erratum), so it is checked in that data format.
SEED_PAGE = {
    "Conv2D(64, (3, 3), input_shape=(3, 32, 32), padding='same'), channels_first":
        cs.PageExample("layers.Conv2D", {"filters": 64, "kernel_size": (3, 3), "padding": "same",
                                         "data_format": "channels_first"}, (None, 3, 32, 32), (None, 64, 32, 32)),
}


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
GRADIENT_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.differentiable(conv_cases(f, dtype, edition=edition)))
                  for f in FEATURES}

# The training-step check's cases (check.compare_training_step): each weight with a drawn regularizer and constraint.
TRAINING_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.trainable(GRADIENT_CASES[f](dtype, edition)))
                  for f in GRADIENT_CASES}

# The saved-model check's (float32): a call case, with a regularizer and a constraint drawn for each weight.
SAVED_CASES = {f: functools.cache(lambda edition, f=f: cs.savable(conv_cases(f, "float32", edition=edition))) for f in FEATURES}
