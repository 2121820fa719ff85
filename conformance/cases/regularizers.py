"""Cases of ``keras.regularizers`` (reference/regularizers.py; checks in conformance/test_regularizers.py)."""

from __future__ import annotations

import functools

from hypothesis import strategies as st

from adapters.dtypes import finfo

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
