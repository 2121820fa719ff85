"""Cases of the core layers Dense, Activation, Lambda and keras.Input (reference/layers/core.py; checks in
conformance/test_layers_core.py).

``CASES``: one strategy per layer, giving a ``call`` Case (config, inputs, weights) that the spec
accepts, shared by the values, shapes, mask propagation and round-trip checks. Dense and Lambda
do arithmetic: finite magnitudes that cannot overflow the dtype (``strategies.FINITE``,
``strategies.WEIGHTS``); Activation's inputs carry every special value (NaN, ±inf, ±0, subnormals).
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
from hypothesis import strategies as st

from adapters import lambdas
from adapters.base import Case
from adapters.dtypes import finfo, to_dtype
from conformance import strategies as cs
from conformance.cases.regularizers import identifiers
from conformance.strategies import KERAS3_ONLY, PageExample, Reject


@functools.cache
@st.composite
def dense(draw, dtype):
    shape = draw(cs.shapes(2, 4, max_side=4))
    units = draw(st.integers(1, 5))
    config = {"units": units, "use_bias": draw(st.booleans()),
              "activation": draw(st.sampled_from(cs.ACTIVATION_NAMES))}
    x = draw(cs.arrays(dtype, shape, magnitudes=cs.FINITE))
    weights = {"kernel": draw(cs.arrays(dtype, (shape[-1], units), magnitudes=cs.WEIGHTS))}
    if config["use_bias"]:
        weights["bias"] = draw(cs.arrays(dtype, (units,), magnitudes=cs.WEIGHTS))
    return Case("layers.Dense", "call", config, (x,), dtype=dtype, weights=weights)


@functools.cache
@st.composite
def activation(draw, dtype):
    x = draw(cs.arrays(dtype, cs.shapes(1, 3, max_side=4)))
    return Case("layers.Activation", "call", {"activation": draw(st.sampled_from(cs.ACTIVATION_NAMES))}, (x,),
                dtype=dtype)


@functools.cache
@st.composite
def lambda_(draw, dtype):
    """The catalog's functions (adapters/lambdas.py), with ``arguments`` and both output_shape forms
    (a function's own, or a tuple for square and scale_shift, half the time)."""
    kind = draw(st.sampled_from(("square", "scale_shift", "antirectifier", "hadamard_product_sum")))
    shape = draw(cs.shapes(2, 3, max_side=4))
    x = draw(cs.arrays(dtype, shape, magnitudes=cs.FINITE))
    config = {"function": kind}
    inputs = (x,)
    if kind == "scale_shift":
        config["arguments"] = {"factor": draw(st.sampled_from((0.5, 2.0, -3.0))),
                               "shift": draw(st.sampled_from((0.0, 1.5)))}
    elif kind == "antirectifier":
        config["output_shape"] = "antirectifier_output_shape"
    elif kind == "hadamard_product_sum":
        inputs = (x, draw(cs.arrays(dtype, shape, magnitudes=cs.FINITE)))
        config["output_shape"] = "hadamard_product_sum_output_shape"
    if "output_shape" not in config and draw(st.booleans()):
        config["output_shape"] = tuple(shape[1:])
    return Case("layers.Lambda", "call", config, inputs, dtype=dtype)


# The call cases, by feature: a function of the dtype (cached: Hypothesis validates each new strategy).
CASES = {"layers.Dense": dense, "layers.Activation": activation, "layers.Lambda": lambda_}

# Dense's default initializers, through the layer: glorot_uniform for the kernel (fans from its
# (input_dim, units) shape) and zeros for the bias. The kernel holds >= stats.ks_sample_size() values.
DEFAULT_WEIGHT_CASES = [({"units": 700}, (8, 512)),
                        ({"units": 700, "kernel_initializer": "he_normal", "bias_initializer": "ones"}, (8, 512))]

# --- keras.Input ----------------------------------------------------------------------------------
INPUT_DTYPES = ("float32", "float16", "float64", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "uint16",
                "bool", "complex64", "string")


@st.composite
def input_configs(draw):
    """keras.Input keywords: shape (a tuple or a list, with None dims) with or without batch_size, or a
    batch_shape; dtype omitted, None or a name."""
    dims = draw(st.lists(st.one_of(st.none(), st.integers(0, 8)), max_size=4))
    config = {}
    if draw(st.booleans()):
        config["shape"] = tuple(dims) if draw(st.booleans()) else list(dims)
        if draw(st.booleans()):
            config["batch_size"] = draw(st.integers(1, 16))
    else:
        config["batch_shape"] = (draw(st.one_of(st.none(), st.integers(1, 16))), *dims)
    dtype = draw(st.sampled_from((("omit",), None) + INPUT_DTYPES))
    if dtype != ("omit",):
        config["dtype"] = dtype
    return config


# --- the seed page's shape examples ---------------------------------------------------------------
SEED_PAGE = {
    "Dense(32, input_shape=(16,))": PageExample("layers.Dense", {"units": 32}, (None, 16), (None, 32)),
    "Dense(32) after it": PageExample("layers.Dense", {"units": 32}, (None, 32), (None, 32)),
    "Lambda(hadamard_product_sum, hadamard_product_sum_output_shape) on two Dense(32)":
        PageExample("layers.Lambda", {"function": "hadamard_product_sum",
                                      "output_shape": "hadamard_product_sum_output_shape"},
                    [(None, 32), (None, 32)], [(None, 32), (None,)]),
    "Input(shape=(32,))": PageExample("layers.Input", {"shape": (32,)}, None, ((None, 32), "float32")),
}


# --- rejected configs and inputs ------------------------------------------------------------------
def dense_weights(inputs: int, units: int) -> dict:
    """A Dense kernel (ones) and bias (zeros) for ``inputs`` input features and ``units`` units."""
    return {"kernel": np.ones((inputs, units), np.float32), "bias": np.zeros(units, np.float32)}


REJECTED = {
    "layers.Dense": {
        "rank-1 input": Reject({"units": 3}, x=(4,), weights={"kernel": np.ones((4, 3), np.float32),
                                                             "bias": np.zeros(3, np.float32)}),
        # Keras 2 accepts these three (int(units), only units < 0 rejected): its call needs the weights.
        "units = 0": Reject({"units": 0}, x=(2, 4), weights=dense_weights(4, 0), editions=KERAS3_ONLY),
        "units = -2": Reject({"units": -2}, x=(2, 4)),
        "units = 2.5": Reject({"units": 2.5}, x=(2, 4), weights=dense_weights(4, 2), editions=KERAS3_ONLY),
        "units = '3'": Reject({"units": "3"}, x=(2, 4), weights=dense_weights(4, 3), editions=KERAS3_ONLY),
        "unknown activation": Reject({"units": 3, "activation": "not_an_activation"}, x=(2, 4)),
        "unknown kernel_initializer": Reject({"units": 3, "kernel_initializer": "not_an_initializer"}, x=(2, 4)),
        "unknown kernel_regularizer": Reject({"units": 3, "kernel_regularizer": "not_a_regularizer"}, x=(2, 4)),
        "unknown bias_constraint": Reject({"units": 3, "bias_constraint": "not_a_constraint"}, x=(2, 4)),
    },
    "layers.Activation": {
        "unknown activation": Reject({"activation": "not_an_activation"}, x=(2, 4)),
        "activation = 3": Reject({"activation": 3}, x=(2, 4)),
    },
    "layers.Lambda": {
        "function not callable": Reject({"function": 3}, x=(2, 3)),
        # Keras 3 accepts a non-dict at construction; its call fails on arguments.items()
        "arguments not a dict": Reject({"function": "square", "arguments": [1.0]}, x=(2, 3)),
        # Keras 3 accepts these at construction and in an eager call; compute_output_shape fails
        "output_shape with a float, symbolic": Reject({"function": "square", "output_shape": (2.5,)}, shape=(None, 3)),
        "output_shape an int, symbolic": Reject({"function": "square", "output_shape": 3}, shape=(None, 3)),
    },
    "layers.Input": {
        "neither shape nor batch_shape": Reject({}),
        "both shape and batch_shape": Reject({"shape": (3,), "batch_shape": (2, 3)}),
        "batch_size with batch_shape": Reject({"batch_size": 2, "batch_shape": (2, 3)}, editions=KERAS3_ONLY),
        "shape = 32": Reject({"shape": 32}, editions=KERAS3_ONLY),  # Keras 2 takes an int shape as (32,)
        "shape a string": Reject({"shape": "ab"}),
        "negative dim": Reject({"shape": (-1, 3)}),
        "float dim": Reject({"shape": (2.0,)}),
        "batch_size = -1": Reject({"shape": (3,), "batch_size": -1}),
        "batch_size = 2.5": Reject({"shape": (3,), "batch_size": 2.5}),
        "unknown dtype": Reject({"shape": (3,), "dtype": "float17"}),
    },
}


# --- config round trip ----------------------------------------------------------------------------
def _lambda_mask(data, case):
    """Lambda(square, mask=mask_positive) on the case's first input."""
    return dataclasses.replace(case, op="roundtrip", config={"function": "square", "mask": "mask_positive"},
                               inputs=case.inputs[:1])


VARIANTS = {
    "generated": cs.roundtrip_variant(),
    "regularizers, constraints, initializers": cs.roundtrip_variant(cs.options(**cs.weight_objects("kernel", "bias"))),
    "mask function": _lambda_mask,
}
ROUNDTRIP = [(f, "generated") for f in sorted(CASES)] + [
    ("layers.Dense", "regularizers, constraints, initializers"), ("layers.Lambda", "mask function")]


# --- losses ---------------------------------------------------------------------------------------
@st.composite
def dense_losses(draw, dtype):
    """Dense with kernel/bias/activity regularizers (each maybe None), linear or relu activation
    (relu makes the output differ from the pre-activation), use_bias either way (no bias, no bias
    penalty), inputs of rank 2-3 and weights on the exact grid of :func:`strategies.grid`."""
    shape = draw(cs.shapes(2, 3, min_side=1, max_side=4), label="shape")
    units = draw(st.integers(1, 4), label="units")
    config = {"units": units, "use_bias": draw(st.booleans(), label="use_bias"),
              "activation": draw(st.sampled_from(("linear", "relu")), label="activation")}
    for name in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
        reg = draw(identifiers(dtype), label=name)
        if reg is not None:
            config[name] = reg
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="values_seed"))
    weights = {"kernel": cs.grid(rng, (shape[-1], units), dtype)}
    if config["use_bias"]:
        weights["bias"] = cs.grid(rng, (units,), dtype)
    return Case("layers.Dense", "call", config, (cs.grid(rng, shape, dtype),), dtype=dtype, weights=weights)


