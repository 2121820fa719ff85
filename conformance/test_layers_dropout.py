"""Dropout's training-time semantics: Dropout and SpatialDropout1D/2D/3D.

Random values are implementation-defined (every backend has its own stream), so
no random value is compared with the spec's. What is checked is what holds for
every draw, exactly, and the law of the draws, statistically:

- ``training_values``: every output element is 0 or x/(1 - rate) (the kept
  ones under the tolerance policy, one rounding), NaN/inf kept stay NaN/inf
  and dropped ones become 0; the keep pattern is constant along every axis
  where the spec's resolved noise shape is 1 (whole channel maps for
  SpatialDropout); the output has the input's shape and dtype.
- ``inference``: training=False (any rate, 1.0 included) and rate=0 in training
  give the input itself, bit for bit.
- ``seeded``: an int seed gives identical outputs; another seed another pattern.
- ``rate_edges``: rate=1.0 in training gives zeros (Keras 3) or is rejected at
  call (Keras 2); rate=0.0 is the identity.
- ``dropped_fraction``: the number of dropped noise cells follows
  Binomial(cells, rate) (exact binomial test, see :func:`binomial_test`), and
  the pattern varies along every axis whose noise dimension is > 1.

A kept element is told from a dropped one by its value: inputs are finite and
nonzero (x/(1 - rate) is then nonzero too), and where an input holds NaN or inf
the pattern is read from the same case with those elements made finite: the
keep pattern of a seeded layer depends on the seed and the shapes only.
"""

from __future__ import annotations

import dataclasses
import functools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from scipy.stats import binom

import reference
from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES, np_dtype, to_dtype
from conformance import stats
from conformance import strategies as cs
from conformance import check
from conformance.check import assert_close, assert_equal, expect_rejection, label, run_both
from conformance.divergence import Divergence, recorder
from conformance.tolerance import ELEMENTWISE_ULPS
from reference.editions import KERAS2

FEATURES = ["layers.Dropout", "layers.SpatialDropout1D", "layers.SpatialDropout2D", "layers.SpatialDropout3D"]
NDIM = {"layers.Dropout": None, "layers.SpatialDropout1D": 3, "layers.SpatialDropout2D": 4,
        "layers.SpatialDropout3D": 5}
# Finite, normal magnitudes: x / (1 - rate) for rate <= 0.99 stays far below float16's 65504,
# and no input or output is subnormal (flush-to-zero would make a kept element look dropped).
MAGNITUDES = (2.0**-6, 16.0)
SPECIALS = (math.nan, math.inf, -math.inf)


def spec_layer(spec, case):
    return reference.get_feature(case.feature).obj(**case.config, edition=spec.edition)


def noise_shape(spec, case) -> tuple:
    """The spec's resolved noise shape, left-padded with 1s to the input's rank (NumPy broadcasting)."""
    shape = tuple(np.shape(case.inputs[0]))
    n = tuple(spec_layer(spec, case).resolved_noise_shape(shape))
    return (1,) * (len(shape) - len(n)) + n


# --- cases -------------------------------------------------------------------------------------
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
        config["data_format"] = draw(st.sampled_from(("channels_last", "channels_first")))
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


# --- exact assertions --------------------------------------------------------------------------
def single_output(actual, case, adapter):
    """The one output of a dropout call, checked to have the input's shape and dtype."""
    assert_equal(len(actual.outputs), 1, case, adapter, "len(outputs)")
    out = np.asarray(actual.outputs[0])
    assert_equal(tuple(out.shape), tuple(np.shape(case.inputs[0])), case, adapter, "out.shape")
    assert_equal(str(out.dtype), str(np_dtype(case.dtype)), case, adapter, "out.dtype")
    return out


