"""Checks for ``keras.initializers``.

Deterministic initializers are compared value by value. Random ones are
checked for exact properties (shape, dtype, support, seeding) on generated
cases, and statistically (KS + two moments, see conformance/stats.py) on a
fixed table of configurations whose shapes exercise ``compute_fans`` for
every kernel rank.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import check, stats
from conformance import strategies as cs
from conformance.cases import features_of
from conformance.cases.initializers import (ALL, DETERMINISTIC, NAMES, ORTHOGONAL_CASES, ORTHOGONAL_SEEDS, RANDOM,
                                            REJECTED, REJECTED_SHAPES, STAT_CASES, config_strategy, shape_strategy,
                                            stat_id)
from conformance.check import assert_close, assert_equal, assert_roundtrip, expect_rejection, label, run_both
from conformance.divergence import Divergence


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", DETERMINISTIC)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """Zeros, Ones, Constant and Identity, value by value, on shapes of rank 0-5 (Constant's
    float32-subnormal value: it or 0, see its Implementation-defined)."""
    config = data.draw(config_strategy(feature, dtype), label="config")
    shape = data.draw(shape_strategy(feature), label="shape")
    check.compare_initializer(spec, adapter, Case(feature, "sample", config, shape=shape, dtype=dtype))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", RANDOM)
@given(data=st.data())
def test_properties(spec, adapter, feature, dtype, data):
    """Shape, dtype and support of every sample (and the orthogonality of Orthogonal's)."""
    config = data.draw(config_strategy(feature, dtype), label="config")
    shape = data.draw(shape_strategy(feature), label="shape")
    case = Case(feature, "sample", config, shape=shape, dtype=dtype)
    result = run_both(spec, adapter, case)
    if result is None:
        return
    actual = np.asarray(result[1])
    assert_equal(tuple(actual.shape), tuple(shape), case, adapter, "out.shape")
    assert_equal(str(actual.dtype), str(cs.np_dtype(dtype)), case, adapter, "out.dtype")
    init = spec.build(feature, config)
    check.assert_support(actual, init.distribution(shape), case, adapter)
    if feature == "initializers.Orthogonal" and dtype in ("float32", "float64"):
        check.assert_orthonormal(actual, init, case, adapter)


@pytest.mark.parametrize("feature", RANDOM)
@given(seed=st.integers(0, 2**31 - 2))
def test_seeding(spec, adapter, feature, seed):
    """An int seed gives the same values on every call; another seed gives other values
    (default arguments, so no configuration makes the distribution degenerate)."""
    shape = (8, 8)
    config = {"seed": seed}
    case = Case(feature, "sample", config, shape=shape)
    check.track(case)
    first, second = adapter.run(case), adapter.run(case)
    assert_close(second, first, case, adapter, ulps=0)
    other = adapter.run(Case(feature, "sample", {**config, "seed": seed + 1}, shape=shape))
    if np.array_equal(np.asarray(other), np.asarray(first)):
        raise Divergence(f"seed {seed} and seed {seed + 1} give identical values [{label(case)}]",
                         {"case": None, "snippet": adapter.snippet(case)})


@pytest.mark.parametrize("feature,config,shape", [pytest.param(*c, id=stat_id(c)) for c in STAT_CASES])
def test_distribution(spec, adapter, feature, config, shape):
    """KS against the spec's exact CDF, and the first two moments, on one large float32 sample."""
    case = Case(feature, "sample", {**config, "seed": 1234}, shape=shape)
    if check.outcome(spec, case)[0] == "rejected":  # Keras 2's fan axes
        return check.expect_rejection(spec, adapter, case)
    sample = check.sample(adapter, case)
    dist = spec.build(feature, config).distribution(shape)
    check.assert_stats(case, adapter, [stats.ks_test(sample, dist), *stats.moment_tests(sample, dist)])


@pytest.mark.parametrize("config,shape", ORTHOGONAL_CASES, ids=[f"{c}-{s}" for c, s in ORTHOGONAL_CASES])
@pytest.mark.parametrize("feature", ["initializers.Orthogonal"])
def test_haar(spec, adapter, feature, config, shape):
    """Orthogonal is Haar-distributed: entry [0, ..., 0] over independent seeds follows the
    spec's sphere-coordinate law (this catches a missing sign(diag(R)) correction)."""
    first = []
    for seed in range(ORTHOGONAL_SEEDS):
        case = Case(feature, "sample", {**config, "seed": seed}, shape=shape)
        first.append(float(check.sample(adapter, case).ravel()[0]))
    dist = spec.build(feature, config).distribution(shape)
    check.assert_stats(case, adapter, [stats.ks_test(np.array(first), dist)])


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


@pytest.mark.parametrize("identifier", NAMES)
@pytest.mark.parametrize("feature", ["initializers.get"])
def test_resolve(spec, adapter, feature, identifier):
    """keras.initializers.get(name) gives the initializer of that name, with its defaults."""
    case = Case("initializers.Zeros", "resolve", identifier=identifier)
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_equal(actual.feature, expected.feature, case, adapter, "get(name)")
        cfg = {k: v for k, v in actual.config.items() if k != "seed"}
        assert_equal(cfg, {k: v for k, v in expected.config.items() if k != "seed"}, case, adapter,
                     "get(name).get_config()")


@pytest.mark.parametrize("feature", features_of("initializers"))
def test_signature(spec, adapter, feature):
    """The framework's public constructor accepts every argument the spec documents, by the
    same name, kind and default (reference/signatures.py); an extra argument is information
    (check.assert_signature)."""
    check.assert_signature(spec, adapter, feature)
