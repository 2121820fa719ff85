"""The Markdown summary of one or more runs (``python -m reports summary RESULTS... -o summary.md``):
short enough for a CI step summary or a pull-request comment.

It holds the counts per status of each run, then each divergence as one line with its repro
command, the new ones first: a divergence no expectation names (``diverge``), an error, a stale
expectation (``xpass``), and where the run had a ``--baseline`` one it did not have; then the known
ones (``xfail``, or in the baseline), cut at ``KNOWN_SHOWN`` lines. The HTML report holds the rest.
"""

from __future__ import annotations

from reports.model import params_key
from reports.runs import STATUSES, Run

NEW = ("error", "xpass", "diverge")  # what fails a run
KNOWN_SHOWN = 50
MESSAGE_CHARS = 200


def is_new(record: dict) -> bool:
    if record["status"] in NEW:
        return record.get("baseline") != "known"
    return record["status"] == "xfail" and record.get("baseline") == "new"


def _line(run: Run, record: dict) -> str:
    message = (record.get("message") or "").strip().splitlines()
    message = message[0] if message else ""
    if len(message) > MESSAGE_CHARS:
        message = message[:MESSAGE_CHARS - 1] + "…"
    params = params_key(record)
    repro = f" `{record['repro']}`" if record.get("repro") else ""
    where = f"{record['feature']} / {record['check']}" + (f" ({params})" if params else "")
    return f"- **{record['status']}** [{run.label}] {where}: {message.replace('|', '/')}{repro}"


def summary(runs: list[Run]) -> str:
    """The Markdown text for ``runs`` (each a results file's :class:`reports.runs.Run`)."""
    shown = [s for s in STATUSES if any(run.counts().get(s) for run in runs)]
    out = ["## keras-conformance", "", "| run | " + " | ".join(shown) + " |", "|---|" + "---|" * len(shown)]
    for run in runs:
        counts = run.counts()
        out.append(f"| {run.label} | " + " | ".join(str(counts.get(s, 0)) for s in shown) + " |")
    divergent = [(run, r) for run in runs for r in run.records if r["status"] in (*NEW, "xfail")]
    new = [(run, r) for run, r in divergent if is_new(r)]
    known = [(run, r) for run, r in divergent if not is_new(r)]
    out += ["", f"### New divergences: {len(new)}", ""]
    out += [_line(run, r) for run, r in new] or ["None: every divergence is a known one."]
    out += ["", f"### Known divergences (in the expectations files): {len(known)}", ""]
    out += [_line(run, r) for run, r in known[:KNOWN_SHOWN]]
    if len(known) > KNOWN_SHOWN:
        out.append(f"- … and {len(known) - KNOWN_SHOWN} more: see the HTML report")
    return "\n".join(out) + "\n"
