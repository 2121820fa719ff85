"""Record a platform's divergences in an expectations file of your own.

    python -m conformance.record DIR/results.jsonl -o my-platform.toml

Reads a run (``pytest conformance/ --adapter=... --report DIR``) and writes the expectations that
make it green on its platform:

- every entry of the run's expectations files that matched a check (``xfail``), unchanged;
- every entry that matched no check of the run (a partial run's), unchanged;
- a new entry for each ``diverge``, its ``reason`` a TODO with the observed message: state the
  cause before you rely on it (a new entry is a claim that the framework differs *because of the
  platform*; a bug is still a bug);
- no entry for an ``xpass``: that divergence does not occur here;
- a ``[[measured]]`` table with the run's platform facts and package versions.

Then run with ``--expectations=my-platform.toml`` instead of the adapter's own file.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import sys
from pathlib import Path

import tomli_w

from conformance import expectations

# Facts that say how a fact was set, or name the CPU beyond its kernels: not part of a measured platform.
NOT_MEASURED = ("onednn_set_by",)


def measured_table(run: dict) -> dict[str, str]:
    """The platform a run identifies: its facts (the CPU by its ISA, a GPU by its model) and versions."""
    facts = dict(run.get("platform_facts", {}))
    if facts.get("device") == "cpu":
        facts.pop("device_model", None)
    return {**{k: v for k, v in facts.items() if k not in NOT_MEASURED}, **run.get("versions", {})}


def new_entry(record: dict) -> dict:
    """A draft expectation entry for a divergent record: its feature, check and params, and a TODO
    reason carrying the observed message (the cause is for a person to state)."""
    entry = {"feature": record["feature"], "check": record["check"], "params": record["params"],
             "reason": "TODO: the cause. Observed: " + record["message"].splitlines()[0][:300]}
    return {k: v for k, v in entry.items() if v != {}}


def _entry(e: expectations.Expectation) -> dict:
    return {k: v for k, v in dataclasses.asdict(e).items() if v not in (None, {}, [])}


def draft(results: Path) -> tuple[dict, list[str]]:
    """The expectations document for the run at ``results`` and notes on what was dropped."""
    records = [json.loads(line) for line in results.read_text(encoding="utf-8").splitlines() if line.strip()]
    run_path = results.parent / "run.json"
    if not run_path.is_file():
        raise SystemExit(f"{run_path}: no run.json beside the results (write both with pytest conformance/ --report DIR)")
    run = json.loads(run_path.read_text(encoding="utf-8"))
    versions = run.get("versions", {})
    facts = run.get("platform_facts", {})
    entries = [e for p in run.get("expectation_files", []) for e in expectations.load(p)
               if e.applies(str(run.get("device", "cpu")).split(","), versions, facts)]
    kept, notes = [], []
    checked = [r for r in records if r.get("nodeid")]
    for e in entries:
        hits = [r for r in checked if e.matches(r["feature"], r["check"], r["params"])]
        if any(r["status"] == "xpass" for r in hits):
            notes.append(f"dropped {e.describe()}: it did not occur on this platform ({e.reason[:100]})")
        elif _entry(e) not in kept:
            kept.append(_entry(e))
    kept += [new_entry(r) for r in checked if r["status"] == "diverge"]
    doc = {"measured": [measured_table(run)], "expected": kept}
    return doc, notes


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="python -m conformance.record", description=__doc__.split("\n\n")[0])
    parser.add_argument("results", type=Path, help="a run's results.jsonl (or its directory)")
    parser.add_argument("-o", "--output", type=Path, required=True, help="the expectations file to write")
    args = parser.parse_args(argv)
    results = args.results / "results.jsonl" if args.results.is_dir() else args.results
    if not results.is_file():
        print(f"{results}: no such results file (write one with pytest conformance/ --report DIR)", file=sys.stderr)
        return 2
    try:
        doc, notes = draft(results)
    except expectations.ExpectationsError as e:
        print(f"cannot read the run's expectations: {e}", file=sys.stderr)
        return 2
    todo = sum(e["reason"].startswith("TODO") for e in doc["expected"])
    header = (f"# Expectations recorded from {results} by python -m conformance.record.\n"
              f"# {todo} entries need their reason stated (search TODO); see conformance/expectations.py.\n")
    args.output.write_text(header + "".join(f"# {n}\n" for n in notes) + "\n" + tomli_w.dumps(doc))
    print(f"wrote {args.output}: {len(doc['expected'])} entries ({todo} new, reasons TODO), {len(notes)} dropped")
    return 0


if __name__ == "__main__":
    sys.exit(main())
