"""Hypothesis strategies of layer cases: one per layer, each giving a ``call`` Case
(config, inputs, weights) that the spec accepts.

The values, masks, losses and round-trip checks all draw their cases here, so a
layer's case space is defined once. Inputs of layers that only move data
(Flatten, Reshape, Permute, ...) carry every special value (NaN, ±inf, ±0,
subnormals); layers that do arithmetic get finite magnitudes that cannot
overflow the dtype (``FINITE``, ``WEIGHTS``).
"""

from __future__ import annotations

import functools
import math

from hypothesis import strategies as st

from adapters.base import Case
from conformance import strategies as cs
from reference.registry import features

ACTIVATION_NAMES = tuple(f.name for f in features("activations"))
FINITE, WEIGHTS = cs.FINITE, cs.WEIGHTS


def _batch_shape(min_rank: int, max_rank: int, max_side: int = 4):
    """(batch, ...) shapes with the batch in 1..3."""
    return cs.shapes(min_rank, max_rank, min_side=1, max_side=max_side)


@st.composite
def dense(draw, dtype):
    shape = draw(_batch_shape(2, 4))
    units = draw(st.integers(1, 5))
    config = {"units": units, "use_bias": draw(st.booleans()), "activation": draw(st.sampled_from(ACTIVATION_NAMES))}
    x = draw(cs.arrays(dtype, shape, magnitudes=FINITE))
    weights = {"kernel": draw(cs.arrays(dtype, (shape[-1], units), magnitudes=WEIGHTS))}
    if config["use_bias"]:
        weights["bias"] = draw(cs.arrays(dtype, (units,), magnitudes=WEIGHTS))
    return Case("layers.Dense", "call", config, (x,), dtype=dtype, weights=weights)


@st.composite
def activation(draw, dtype):
    x = draw(cs.arrays(dtype, _batch_shape(1, 3)))
    return Case("layers.Activation", "call", {"activation": draw(st.sampled_from(ACTIVATION_NAMES))}, (x,), dtype=dtype)


@st.composite
def dropout(draw, dtype, name="Dropout", rank=None, training=False):
    """Any rate; training=False by default (the identity: Dropout's random semantics are
    checked in test_layers_dropout.py)."""
    rank = rank or draw(st.integers(1, 4))
    x = draw(cs.arrays(dtype, cs.shapes(rank, rank, max_side=4)))
    config = {"rate": draw(st.sampled_from((0.0, 0.25, 0.5, 0.9, 1.0))), "seed": draw(st.integers(0, 2**16))}
    if name in ("SpatialDropout2D", "SpatialDropout3D"):
        config["data_format"] = draw(st.sampled_from(("channels_last", "channels_first")))
    return Case(f"layers.{name}", "call", config, (x,), dtype=dtype, training=training)


@st.composite
def flatten(draw, dtype):
    x = draw(cs.arrays(dtype, _batch_shape(1, 4)))
    config = draw(st.sampled_from(({}, {"data_format": "channels_last"}, {"data_format": "channels_first"})))
    return Case("layers.Flatten", "call", config, (x,), dtype=dtype)


@st.composite
def reshape(draw, dtype):
    """A target shape that holds the input's elements, in 1-3 dims, possibly with one -1."""
    shape = draw(_batch_shape(2, 4))
    size = math.prod(shape[1:])
    divisors = [d for d in range(1, size + 1) if size % d == 0]
    first = draw(st.sampled_from(divisors))
    rest = size // first
    second = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
    target = [first, second, rest // second][: draw(st.integers(1, 3))]
    target[-1] *= math.prod((first, second, rest // second)[len(target):])
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    x = draw(cs.arrays(dtype, shape))
    return Case("layers.Reshape", "call", {"target_shape": tuple(target)}, (x,), dtype=dtype)


@st.composite
def permute(draw, dtype):
    shape = draw(_batch_shape(2, 5))
    dims = tuple(draw(st.permutations(range(1, len(shape)))))
    return Case("layers.Permute", "call", {"dims": dims}, (draw(cs.arrays(dtype, shape)),), dtype=dtype)


@st.composite
def repeat_vector(draw, dtype):
    x = draw(cs.arrays(dtype, _batch_shape(2, 2)))
    return Case("layers.RepeatVector", "call", {"n": draw(st.integers(1, 4))}, (x,), dtype=dtype)


@st.composite
def lambda_(draw, dtype):
    """The catalog's functions (adapters/lambdas.py), with ``arguments`` and both output_shape forms."""
    kind = draw(st.sampled_from(("square", "scale_shift", "antirectifier", "hadamard_product_sum")))
    shape = draw(_batch_shape(2, 3))
    x = draw(cs.arrays(dtype, shape, magnitudes=FINITE))
    config = {"function": kind}
    inputs = (x,)
    if kind == "scale_shift":
        config["arguments"] = {"factor": draw(st.sampled_from((0.5, 2.0, -3.0))), "shift": draw(st.sampled_from((0.0, 1.5)))}
    elif kind == "antirectifier":
        config["output_shape"] = "antirectifier_output_shape"
    elif kind == "hadamard_product_sum":
        inputs = (x, draw(cs.arrays(dtype, shape, magnitudes=FINITE)))
        config["output_shape"] = "hadamard_product_sum_output_shape"
    elif draw(st.booleans()):
        config["output_shape"] = tuple(shape[1:])
    return Case("layers.Lambda", "call", config, inputs, dtype=dtype)


@st.composite
def activity_regularization(draw, dtype):
    x = draw(cs.arrays(dtype, _batch_shape(1, 3), magnitudes=FINITE))
    config = {"l1": draw(st.sampled_from((0.0, 0.01, 0.5))), "l2": draw(st.sampled_from((0.0, 0.01, 0.25)))}
    return Case("layers.ActivityRegularization", "call", config, (x,), dtype=dtype)


@st.composite
def masking(draw, dtype):
    """Inputs with whole timesteps equal to mask_value, and special values anywhere."""
    x = draw(cs.arrays(dtype, _batch_shape(3, 3)))
    value = draw(st.sampled_from((0.0, 1.0, -0.0, math.inf, math.nan)))
    rows = draw(st.lists(st.tuples(st.integers(0, x.shape[0] - 1), st.integers(0, x.shape[1] - 1)), max_size=4))
    x = x.copy()
    for b, t in rows:
        x[b, t, :] = value
    return Case("layers.Masking", "call", {"mask_value": value}, (x,), dtype=dtype)


CASES = {
    "layers.Dense": dense,
    "layers.Activation": activation,
    "layers.Dropout": dropout,
    "layers.SpatialDropout1D": functools.partial(dropout, name="SpatialDropout1D", rank=3),
    "layers.SpatialDropout2D": functools.partial(dropout, name="SpatialDropout2D", rank=4),
    "layers.SpatialDropout3D": functools.partial(dropout, name="SpatialDropout3D", rank=5),
    "layers.Flatten": flatten,
    "layers.Reshape": reshape,
    "layers.Permute": permute,
    "layers.RepeatVector": repeat_vector,
    "layers.Lambda": lambda_,
    "layers.ActivityRegularization": activity_regularization,
    "layers.Masking": masking,
}


@functools.cache
def cases(feature: str, dtype: str):
    """The call cases of ``feature`` in ``dtype`` (built once: Hypothesis validates each new strategy)."""
    return CASES[feature](dtype)
