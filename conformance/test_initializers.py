"""Checks for ``keras.initializers``.

Deterministic initializers are compared value by value. Random ones are
checked for exact properties (shape, dtype, support, seeding) on generated
cases, and statistically (KS + two moments, see conformance/stats.py) on a
fixed table of configurations whose shapes exercise ``compute_fans`` for
every kernel rank.
"""

from __future__ import annotations

import functools
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import reference
from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES, finfo
from conformance import stats
from conformance.tolerance import reduction_ulps
from conformance import strategies as cs
from conformance import check
from conformance.check import assert_close, assert_equal, assert_roundtrip, expect_rejection, label, outcome, run_both, set_aside
from conformance.divergence import Divergence, recorder
from reference.registry import features

ALL = [f.id for f in features("initializers")]
DETERMINISTIC = [f for f in ALL if not getattr(reference.get_feature(f).obj, "random", False)]
RANDOM = [f for f in ALL if f not in DETERMINISTIC]
N = stats.ks_sample_size()  # 355,899 elements per statistical case


def spec_initializer(spec, feature, config):
    return reference.get_feature(feature).obj(**config, edition=spec.edition)


@functools.cache
def config_strategy(feature: str, dtype: str):
    num = cs.floats(dtype, min_value=-4, max_value=4, allow_subnormal=False)
    pos = cs.floats(dtype, min_value=0.125, max_value=4, allow_subnormal=False)
    seed = st.integers(0, 2**31 - 1)
    optional = {
        "initializers.Constant": {"value": num},
        "initializers.Identity": {"gain": num},
        "initializers.RandomNormal": {"mean": num, "stddev": pos},
        "initializers.TruncatedNormal": {"mean": num, "stddev": pos},
        "initializers.RandomUniform": {"minval": num, "maxval": num},
        "initializers.VarianceScaling": {"scale": pos, "mode": st.sampled_from(reference.initializers.MODES),
                                         "distribution": st.sampled_from(("truncated_normal", "untruncated_normal",
                                                                          "uniform", "normal", "Uniform"))},
        "initializers.Orthogonal": {"gain": num},
    }.get(feature, {})
    fixed = {"seed": seed} if feature in RANDOM else {}
    return st.fixed_dictionaries(fixed, optional=optional)