def assert_identical(out, x, case, adapter, what="the input"):
    """``out`` is ``x`` bit for bit (any NaN for a NaN): ±0, subnormals and infinities included."""
    out, x = np.asarray(out), np.asarray(x)
    assert_equal(tuple(out.shape), tuple(x.shape), case, adapter, "out.shape")
    assert_equal(str(out.dtype), str(x.dtype), case, adapter, "out.dtype")
    bits = np.dtype(f"u{x.dtype.itemsize}")
    o64, x64 = out.astype(np.float64), x.astype(np.float64)
    ok = (out.view(bits) == x.view(bits)) | (np.isnan(o64) & np.isnan(x64))
    if not ok.all():
        i = tuple(int(j) for j in np.argwhere(~ok)[0])
        raise Divergence(f"out[{', '.join(map(str, i))}]={o64[i]!r}, but should be {what}'s {x64[i]!r} "
                         f"(bit for bit) [{label(case)}]; {int((~ok).sum())} of {x.size} elements differ",
                         {"case": None, "snippet": adapter.snippet(case),
                          "mismatches": [{"index": list(i), "actual": repr(o64[i]), "expected": repr(x64[i])}]})


def assert_cells(keep, noise, case, adapter):
    """The keep pattern is constant within every noise cell: along each axis where the noise
    shape is 1, every element is kept or dropped with the element at index 0 on that axis."""
    first = keep[tuple(slice(0, 1) if n == 1 else slice(None) for n in noise)]
    bad = keep != np.broadcast_to(first, keep.shape)
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        j = tuple(0 if n == 1 else k for k, n in zip(i, noise))
        state = lambda kept: "kept" if kept else "dropped"  # noqa: E731
        raise Divergence(f"out[{', '.join(map(str, i))}] is {state(keep[i])} but out[{', '.join(map(str, j))}] "
                         f"in the same noise cell is {state(keep[j])} (noise shape {noise}, every element of a "
                         f"cell is kept or dropped together) [{label(case)}]; {int(bad.sum())} of {keep.size} "
                         f"elements disagree with their cell",
                         {"case": None, "snippet": adapter.snippet(case)})
    return first


