"""Run the hand-written mutants (tests/mutants.py) of check modules through the checks that must catch
them, in this process: ``python -m tests.mutant_sweep AREA [AREA ...] [--json PATH]`` (an area is a
check module's name, ``layers_pooling`` for conformance/test_layers_pooling.py).

Each mutant is one in-process pytest run (``run_checks``, also the argument sweep's) of its target
check on its feature, with the ``mutants`` profile (the ci draws, not shrunk) and ``--shapes`` from
``tests.mutants.SHAPES``. One process per area, not per mutant: a Python start, pytest's and the
framework's imports cost ten times the check itself. tests/test_mutants.py runs a child per area, so
a mutant that crashed the interpreter would fail its area's test, not the selftest.
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest

from tests.mutants import MUTANTS, SHAPES

ROOT = Path(__file__).resolve().parents[1]


def run_checks(area: str, adapter: str, *args: str, plugins=()) -> tuple[int, list[dict]]:
    """pytest's exit code and the records of one in-process run of conformance/test_<area>.py on ``adapter``
    (``module:factory``), with the mutants' options; ``args`` add pytest options (``-k``, ``-x``)."""
    with tempfile.TemporaryDirectory() as out:
        rc = pytest.main([str(ROOT / "conformance" / f"test_{area}.py"), "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
                          "--isolation=none", f"--adapter={adapter}", "--hypothesis-profile=mutants",
                          f"--shapes={SHAPES}", "--report", out, "-o", "console_output_style=classic", "--no-header",
                          "--tb=no", *args], plugins=list(plugins))
        path = Path(out) / "results.jsonl"
        return int(rc), [json.loads(line) for line in path.read_text().splitlines()] if path.exists() else []


def selector(name: str) -> str:
    """The ``-k`` expression that selects a mutant's target check on its feature."""
    _, _, _, check, feature = MUTANTS[name]
    return f"test_{check}" + (f" and {feature}" if feature else "")


def run(name: str) -> dict:
    """{"rc": pytest's exit code, "targeted": the records of the mutant's check on its feature}."""
    _, _, area, check, feature = MUTANTS[name]
    rc, records = run_checks(area, f"tests.mutants:{name}", "-k", selector(name))
    return {"rc": rc, "targeted": [r for r in records if r["check"] == check and (feature is None or r["feature"] == feature)]}


def in_child(module: str, *args: str, out: Path) -> dict:
    """The JSON a sweep module (``tests.mutant_sweep``, ``tests.argument_sweep``) wrote to ``out``, run in a
    child process with ``args``: a crash there fails the caller's test, not the selftest."""
    proc = subprocess.run([sys.executable, "-m", module, *args, "--json", str(out)], cwd=ROOT, capture_output=True,
                          text=True, timeout=900)
    assert out.exists(), f"{module} {' '.join(args)} wrote nothing:\n{proc.stdout[-3000:]}\n{proc.stderr[-3000:]}"
    return json.loads(out.read_text())


def emit(results: dict, path: Path | None):
    """A sweep's results as JSON, to ``path`` or stdout."""
    text = json.dumps(results, indent=1, sort_keys=True)
    if path:
        path.write_text(text)
    else:
        print(text)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("areas", nargs="+")
    parser.add_argument("--json", type=Path)
    args = parser.parse_args(argv)
    emit({name: run(name) for name in sorted(MUTANTS) if MUTANTS[name][2] in args.areas}, args.json)


if __name__ == "__main__":
    sys.exit(main())
