"""Every mutant adapter in tests/mutants.py is caught by the check it targets.

Each mutant runs in its own pytest process on just its target check, with the
``mutants`` profile (the ci examples, not shrunk: only detection matters here); the check must
record a divergence for the mutated feature, with ``--shapes`` from ``tests.mutants.SHAPES``
(KERAS_CONFORMANCE_MUTANT_SHAPES=pooled: the shapes keras-jax is checked with; default ``drawn``).
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from tests.mutants import MUTANTS, SHAPES

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("name", sorted(MUTANTS))
def test_mutant_is_caught(name, tmp_path):
    _, _, area, check, feature = MUTANTS[name]
    path = ROOT / "conformance" / f"test_{area}.py"
    if not path.exists():
        pytest.fail(f"{path.name} does not exist: mutant {name} has no check to catch it")
    selector = f"test_{check}" + (f" and {feature}" if feature else "")
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", str(path), "-q", "-p", "no:cacheprovider", f"--adapter=tests.mutants:{name}",
         "-k", selector, "--report", str(tmp_path), "--hypothesis-profile=mutants",
         f"--shapes={SHAPES}"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    results = tmp_path / "results.jsonl"
    assert results.exists(), f"no results for mutant {name}:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    records = [json.loads(line) for line in results.read_text().splitlines()]
    targeted = [r for r in records if r["check"] == check and (feature is None or r["feature"] == feature)]
    assert targeted, f"mutant {name}: no {check} check for {feature} ran:\n{proc.stdout[-2000:]}"
    caught = [r for r in targeted if r["status"] == "diverge"]
    errors = [r for r in targeted if r["status"] == "error"]
    assert not errors, f"mutant {name}: the check errored instead of diverging: {errors[0]['message']}"
    assert caught, f"mutant {name} escaped {check} on {feature}: " + "; ".join(
        f"{r['params']}={r['status']}" for r in targeted)
    assert proc.returncode == 1, f"mutant {name}: pytest exited {proc.returncode}, expected 1 (failures)"
