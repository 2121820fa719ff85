"""Run the generated argument mutants of features through their family's checks and say which check
caught each: ``python -m tests.argument_sweep FEATURE [FEATURE ...] [--json PATH]`` (``--all``: every
feature); ``python -m tests.argument_sweep --summary PATH [PATH ...]``: the README's table of such runs.

Each mutant is one in-process pytest run of ``conformance/test_<family>.py`` on the feature's checks
only (``tests.mutant_sweep.run_checks``: the ``mutants`` profile, the ci draws, not shrunk, and ``--shapes``
from ``tests.mutants.SHAPES``) with ``-x``: the first diverging check ends the run. A mutant is caught when some check recorded a
divergence on its feature; an ``error`` record is a crash, which is not a catch.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import pytest

import reference
from conformance.cases import family
from tests import argument_mutants
from tests.mutant_sweep import emit, run_checks


class _OnlyFeature:
    """Keeps the collected checks parametrized by one feature, but its signature check: an argument
    mutant changes what the framework computes, not what its constructor accepts."""

    def __init__(self, feature):
        self.feature = feature

    @pytest.hookimpl(trylast=True)
    def pytest_collection_modifyitems(self, config, items):
        keep = [i for i in items if getattr(getattr(i, "callspec", None), "params", {}).get("feature") == self.feature
                and getattr(i, "originalname", "") != "test_signature"]
        config.hook.pytest_deselected(items=[i for i in items if i not in keep])
        items[:] = keep


def run(m) -> dict:
    """{"caught_by": the first check that diverged, or None; "errors": crashed checks; "checks": count}."""
    if m.change is None:
        return {"caught_by": None, "errors": [], "checks": 0, "seconds": 0.0}
    start = time.perf_counter()
    _, records = run_checks(family(m.feature), f"tests.argument_mutants:{m.name}", "-x", plugins=[_OnlyFeature(m.feature)])
    seconds = time.perf_counter() - start
    mine = [r for r in records if r["feature"] == m.feature]
    caught = [r["check"] for r in mine if r["status"] == "diverge"]
    return {"caught_by": caught[0] if caught else None, "errors": [f"{r['check']}: {r['message'][:300]}" for r in mine
                                                                    if r["status"] == "error"],
            "checks": len(mine), "seconds": round(seconds, 2)}


def summary(results: dict) -> str:
    """Per area: mutants generated, caught, excused (by design) and neither, as a Markdown table."""
    rows = {}
    for m in argument_mutants.MUTANTS.values():
        r = rows.setdefault(m.area, [0, 0, 0, 0])
        r[0] += 1
        got = results.get(m.name, {})
        r[1 if got.get("caught_by") else 2 if argument_mutants.excuse(m) else 3] += 1
    rows["all"] = [sum(r[i] for r in rows.values()) for i in range(4)]
    lines = ["| area | generated | caught | excused | uncaught |", "|---|---|---|---|---|"]
    return "\n".join(lines + [f"| {a} | " + " | ".join(map(str, r)) + " |" for a, r in rows.items()])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("features", nargs="*")
    parser.add_argument("--all", action="store_true", help="every registered feature")
    parser.add_argument("--only", type=Path, help="a JSON list of mutant names: run only these")
    parser.add_argument("--json", type=Path)
    parser.add_argument("--summary", type=Path, nargs="+", help="sweep results to summarize")
    args = parser.parse_args(argv)
    if args.summary:
        results = {}
        for path in args.summary:
            results.update(json.loads(path.read_text()))
        print(summary(results))
        return 0
    features = sorted(reference.FEATURES) if args.all else args.features
    if not features:
        parser.error("name features, or --all, or --summary")
    only = set(json.loads(args.only.read_text())) if args.only else None
    results = {}
    for feature in features:
        for m in argument_mutants.of_feature(feature):
            if only is None or m.name in only:
                results[m.name] = run(m)
    emit(results, args.json)


if __name__ == "__main__":
    sys.exit(main())