def assert_dropout_values(out, keep, case, adapter):
    """out == x / (1 - rate) where kept (one rounding), 0 where dropped; specials exactly."""
    x = np.asarray(case.inputs[0], np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        expected = np.where(keep, x / (1.0 - case.config["rate"]), 0.0)
    assert_close(out, expected, case, adapter, ulps=ELEMENTWISE_ULPS)


def keep_pattern(out) -> np.ndarray:
    """Kept elements of an output whose input is finite and nonzero (NaN counts as kept)."""
    return np.asarray(out, np.float64) != 0


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_training_values(spec, adapter, feature, dtype, data):
    """training=True, rate in (0, 1): the output has the input's shape and dtype; each element is
    0 or x/(1 - rate) (ELEMENTWISE_ULPS), a kept NaN/inf stays NaN/inf and a dropped one is 0;
    the keep pattern is constant along every axis where the resolved noise shape is 1
    (SpatialDropout: whole channel maps, axis 1 for channels_first, the last for channels_last)."""
    case = data.draw(training_cases(feature, dtype), label="case")
    result = run_both(spec, adapter, case)
    if result is None:
        return
    out = single_output(result[1], case, adapter)
    x = np.asarray(case.inputs[0])
    noise = noise_shape(spec, case)
    finite = np.isfinite(x.astype(np.float64))
    if finite.all():
        keep = keep_pattern(out)
    else:  # the same case with its specials made finite shows the pattern (seeded: same seed, same shapes)
        twin_x = x.copy()
        twin_x[~finite] = 1.0
        twin = dataclasses.replace(case, inputs=(twin_x,))
        twin_out = single_output(adapter.run(twin), twin, adapter)
        keep = keep_pattern(twin_out)
        assert_cells(keep, noise, twin, adapter)
        assert_dropout_values(twin_out, keep, twin, adapter)
    assert_cells(keep, noise, case, adapter)
    assert_dropout_values(out, keep, case, adapter)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_inference(spec, adapter, feature, dtype, data):
    """training=False gives the input itself for any rate, 1.0 included, and so does rate=0 in
    training: bit for bit (±0, subnormals, infinities), NaN for NaN."""
    case = data.draw(identity_cases(feature, dtype), label="case")
    result = run_both(spec, adapter, case)
    if result is not None:
        assert_identical(single_output(result[1], case, adapter), case.inputs[0], case, adapter)


# --- seeding -----------------------------------------------------------------------------------
SEED_SHAPES = {  # channels last; 512 noise cells each
    "layers.Dropout": (16, 32), "layers.SpatialDropout1D": (16, 3, 32),
    "layers.SpatialDropout2D": (16, 2, 3, 32), "layers.SpatialDropout3D": (16, 2, 1, 3, 32)}
SEED_RATES = (0.1, 0.5, 0.9)
SEED_CELLS = 512


def same_pattern_probability(rate: float, cells: int) -> float:
    """P(two independent keep patterns of ``cells`` Bernoulli cells are identical)."""
    return (rate**2 + (1 - rate) ** 2) ** cells


# The "another seed, another pattern" assertion errs with probability <= SEED_FALSE_ALARM per
# example (0.82**512 ~ 1.6e-44); over every example the ci profile (or `thorough`) runs, the
# union stays below one ALPHA, so the whole check counts as one statistical assertion.
SEED_FALSE_ALARM = max(same_pattern_probability(r, SEED_CELLS) for r in SEED_RATES)
assert SEED_FALSE_ALARM * 1000 * len(FEATURES) <= stats.ALPHA


def _seed_case(feature, data, seed):
    shape = SEED_SHAPES[feature]
    config = {"rate": data.draw(st.sampled_from(SEED_RATES), label="rate"), "seed": seed}
    if NDIM[feature] and NDIM[feature] > 3:
        config["data_format"] = data.draw(st.sampled_from(("channels_last", "channels_first")), label="data_format")
        if config["data_format"] == "channels_first":
            shape = (shape[0], shape[-1], *shape[1:-1])
    signs = np.where(np.arange(math.prod(shape)) % 2, -1.0, 1.0).reshape(shape)
    x = np.random.default_rng(seed).uniform(1.0, 2.0, shape) * signs  # finite, nonzero
    return Case(feature, "call", config, (to_dtype(x, "float32"),), training=True)


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data(), seed=st.integers(0, 2**31 - 2))
def test_seeded(spec, adapter, feature, data, seed):
    """An int seed gives identical outputs on two fresh layers (bit for bit); seed + 1 gives another
    keep pattern (512 noise cells: false-alarm probability <= 1.6e-44 per example)."""
    case = _seed_case(feature, data, seed)
    recorder().last_case = case
    first = single_output(adapter.run(case), case, adapter)
    second = single_output(adapter.run(case), case, adapter)
    assert_identical(second, first, case, adapter, what="the first call")
    other_case = dataclasses.replace(case, config={**case.config, "seed": seed + 1})
    other = single_output(adapter.run(other_case), other_case, adapter)
    p = same_pattern_probability(case.config["rate"], SEED_CELLS)
    rec = recorder()
    rec.stats = [stats._plain({"test": "another seed, another keep pattern", "n": SEED_CELLS, "statistic": int(
        np.sum(keep_pattern(first) != keep_pattern(other))), "threshold": 1, "alpha": p,
        "detects": "a seed that does not change the pattern", "passed": True})]
    if np.array_equal(keep_pattern(first), keep_pattern(other)):
        raise Divergence(f"seed {seed} and seed {seed + 1} give the same keep pattern over {SEED_CELLS} noise cells "
                         f"(probability {p:.2g} for independent draws) [{label(case)}]",
                         {"case": None, "snippet": adapter.snippet(case)})


