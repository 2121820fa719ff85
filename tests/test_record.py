"""A platform new to the expectations: the failing run says so, and ``python -m conformance.record``
drafts the platform's own file, with which the same run is green."""

from __future__ import annotations

import json
import subprocess
import sys
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SELECT = ["conformance/test_activations.py", "-k", "test_values and (sigmoid or tanh) and not hard"]


def _pytest(*args):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *SELECT, *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)


def test_a_new_platform_is_told_how_to_record_its_expectations(tmp_path):
    exp = tmp_path / "exp.toml"
    # Measured elsewhere; one entry that will not occur here (xpass), one that holds (xfail).
    exp.write_text('[[measured]]\ndevice = "cpu"\ncpu_isa = "a CPU nobody has"\n\n'
                   '[[expected]]\nfeature = "activations.tanh"\ncheck = "values"\nparams = { dtype = "float32" }\n'
                   'reason = "a divergence of another platform"\n\n'
                   '[[expected]]\nfeature = "activations.sigmoid"\ncheck = "values"\nparams = { dtype = "float64" }\n'
                   'reason = "the mutant is imprecise in float64 too"\n')
    out = tmp_path / "out"
    proc = _pytest("--adapter=tests.mutants:sigmoid_imprecise", f"--expectations={exp}", "--report", str(out))
    assert proc.returncode == 1
    assert "this platform is new to the expectations" in proc.stdout and "cpu_isa=" in proc.stdout
    assert "python -m conformance.record" in proc.stdout
    run = json.loads((out / "run.json").read_text())
    assert run["platform_measured"] is False and run["platform_facts"]["device"] == "cpu"
    assert "new to the expectations" in (out / "index.html").read_text()

    mine = tmp_path / "mine.toml"
    rec = subprocess.run([sys.executable, "-m", "conformance.record", str(out / "results.jsonl"), "-o", str(mine)],
                         cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert rec.returncode == 0, rec.stderr
    doc = tomllib.loads(mine.read_text())
    assert doc["measured"] == [{k: v for k, v in run["platform_facts"].items() if k not in ("device_model", "onednn_set_by")}]
    entries = {(e["feature"], e["params"].get("dtype")): e for e in doc["expected"]}
    assert ("activations.tanh", "float32") not in entries  # did not occur here: dropped, and said so
    assert "dropped activations.tanh" in mine.read_text()
    assert entries["activations.sigmoid", "float64"]["reason"] == "the mutant is imprecise in float64 too"
    new = [e for e in doc["expected"] if e["reason"].startswith("TODO")]
    assert new and all(e["feature"] == "activations.sigmoid" and "ULP" in e["reason"] for e in new)

    again = _pytest("--adapter=tests.mutants:sigmoid_imprecise", f"--expectations={mine}", "--report", str(tmp_path / "again"))
    assert again.returncode == 0, again.stdout[-2000:]
    assert json.loads((tmp_path / "again" / "run.json").read_text())["platform_measured"] is True


def test_record_of_a_missing_run_is_a_clear_error(tmp_path):
    rec = subprocess.run([sys.executable, "-m", "conformance.record", str(tmp_path / "nope.jsonl"), "-o",
                          str(tmp_path / "x.toml")], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert rec.returncode == 2 and "no such results file" in rec.stderr


def test_baseline_fails_only_on_new_divergences_and_prints_entries_to_paste(tmp_path):
    first = tmp_path / "first"
    proc = _pytest("--adapter=tests.mutants:sigmoid_imprecise", "--report", str(first))
    assert proc.returncode == 1
    assert "[[expected]]" in proc.stdout and 'feature = "activations.sigmoid"' in proc.stdout  # ready to paste
    assert "# minimal example:" in proc.stdout

    again = _pytest("--adapter=tests.mutants:sigmoid_imprecise", f"--baseline={first}", "--report", str(tmp_path / "again"))
    assert again.returncode == 0, again.stdout[-2000:]
    records = [json.loads(line) for line in (tmp_path / "again" / "results.jsonl").read_text().splitlines()]
    known = [r for r in records if r["feature"] == "activations.sigmoid" and r["status"] == "xfail"]
    assert known and all(r["baseline"] == "known" and "baseline run" in r["expectation"]["reason"] for r in known)

    other = _pytest("--adapter=tests.mutants:tanh_clipped", f"--baseline={first}", "--report", str(tmp_path / "other"))
    assert other.returncode == 1
    records = [json.loads(line) for line in (tmp_path / "other" / "results.jsonl").read_text().splitlines()]
    assert {r["baseline"] for r in records if r["status"] == "diverge"} == {"new"}
    assert 'feature = "activations.tanh"' in other.stdout
    assert ">new</span>" in (tmp_path / "other" / "index.html").read_text()


def test_a_missing_baseline_is_a_usage_error(tmp_path):
    proc = _pytest("--adapter=reference", f"--baseline={tmp_path / 'nope'}")
    assert proc.returncode == 4 and "--baseline=" in proc.stderr
