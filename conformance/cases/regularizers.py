"""Cases of ``keras.regularizers`` (reference/regularizers.py; checks in conformance/test_regularizers.py).

Weights are drawn with the magnitudes of ``strategies.MAGNITUDES`` (0 or moderate).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from hypothesis import strategies as st

from adapters.dtypes import finfo, to_dtype
from reference.registry import features

REGULARIZERS = [f.id for f in features("regularizers")]
FACTORS = {"regularizers.L1": ("l1",), "regularizers.L2": ("l2",), "regularizers.L1L2": ("l1", "l2")}


@functools.cache
def config_strategy(feature: str, dtype: str):
    """A random subset of the feature's factors, each a non-negative float in [0, 1]: 0, or at
    least the smallest normal number of the dtype and of float32, where L1 stores its factor (a
    factor cast to a subnormal may be flushed to zero, which tolerance.py leaves
    implementation-defined)."""
    lo = max(float(finfo(dtype).smallest_normal), float(finfo("float32").smallest_normal))
    factor = st.one_of(st.just(0.0), st.floats(min_value=lo, max_value=1.0))
    return st.fixed_dictionaries({}, optional={name: factor for name in FACTORS[feature]})


@st.composite
def identifiers(draw, dtype):
    """None, a string ("l1", "l2", "l1l2" (zero factors), "l1_l2" (rejected by Keras 3)), or a
    {"class_name", "config"} dict of L1, L2 or L1L2 with random factors (a subset of them)."""
    kind = draw(st.sampled_from((None, "string", "L1", "L2", "L1L2", "L1L2")))
    if kind is None:
        return None
    if kind == "string":
        return draw(st.sampled_from(("l1", "l2", "l2", "l1l2", "l1_l2")))
    return {"class_name": kind, "config": draw(config_strategy(f"regularizers.{kind}", dtype))}


def edge_inputs(dtype: str) -> list[np.ndarray]:
    """Zeros, each special value next to ordinary ones, the smallest numbers, then huge values
    whose sum (or sum of squares) overflows the dtype."""
    fi = finfo(dtype)
    big, tiny, sub = float(fi.max), float(fi.smallest_normal), float(fi.smallest_subnormal)
    rows = [[0.0, 0.0, 0.0], [np.inf, 1.0, -2.0], [-np.inf, 1.0, -2.0], [np.nan, 1.0, -2.0],
            [np.inf, -np.inf, 1.0], [tiny, -tiny, sub], [1.0, -0.5, 0.25], [big, 1.0, 0.0],
            [big, big, -big]]
    return [to_dtype(np.array(r), dtype) for r in rows]


# Configurations beyond the defaults: a zero factor skips its term, so inf gives inf, not NaN.
EDGE_CONFIGS = {"regularizers.L1L2": [{"l1": 0.0, "l2": 0.01}, {"l1": 0.01, "l2": 0.0}, {"l1": 0.01, "l2": 0.01}]}

# Keras 3 rejects a negative, infinite or NaN factor; Keras 2 accepts negative factors but rejects
# infinite and NaN ones (tf_keras regularizers.py _check_penalty_number).
REJECTED = {f: [{name: bad} for name in names for bad in (-0.01, -1, math.inf, -math.inf, math.nan)]
            for f, names in FACTORS.items()}
REJECTED_KERAS2 = {f: [{name: bad} for name in names for bad in (math.inf, -math.inf, math.nan)]
                   for f, names in FACTORS.items()}

ROUNDTRIP_CONFIGS = {
    "regularizers.L1": [{}, {"l1": 0.25}, {"l1": 0.3}],
    "regularizers.L2": [{}, {"l2": 0.25}, {"l2": 0.3}],
    "regularizers.L1L2": [{}, {"l1": 0.25, "l2": 0.3}, {"l2": 0.1}],
}

# Every string the spec resolves in either edition, with the feature it names.
NAMES = [("regularizers.L1", "l1"), ("regularizers.L1", "L1"), ("regularizers.L2", "l2"),
         ("regularizers.L2", "L2"), ("regularizers.L1L2", "l1l2"), ("regularizers.L1L2", "L1L2"),
         ("regularizers.L1L2", "l1_l2")]