def dense_loss_edges(dtype):
    """An inf input (an inf output under the activity regularizer), a NaN bias, and a kernel and a
    bias whose penalties overflow the dtype."""
    big = float(finfo(dtype).max) / 2
    arr = lambda rows: to_dtype(np.array(rows, np.float64), dtype)  # noqa: E731
    feature, ones = "layers.Dense", arr(np.ones((2, 3)))
    regs = {"kernel_regularizer": "l2", "bias_regularizer": "l1", "activity_regularizer": "l1"}
    return [Case(feature, "call", {"units": 2, "activity_regularizer": {"class_name": "L1L2", "config": {"l1": 0.5}}},
                 (arr([[np.inf, 1.0, 0.5], [1.0, 2.0, 0.0]]),), dtype=dtype,
                 weights={"kernel": arr(np.ones((3, 2))), "bias": arr([1.0, 0.0])}),
            Case(feature, "call", {"units": 2, **regs}, (ones,), dtype=dtype,
                 weights={"kernel": arr(np.ones((3, 2))), "bias": arr([np.nan, 1.0])}),
            Case(feature, "call", {"units": 2, **regs}, (ones,), dtype=dtype,
                 weights={"kernel": arr(np.ones((3, 2))), "bias": arr([big, -big])}),
            Case(feature, "call", {"units": 2, "kernel_regularizer": {"class_name": "L1L2", "config": {"l1": 0.5}}},
                 (ones,), dtype=dtype, weights={"kernel": arr(np.full((3, 2), big)), "bias": arr([1.0, 0.0])})]


LOSS_CASES = {"layers.Dense": dense_losses}
LOSS_EDGES = {"layers.Dense": dense_loss_edges}


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
GRADIENT_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.differentiable(CASES[f](dtype)))
                  for f in ("layers.Dense", "layers.Activation")}  # Lambda: its function is the user's

# The training-step check's cases (check.compare_training_step): each weight with a drawn regularizer and constraint.
TRAINING_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.trainable(GRADIENT_CASES[f](dtype, edition)))
                  for f in ['layers.Dense']}

# The saved-model check's (float32): a call case, with a regularizer and a constraint drawn for each weight; a
# Lambda's functions those of the catalog that a .keras file can hold (lambdas.closes_over_ops: the others
# close over the ops module, which Keras' Lambda serialization cannot write; the config round trip covers them).
SAVED_CASES = {f: functools.cache(lambda edition, f=f: cs.savable(CASES[f]("float32")).filter(
    lambda case: not lambdas.closes_over_ops(case.config))) for f in CASES}
