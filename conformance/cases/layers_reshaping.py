"""Cases of the reshaping layers Flatten, Reshape, Permute and RepeatVector (reference/layers/reshaping.py;
checks in conformance/test_layers_reshaping.py).

``CASES``: one strategy per layer, giving a ``call`` Case that the spec accepts, shared by the
values, shapes, mask propagation and round-trip checks. The layers only move data, so their inputs
carry every special value (NaN, ±inf, ±0, subnormals).
"""

from __future__ import annotations

import dataclasses
import functools
import math

from hypothesis import strategies as st

from adapters.base import Case
from conformance import strategies as cs
from conformance.strategies import KERAS3_ONLY, PageExample, Reject


@functools.cache
@st.composite
def flatten(draw, dtype):
    x = draw(cs.arrays(dtype, cs.shapes(1, 4, max_side=4)))
    config = draw(st.sampled_from(({}, {"data_format": "channels_last"}, {"data_format": "channels_first"})))
    return Case("layers.Flatten", "call", config, (x,), dtype=dtype)


@functools.cache
@st.composite
def reshape(draw, dtype):
    """A target shape that holds the input's elements, in 1-3 dims, possibly with one -1."""
    shape = draw(cs.shapes(2, 4, max_side=4))
    size = math.prod(shape[1:])
    divisors = [d for d in range(1, size + 1) if size % d == 0]
    first = draw(st.sampled_from(divisors))
    rest = size // first
    second = draw(st.sampled_from([d for d in range(1, rest + 1) if rest % d == 0]))
    target = [first, second, rest // second][: draw(st.integers(1, 3))]
    target[-1] *= math.prod((first, second, rest // second)[len(target):])
    if cs.pooled() and draw(st.integers(0, 5), label="identity") == 0:
        target = list(shape[1:])  # drawn sizes reach it by chance (a size-1 input); a few pooled ones seldom do
    if draw(st.booleans()):
        target[draw(st.integers(0, len(target) - 1))] = -1
    x = draw(cs.arrays(dtype, shape))
    return Case("layers.Reshape", "call", {"target_shape": tuple(target)}, (x,), dtype=dtype)


@functools.cache
@st.composite
def permute(draw, dtype):
    shape = draw(cs.shapes(2, 5, max_side=4))
    dims = tuple(draw(st.permutations(range(1, len(shape)))))
    return Case("layers.Permute", "call", {"dims": dims}, (draw(cs.arrays(dtype, shape)),), dtype=dtype)


@functools.cache
@st.composite
def repeat_vector(draw, dtype):
    x = draw(cs.arrays(dtype, cs.shapes(2, 2, max_side=4)))
    return Case("layers.RepeatVector", "call", {"n": draw(st.integers(1, 4))}, (x,), dtype=dtype)


# The call cases, by feature: a function of the dtype (cached: Hypothesis validates each new strategy).
CASES = {"layers.Flatten": flatten, "layers.Reshape": reshape, "layers.Permute": permute,
         "layers.RepeatVector": repeat_vector}


@functools.cache
@st.composite
def reshape_minus_one_anywhere(draw, dtype):
    """A Reshape case with its target_shape's entry at a drawn index (-1: none) made -1, when it has
    none yet: more -1s than :func:`reshape` draws, anywhere in the target shape (any entry can be:
    the sizes divide)."""
    case = draw(reshape(dtype), label="case")
    at = draw(st.integers(-1, 2), label="-1 at")
    target = list(case.config["target_shape"])
    if not 0 <= at < len(target) or -1 in target:
        return case
    target[at] = -1
    return dataclasses.replace(case, config={**case.config, "target_shape": tuple(target)})


# The shapes check's cases: Reshape's -1 anywhere.
SHAPE_CASES = {**CASES, "layers.Reshape": reshape_minus_one_anywhere}

# --- the seed page's shape examples ---------------------------------------------------------------
SEED_PAGE = {
    "RepeatVector(3) after Dense(32, input_dim=32)": PageExample("layers.RepeatVector", {"n": 3}, (None, 32),
                                                                (None, 3, 32)),
    "Reshape((3, 4), input_shape=(12,))": PageExample("layers.Reshape", {"target_shape": (3, 4)}, (None, 12),
                                                      (None, 3, 4)),
    "Reshape((6, 2)) after it": PageExample("layers.Reshape", {"target_shape": (6, 2)}, (None, 3, 4), (None, 6, 2)),
    "Reshape((-1, 2, 2)) after it": PageExample("layers.Reshape", {"target_shape": (-1, 2, 2)}, (None, 6, 2),
                                                (None, 3, 2, 2)),
    "Permute((2, 1), input_shape=(10, 64))": PageExample("layers.Permute", {"dims": (2, 1)}, (None, 10, 64),
                                                         (None, 64, 10)),
    # After the page's Conv2D(64, (3, 3), input_shape=(3, 32, 32), padding='same'), which gives
    # (None, 64, 32, 32) only with channels_first (see reference/layers/reshaping.py Flatten, Erratum:
    # the page assumes Keras 1's "th" image ordering); both layers are checked in that data format.
    "Flatten() after it, channels_first":
        PageExample("layers.Flatten", {"data_format": "channels_first"}, (None, 64, 32, 32), (None, 65536)),
}

# --- rejected configs and inputs ------------------------------------------------------------------
REJECTED = {
    "layers.Reshape": {
        "two -1s": Reject({"target_shape": (-1, -1)}, x=(2, 12)),
        "two -1s, symbolic": Reject({"target_shape": (-1, 2, -1)}, shape=(None, 12)),
        "size does not divide": Reject({"target_shape": (-1, 5)}, x=(2, 12)),
        "size does not divide, symbolic": Reject({"target_shape": (-1, 5)}, shape=(None, 12)),
        "size mismatch": Reject({"target_shape": (5,)}, x=(2, 12)),
        "size mismatch, symbolic": Reject({"target_shape": (3, 5)}, shape=(None, 3, 4)),
        "known product 0 with a -1": Reject({"target_shape": (0, -1)}, x=(2, 12)),
        "entry < -1": Reject({"target_shape": (-2, 6)}, x=(2, 12)),
        "target_shape not iterable": Reject({"target_shape": 3}, x=(2, 3)),
        "rank-0 input": Reject({"target_shape": (1,)}, x=()),
    },
    "layers.Permute": {
        "not a permutation (1, 3)": Reject({"dims": (1, 3)}, x=(2, 3, 4)),
        "repeated index (1, 1)": Reject({"dims": (1, 1)}, x=(2, 3, 4)),
        "0-indexed (0, 1)": Reject({"dims": (0, 1)}, x=(2, 3, 4)),
        "0-indexed (1, 0, 2)": Reject({"dims": (1, 0, 2)}, x=(2, 3, 4, 5)),
        "dims not iterable": Reject({"dims": 1}, x=(2, 3)),
        "input rank above len(dims) + 1": Reject({"dims": (2, 1)}, x=(2, 3, 4, 5)),
        "input rank below len(dims) + 1": Reject({"dims": (2, 1)}, x=(2, 3)),
    },
    "layers.RepeatVector": {
        "3D input": Reject({"n": 2}, x=(2, 3, 4)),
        "1D input": Reject({"n": 2}, x=(3,)),
        "n = 0": Reject({"n": 0}, x=(2, 3), editions=KERAS3_ONLY),
        "n = -1": Reject({"n": -1}, x=(2, 3)),
        "n = 2.0": Reject({"n": 2.0}, x=(2, 3)),
        "n = True": Reject({"n": True}, x=(2, 3), editions=KERAS3_ONLY),
    },
    "layers.Flatten": {
        "rank-0 input": Reject({}, x=()),
        "data_format 'channels_middle'": Reject({"data_format": "channels_middle"}, x=(2, 3, 4)),
        "data_format 'nchw'": Reject({"data_format": "nchw"}, x=(2, 3, 4)),
    },
}

# --- config round trip ----------------------------------------------------------------------------
VARIANTS = {"generated": cs.roundtrip_variant(),
            "data_format in mixed case": cs.roundtrip_variant(cs.MIXED_CASE_DATA_FORMATS)}
ROUNDTRIP = [(f, "generated") for f in sorted(CASES)] + [("layers.Flatten", "data_format in mixed case")]


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
GRADIENT_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.differentiable(CASES[f](dtype))) for f in CASES}

# The saved-model check's (float32): a call case, with a regularizer and a constraint drawn for each weight.
SAVED_CASES = {f: functools.cache(lambda edition, f=f: cs.savable(CASES[f]("float32"))) for f in CASES}
