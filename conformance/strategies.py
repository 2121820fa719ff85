"""Hypothesis strategies for the suite's cases.

Every strategy yields values exactly representable in the requested dtype, so
the spec (float64) and the framework see the same numbers.
"""

from __future__ import annotations

import numpy as np
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from adapters.dtypes import FLOAT_DTYPES, finfo, np_dtype, to_dtype

_WIDTH = {"float16": 16, "bfloat16": 32, "float32": 32, "float64": 64}


def _check_dtype(dtype):
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be one of {FLOAT_DTYPES}, got {dtype!r}")


def floats(dtype: str, *, min_value=None, max_value=None, allow_nan=True, allow_infinity=True,
           allow_subnormal=True):
    """Floats representable in ``dtype`` (bfloat16: float32 draws rounded to bfloat16),
    as Python floats. Bounds are inclusive and must be finite when given."""
    _check_dtype(dtype)
    if min_value is not None and max_value is not None and min_value > max_value:
        raise ValueError(f"min_value={min_value} > max_value={max_value}")
    bounded = min_value is not None or max_value is not None
    s = st.floats(min_value=min_value, max_value=max_value, width=_WIDTH[dtype], allow_nan=allow_nan and not bounded,
                  allow_infinity=allow_infinity and not bounded, allow_subnormal=allow_subnormal)
    if dtype == "bfloat16":
        s = s.map(lambda v: float(to_dtype(v, "bfloat16"))).filter(
            lambda v: (min_value is None or v >= min_value) and (max_value is None or v <= max_value))
    return s


def shapes(min_dims=1, max_dims=3, min_side=1, max_side=5):
    """Array shapes (no zero-size sides unless min_side=0)."""
    if not 0 <= min_dims <= max_dims:
        raise ValueError(f"need 0 <= min_dims <= max_dims, got {min_dims}, {max_dims}")
    return hnp.array_shapes(min_dims=min_dims, max_dims=max_dims, min_side=min_side, max_side=max_side)


def arrays(dtype: str, shape, elements=None, **float_kwargs):
    """Arrays of ``dtype`` (bfloat16 as ml_dtypes.bfloat16); ``shape`` a tuple or a strategy of tuples.
    ``float_kwargs`` go to :func:`floats` when ``elements`` is not given."""
    _check_dtype(dtype)
    elements = elements if elements is not None else floats(dtype, **float_kwargs)
    base = "float32" if dtype == "bfloat16" else dtype
    return hnp.arrays(np.dtype(base), shape, elements=elements).map(lambda a: to_dtype(a, dtype))


def edge_values(dtype: str) -> np.ndarray:
    """Every special and extreme value of ``dtype`` with both signs: ±0, ±inf, NaN, the largest
    finite, the smallest normal and subnormal, and round values around 0, 1, 3 and 6 (where
    hard_sigmoid and relu6 bend), in one 1-D array."""
    _check_dtype(dtype)
    fi = finfo(dtype)
    mags = [0.0, float(fi.smallest_subnormal), float(fi.smallest_normal), 1e-3, 0.25, 0.5, 1.0, 2.5, 3.0,
            5.0, 6.0, 10.0, 20.0, 50.0, 100.0, float(fi.max), np.inf]
    vals = sorted({v for m in mags for v in (m, -m)}) + [np.nan]
    return to_dtype(np.array(vals, np.float64), dtype)


def dtypes() -> tuple[str, ...]:
    return FLOAT_DTYPES


__all__ = ["arrays", "edge_values", "floats", "np_dtype", "shapes"]
