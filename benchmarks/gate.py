"""Benchmark the gate: its wall time, the time inside the framework, the compile time, and how much
the harness adds to the framework's own time.

    .venv/bin/python benchmarks/gate.py [--adapter tf] [--workers 2] [--out bench.json] [-- --mode=jit]

Extra pytest arguments after ``--`` (``--mode=eager,jit``, ``--dtype-policy=mixed_float16``) are
passed on: the figures are per adapter and mode.

Runs ``python -m pytest conformance/ --adapter=ADAPTER -n WORKERS --report TMP``
once (a benchmark, not a test: the suite's exit status is reported, not
asserted), then reads ``TMP/results.jsonl``: each check's ``duration_s`` (its
call time) and ``framework_s`` (the seconds the adapter spent inside framework
calls during that check, from ``Adapter.framework_seconds``) and ``compile_s`` (of that, the
seconds spent tracing and compiling in a compiled mode, ``Adapter.compile_seconds``: tf.function's
and XLA's first call over the second, JAX's ``lower().compile()``; and in every mode the XLA compiles
of JAX's eager ops, each compiled per shape and dtype, as JAX reports them).

    harness overhead = (sum of check durations - framework time) / framework time

i.e. the time the suite (Hypothesis, the float64 spec, comparison, statistics)
adds per second of framework work. Each record's ``spec_s`` (time inside the NumPy reference)
against its ``framework_s`` gives, per layer family (convolution, pooling, ...), how the
reference's cost compares with the framework's on the suite's own cases: the reference must not
be the bottleneck. Hypothesis' own cost per example (its engine around one
draw of one integer, the suite's ``ci`` settings, no check at all) is measured apart too: it is the
floor of the harness time per example of any check that makes one framework call per example.
``costly_checks`` gives the count and time of the checks that do more than call the framework: the
gradient and training-step checks (issue 16) and the saved-model check (a file written and read per example). TensorFlow's import/start-up time is
measured apart (``python -c "import tensorflow, keras"``, median of a few
runs); every pytest process (each xdist worker) pays it once.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
# Check modules whose reference time is compared with the framework's, by layer family.
FAMILIES = {"test_layers_convolution.py": "convolution", "test_layers_convolution_transpose.py": "convolution",
            "test_layers_pooling.py": "pooling", "test_layers_spatial.py": "cropping/padding/upsampling",
            "test_layers_merging.py": "merge", "test_layers_embedding.py": "embedding",
            **{f"test_layers_{f}.py": "core layers" for f in ("core", "reshaping", "dropout", "masking", "regularization")}}


def tf_import_seconds(repeats: int) -> dict:
    env = {**os.environ, "TF_CPP_MIN_LOG_LEVEL": "2", "KERAS_BACKEND": "tensorflow"}
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-c", "import tensorflow, keras"], env=env, capture_output=True,
                              text=True, stdin=subprocess.DEVNULL)
        if proc.returncode != 0:
            return {"tf_import_s": None, "tf_import_error": proc.stderr.strip().splitlines()[-1:]}
        times.append(time.perf_counter() - t0)
    return {"tf_import_s": round(statistics.median(times), 2), "tf_import_runs_s": [round(t, 2) for t in times]}


def hypothesis_floor_ms(examples: int = 300, repeats: int = 5) -> float:
    """Milliseconds per example that Hypothesis itself takes under the ci profile: the best of
    ``repeats`` runs of a test that draws one integer and does nothing else."""
    sys.path.insert(0, str(ROOT))
    from hypothesis import given, settings, strategies as st

    from conformance import profiles

    profiles.load("ci")
    best = float("inf")
    for _ in range(repeats):
        @settings(max_examples=examples)
        @given(data=st.data())
        def probe(data):
            data.draw(st.integers())

        t0 = time.perf_counter()
        probe()
        best = min(best, time.perf_counter() - t0)
    return round(best / examples * 1e3, 3)


def run_gate(adapter: str, workers: str, extra: list[str]) -> dict:
    with tempfile.TemporaryDirectory(prefix="gate-bench-") as tmp:
        cmd = [sys.executable, "-m", "pytest", "conformance/", f"--adapter={adapter}", "-n", workers,
               "--report", tmp, "-q", "-p", "no:cacheprovider", *extra]
        t0 = time.perf_counter()
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, stdin=subprocess.DEVNULL)
        wall = time.perf_counter() - t0
        if not (Path(tmp) / "results.jsonl").exists():
            sys.exit(f"benchmarks/gate.py: pytest wrote no results (exit {proc.returncode}):\n"
                     f"{(proc.stdout + proc.stderr)[-4000:]}")
        return {"command": " ".join(["python", *cmd[1:cmd.index("--report")], "--report", "TMP", *extra]),
                "pytest_exit": proc.returncode, **summarize(Path(tmp), wall)}


COSTLY_CHECKS = ("gradients", "gradient_kinks", "training_step", "saved_model")


def summarize(report: Path, wall: float | None = None) -> dict:
    """The figures of a recorded run (``--report`` directory): its checks' times from results.jsonl,
    its wall time measured here or, for an earlier run, run.json's ``duration_s``."""
    records = [json.loads(line) for line in (report / "results.jsonl").read_text().splitlines() if line.strip()]
    run = json.loads((report / "run.json").read_text()) if (report / "run.json").exists() else {}
    wall = wall if wall is not None else run.get("duration_s") or 0.0
    facts = run.get("platform_facts", {})
    checks = [r for r in records if "nodeid" in r]  # not the end-of-run notes on unmatched expectations
    counts: dict[str, int] = {}
    for r in checks:
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    families: dict[str, list[float]] = {}
    for r in checks:
        fam = FAMILIES.get(r["nodeid"].split("::")[0].rsplit("/", 1)[-1])
        if fam:
            acc = families.setdefault(fam, [0.0, 0.0])
            acc[0] += r.get("spec_s") or 0.0
            acc[1] += r.get("framework_s") or 0.0
    check_s = sum(r.get("duration_s") or 0.0 for r in checks)
    framework_s = sum(r.get("framework_s") or 0.0 for r in checks)
    compile_s = sum(r.get("compile_s") or 0.0 for r in checks)
    # The property checks (more than one example): their time per Hypothesis example.
    prop = [r for r in checks if (r.get("examples") or 0) > 1]
    prop_examples = sum(r["examples"] for r in prop)
    prop_fw = sum(r.get("framework_s") or 0.0 for r in prop)
    prop_harness = sum((r.get("duration_s") or 0.0) - (r.get("framework_s") or 0.0) for r in prop)
    # The backward pass's and the saved model's checks: their share of the gate's time.
    costly = {}
    for r in checks:
        if r["check"] in COSTLY_CHECKS:
            acc = costly.setdefault(r["check"], {"checks": 0, "check_time_s": 0.0, "framework_time_s": 0.0})
            acc["checks"] += 1
            acc["check_time_s"] = round(acc["check_time_s"] + (r.get("duration_s") or 0.0), 2)
            acc["framework_time_s"] = round(acc["framework_time_s"] + (r.get("framework_s") or 0.0), 2)
    return {
        "mode": facts.get("mode", "eager"), "dtype_policy": facts.get("dtype_policy", "float32"),
        "version": run.get("version"),
        "profile": run.get("profile"),
        "checks": len(checks),
        "statuses": dict(sorted(counts.items())),
        "wall_s": round(wall, 2),
        "check_time_s": round(check_s, 2),
        "framework_time_s": round(framework_s, 2),
        "compile_time_s": round(compile_s, 2),
        "harness_time_s": round(check_s - framework_s, 2),
        "harness_overhead": round((check_s - framework_s) / framework_s, 3) if framework_s > 0 else None,
        "property_checks": {"checks": len(prop), "examples": prop_examples,
                            "framework_ms_per_example": round(prop_fw / prop_examples * 1e3, 3) if prop_examples else None,
                            "harness_ms_per_example": round(prop_harness / prop_examples * 1e3, 3) if prop_examples else None},
        "costly_checks": costly,
        "reference_vs_framework": {f: {"reference_s": round(a, 3), "framework_s": round(b, 3),
                                       "ratio": round(a / b, 3) if b > 0 else None}
                                   for f, (a, b) in sorted(families.items())},
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--adapter", default="tf", help="adapter to benchmark (default: tf)")
    ap.add_argument("--workers", default="2", help="pytest-xdist workers, -n (default: 2)")
    ap.add_argument("--out", default=None, metavar="FILE", help="also write the JSON result to FILE")
    ap.add_argument("--import-repeats", type=int, default=3, help="runs of the TensorFlow import timing (default: 3)")
    ap.add_argument("--results", default=None, metavar="DIR",
                    help="summarize an earlier run's --report DIR instead of running the gate")
    ap.add_argument("pytest_args", nargs="*", help="extra pytest arguments, after --")
    args = ap.parse_args(argv)
    if args.results:
        print(json.dumps({"results": args.results, **summarize(Path(args.results))}, indent=2))
        return
    result = {"adapter": args.adapter, "workers": int(args.workers), "cpus": os.cpu_count(),
              "python": sys.version.split()[0], **tf_import_seconds(args.import_repeats),
              **run_gate(args.adapter, args.workers, args.pytest_args)}
    floor = hypothesis_floor_ms()
    per_ex = result["property_checks"]["framework_ms_per_example"]
    result["hypothesis_floor"] = {"ms_per_example": floor,
                                  "over_framework": round(floor / per_ex, 3) if per_ex else None}
    text = json.dumps(result, indent=2)
    print(text)
    if args.out:
        Path(args.out).write_text(text + "\n")


if __name__ == "__main__":
    main()
