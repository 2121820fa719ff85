"""The float dtypes the suite checks, by name, and conversions between them.

bfloat16 has no NumPy dtype of its own; ``ml_dtypes`` (a TensorFlow and JAX
dependency) supplies one that NumPy arithmetic understands.
"""

from __future__ import annotations

import ml_dtypes
import numpy as np

FLOAT_DTYPES = ("float16", "bfloat16", "float32", "float64")


def np_dtype(name: str) -> np.dtype:
    if name == "bfloat16":
        return np.dtype(ml_dtypes.bfloat16)
    if name not in FLOAT_DTYPES:
        raise ValueError(f"unknown dtype {name!r}; the suite knows {', '.join(FLOAT_DTYPES)}")
    return np.dtype(name)


def to_dtype(x, name: str) -> np.ndarray:
    """Round ``x`` to dtype ``name`` (round-to-nearest-even, as a cast does)."""
    return np.asarray(x).astype(np_dtype(name))


def finfo(name: str):
    return ml_dtypes.finfo(np_dtype(name))


def eps(name: str) -> float:
    return float(finfo(name).eps)
