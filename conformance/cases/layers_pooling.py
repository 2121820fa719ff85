"""Cases of the pooling layers (reference/layers/pooling.py; checks in conformance/test_layers_pooling.py).

:func:`pooling_cases` draws inputs of every float dtype and configs that the spec accepts (pool_size
as an int, a tuple or the default; strides None, an int or a tuple; padding valid/same in mixed
case; data_format None, channels_last, channels_first in mixed case; keepdims). Max pooling and
global max get every special value (-inf is replaced by the lowest finite number here:
neg_inf_cases cover it), average pooling finite magnitudes (strategies.FINITE); with ``masked``,
a (batch, steps) mask whose masked steps hold NaN/inf/large values. The 3D draws leave "same"
padding that would be negative (strides past the last window) to the SAME_CONFIGS table: TensorFlow's
3D pooling shifts the windows there. Tables: SAME_CONFIGS (deterministic "same" padding), the -inf
cases, REJECTED (invalid configs and inputs).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import finfo, to_dtype
from conformance import strategies as cs

POOLING = tuple(f"layers.{m}Pooling{r}D" for m in ("Max", "Average") for r in (1, 2, 3))
GLOBAL = tuple(f"layers.Global{m}Pooling{r}D" for m in ("Max", "Average") for r in (1, 2, 3))
FEATURES = POOLING + GLOBAL
MAX = tuple(f for f in FEATURES if "Max" in f)
MASKED = ("layers.GlobalAveragePooling1D", "layers.GlobalMaxPooling1D", "layers.MaxPooling1D",
          "layers.AveragePooling1D")
MAX_SIDE = {1: 8, 2: 6, 3: 4}


def _rank(feature):
    return int(feature[-2])


def _is_max(feature):
    return "Max" in feature


def _mixed_case(rng, word):
    return rng.choice([word, word.upper(), word.capitalize()])


def _data_format(rng, config, *, mixed):
    r = rng.random()
    if r < 0.3:
        return "channels_last"
    if r < 0.65:
        config["data_format"] = "channels_last"
        return "channels_last"
    config["data_format"] = str(_mixed_case(rng, "channels_first")) if mixed and rng.random() < 0.3 \
        else "channels_first"
    return "channels_first"


def _tuple_or_int(rng, values):
    if len(set(values)) == 1 and rng.random() < 0.5:
        return int(values[0])
    return tuple(int(v) for v in values) if rng.random() < 0.7 else [int(v) for v in values]


def _pool_config(rng, feature, spatial, *, mixed):
    """(config, data_format) of a windowed pooling layer that the spec accepts for ``spatial``."""
    rank = len(spatial)
    config = {}
    padding = "same" if rng.random() < 0.5 else "valid"
    if padding == "same" or rng.random() < 0.5:
        config["padding"] = str(_mixed_case(rng, padding)) if mixed and rng.random() < 0.4 else padding
    default = {1: (2,), 2: (2, 2), 3: (2, 2, 2)}[rank]
    fits = padding == "same" or all(n >= 2 for n in spatial)
    if _is_max(feature) and fits and rng.random() < 0.2:
        pool = default  # the default pool_size
    else:
        pool = tuple(int(rng.integers(1, (4 if padding == "same" else min(3, n)) + 1)) for n in spatial)
        config["pool_size"] = _tuple_or_int(rng, pool)
    if rng.random() < 0.6:
        strides = [int(rng.integers(1, 4)) for _ in range(rank)]
        if rank == 3 and padding == "same" and any(_negative_same(n, k, s) for n, k, s in zip(spatial, pool, strides)):
            strides = list(pool)  # see SAME_AXES: TensorFlow's 3D pooling mishandles it (same_padding checks it)
        config["strides"] = _tuple_or_int(rng, strides)
    elif rng.random() < 0.3:
        config["strides"] = None
    return config


def _negative_same(n, k, s):
    """Whether "same" needs negative padding on this axis: (ceil(n / s) - 1) * s + k - n <= -2 (the last
    window ends before the input does; Keras clamps the padding at 0)."""
    return (-(-n // s) - 1) * s + k - n <= -2


@st.composite
def pooling_cases(draw, feature, dtype, *, mixed=True, masked=False):
    """A ``call`` case of ``feature`` that the spec accepts (masked: GlobalAveragePooling1D & co with a mask)."""
    rng = cs.rng(draw)
    rank = _rank(feature)
    config = {}
    data_format = _data_format(rng, config, mixed=mixed)
    sizes = cs.shape_rng(rng)
    batch, channels = int(sizes.integers(1, 3)), int(sizes.integers(1, 4))
    spatial = tuple(int(sizes.integers(1, MAX_SIDE[rank] + 1)) for _ in range(rank))
    if feature in POOLING:
        config.update(_pool_config(rng, feature, spatial, mixed=mixed))
    else:
        options = ("omitted", True, False, 1, 0, None)
        keepdims = options[int(rng.choice(len(options), p=[0.3, 0.3, 0.2, 0.08, 0.07, 0.05]))]
        if keepdims != "omitted":
            config["keepdims"] = keepdims
    shape = (batch, *spatial, channels) if data_format == "channels_last" else (batch, channels, *spatial)
    mask = None
    if masked:
        x = np.asarray(draw(cs.arrays(dtype, shape, magnitudes=cs.FINITE)), np.float64)
        mask = rng.random((batch, spatial[0])) < 0.6
        mask[rng.random(batch) < 0.2] = False  # some rows with every step masked
        # -inf only where no window can be all -inf (see neg_inf_cases)
        specials = rng.choice([np.nan, np.inf, 1e4] + ([] if feature == "layers.MaxPooling1D" else [-np.inf]),
                              size=x.shape)
        hidden = (mask[:, :, None] if data_format == "channels_last" else mask[:, None, :]) == 0
        x = to_dtype(np.where(hidden & (rng.random(x.shape) < 0.5), specials, x), dtype)
    elif _is_max(feature):
        x = np.asarray(draw(cs.arrays(dtype, shape)), np.float64)
        if feature in POOLING:
            x = np.where(x == -np.inf, -float(finfo(dtype).max), x)  # see neg_inf_cases
        x = to_dtype(x, dtype)
    else:
        x = draw(cs.arrays(dtype, shape, magnitudes=cs.FINITE))
    return Case(feature, "call", config, (x,), dtype=dtype, mask=mask)


# --- same padding ------------------------------------------------------------------------------
# Per axis (n, pool, stride): total "same" padding max((ceil(n/s) - 1) * s + k - n, 0).
# The last two need a negative total (the stride skips cells past the last window): Keras clamps it at
# 0, so the first window starts at cell 0.
SAME_AXES = [(5, 2, 1), (5, 4, 1), (6, 3, 2), (7, 2, 3), (4, 3, 1), (5, 3, 2), (3, 1, 3), (7, 1, 4)]
# totals:     1          3          1          1          2          2          -2         -2
SAME_CONFIGS = {1: [(a,) for a in SAME_AXES],
                2: [(SAME_AXES[0], SAME_AXES[2]), (SAME_AXES[1], SAME_AXES[4]), (SAME_AXES[3], SAME_AXES[5]),
                    (SAME_AXES[6], SAME_AXES[0]), (SAME_AXES[1], SAME_AXES[7])],
                3: [((5, 2, 1), (4, 3, 1), (3, 2, 1)), ((4, 4, 1), (5, 3, 2), (3, 3, 3)),
                    ((3, 1, 3), (3, 2, 1), (2, 2, 1)), ((3, 2, 1), (2, 1, 1), (7, 1, 4))]}


def same_padding_cases(feature):
    """SAME_CONFIGS as float32 calls, per data_format: all-negative distinct inputs for max pooling (a
    padded 0 would win), distinct positive inputs for average pooling."""
    rank = _rank(feature)
    for i, axes in enumerate(SAME_CONFIGS[rank]):
        spatial, pool, strides = (tuple(a[j] for a in axes) for j in range(3))
        for data_format in ("channels_last", "channels_first"):
            rng = np.random.default_rng(i)
            channels = 2
            values = rng.permutation(math.prod(spatial) * channels) + 1.0
            x = values.reshape(1, *spatial, channels)
            if _is_max(feature):
                x = -x  # every value negative: a zero pad would win
            if data_format == "channels_first":
                x = np.moveaxis(x, -1, 1)
            config = {"pool_size": pool, "strides": strides, "padding": "same", "data_format": data_format}
            yield Case(feature, "call", config, (x.astype(np.float32),))


# --- -inf ----------------------------------------------------------------------------------------
def neg_inf_cases(feature):
    """Max pooling (valid and same) and global max where whole windows are -inf (the second sample:
    -inf everywhere) and others mix -inf with finite values."""
    rank = _rank(feature)
    spatial = {1: (6,), 2: (4, 4), 3: (2, 4, 2)}[rank]
    x = np.full((2, *spatial, 2), -np.inf)
    flat = x.reshape(-1)
    finite = np.random.default_rng(0).permutation(flat.size)[: flat.size // 4]
    flat[finite] = np.resize([-3.0, 2.5, -0.5], finite.size)
    x[1] = -np.inf  # the second sample: -inf everywhere
    if feature in GLOBAL:
        yield Case(feature, "call", {}, (x.astype(np.float32),))
        return
    for padding in ("valid", "same"):
        yield Case(feature, "call", {"pool_size": 2, "padding": padding}, (x.astype(np.float32),))
    yield Case(feature, "call", {"pool_size": 3, "strides": 1, "padding": "same"}, (x.astype(np.float32),))


# --- rejects -------------------------------------------------------------------------------------
def _x(shape):
    return np.linspace(-1, 1, math.prod(shape), dtype=np.float32).reshape(shape)


def _call(feature, config, shape, mask=None):
    return Case(feature, "call", config, (_x(shape),), mask=mask)


def _shape(feature, config, shape):
    return Case(feature, "shape", config, shape=shape)


def _pool_rejects(feature):
    r = _rank(feature)
    shape = (1, *(4,) * r, 2)
    pool = {} if _is_max(feature) else {"pool_size": 2}
    rows = {
        "pool_size 0": _shape(feature, {"pool_size": 0}, shape),
        "pool_size negative": _shape(feature, {"pool_size": -2}, shape),
        "pool_size float": _shape(feature, {"pool_size": 2.0}, shape),
        "pool_size of the wrong length": _shape(feature, {"pool_size": (2,) * (r + 1)}, shape),
        "pool_size with a 0 entry": _shape(feature, {"pool_size": (2,) * (r - 1) + (0,)}, shape),
        "strides negative": _shape(feature, {**pool, "strides": -1}, shape),
        "strides of the wrong length": _shape(feature, {**pool, "strides": (1,) * (r + 1)}, shape),
        "strides 0": _call(feature, {**pool, "strides": 0}, shape),
        "strides 0, symbolic": _shape(feature, {**pool, "strides": 0}, (None, *shape[1:])),
        "padding causal": _call(feature, {**pool, "padding": "causal"}, shape),
        "padding causal, symbolic": _shape(feature, {**pool, "padding": "causal"}, (None, *shape[1:])),
        "padding full": _call(feature, {**pool, "padding": "full"}, shape),
        "data_format channels_middle": _shape(feature, {**pool, "data_format": "channels_middle"}, shape),
        "pool larger than the input (valid), symbolic": _shape(feature, {"pool_size": 5}, (None, *shape[1:])),
        "pool larger than the input along one axis, symbolic":
            _shape(feature, {"pool_size": (2,) * (r - 1) + (3,), "strides": 1}, (None, *(4,) * (r - 1), 2, 2)),
        "input of rank r + 1": _call(feature, pool, (*shape, 1)),
        "input of rank r - 1": _call(feature, pool, shape[:-1]),
    }
    if not _is_max(feature):
        rows["pool_size missing"] = _shape(feature, {}, shape)
    return rows


def _global_rejects(feature):
    r = _rank(feature)
    shape = (1, *(3,) * r, 2)
    rows = {
        "data_format channels_middle": _shape(feature, {"data_format": "channels_middle"}, shape),
        "input of rank r + 1": _call(feature, {}, (*shape, 1)),
        "input of rank r - 1": _call(feature, {}, shape[:-1]),
    }
    if _is_max(feature):
        rows["empty spatial axis"] = _call(feature, {}, (1, *(3,) * (r - 1), 0, 2))
    if feature == "layers.GlobalAveragePooling1D":
        rows["mask of the wrong length"] = _call(feature, {}, (1, 4, 2), mask=np.array([[True, False, True]]))
    return rows


REJECTED = {f: (_pool_rejects(f) if f in POOLING else _global_rejects(f)) for f in FEATURES}
# Keras 2 accepts these: its compute_output_shape treats "causal" as "same" and does not reject a "valid"
# length <= 0; its AveragePooling has a default pool_size.
KERAS3_ONLY = ("padding causal, symbolic", "pool larger than the input (valid), symbolic",
               "pool larger than the input along one axis, symbolic", "pool_size missing")


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
GRADIENT_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.differentiable(pooling_cases(f, dtype)))
                  for f in FEATURES}

# The saved-model check's (float32): a call case, with a regularizer and a constraint drawn for each weight.
SAVED_CASES = {f: functools.cache(lambda edition, f=f: cs.savable(pooling_cases(f, "float32"))) for f in FEATURES}
