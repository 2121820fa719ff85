"""JSON-able summaries of cases and arrays for results lines (large arrays are cut)."""

from __future__ import annotations

import numpy as np

MAX_VALUES = 64


def array_summary(x) -> dict:
    x = np.asarray(x)
    flat = x.astype(np.float64).ravel() if x.dtype.kind in "fc" or x.dtype.name == "bfloat16" else x.ravel()
    out = {"shape": list(x.shape), "dtype": str(x.dtype), "values": [_num(v) for v in flat[:MAX_VALUES]]}
    if flat.size > MAX_VALUES:
        out["truncated"] = True
        finite = flat[np.isfinite(flat)] if flat.dtype.kind == "f" else flat
        if finite.size:
            out.update(min=_num(finite.min()), max=_num(finite.max()), mean=_num(finite.mean()))
    return out


def _num(v):
    """``v`` as JSON-able data: arrays as lists, within lists, tuples and dicts too (a config may hold
    an array: Embedding(weights=[table]))."""
    if isinstance(v, np.ndarray) and v.ndim:
        return [_num(e) for e in v.tolist()]
    if isinstance(v, (list, tuple)):
        return [_num(e) for e in v]
    if isinstance(v, dict):
        return {k: _num(e) for k, e in v.items()}
    v = v.item() if hasattr(v, "item") else v
    if isinstance(v, float) and not np.isfinite(v):
        return repr(v)  # JSON has no nan/inf
    return v


def case_dict(case) -> dict:
    return {"feature": case.feature, "op": case.op, "config": {k: _num(v) for k, v in dict(case.config).items()},
            "dtype": case.dtype, "shape": list(case.shape) if case.shape is not None else None,
            "identifier": case.identifier, "inputs": [array_summary(x) for x in case.inputs],
            **({"weights": {k: array_summary(v) for k, v in case.weights.items()}} if case.weights else {}),
            **({"training": True} if case.training else {}),
            **({"cotangent": [array_summary(g) for g in case.cotangent]} if case.cotangent else {}),
            **({"learning_rate": case.learning_rate} if case.learning_rate is not None else {}),
            **({"mask": [None if m is None else array_summary(m) for m in case.mask] if isinstance(case.mask, list)
                else array_summary(case.mask)} if case.mask is not None else {})}
