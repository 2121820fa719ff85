"""Cases of LocallyConnected1D and LocallyConnected2D (reference/layers/locally_connected.py; checks in
conformance/test_layers_locally_connected.py). The layers exist in edition keras2 only: the spec's layers
here are built in it.

- :func:`lc_configs` / :func:`lc_cases`: kernel_size 1-3, strides 1-3 as an int or a tuple, implementation
  1, 2 or 3, padding "valid" and, for implementations 2 and 3, "same", channels_last/channels_first,
  use_bias, an activation of ACTIVATIONS, inputs of the dtype and weights in the implementation's kernel
  layout; every output size >= 1.
- REJECTED: invalid configs and inputs both must reject, at construction, in compute_output_shape, when
  building or in the call.
- ROUNDTRIP_OPTIONS: initializer, regularizer and constraint variants.
- DEFAULT_WEIGHT_CASES: built layers whose kernels (each implementation's layout) are large enough for KS.
"""

from __future__ import annotations

import functools
import numpy as np
from hypothesis import strategies as st

import reference
from adapters.base import Case
from conformance import stats
from conformance import strategies as cs
from reference.editions import KERAS2

F1, F2 = "layers.LocallyConnected1D", "layers.LocallyConnected2D"
FEATURES = (F1, F2)
RANK = {F1: 1, F2: 2}
MAX_SIDE = {F1: 8, F2: 6}
ACTIVATIONS = (None, "relu", "tanh", "sigmoid")  # 1-Lipschitz: an absolute error carries through


def input_shape_of(batch, spatial, channels, data_format):
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
    shape = input_shape_of(draw(st.integers(1, 2), label="batch"), spatial, draw(st.integers(1, 3), label="channels"),
                           config["data_format"])
    x = draw(cs.arrays(dtype, shape, magnitudes=cs.FINITE), label="x")
    layer = reference.get_feature(feature).obj(**config, edition=KERAS2)
    weights = {name: draw(cs.arrays(dtype, w_shape, magnitudes=cs.WEIGHTS), label=name)
               for name, w_shape in layer.weight_shapes(shape).items()}
    return Case(feature, "call", config, (x,), dtype=dtype, weights=weights)


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


def reject_shape(feature, which):
    """The input shape of a REJECTED row: the layer's valid one (None) or the row's variant of it."""
    base = X1 if feature == F1 else X2
    return {None: base, "small": (2, 2, 3) if feature == F1 else (2, 2, 5, 3),
            "no channels": (*base[:-1], None), "low rank": base[:-1], "high rank": (*base, 2)}[which]


# --- roundtrip ---------------------------------------------------------------------------------
ROUNDTRIP_OPTIONS = cs.options(**cs.weight_objects("kernel", "bias"))

# --- default weights ---------------------------------------------------------------------------
# Each kernel holds >= stats.ks_sample_size() values (355,899). Glorot's limit depends on
# fan_in + fan_out only, so channels_first (whose implementation-2 fans are swapped) adds nothing.
DEFAULT_WEIGHT_CASES = [
    (F1, {"filters": 64, "kernel_size": 3}, (1, 100, 20)),  # (98, 60, 64): fans 5880 + 6272
    (F1, {"filters": 24, "kernel_size": 3, "implementation": 2}, (1, 40, 10)),  # (40, 10, 38, 24)
    (F1, {"filters": 64, "kernel_size": 3, "implementation": 3, "padding": "same"}, (1, 100, 20)),  # (381440,)
    (F2, {"filters": 50, "kernel_size": 3}, (1, 12, 12, 8)),  # (100, 72, 50)
    (F1, {"filters": 64, "kernel_size": 3, "kernel_initializer": "he_uniform", "bias_initializer": "ones"}, (1, 100, 20)),
    (F2, {"filters": 50, "kernel_size": 3, "kernel_initializer": "he_uniform", "bias_initializer": "ones"},
     (1, 12, 12, 8)),
]
for _feature, _config, _shape in DEFAULT_WEIGHT_CASES:
    _kernel = reference.get_feature(_feature).obj(**_config, edition=KERAS2).weight_shapes(_shape)["kernel"]
    assert int(np.prod(_kernel)) >= stats.ks_sample_size()

# --- weight losses: the regularizer keys strategies.weighted_layer_case draws, in Keras' losses order.
REGULARIZERS = ("kernel_regularizer", "bias_regularizer", "activity_regularizer")


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
GRADIENT_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.differentiable(lc_cases(f, dtype))) for f in FEATURES}

# The training-step check's cases (check.compare_training_step): each weight with a drawn regularizer and constraint.
TRAINING_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.trainable(GRADIENT_CASES[f](dtype, edition)))
                  for f in GRADIENT_CASES}

# The saved-model check's (float32): a call case, with a regularizer and a constraint drawn for each weight.
SAVED_CASES = {f: functools.cache(lambda edition, f=f: cs.savable(lc_cases(f, "float32"))) for f in FEATURES}
