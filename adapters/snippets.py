"""Pieces of the standalone reproductions (``Adapter.snippet``) that every adapter shares.

A snippet must run as pasted: arrays are written so that NumPy rebuilds exactly the case's
values (bfloat16 through ml_dtypes), specials included, and stay short when the array is large.
"""

from __future__ import annotations

import base64
import re
import zlib

import numpy as np

LITERAL_MAX = 1024  # elements written out as a list; a larger array is packed as compressed bytes



def program(header: list[str], body: list[str]) -> str:
    """``header`` (the framework's imports) and ``body`` with just the NumPy imports ``body`` uses."""
    text = "\n".join(body)
    names = [n for n in ("inf", "nan") if re.search(rf"\b{n}\b", text)]
    imports = ["import numpy as np"] + (["import base64, zlib"] if "zlib." in text else []) \
        + (["import ml_dtypes"] if "ml_dtypes." in text else []) + ([f"from numpy import {', '.join(names)}"] if names else [])
    return "\n".join(imports + header + body)


def array(x, dtype: str) -> str:
    """A Python expression rebuilding ``x`` as a NumPy array of ``dtype``.

    Constant arrays become ``np.full``; up to LITERAL_MAX elements a list literal (``inf``/``nan``
    are imported by ``program``); beyond it the float64 (or integer) bytes, zlib-compressed, base64.
    """
    a = np.asarray(x)
    integer = a.dtype.kind in "iub"
    wide = a.astype(a.dtype if integer else np.float64)
    typ = f"dtype={dtype!r}" if dtype != "bfloat16" else "dtype=ml_dtypes.bfloat16"
    first = wide.flat[0] if a.size else None
    if a.size > 1 and np.array_equal(wide, np.full_like(wide, first), equal_nan=not integer) and (
            integer or np.all(np.signbit(wide) == np.signbit(first))):  # -0.0 == 0.0, but not for the spec
        return f"np.full({tuple(a.shape)!r}, {first.item()!r}, {typ})"
    if a.size <= LITERAL_MAX:
        return f"np.array({wide.tolist()!r}, {typ})"
    packed = base64.b64encode(zlib.compress(wide.tobytes(), 9)).decode()
    return (f"np.frombuffer(zlib.decompress(base64.b64decode({packed!r})), {str(wide.dtype)!r})"
            f".reshape({tuple(a.shape)!r}).astype({'ml_dtypes.bfloat16' if dtype == 'bfloat16' else repr(dtype)})")
