"""Reading recorded runs: ``results.jsonl`` (one check per line) and the ``run.json`` beside it."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

STATUSES = ("pass", "info", "xfail", "diverge", "xpass", "error", "unsupported")
REQUIRED = ("feature", "check", "status")
# What a record may leave out (the end-of-run note on an expectation that matched no check has no
# case; an older or a third party's file may lack newer fields): the pages read these defaults.
OPTIONAL = {"params": {}, "message": "", "nodeid": None, "example": None, "metrics": {}, "stats": [],
            "examples": 0, "mismatches": None, "rejections": None, "repro": "", "snippet": "",
            "duration_s": None, "framework_s": None, "compile_s": None, "spec_s": None, "baseline": None}


class ReportError(Exception):
    """A results file that is missing or malformed; the message says which and where."""


@dataclass
class Run:
    """One recorded run: its metadata (run.json, or what the records say when there is none) and records."""

    source: Path
    meta: dict
    records: list[dict] = field(default_factory=list)

    @property
    def label(self) -> str:
        """A short name for the run's column: adapter, edition, device, and the mode and dtype policy where
        not the defaults, e.g. ``tf keras3 cpu`` or ``tf keras3 cpu jit``."""
        m = self.meta
        facts = m.get("platform_facts") or {}
        how = [v for k, default in (("mode", "eager"), ("dtype_policy", "float32")) if (v := facts.get(k, default)) != default]
        # The kernel family tells apart two runs of one adapter on one device (TF_ENABLE_ONEDNN_OPTS=0 and =1).
        kernels = [f"{k}={v}" for k, v in facts.items() if k in ("onednn", "mkldnn")]
        return " ".join([str(m[k]) for k in ("adapter", "edition", "device") if m.get(k)] + how + kernels) \
            or self.source.parent.name

    def counts(self) -> dict[str, int]:
        out = {s: 0 for s in STATUSES}
        for r in self.records:
            out[r["status"]] += 1
        return {s: n for s, n in out.items() if n}


def load(path: Path | str) -> Run:
    """The run recorded at ``path``: a results.jsonl file, or a directory holding one.

    Raises ReportError naming the file (and line) when it is missing, not JSON, or a record lacks
    a feature, check or a known status.
    """
    path = Path(path)
    results = path / "results.jsonl" if path.is_dir() else path
    if not results.is_file():
        raise ReportError(f"{results}: no such results file (write one with pytest conformance/ --report DIR)")
    records = []
    for n, line in enumerate(results.read_text(encoding="utf-8").splitlines(), 1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as e:
            raise ReportError(f"{results}:{n}: not a JSON record ({e.msg})") from None
        missing = [k for k in REQUIRED if k not in record]
        if missing or record["status"] not in STATUSES:
            why = f"lacks {', '.join(missing)}" if missing else f"has unknown status {record['status']!r}"
            raise ReportError(f"{results}:{n}: the record {why} (statuses: {', '.join(STATUSES)})")
        records.append({**OPTIONAL, **record})
    if not records:
        raise ReportError(f"{results}: holds no records")
    meta_path = results.parent / "run.json"
    meta = json.loads(meta_path.read_text(encoding="utf-8")) if meta_path.is_file() else {}
    first = records[0]
    for k in ("adapter", "framework", "version", "device", "edition", "platform_facts"):
        meta.setdefault(k, first.get(k))
    return Run(results, meta, records)
