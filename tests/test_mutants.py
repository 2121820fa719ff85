"""Every mutant adapter in tests/mutants.py is caught by the check it targets.

One child process per check module runs that module's mutants (tests/mutant_sweep.py: an in-process
pytest run of each mutant's target check, with the ``mutants`` profile: the ci examples, not shrunk,
and ``--shapes`` from ``tests.mutants.SHAPES``: KERAS_CONFORMANCE_MUTANT_SHAPES=pooled, the shapes
keras-jax is checked with; default ``drawn``); the check must record a divergence for the mutated feature.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.mutant_sweep import in_child, selector
from tests.mutants import MUTANTS, SHAPES

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize("area", sorted({entry[2] for entry in MUTANTS.values()}))
def test_mutants_are_caught(area, tmp_path):
    names = sorted(n for n, entry in MUTANTS.items() if entry[2] == area)
    if not (ROOT / "conformance" / f"test_{area}.py").exists():
        pytest.fail(f"conformance/test_{area}.py does not exist: mutants {names} have no check to catch them")
    results = in_child("tests.mutant_sweep", area, out=tmp_path / "sweep.json")
    problems = []
    for name in names:
        check, feature = MUTANTS[name][3:]
        targeted, rc = results[name]["targeted"], results[name]["rc"]
        errors = [r for r in targeted if r["status"] == "error"]
        reproduce = (f"(reproduce: pytest conformance/test_{area}.py --adapter=tests.mutants:{name} "
                     f"-k '{selector(name)}' --hypothesis-profile=mutants --shapes={SHAPES})")
        if not targeted:
            problems.append(f"{name}: no {check} check for {feature} ran {reproduce}")
        elif errors:
            problems.append(f"{name}: the check errored instead of diverging: {errors[0]['message'][:300]} {reproduce}")
        elif not any(r["status"] == "diverge" for r in targeted):
            problems.append(f"{name} escaped {check} on {feature}: "
                            + "; ".join(f"{r['params']}={r['status']}" for r in targeted) + f" {reproduce}")
        elif rc != 1:
            problems.append(f"{name}: pytest exited {rc}, expected 1 (failures) {reproduce}")
    assert not problems, "\n".join(problems)
