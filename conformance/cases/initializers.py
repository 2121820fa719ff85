"""Cases of ``keras.initializers`` (reference/initializers.py; checks in conformance/test_initializers.py).

Deterministic initializers get generated configurations and shapes of rank 0-5. Random ones get
generated cases for their exact properties (shape, dtype, support, seeding), and a fixed table of
configurations (``STAT_CASES``) for the statistical checks (KS + two moments, see
conformance/stats.py), whose shapes exercise ``compute_fans`` for every kernel rank.
"""

from __future__ import annotations

import functools
import math

from hypothesis import strategies as st

import reference
from conformance import stats
from conformance import strategies as cs
from reference.registry import features

ALL = [f.id for f in features("initializers")]
DETERMINISTIC = [f for f in ALL if not getattr(reference.get_feature(f).obj, "random", False)]
RANDOM = [f for f in ALL if f not in DETERMINISTIC]
N = stats.ks_sample_size()  # 355,899 elements per statistical case


@functools.cache
def config_strategy(feature: str, dtype: str):
    """Keyword arguments for ``feature``, representable in ``dtype``; a random subset of them, and
    an int seed for a random initializer."""
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
def shape_strategy(feature: str):
    """Shapes of rank 0-5 (Identity: matrices, and now and then another rank, which it rejects)."""
    if feature == "initializers.Identity":
        return st.one_of(cs.shapes(2, 2, max_side=6), cs.shapes(0, 4, max_side=3))
    return cs.shapes(0, 5, min_side=1, max_side=6)


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
    # Keras 3's fan axes: both given, the fans are their products (1120 and 64 here, not 320 and 5600);
    # one alone is ignored. Keras 2 has neither (rejected).
    *[(f"initializers.{n}", axes, CONV1D) for n in ("VarianceScaling", "LecunNormal", "LecunUniform", "GlorotNormal",
                                                    "GlorotUniform", "HeNormal", "HeUniform")
      for axes in ({"input_axes": (2,), "output_axes": (1,)}, {"input_axes": (2,)}, {"output_axes": (1,)})],
]
assert all(math.prod(s) >= N for _, _, s in STAT_CASES)
# Orthogonal's entries are not independent within one matrix: its test draws one entry per seed.
ORTHOGONAL_SEEDS = 400
ORTHOGONAL_CASES = [({"gain": 2.0}, (3, 3)), ({}, (2, 5)), ({}, (4, 2, 3))]


def stat_id(case) -> str:
    """A STAT_CASES entry's test id: feature-key=value...-shape."""
    feature, config, shape = case
    return "-".join([feature, *(f"{k}={v}" for k, v in config.items()), "x".join(map(str, shape))])


REJECTED = {
    "initializers.VarianceScaling": [{"scale": 0.0}, {"scale": -1.0}, {"mode": "fan_sum"},
                                     {"distribution": "gaussian"}, {"seed": "7"}],
}
REJECTED_SHAPES = {"initializers.Identity": [(3, 3, 3), (4,), ()], "initializers.Orthogonal": [(5,), ()]}

# Every string the spec resolves: the snake_case names and the class names.
NAMES = sorted(reference.initializers._SNAKE) + sorted(set(reference.initializers._SNAKE.values()))
