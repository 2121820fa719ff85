"""Benchmark the gate: wall time, and the share of check time spent inside framework calls.

    python benchmarks/gate.py [--adapter tf] [--workers 2] [--out bench.json]

Runs ``pytest conformance/ --adapter=... -n WORKERS --report TMP`` once, then
sums each check's ``duration_s`` (its call time) and ``framework_s`` (time
inside the adapter's framework calls). Harness overhead = (checks - framework)
/ framework: the time the suite adds to the framework's own.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--adapter", default="tf")
    ap.add_argument("--workers", default="2")
    ap.add_argument("--out", default=None)
    args = ap.parse_args()
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import tensorflow, keras"], check=False, capture_output=True)
    import_s = time.perf_counter() - t0 if args.adapter == "tf" else 0.0
    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "pytest", "conformance/", f"--adapter={args.adapter}", "-q",
                               "-n", args.workers, "--report", tmp, "-p", "no:cacheprovider"],
                              cwd=ROOT, capture_output=True, text=True)
        wall = time.perf_counter() - t0
        records = [json.loads(line) for line in (Path(tmp) / "results.jsonl").read_text().splitlines()]
    checks = sum(r.get("duration_s", 0.0) for r in records)
    framework = sum(r.get("framework_s", 0.0) for r in records)
    result = {"adapter": args.adapter, "workers": int(args.workers), "exit": proc.returncode, "checks": len(records),
              "wall_s": round(wall, 1), "framework_import_s": round(import_s, 1),
              "check_time_s": round(checks, 1), "framework_time_s": round(framework, 1),
              "harness_overhead": round((checks - framework) / framework, 2) if framework else None}
    print(json.dumps(result, indent=2))
    if args.out:
        Path(args.out).write_text(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
