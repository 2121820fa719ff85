"""A soak of randomized runs: N ``dev`` runs (random draws, 100 examples per check), each with a
fresh seed and an empty Hypothesis database, so that what one run found is not replayed by the next.

    python benchmarks/soak.py --adapter reference --seeds 1-10
    python benchmarks/soak.py --adapter tf --onednn 0,1 --seeds 201-205 -- -n 2

Against ``reference`` every run must pass: a failure there is a false alarm of the suite's own
statistics or tolerances. Against a framework, every failure must be a divergence the
expectations do not know yet: record it with its cause (or fix the spec), then soak again. Each
run's results go to ``OUT/<adapter>[-onednn<V>]-<seed>/``; a table of the runs and of every
failing check (with its repro) goes to stdout and ``OUT/soak.json``. Exit status: the number of
failing runs (0: all green).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
from reports.runs import ReportError, load  # noqa: E402


def seeds(text: str) -> list[int]:
    out = []
    for part in text.split(","):
        lo, _, hi = part.partition("-")
        out.extend(range(int(lo), int(hi or lo) + 1))
    return out


def run(adapter: str, seed: int, onednn: str | None, out: Path, extra: list[str]) -> dict:
    name = f"{adapter}{f'-onednn{onednn}' if onednn is not None else ''}-{seed}"
    report = out / name
    env = dict(os.environ)
    if onednn is not None:
        env["TF_ENABLE_ONEDNN_OPTS"] = onednn
    with tempfile.TemporaryDirectory() as db:
        env["HYPOTHESIS_STORAGE_DIRECTORY"] = db  # nothing replayed from another run
        t0 = time.monotonic()
        proc = subprocess.run([sys.executable, "-m", "pytest", "conformance/", f"--adapter={adapter}",
                               "--hypothesis-profile=dev", f"--hypothesis-seed={seed}", "--report", str(report),
                               "-q", "-p", "no:cacheprovider", *extra], cwd=ROOT, env=env,
                              capture_output=True, text=True)
        wall = time.monotonic() - t0
    try:
        records = load(report).records
    except ReportError:  # the run broke before it wrote its results: its exit status and tail say why
        records = []
    counts: dict[str, int] = {}
    for r in records:
        if r.get("nodeid"):
            counts[r["status"]] = counts.get(r["status"], 0) + 1
    failing = [{"status": r["status"], "nodeid": r["nodeid"], "message": r["message"][:300], "repro": r.get("repro")}
               for r in records if r.get("nodeid") and r["status"] in ("diverge", "xpass", "error")]
    return {"run": name, "seed": seed, "onednn": onednn, "exit": proc.returncode, "wall_s": round(wall, 1),
            "counts": counts, "failing": failing,
            "tail": proc.stdout[-1500:] if proc.returncode not in (0, 1) or not records else ""}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--adapter", required=True)
    ap.add_argument("--seeds", type=seeds, required=True, help="e.g. 1-10 or 3,7,11")
    ap.add_argument("--onednn", default=None, help="TF_ENABLE_ONEDNN_OPTS values to soak each seed with, e.g. 0,1")
    ap.add_argument("--out", type=Path, default=ROOT / "out" / "soak")
    ap.add_argument("extra", nargs="*", help="more pytest arguments (after --)")
    args = ap.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    runs = []
    for seed in args.seeds:
        for onednn in (args.onednn.split(",") if args.onednn else [None]):
            r = run(args.adapter, seed, onednn, args.out, args.extra)
            runs.append(r)
            counts = " ".join(f"{k}={v}" for k, v in sorted(r["counts"].items()))
            print(f"{r['run']}: exit {r['exit']} in {r['wall_s']} s: {counts}", flush=True)
            for f in r["failing"]:
                print(f"  {f['status']} {f['nodeid']}: {f['message'][:200]}", flush=True)
            if r["tail"]:
                print(r["tail"], flush=True)
    (args.out / "soak.json").write_text(json.dumps(runs, indent=1))
    failed = sum(r["exit"] != 0 for r in runs)
    print(f"{len(runs)} runs, {failed} failing, {sum(len(r['failing']) for r in runs)} failing checks in all")
    return min(failed, 100)


if __name__ == "__main__":
    sys.exit(main())
