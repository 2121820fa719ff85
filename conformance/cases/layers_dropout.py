"""Cases of Dropout and SpatialDropout1D/2D/3D (reference/layers/dropout.py; checks in
conformance/test_layers_dropout.py).

``CASES``: the call cases the values, shapes, mask propagation and round-trip checks share, any
rate, training=False (the identity), inputs with every special value. The training-time checks
draw their own: ``training_cases`` (rate in (0, 1), finite nonzero inputs with sometimes a few
NaN/inf: a kept element is told from a dropped one by its value, since x/(1 - rate) is then
nonzero too), ``identity_cases`` (training=False, or rate 0 in training), ``seed_case`` (a
fixed shape of 512 noise cells per seed), the rate edges' fixed inputs, and ``STAT_CASES``, the
statistical table of the dropped fraction.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
from hypothesis import strategies as st

import reference
from adapters.base import Case
from adapters.dtypes import to_dtype
from conformance import stats
from conformance import strategies as cs
from conformance.strategies import KERAS2_ONLY, KERAS3_ONLY, Reject

FEATURES = ["layers.Dropout", "layers.SpatialDropout1D", "layers.SpatialDropout2D", "layers.SpatialDropout3D"]
NDIM = {"layers.Dropout": None, "layers.SpatialDropout1D": 3, "layers.SpatialDropout2D": 4,
        "layers.SpatialDropout3D": 5}


@st.composite
def dropout(draw, dtype, name="Dropout", rank=None, training=False):
    """Any rate; training=False by default (the identity: Dropout's random semantics are
    test_layers_dropout.py's training-time checks)."""
    rank = rank or draw(st.integers(1, 4))
    x = draw(cs.arrays(dtype, cs.shapes(rank, rank, max_side=4)))
    config = {"rate": draw(st.sampled_from((0.0, 0.25, 0.5, 0.9, 1.0))), "seed": draw(st.integers(0, 2**16))}
    if name in ("SpatialDropout2D", "SpatialDropout3D"):
        config["data_format"] = draw(st.sampled_from((None, "channels_last", "channels_first")))
    return Case(f"layers.{name}", "call", config, (x,), dtype=dtype, training=training)


# The call cases, by feature: a function of the dtype (cached: Hypothesis validates each new strategy).
CASES = {f: functools.cache(functools.partial(dropout, name=f.removeprefix("layers."), rank=NDIM[f])) for f in FEATURES}

# --- training-time cases --------------------------------------------------------------------------
# Finite, normal magnitudes: x / (1 - rate) for rate <= 0.99 stays far below float16's 65504,
# and no input or output is subnormal (flush-to-zero would make a kept element look dropped).
MAGNITUDES = (2.0**-6, 16.0)
SPECIALS = (math.nan, math.inf, -math.inf)


@st.composite
def _noise_shapes(draw, shape):
    """None, a full-rank noise shape (each entry None, 1 or the input's dim), or a shorter one
    that broadcasts from the right (entries 1 or the input's trailing dims)."""
    kind = draw(st.sampled_from(("none", "full", "full", "short")))
    if kind == "none":
        return None
    if kind == "full":
        return tuple(draw(st.sampled_from((None, 1, d))) for d in shape)
    k = draw(st.integers(1, len(shape)))
    return tuple(draw(st.sampled_from((1, d))) for d in shape[len(shape) - k:])


@st.composite
def _config(draw, feature, shape, rates):
    config = {"rate": draw(rates), "seed": draw(st.integers(0, 2**16))}
    if feature == "layers.Dropout":
        ns = draw(_noise_shapes(shape))
        if ns is not None:
            config["noise_shape"] = ns
    elif NDIM[feature] > 3:
        config["data_format"] = draw(st.sampled_from((None, "channels_last", "channels_first")))
    return config


def _shape(feature):
    ndim = NDIM[feature]
    return cs.shapes(ndim or 1, ndim or 4, min_side=1, max_side=5)


TRAINING_RATES = st.one_of(st.sampled_from((0.1, 0.25, 0.5, 0.75, 0.9)), st.floats(0.01, 0.99))


@functools.cache
def training_cases(feature, dtype):
    """training=True, rate in (0, 1), finite nonzero inputs with sometimes a few NaN/inf."""

    @st.composite
    def strategy(draw):
        shape = draw(_shape(feature))
        x = draw(cs.arrays(dtype, shape, magnitudes=MAGNITUDES)).copy()
        x[np.asarray(x, np.float64) == 0] = 1.0
        for i, v in draw(st.lists(st.tuples(st.integers(0, 2**20), st.sampled_from(SPECIALS)), max_size=3)):
            x.flat[i % x.size] = v
        config = draw(_config(feature, shape, TRAINING_RATES))
        return Case(feature, "call", config, (x,), dtype=dtype, training=True)

    return strategy()


@functools.cache
def identity_cases(feature, dtype):
    """training=False with any rate (0 and 1 included), or training=True with rate 0; inputs
    carry every special value (NaN, ±inf, ±0, subnormals)."""

    @st.composite
    def strategy(draw):
        shape = draw(_shape(feature))
        x = draw(cs.arrays(dtype, shape))
        training = draw(st.booleans())
        rates = st.just(0.0) if training else st.one_of(st.sampled_from((0.0, 0.25, 0.5, 0.9, 1.0)),
                                                        st.floats(0.0, 1.0))
        config = draw(_config(feature, shape, rates))
        return Case(feature, "call", config, (x,), dtype=dtype, training=training)

    return strategy()


# --- seeding --------------------------------------------------------------------------------------
SEED_SHAPES = {  # channels last; 512 noise cells each
    "layers.Dropout": (16, 32), "layers.SpatialDropout1D": (16, 3, 32),
    "layers.SpatialDropout2D": (16, 2, 3, 32), "layers.SpatialDropout3D": (16, 2, 1, 3, 32)}
SEED_RATES = (0.1, 0.5, 0.9)
SEED_CELLS = 512


def seed_case(feature, data, seed):
    """A seeded call in training on SEED_SHAPES[feature] (data_format drawn), finite nonzero inputs."""
    shape = SEED_SHAPES[feature]
    config = {"rate": data.draw(st.sampled_from(SEED_RATES), label="rate"), "seed": seed}
    if NDIM[feature] and NDIM[feature] > 3:
        config["data_format"] = data.draw(st.sampled_from(("channels_last", "channels_first")), label="data_format")
        if config["data_format"] == "channels_first":
            shape = (shape[0], shape[-1], *shape[1:-1])
    signs = np.where(np.arange(math.prod(shape)) % 2, -1.0, 1.0).reshape(shape)
    x = np.random.default_rng(seed).uniform(1.0, 2.0, shape) * signs  # finite, nonzero
    return Case(feature, "call", config, (to_dtype(x, "float32"),), training=True)


# --- rate edges -----------------------------------------------------------------------------------
EDGE_SHAPES = {"layers.Dropout": (3, 4), "layers.SpatialDropout1D": (2, 3, 4), "layers.SpatialDropout2D": (2, 3, 2, 4),
               "layers.SpatialDropout3D": (2, 2, 3, 1, 4)}


def edge_input(feature, dtype):
    """EDGE_SHAPES[feature] filled with ±0, NaN, ±inf and ordinary values."""
    values = np.array([1.5, -2.0, 0.0, -0.0, math.nan, math.inf, -math.inf, 3.0e-3, 7.0])
    return to_dtype(np.resize(values, EDGE_SHAPES[feature]), dtype)


# --- the dropped fraction -------------------------------------------------------------------------
DELTA = 0.01  # the absolute error in the drop rate every row detects (with probability >= 1 - BETA)

# (feature, config, input shape, dtype, delta). Every row holds >= binomial_cells(rate, delta)
# noise cells. bfloat16 resolves 0.004: the drop rate its 7-bit uniform can express is a multiple of 1/128.
STAT_CASES = [
    ("layers.Dropout", {"rate": 0.2}, (400, 512), "float32", DELTA),
    ("layers.Dropout", {"rate": 0.5, "noise_shape": (None, 1, None)}, (600, 3, 500), "float32", DELTA),
    ("layers.Dropout", {"rate": 0.7, "noise_shape": (1, None)}, (3, 256000), "float32", DELTA),
    ("layers.Dropout", {"rate": 0.25}, (450, 500), "float16", DELTA),
    ("layers.Dropout", {"rate": 0.3}, (1600, 1000), "bfloat16", 0.004),
    ("layers.SpatialDropout1D", {"rate": 0.3}, (500, 3, 512), "float32", DELTA),
    ("layers.SpatialDropout2D", {"rate": 0.5, "data_format": "channels_last"}, (600, 2, 2, 500), "float32", DELTA),
    ("layers.SpatialDropout2D", {"rate": 0.1, "data_format": "channels_first"}, (250, 450, 2, 3), "float32", DELTA),
    ("layers.SpatialDropout3D", {"rate": 0.9, "data_format": "channels_last"}, (250, 2, 1, 2, 450), "float32", DELTA),
    ("layers.SpatialDropout3D", {"rate": 0.25, "data_format": "channels_first"}, (450, 500, 2, 2, 1), "float32",
     DELTA),
]


def varying_axes(noise):
    """The axes along which the keep pattern must vary: those of noise dimension > 1."""
    return [a for a, n in enumerate(noise) if n > 1]


def _stat_noise(feature, config, shape):
    n = reference.get_feature(feature).obj(**config).resolved_noise_shape(shape)
    return (1,) * (len(shape) - len(n)) + tuple(n)


# Each row resolves its delta with power >= 1 - BETA, and a pattern shared along a varying axis
# has a false-alarm probability <= ALPHA: one binomial test per row, one "varies" test per such axis.
for _f, _c, _s, _d, _delta in STAT_CASES:
    _n = _stat_noise(_f, _c, _s)
    assert math.prod(_n) >= stats.binomial_cells(_c["rate"], _delta), (_f, _c, _s)
    assert stats.binomial_power(math.prod(_n), _c["rate"], _delta) >= 1 - stats.BETA
    assert all(stats.constant_along_probability(_c["rate"], _n[a], math.prod(_n) // _n[a]) <= stats.ALPHA
               for a in varying_axes(_n))


def stat_id(row):
    feature, config, shape, dtype, _ = row
    return "-".join([feature, *(f"{k}={v}" for k, v in config.items()), "x".join(map(str, shape)), dtype])


# --- rejected configs and inputs ------------------------------------------------------------------
REJECTED = {
    "layers.Dropout": {
        "rate = 1.5": Reject({"rate": 1.5}, x=(2, 4)),
        "rate = -0.1": Reject({"rate": -0.1}, x=(2, 4)),
        "rate = NaN": Reject({"rate": math.nan}, x=(2, 4)),
        "rate = inf": Reject({"rate": math.inf}, x=(2, 4)),
        "rate = '0.5'": Reject({"rate": "0.5"}, x=(2, 4)),
        "rate = 1.0 in training": Reject({"rate": 1.0, "seed": 1}, x=(2, 4), training=True, editions=KERAS2_ONLY),
        "noise_shape a string": Reject({"rate": 0.5, "noise_shape": "ab"}, x=(2, 4), editions=KERAS3_ONLY),
        "noise_shape an int": Reject({"rate": 0.5, "noise_shape": 3}, x=(2, 4), editions=KERAS3_ONLY),
        "noise_shape with 0": Reject({"rate": 0.5, "noise_shape": (None, 0)}, x=(2, 4), editions=KERAS3_ONLY),
        "noise_shape with -1": Reject({"rate": 0.5, "noise_shape": (None, -1)}, x=(2, 4), editions=KERAS3_ONLY),
        "noise_shape with a float": Reject({"rate": 0.5, "noise_shape": (1.0, 4)}, x=(2, 4), editions=KERAS3_ONLY),
        # size 1: the results' case summary (conformance/summary.py) cannot write a longer array
        "noise_shape a NumPy array": Reject({"rate": 0.5, "noise_shape": np.array([1])}, x=(2, 4),
                                            editions=KERAS3_ONLY),
        "noise_shape not broadcastable, in training": Reject({"rate": 0.5, "noise_shape": (3, 1), "seed": 1},
                                                             x=(2, 4), training=True),
        "seed a string": Reject({"rate": 0.5, "seed": "abc"}, x=(2, 4), editions=KERAS3_ONLY),
    },
    "layers.SpatialDropout1D": {
        "2D input": Reject({"rate": 0.5}, x=(2, 3)),
        "4D input": Reject({"rate": 0.5}, x=(2, 3, 4, 5)),
        "rate = 1.5": Reject({"rate": 1.5}, x=(2, 3, 4)),
    },
    "layers.SpatialDropout2D": {
        "3D input": Reject({"rate": 0.5}, x=(2, 3, 4)),
        "5D input": Reject({"rate": 0.5}, x=(2, 3, 4, 5, 2)),
        "data_format 'channels_middle'": Reject({"rate": 0.5, "data_format": "channels_middle"}, x=(2, 3, 4, 5)),
        "data_format 'NHWC'": Reject({"rate": 0.5, "data_format": "NHWC"}, x=(2, 3, 4, 5)),
        "data_format 'Channels_First'": Reject({"rate": 0.5, "data_format": "Channels_First"}, x=(2, 3, 4, 5),
                                               editions=KERAS2_ONLY),
        "rate = -0.5": Reject({"rate": -0.5}, x=(2, 3, 4, 5)),
    },
    "layers.SpatialDropout3D": {
        "4D input": Reject({"rate": 0.5}, x=(2, 3, 4, 5)),
        "data_format 'channels_middle'": Reject({"rate": 0.5, "data_format": "channels_middle"}, x=(2, 3, 4, 5, 2)),
        "data_format 'NDHWC'": Reject({"rate": 0.5, "data_format": "NDHWC"}, x=(2, 3, 4, 5, 2)),
    },
}


# --- config round trip ----------------------------------------------------------------------------
def _noise_shape(data, case):
    """noise_shape for the case's input (per axis None, 1 or the input's size), seeded, in training."""
    noise = tuple(data.draw(st.sampled_from((None, 1, d)), label=f"noise_shape[{i}]")
                  for i, d in enumerate(case.inputs[0].shape))
    return dataclasses.replace(case, op="roundtrip", config={**case.config, "noise_shape": noise}, training=True)


VARIANTS = {
    "generated": cs.roundtrip_variant(),
    "noise_shape, seeded, in training": _noise_shape,
    "seeded, in training": cs.roundtrip_variant(st.just({}), training=True),
    "data_format in mixed case, seeded, in training": cs.roundtrip_variant(cs.MIXED_CASE_DATA_FORMATS, training=True),
}
ROUNDTRIP = [(f, "generated") for f in FEATURES] + [
    ("layers.Dropout", "noise_shape, seeded, in training"),
    ("layers.SpatialDropout2D", "data_format in mixed case, seeded, in training"),
    ("layers.SpatialDropout3D", "seeded, in training")]


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
# Training only: at inference a dropout layer is the identity (layers_reshaping's kind of VJP).
GRADIENT_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.differentiable(training_cases(f, dtype)))
                  for f in FEATURES}

# The saved-model check's (float32): a call case, with a regularizer and a constraint drawn for each weight.
SAVED_CASES = {f: functools.cache(lambda edition, f=f: cs.savable(CASES[f]("float32"))) for f in CASES}