@functools.cache
def _shape_strategy(feature):
    if feature == "initializers.Identity":
        return st.one_of(cs.shapes(2, 2, max_side=6), cs.shapes(0, 4, max_side=3))
    return cs.shapes(0, 5, min_side=1, max_side=6)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", DETERMINISTIC)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """Zeros, Ones, Constant and Identity, value by value, on shapes of rank 0-5 (Constant's
    float32-subnormal value: it or 0, see its Implementation-defined)."""
    config = data.draw(config_strategy(feature, dtype), label="config")
    shape = data.draw(_shape_strategy(feature), label="shape")
    case = Case(feature, "sample", config, shape=shape, dtype=dtype)
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        if not getattr(spec_initializer(spec, feature, config), "defined", lambda: True)():
            actual, expected = set_aside(actual, expected, np.zeros(np.shape(expected), bool), case, adapter,
                                         bound=lambda y: (y == np.asarray(expected, np.float64)) | (y == 0),
                                         bound_text="the value or 0", note="a float32-subnormal Constant")
        assert_close(actual, expected, case, adapter)


def _assert_support(actual, dist, case, adapter):
    """Every element lies in the spec's support, widened by the dtype's rounding of the bound."""
    lo, hi = dist.support
    x = np.asarray(actual, np.float64)
    eps = float(finfo(case.dtype).eps)
    lo_ok = lo - 2 * eps * abs(lo) - float(finfo(case.dtype).smallest_normal)
    hi_ok = hi + 2 * eps * abs(hi) + float(finfo(case.dtype).smallest_normal)
    bad = ~((x >= lo_ok) & (x <= hi_ok))
    if bad.any():
        i = tuple(int(j) for j in np.argwhere(bad)[0])
        raise Divergence(f"out[{', '.join(map(str, i))}]={x[i]!r}, outside the support [{lo:.6g}, {hi:.6g}] "
                         f"[{label(case)}]; {int(bad.sum())} of {x.size} elements outside",
                         {"case": None, "snippet": adapter.snippet(case)})


def _assert_gram(actual, init, case, adapter):
    """Orthogonal: the flattened matrix has orthonormal columns (or rows) of length gain."""
    rows, cols = init.matrix_shape(case.shape)
    m = np.asarray(actual, np.float64).reshape(rows, cols)
    gram = m.T @ m if rows >= cols else m @ m.T
    expected = init.gain**2 * np.eye(min(rows, cols))
    assert_close(gram, expected, case, adapter, ulps=reduction_ulps(max(rows, cols)), scale=init.gain**2,
                 dtype=case.dtype, check_dtype=False)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", RANDOM)
@given(data=st.data())
def test_properties(spec, adapter, feature, dtype, data):
    """Shape, dtype and support of every sample (and the orthogonality of Orthogonal's)."""
    config = data.draw(config_strategy(feature, dtype), label="config")
    shape = data.draw(_shape_strategy(feature), label="shape")
    case = Case(feature, "sample", config, shape=shape, dtype=dtype)
    result = run_both(spec, adapter, case)
    if result is None:
        return
    actual = np.asarray(result[1])
    assert_equal(tuple(actual.shape), tuple(shape), case, adapter, "out.shape")
    assert_equal(str(actual.dtype), str(cs.np_dtype(dtype)), case, adapter, "out.dtype")
    init = spec_initializer(spec, feature, config)
    _assert_support(actual, init.distribution(shape), case, adapter)
    if feature == "initializers.Orthogonal" and dtype in ("float32", "float64"):
        _assert_gram(actual, init, case, adapter)


@pytest.mark.parametrize("feature", RANDOM)
@given(seed=st.integers(0, 2**31 - 2))
def test_seeding(spec, adapter, feature, seed):
    """An int seed gives the same values on every call; another seed gives other values
    (default arguments, so no configuration makes the distribution degenerate)."""
    shape = (8, 8)
    config = {"seed": seed}
    case = Case(feature, "sample", config, shape=shape)
    first, second = adapter.run(case), adapter.run(case)
    recorder().last_case = case
    assert_close(second, first, case, adapter, ulps=0)
    other = adapter.run(Case(feature, "sample", {**config, "seed": seed + 1}, shape=shape))
    if np.array_equal(np.asarray(other), np.asarray(first)):
        raise Divergence(f"seed {seed} and seed {seed + 1} give identical values [{label(case)}]",
                         {"case": None, "snippet": adapter.snippet(case)})


# The statistical table: (feature, config, shape). Shapes hold >= N elements and exercise
# compute_fans on ranks 1-5 with fan_in != fan_out, so a wrong fan changes the variance.
DENSE, CONV1D, CONV2D, CONV3D, VECTOR = (256, 1400), (5, 64, 1120), (3, 3, 32, 1248), (3, 3, 3, 16, 832), (N,)
STAT_CASES = [
    ("initializers.RandomNormal", {}, DENSE),
    ("initializers.RandomNormal", {"mean": 1.5, "stddev": 0.5}, CONV2D),
    ("initializers.RandomUniform", {}, DENSE),
    ("initializers.RandomUniform", {"minval": 1.0, "maxval": 0.0}, CONV2D),
    ("initializers.TruncatedNormal", {}, DENSE),
    ("initializers.TruncatedNormal", {"mean": -1.0, "stddev": 2.0}, CONV2D),
    *[(f"initializers.{n}", {}, s) for n in ("LecunNormal", "LecunUniform", "GlorotNormal", "GlorotUniform",
                                             "HeNormal", "HeUniform") for s in (DENSE, CONV2D)],
    *[("initializers.VarianceScaling", {"scale": 2.0, "mode": m, "distribution": d}, s)
      for m in ("fan_in", "fan_out", "fan_avg") for d in ("truncated_normal", "untruncated_normal", "uniform", "normal")
      for s in (DENSE, CONV2D)],
    *[("initializers.VarianceScaling", {"mode": m, "distribution": d}, s)
      for m, d in (("fan_avg", "truncated_normal"), ("fan_in", "uniform")) for s in (VECTOR, CONV1D, CONV3D)],
]
assert all(math.prod(s) >= N for _, _, s in STAT_CASES)
# Orthogonal's entries are not independent within one matrix: its test draws one entry per seed.
ORTHOGONAL_SEEDS = 400
ORTHOGONAL_CASES = [({"gain": 2.0}, (3, 3)), ({}, (2, 5)), ({}, (4, 2, 3))]


def _stat_id(case):
    feature, config, shape = case
    return "-".join([feature, *(f"{k}={v}" for k, v in config.items()), "x".join(map(str, shape))])


def _sample(adapter, case):
    """The adapter's sample of a case the spec accepts; its rejection is a divergence, not a crash."""
    kind, value = outcome(adapter, case)
    if kind == "rejected":
        raise Divergence(f"the adapter rejects it but the spec accepts it [{label(case)}]: {value}",
                         {"case": None, "snippet": adapter.snippet(case), "rejections": {"spec": None, "adapter": value}})
    return np.asarray(value, np.float64)


@pytest.mark.parametrize("feature,config,shape", [pytest.param(*c, id=_stat_id(c)) for c in STAT_CASES])
def test_distribution(spec, adapter, feature, config, shape):
    """KS against the spec's exact CDF, and the first two moments, on one large float32 sample."""
    case = Case(feature, "sample", {**config, "seed": 1234}, shape=shape)
    recorder().last_case = case
    sample = _sample(adapter, case)
    dist = spec_initializer(spec, feature, config).distribution(shape)
    check.assert_stats(case, adapter, [stats.ks_test(sample, dist), *stats.moment_tests(sample, dist)])


@pytest.mark.parametrize("config,shape", ORTHOGONAL_CASES, ids=[f"{c}-{s}" for c, s in ORTHOGONAL_CASES])
@pytest.mark.parametrize("feature", ["initializers.Orthogonal"])
def test_haar(spec, adapter, feature, config, shape):
    """Orthogonal is Haar-distributed: entry [0, ..., 0] over independent seeds follows the
    spec's sphere-coordinate law (this catches a missing sign(diag(R)) correction)."""
    first = []
    for seed in range(ORTHOGONAL_SEEDS):
        case = Case(feature, "sample", {**config, "seed": seed}, shape=shape)
        recorder().last_case = case
        first.append(float(_sample(adapter, case).ravel()[0]))
    dist = spec_initializer(spec, feature, config).distribution(shape)
    check.assert_stats(case, adapter, [stats.ks_test(np.array(first), dist)])


REJECTED = {
    "initializers.VarianceScaling": [{"scale": 0.0}, {"scale": -1.0}, {"mode": "fan_sum"},
                                     {"distribution": "gaussian"}, {"seed": "7"}],
    "initializers.Identity": [],
}
REJECTED_SHAPES = {"initializers.Identity": [(3, 3, 3), (4,), ()], "initializers.Orthogonal": [(5,), ()]}


@pytest.mark.parametrize("feature", ALL)
def test_rejects(spec, adapter, feature):
    """Invalid arguments and shapes are rejected; so is an unknown name in ``get``."""
    for config in REJECTED.get(feature, []):
        expect_rejection(spec, adapter, Case(feature, "sample", config, shape=(3, 3)))
    for shape in REJECTED_SHAPES.get(feature, []):
        expect_rejection(spec, adapter, Case(feature, "sample", {}, shape=shape))
    if feature in RANDOM:
        expect_rejection(spec, adapter, Case(feature, "sample", {"seed": 1.5}, shape=(3, 3)))
    expect_rejection(spec, adapter, Case(feature, "resolve", identifier=feature.split(".")[1] + "_not_a_name"))


@pytest.mark.parametrize("feature", ALL)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, data):
    """get_config() equals the spec's (defaults filled in, aliases normalized); from_config()
    rebuilds an initializer with the same config and, for an int seed, the same values."""
    config = data.draw(config_strategy(feature, "float32"), label="config")
    assert_roundtrip(spec, adapter, Case(feature, "roundtrip", config, shape=(4, 4)))


NAMES = sorted(reference.initializers._SNAKE) + sorted(set(reference.initializers._SNAKE.values()))


@pytest.mark.parametrize("identifier", NAMES)
@pytest.mark.parametrize("feature", ["initializers.get"])
def test_resolve(spec, adapter, feature, identifier):
    """keras.initializers.get(name) gives the initializer of that name, with its defaults."""
    case = Case("initializers.Zeros", "resolve", identifier=identifier)
    expected, actual = run_both(spec, adapter, case)
    assert_equal(actual.feature, expected.feature, case, adapter, "get(name)")
    cfg = {k: v for k, v in actual.config.items() if k != "seed"}
    assert_equal(cfg, {k: v for k, v in expected.config.items() if k != "seed"}, case, adapter, "get(name).get_config()")
