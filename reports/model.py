"""The report's view model: runs' records arranged as a feature × check matrix, cells and cards.

A *cell* is every record of one (feature, check) in one run: one per parametrization (dtype,
variant...). It shows its worst status and, when it covers several records, their count. Runs
are aligned by (feature, check); cells of several runs *disagree* when one parametrization has a
different verdict (conforms, diverges, error, unsupported) in two runs.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from reports.runs import Run

# Worst first: a cell shows the worst status among its records.
SEVERITY = ("error", "xpass", "diverge", "xfail", "info", "pass", "unsupported")
VERDICT = {"pass": "conforms", "info": "conforms", "xfail": "diverges", "diverge": "diverges", "xpass": "diverges",
           "error": "error", "unsupported": "unsupported"}
DIVERGENT = ("error", "xpass", "diverge", "xfail")  # each gets a card under "Divergences"


def params_key(record: dict) -> str:
    return ", ".join(f"{k}={v}" for k, v in sorted((record.get("params") or {}).items()))


@dataclass
class Cell:
    records: list[dict] = field(default_factory=list)

    @property
    def status(self) -> str:
        return min((r["status"] for r in self.records), key=SEVERITY.index)

    @property
    def statuses(self) -> list[str]:
        return sorted({r["status"] for r in self.records}, key=SEVERITY.index)

    @property
    def breakdown(self) -> str:
        """e.g. ``pass 3, xfail 1 (dtype=float16)``: the count per status; in a mixed cell, which
        parametrizations have each status (up to four)."""
        parts = []
        for s in self.statuses:
            rs = [r for r in self.records if r["status"] == s]
            named = len(self.statuses) > 1 and len(rs) <= 4
            parts.append(f"{s} {len(rs)}" + (f" ({'; '.join(params_key(r) or 'default' for r in rs)})" if named else ""))
        return ", ".join(parts)

    @property
    def label(self) -> str:
        """What the cell shows: its status for one record, the count for several of one status,
        else ``worst/total`` (``1/4``: one of four cases has the colour's status)."""
        n = len(self.records)
        if n == 1:
            return self.status
        worst = sum(r["status"] == self.status for r in self.records)
        return str(n) if worst == n else f"{worst}/{n}"

    @property
    def card(self) -> str | None:
        """The id of the card of this cell's worst record, if it has one."""
        return next((r["_card"] for r in sorted(self.records, key=lambda r: SEVERITY.index(r["status"]))
                     if "_card" in r), None)

    def verdicts(self) -> dict[str, str]:
        return {params_key(r): VERDICT[r["status"]] for r in self.records}


@dataclass
class Row:
    feature: str
    check: str
    cells: list[Cell | None]  # one per run; None where the run has no such check

    @property
    def disagree(self) -> bool:
        present = [c.verdicts() for c in self.cells if c is not None]
        keys = {k for v in present for k in v}
        return len(present) > 1 and any(len({v[k] for v in present if k in v}) > 1 for k in keys)

    @property
    def statuses(self) -> list[str]:
        return sorted({s for c in self.cells if c for s in c.statuses}, key=SEVERITY.index)


@dataclass
class Area:
    name: str
    rows: list[Row]  # sorted by feature, then check

    @property
    def checks(self) -> list[str]:
        return sorted({r.check for r in self.rows})

    @property
    def features(self) -> list[str]:
        return sorted({r.feature for r in self.rows})

    def grid(self, run: int = 0) -> list[tuple[str, list[Cell | None], list[str]]]:
        """The single-run matrix: per feature, (feature, one cell per check of ``checks``, its statuses)."""
        by = {(r.feature, r.check): r.cells[run] for r in self.rows}
        out = []
        for f in self.features:
            cells = [by.get((f, c)) for c in self.checks]
            out.append((f, cells, sorted({s for c in cells if c for s in c.statuses}, key=SEVERITY.index)))
        return out


def build(runs: list[Run]) -> dict:
    """The whole view model: areas (rows aligned across runs), cards and the unsupported list.

    Marks each record that gets a card with ``_card``, the HTML id of its card.
    """
    rows: dict[tuple[str, str], list[Cell | None]] = {}
    cards, info, unsupported = [], [], []
    for i, run in enumerate(runs):
        for n, r in enumerate(run.records):
            key = (r.get("feature") or r.get("nodeid") or "?", r["check"])
            cells = rows.setdefault(key, [None] * len(runs))
            cells[i] = cells[i] or Cell()
            cells[i].records.append(r)
            if r["status"] in DIVERGENT or r["status"] == "info":
                r["_card"] = f"card-{i}-{n}"
                (cards if r["status"] in DIVERGENT else info).append((i, r))
            elif r["status"] == "unsupported":
                unsupported.append((i, r))
    areas: dict[str, list[Row]] = {}
    for (feature, check), cells in sorted(rows.items()):
        areas.setdefault(feature.split(".", 1)[0], []).append(Row(feature, check, cells))
    order = lambda item: (SEVERITY.index(item[1]["status"]), item[1].get("feature") or "", item[1]["check"], item[0])
    return {"areas": [Area(a, rs) for a, rs in sorted(areas.items())], "cards": sorted(cards, key=order),
            "info": sorted(info, key=order), "unsupported": sorted(unsupported, key=order),
            "disagreements": sum(r.disagree for rs in areas.values() for r in rs)}