# --- rate edges --------------------------------------------------------------------------------
EDGE_SHAPES = {"layers.Dropout": (3, 4), "layers.SpatialDropout1D": (2, 3, 4), "layers.SpatialDropout2D": (2, 3, 2, 4),
               "layers.SpatialDropout3D": (2, 2, 3, 1, 4)}


def _edge_input(feature, dtype):
    shape = EDGE_SHAPES[feature]
    values = np.array([1.5, -2.0, 0.0, -0.0, math.nan, math.inf, -math.inf, 3.0e-3, 7.0])
    return to_dtype(np.resize(values, shape), dtype)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
def test_rate_edges(spec, adapter, feature, dtype):
    """rate=1.0 in training: Keras 3 returns zeros (NaN and inf inputs included), Keras 2 rejects it
    at call (tf.nn.dropout: rate must be in [0, 1)); at inference rate=1.0 is the identity in both.
    rate=0.0 in training is the identity."""
    x = _edge_input(feature, dtype)
    config = {"seed": 3}
    one = Case(feature, "call", {**config, "rate": 1.0}, (x,), dtype=dtype, training=True)
    if spec.edition == KERAS2:
        expect_rejection(spec, adapter, one)
    else:
        result = run_both(spec, adapter, one)
        out = single_output(result[1], one, adapter) if result else None
        if result is None or not np.all(np.asarray(out, np.float64) == 0):
            got = "both reject it" if result is None else f"got {np.asarray(out, np.float64).ravel()[:9]}"
            raise Divergence(f"rate=1.0 in training should give zeros [{label(one)}]: {got}",
                             {"case": None, "snippet": adapter.snippet(one)})
    for rate, training in ((1.0, False), (0.0, True)):
        case = Case(feature, "call", {**config, "rate": rate}, (x,), dtype=dtype, training=training)
        result = run_both(spec, adapter, case)
        if result is None:
            raise Divergence(f"both reject it, but it is the identity [{label(case)}]",
                             {"case": None, "snippet": adapter.snippet(case)})
        assert_identical(single_output(result[1], case, adapter), x, case, adapter)


# --- the dropped fraction ----------------------------------------------------------------------
DELTA = 0.01  # the absolute error in the drop rate every row detects (with probability >= 1 - BETA)


def binomial_region(n: int, p: float, alpha: float = stats.ALPHA) -> tuple[int, int]:
    """[lo, hi]: P(X < lo) <= alpha/2 and P(X > hi) <= alpha/2 for X ~ Binomial(n, p) (exact)."""
    return int(binom.ppf(alpha / 2, n, p)), int(binom.isf(alpha / 2, n, p))


def binomial_power(n: int, p: float, delta: float, alpha: float = stats.ALPHA) -> float:
    """The smallest probability that a count from Binomial(n, p ± delta) falls outside the region."""
    lo, hi = binomial_region(n, p, alpha)
    return min(binom.cdf(lo - 1, n, q) + binom.sf(hi, n, q) for q in (p - delta, p + delta) if 0 <= q <= 1)


@functools.cache
def binomial_cells(p: float, delta: float = DELTA, alpha: float = stats.ALPHA, beta: float = stats.BETA) -> int:
    """The number of cells an exact binomial test needs to detect a drop rate off by ``delta``."""
    lo, hi = 1, 1
    while binomial_power(hi, p, delta, alpha) < 1 - beta:
        hi *= 2
    while lo < hi:
        mid = (lo + hi) // 2
        lo, hi = (lo, mid) if binomial_power(mid, p, delta, alpha) >= 1 - beta else (mid + 1, hi)
    return lo


