"""Measure how precise a framework's activations are, on far more inputs than a check draws.

    .venv/bin/python benchmarks/precision.py --adapter tf [--n 200000] [--out precision.json]

For each activation (default arguments) and float dtype, the adapter computes the function on
``n`` inputs: every finite value of the dtype where there are fewer than ``n`` (float16,
bfloat16), else ``n`` values spread evenly over [-30, 30] plus ``n`` log-spaced magnitudes of
both signs over the dtype's normal range. Each output is compared with the spec's float64 value
in ULPs of the dtype (conformance/tolerance.py's ``ulp``, subnormal results measured at the
smallest normal's spacing). The worst error, and the input that gives it, is what an ``ulps``
expectation entry's bound is based on: the bound is the worst error rounded up plus
``--margin`` ULP (default 1), and the entry's reason says so. Run it with each kernel family
(``TF_ENABLE_ONEDNN_OPTS=0`` and ``=1``) before you record a bound.

It prints, per (feature, dtype), the worst ULP error, the input, and whether the tolerance policy
(4 ULP) holds; ``--out`` writes the same as JSON. It runs the adapter in this process (no
isolation), one framework call per (feature, dtype).
"""

from __future__ import annotations

import argparse
import json
import math
import sys
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import adapters  # noqa: E402
from adapters.base import Case, Rejected  # noqa: E402
from adapters.dtypes import FLOAT_DTYPES, finfo, to_dtype  # noqa: E402
from adapters.reference import ReferenceAdapter  # noqa: E402
from conformance import tolerance  # noqa: E402
from reference.registry import features  # noqa: E402


def inputs(dtype: str, n: int) -> np.ndarray:
    """The inputs measured for ``dtype`` (see the module docstring), finite, in the dtype, unique."""
    fi = finfo(dtype)
    bits = {"float16": np.uint16, "bfloat16": np.uint16}.get(dtype)
    if bits is not None:  # 65,536 bit patterns: measure every finite one
        x = np.arange(2**16, dtype=np.uint16).view(to_dtype(np.zeros(1), dtype).dtype)
        return x[np.isfinite(x.astype(np.float64))]
    grid = np.linspace(-30.0, 30.0, n)
    mags = np.exp(np.linspace(math.log(float(fi.smallest_normal)), math.log(float(fi.max)), n // 2))
    x = to_dtype(np.concatenate([grid, mags, -mags]), dtype)
    return np.unique(x)


def measure(adapter, spec, feature: str, dtype: str, n: int) -> dict:
    x = inputs(dtype, n)
    case = Case(feature, "call", {}, (x,), dtype=dtype)
    try:
        actual = np.asarray(adapter.run(case), np.float64)
    except Rejected as e:
        return {"feature": feature, "dtype": dtype, "error": f"rejected: {e}"}
    expected = np.asarray(spec.run(case), np.float64)
    with np.errstate(over="ignore"):
        rounded = to_dtype(expected, dtype).astype(np.float64)  # what the dtype can hold: inf past its max
    tiny = float(finfo(dtype).smallest_normal)
    x64 = x.astype(np.float64)
    # The policy's flush-to-zero allowance: subnormal inputs may be read as 0 and subnormal results
    # written as 0 (conformance/tolerance.py); those elements are not measured.
    flushed = ((x64 != 0) & (np.abs(x64) < tiny)) | (np.abs(expected) < tiny) | (np.abs(actual) < tiny)
    finite = np.isfinite(rounded) & np.isfinite(actual) & ~flushed
    # In ULPs as the check counts them: the spacing at the value, plus eps times the magnitude the
    # formula cancels (elu's exp(x) - 1; the activation checks' cancellation_scale).
    scale = np.broadcast_to(np.nan_to_num(np.asarray(tolerance.cancellation_scale(feature, {}, x), np.float64)), x.shape)
    with np.errstate(invalid="ignore", over="ignore"):
        unit = tolerance.ulp(expected, dtype) + float(finfo(dtype).eps) * scale
        err = np.where(finite, np.abs(actual - expected) / unit, 0.0)
    special = ~np.isfinite(rounded) & ~((actual == rounded) | (np.isnan(actual) & np.isnan(rounded)))
    special |= np.isfinite(rounded) & ~np.isfinite(actual) & (np.abs(rounded) < float(finfo(dtype).max))
    i = int(np.argmax(err))
    return {"feature": feature, "dtype": dtype, "inputs": int(x.size), "worst_ulps": round(float(err[i]), 3),
            "at": float(x.astype(np.float64)[i]), "got": float(actual[i]), "spec": float(expected[i]),
            "within_policy": bool(err[i] <= tolerance.ELEMENTWISE_ULPS), "nonfinite_mismatches": int(special.sum())}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(prog="benchmarks/precision.py", description=__doc__.split("\n\n")[0])
    ap.add_argument("--adapter", default="tf")
    ap.add_argument("--n", type=int, default=200_000, help="inputs per (feature, dtype) for float32/float64")
    ap.add_argument("--margin", type=float, default=1.0, help="ULP added to the worst error for a bound")
    ap.add_argument("--features", default="activations", help="an area of the registry (default: activations)")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args(argv)
    try:
        adapter = adapters.load(args.adapter)
    except (adapters.UnknownAdapter, adapters.AdapterUnavailable) as e:
        print(f"benchmarks/precision.py: {e}", file=sys.stderr)
        return 2
    spec = ReferenceAdapter(edition=adapter.edition, exact=True)
    facts = adapter.describe()["platform_facts"]
    rows = []
    for f in features(args.features):
        for dtype in FLOAT_DTYPES:
            if adapter.supports(f.id, dtype):
                continue
            row = measure(adapter, spec, f.id, dtype, args.n)
            if "worst_ulps" in row:
                row["bound"] = math.ceil(row["worst_ulps"]) + args.margin
            rows.append(row)
            print(json.dumps(row))
    if args.out:
        args.out.write_text(json.dumps({"adapter": args.adapter, "version": adapter.version, "platform_facts": facts,
                                        "n": args.n, "margin": args.margin, "rows": rows}, indent=1))
    return 0


if __name__ == "__main__":
    sys.exit(main())
