"""Cases of ``keras.constraints`` (reference/constraints.py; checks in conformance/test_constraints.py).

Weights are drawn with the magnitudes of ``strategies.MAGNITUDES`` (0 or moderate), where the 1e-7
epsilon added to a norm stays below the dtype's rounding.
"""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st

from adapters.dtypes import finfo, to_dtype
from conformance import strategies as cs
from reference.registry import features

CONSTRAINTS = [f.id for f in features("constraints")]
NORM_CONSTRAINTS = ("constraints.MaxNorm", "constraints.MinMaxNorm", "constraints.UnitNorm")


@functools.cache
def magnitudes(dtype: str, hi: float | None = None):
    """0, or a value in [MAGNITUDES[dtype][0], hi]: a max_value or min_value that keeps the scale
    desired / (1e-7 + n) a normal number (a subnormal intermediate may be flushed to zero, which
    tolerance.py leaves implementation-defined)."""
    lo, top = cs.MAGNITUDES[dtype]
    return st.one_of(st.just(0.0), cs.floats(dtype, min_value=lo, max_value=top if hi is None else hi,
                                            allow_subnormal=False))


@functools.cache
@st.composite
def axes(draw, ndim: int):
    """An int axis in [-ndim, ndim), or a tuple of distinct axes (each written as a or a - ndim)."""
    if draw(st.booleans()):
        return draw(st.integers(-ndim, ndim - 1))
    chosen = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(a - ndim if draw(st.booleans()) else a for a in chosen)


@functools.cache
@st.composite
def config_strategy(draw, feature: str, dtype: str, ndim: int):
    """Keyword arguments for ``feature``, representable in ``dtype``; a random subset of them.
    Norm bounds are 0 or of the elements' magnitudes; MinMaxNorm keeps min_value <= max_value
    (defaults included)."""
    config = {}
    if feature == "constraints.NonNeg":
        return config
    if draw(st.booleans()):
        config["axis"] = draw(axes(ndim))
    if feature == "constraints.MaxNorm" and draw(st.booleans()):
        config["max_value"] = draw(magnitudes(dtype))
    if feature == "constraints.MinMaxNorm":
        if draw(st.booleans()):
            config["rate"] = draw(cs.floats(dtype, min_value=0, max_value=1))
        which = draw(st.sampled_from(["none", "min", "max", "both"]))
        if which == "min":  # max_value defaults to 1.0
            config["min_value"] = draw(magnitudes(dtype, hi=1.0))
        elif which == "max":  # min_value defaults to 0.0
            config["max_value"] = draw(magnitudes(dtype))
        elif which == "both":
            a, b = sorted(draw(st.lists(magnitudes(dtype), min_size=2, max_size=2)))
            config["min_value"], config["max_value"] = a, b
    return config


def edge_weights(dtype: str) -> list[np.ndarray]:
    """Weights of shape (3, k): every column (the default axis=0 slice) holds one special value.

    First every special value of the dtype in a column [v, 1, 0] plus an all-zero column;
    then huge columns whose sum of squares overflows the dtype (but not float64)."""
    fi = finfo(dtype)
    e = np.asarray(cs.edge_values(dtype), np.float64)
    special = np.concatenate([np.stack([e, np.ones_like(e), np.zeros_like(e)]), np.zeros((3, 1))], axis=1)
    big = float(fi.max)
    huge = np.array([[big, big, -big, big / 4], [big, 1.0, 0.0, big / 4], [-big, 0.0, 0.0, big / 4]])
    return [to_dtype(special, dtype), to_dtype(huge, dtype)]


# (config, weight shape): an axis outside the weight's rank.
REJECTED = {f: [({"axis": 2}, (2, 3)), ({"axis": -3}, (2, 3)), ({"axis": (0, 2)}, (2, 3)), ({"axis": 1}, (4,))]
            for f in NORM_CONSTRAINTS}

ROUNDTRIP_CONFIGS = {
    "constraints.MaxNorm": [{}, {"max_value": 1.5, "axis": 1}, {"max_value": 3, "axis": (0, 1)}],
    "constraints.MinMaxNorm": [{}, {"min_value": 0.5, "max_value": 2.0, "rate": 0.25, "axis": -1}],
    "constraints.UnitNorm": [{}, {"axis": 1}],
    "constraints.NonNeg": [{}],
}

# Every string the spec resolves in either edition, with the feature it names.
NAMES = [(f"constraints.{cls}", name) for cls, names in {
    "MaxNorm": ("MaxNorm", "max_norm", "maxnorm"),
    "MinMaxNorm": ("MinMaxNorm", "min_max_norm"),
    "NonNeg": ("NonNeg", "non_neg", "nonneg"),
    "UnitNorm": ("UnitNorm", "unit_norm", "unitnorm"),
}.items() for name in names]