def binomial_test(k: int, n: int, p: float, delta: float = DELTA, alpha: float = stats.ALPHA,
                  beta: float = stats.BETA) -> dict:
    """Exact two-sided test of k successes in n against Binomial(n, p), false-alarm probability
    <= alpha; ``detects`` states the drop-rate error found with probability >= 1 - beta."""
    lo, hi = binomial_region(n, p, alpha)
    power = binomial_power(n, p, delta, alpha)
    p_value = min(1.0, 2 * min(binom.cdf(k, n, p), binom.sf(k - 1, n, p)))
    return stats._plain({"test": "dropped fraction (exact binomial)", "n": n, "statistic": k / n, "expected": p,
                         "threshold": [lo / n, hi / n], "alpha": alpha, "beta": beta, "p_value": p_value,
                         "detects": f"|drop rate - {p:g}| >= {delta:g} (power {power:.9f})",
                         "passed": lo <= k <= hi})


def constant_along_probability(rate: float, d: int, lines: int) -> float:
    """P(every line of d i.i.d. Bernoulli cells along an axis is constant), lines independent."""
    if d <= 1:
        return 1.0
    return math.exp(lines * float(np.logaddexp(d * math.log(rate), d * math.log1p(-rate))))


def varies_test(keep_cells, axis: int, rate: float) -> dict:
    """The pattern is not shared along ``axis`` (noise dimension > 1): some line along it varies."""
    d = keep_cells.shape[axis]
    lines = keep_cells.size // d
    varying = int(np.sum(np.any(keep_cells != keep_cells.take([0], axis=axis), axis=axis)))
    return stats._plain({"test": f"keep pattern varies along axis {axis}", "n": lines, "statistic": varying,
                         "threshold": 1, "alpha": constant_along_probability(rate, d, lines), "beta": 0.0,
                         "detects": f"one draw shared along axis {axis} (noise dim 1 instead of {d})",
                         "passed": varying >= 1})


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


def _stat_noise(feature, config, shape):
    n = reference.get_feature(feature).obj(**config).resolved_noise_shape(shape)
    return (1,) * (len(shape) - len(n)) + tuple(n)


def _varying_axes(noise):
    return [a for a, n in enumerate(noise) if n > 1]


for _f, _c, _s, _d, _delta in STAT_CASES:
    _n = _stat_noise(_f, _c, _s)
    assert math.prod(_n) >= binomial_cells(_c["rate"], _delta), (_f, _c, _s)
    assert binomial_power(math.prod(_n), _c["rate"], _delta) >= 1 - stats.BETA
    assert all(constant_along_probability(_c["rate"], _n[a], math.prod(_n) // _n[a]) <= stats.ALPHA
               for a in _varying_axes(_n))
# One binomial test per row, one "varies" test per axis with noise dim > 1, and test_seeded as one.


def _stat_id(row):
    feature, config, shape, dtype, _ = row
    return "-".join([feature, *(f"{k}={v}" for k, v in config.items()), "x".join(map(str, shape)), dtype])


@pytest.mark.parametrize("feature,config,shape,dtype,delta", [pytest.param(*r, id=_stat_id(r)) for r in STAT_CASES])
def test_dropped_fraction(spec, adapter, feature, config, shape, dtype, delta):
    """On x = 1 in training, the kept values are exactly 1/(1 - rate) (ELEMENTWISE_ULPS) and whole
    noise cells are kept or dropped; the number of dropped cells follows Binomial(cells, rate)
    (exact test, false-alarm probability ALPHA, drop-rate error >= delta detected with probability
    >= 1 - BETA), and the pattern varies along every axis whose noise dimension is > 1."""
    case = Case(feature, "call", {**config, "seed": 2024}, (to_dtype(np.ones(shape), dtype),), dtype=dtype,
                training=True)
    recorder().last_case = case
    out = single_output(adapter.run(case), case, adapter)
    keep = keep_pattern(out)
    noise = noise_shape(spec, case)
    cells = assert_cells(keep, noise, case, adapter)
    assert_dropout_values(out, keep, case, adapter)
    rate = config["rate"]
    tests = [binomial_test(int(cells.size - cells.sum()), int(cells.size), rate, delta)]
    tests += [varies_test(cells, a, rate) for a in _varying_axes(noise)]
    check.assert_stats(case, adapter, tests)
