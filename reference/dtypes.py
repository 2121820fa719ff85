"""The dtype arithmetic the spec shares: which dtype Keras computes a value in, and where a float64
result overflows it.

The spec computes in float64. Where the input's dtype decides a value beyond rounding (a sum that
overflows float16 is inf there), these helpers say what that dtype gives.
"""

from __future__ import annotations

import numpy as np


def is_float(dtype) -> bool:
    """Whether ``dtype`` is a float dtype to Keras: a NumPy float, or ml_dtypes' bfloat16 (kind "V")."""
    dtype = np.dtype(dtype)
    return dtype.kind == "f" or dtype.name == "bfloat16"


def weight_dtype(x) -> np.dtype:
    """The float dtype Keras computes ``x`` in: its own (bfloat16 included), else float64."""
    d = getattr(x, "dtype", None)
    return d if d is not None and is_float(d) else np.dtype(np.float64)


def overflow_in(v, dtype):
    """``v`` (float64) where it is finite in ``dtype``; ±inf where rounding it to ``dtype`` overflows."""
    v = np.asarray(v, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        over = np.isinf(v.astype(dtype).astype(np.float64)) & np.isfinite(v)
    return np.where(over, np.copysign(np.inf, v), v)
