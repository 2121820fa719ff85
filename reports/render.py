"""Rendering the standalone HTML divergence report with Jinja2 (templates in reports/templates/).

Autoescaping is on for every template: configs, messages and snippets come from frameworks and
generated cases, so a ``<script>`` in an error message must stay text.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from pathlib import Path

import jinja2

from reports import model
from reports.plot import ecdf_plot
from reports.runs import STATUSES, Run

SHOWN_VALUES = 16  # values of an array shown on a card; the rest is summarized


def num(v) -> str:
    """A value as a card shows it: floats exactly (Python's shortest round-trip repr, since a
    divergence may lie in the last digit), specials ('nan', 'inf') as recorded, lists elementwise."""
    if isinstance(v, bool) or v is None:
        return str(v)
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(num(x) for x in v) + "]"
    return str(v)


def err(v) -> str:
    """An error size, threshold or rate: 4 significant digits (lists elementwise)."""
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(err(x) for x in v) + "]"
    return f"{v:.4g}" if isinstance(v, float) else num(v)


def pvalue(p) -> str:
    """A p-value; one that underflowed to 0 is shown as below the smallest double."""
    return "< 1e-308" if p == 0 else err(p)


def values(summary: dict | None) -> str:
    """An array summary (conformance/summary.py) as one line: its first values, then min/max/mean."""
    if not summary:
        return ""
    vals = summary.get("values") or []
    text = ", ".join(num(v) for v in vals[:SHOWN_VALUES])
    total = math.prod(summary.get("shape") or [len(vals)])
    if total > min(len(vals), SHOWN_VALUES):
        text += f", … ({total - min(len(vals), SHOWN_VALUES)} more)"
    extra = "".join(f", {k} {num(summary[k])}" for k in ("min", "max", "mean") if k in summary)
    return f"[{text}]" + (f" ({extra[2:]})" if extra else "")


def when(timestamp) -> str:
    if not isinstance(timestamp, (int, float)):
        return "unknown"
    return dt.datetime.fromtimestamp(timestamp, dt.timezone.utc).strftime("%Y-%m-%d %H:%M:%S UTC")


def environment() -> jinja2.Environment:
    """The one Jinja2 environment of both pages (report and spec): autoescaped, strict."""
    env = jinja2.Environment(loader=jinja2.PackageLoader("reports", "templates"), autoescape=True,
                             undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True)
    env.filters.update(num=num, err=err, pvalue=pvalue, values=values, when=when, ecdf_plot=ecdf_plot, params=model.params_key,
                       tojson_pretty=lambda v: json.dumps(v, indent=1, default=str))
    return env


def render_report(runs: list[Run], out_dir: Path | str, name: str = "index.html") -> Path:
    """Write the report of ``runs`` (one run, or several side by side) to ``out_dir/name``."""
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    page = environment().get_template("report.html.j2").render(
        runs=runs, statuses=STATUSES, severity=model.SEVERITY, **model.build(runs))
    path = out / name
    path.write_text(page, encoding="utf-8")
    return path
