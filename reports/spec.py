"""The readable spec: the ``reference/`` docstrings and registry rendered as one standalone HTML page.

Each feature's docstring is parsed into its sections (``reference.registry.SECTIONS`` and
``OPTIONAL_SECTIONS``); the checks that cover each feature come from the ``checks.json`` the
conformance plugin writes: a run's (``--report DIR``), or the suite's, collected by
``pytest --collect-only`` in a subprocess (``collect_checks``).
"""

from __future__ import annotations

import inspect
import json
import re
import subprocess
import sys
import tempfile
import textwrap
from collections import defaultdict
from pathlib import Path

import reference  # noqa: F401  (registers every feature)
from reference.editions import EDITIONS
from reference.registry import FEATURES, OPTIONAL_SECTIONS, SECTIONS
from reports.render import environment

# The directory holding the conformance package: the checkout's root, or site-packages for an installed wheel.
ROOT = Path(__file__).resolve().parents[1]
TITLE = "keras-conformance: the Keras semantics spec"
# reference/editions.py names the versions checked: Keras 3.15.1 and tf-keras 2.21 (a 2.x release).
KERAS_VERSIONS = "Keras 3.15.1 (keras3) and tf-keras 2.21 (keras2)"
AREAS = ("layers", "initializers", "activations", "constraints", "regularizers")  # page order
# The order sections are shown in, whatever their order in the docstring.
SHOWN = ("Formula", "Defaults", "Errors", "Editions", "Distribution", "Implementation-defined",
         "Seed page", "Erratum", "Source")
CLASSES = {"Implementation-defined": "impl-defined", "Erratum": "erratum"}

# A section header: ``Name: text`` (or a bare ``Name:``) at the docstring's base indent.
_HEADER = re.compile(r"(?P<name>[A-Z][A-Za-z -]*):(?:\s+(?P<rest>.*))?$")


def parse_doc(fid: str, doc: str) -> tuple[str, dict[str, str]]:
    """Return ``(summary, {section name: text})`` for feature ``fid``'s docstring.

    Each text is dedented and keeps its line breaks. Raises ValueError naming ``fid`` for an
    unknown, repeated or missing section, or a line that is neither a header nor inside a section.
    """
    lines = inspect.cleandoc(doc).splitlines()
    if not lines or not lines[0].strip():
        raise ValueError(f"{fid}: empty docstring")
    if len(lines) > 1 and lines[1].strip():
        raise ValueError(f"{fid}: the summary must be one line followed by a blank line")
    known = SECTIONS + OPTIONAL_SECTIONS
    sections: dict[str, list[str]] = {}
    current: list[str] | None = None
    for line in lines[2:]:
        if line[:1].strip():  # text at the base indent starts a section; continuations are indented
            m = _HEADER.match(line)
            if not m:
                raise ValueError(f"{fid}: expected a 'Section: text' header, got {line!r}")
            name = m["name"]
            if name not in known:
                raise ValueError(f"{fid}: unknown section {name!r} (known: {', '.join(known)})")
            if name in sections:
                raise ValueError(f"{fid}: section {name!r} appears twice")
            current = sections[name] = [m["rest"] or ""]
        elif current is not None:
            current.append(line)
        elif line.strip():
            raise ValueError(f"{fid}: text before the first section: {line!r}")
    missing = [s for s in SECTIONS if s not in sections]
    if missing:
        raise ValueError(f"{fid}: missing required section(s) {', '.join(missing)}")
    return lines[0].strip(), {name: _text(body) for name, body in sections.items()}


def _text(body: list[str]) -> str:
    """Return a section's text: the header line's rest, then the continuation lines dedented."""
    first, rest = body[0], textwrap.dedent("\n".join(body[1:])).strip("\n")
    return "\n".join(part for part in (first, rest) if part).rstrip()


def _feature_view(f, checks: dict[str, list[str]]) -> dict:
    """Return the view of one feature: its parsed sections, editions and covering checks."""
    summary, sections = parse_doc(f.id, f.doc)
    return {
        "id": f.id, "area": f.area, "name": f.name, "summary": summary, "seed_page": f.seed_page,
        "editions": list(f.editions), "missing_editions": [e for e in EDITIONS if e not in f.editions],
        "sections": [{"name": n, "text": sections[n], "cls": CLASSES.get(n, "")} for n in SHOWN if n in sections],
        "has_erratum": "Erratum" in sections, "has_impl": "Implementation-defined" in sections,
        "checks": sorted(checks.get(f.id, ())),
    }


def spec_model(checks: dict[str, list[str]] | None = None) -> dict:
    """Return the page's view model.

    Keys: ``title``, ``editions``, ``keras_versions``, ``count`` (features), ``areas`` (a list of
    ``{"name", "features": [feature view], "count", "errata", "impl", "unchecked"}`` in page order)
    and ``totals`` (the same counts over all areas). ``checks`` maps feature id -> check names;
    None collects them from the conformance suite (``collect_checks``).
    """
    if checks is None:
        checks = collect_checks()
    by_area = defaultdict(list)
    for f in sorted(FEATURES.values(), key=lambda f: f.id):
        by_area[f.area].append(_feature_view(f, checks))
    names = [a for a in AREAS if a in by_area] + sorted(set(by_area) - set(AREAS))
    areas = [{"name": a, "features": by_area[a], **_counts(by_area[a])} for a in names]
    return {"title": TITLE, "editions": list(EDITIONS), "keras_versions": KERAS_VERSIONS,
            "count": len(FEATURES), "areas": areas,
            "totals": _counts([v for a in areas for v in a["features"]])}


def _counts(views: list[dict]) -> dict[str, int]:
    """Return the summary table's counts for a list of feature views."""
    return {"count": len(views), "errata": sum(v["has_erratum"] for v in views),
            "impl": sum(v["has_impl"] for v in views), "unchecked": sum(not v["checks"] for v in views)}


def load_checks(report_dir: Path) -> dict[str, list[str]]:
    """Return feature id -> check names from ``report_dir / "checks.json"``, which the conformance
    plugin writes with ``--report`` (the checks of that run, or with ``--collect-only`` the suite's)."""
    return json.loads((Path(report_dir) / "checks.json").read_text(encoding="utf-8"))


def collect_checks(root: Path | None = None) -> dict[str, list[str]]:
    """Return feature id -> sorted check names: ``pytest --pyargs conformance --collect-only`` under
    ``root`` (the directory holding the package), in a subprocess, writing its checks.json into a
    temporary directory.

    Raises RuntimeError with pytest's output if the collection fails.
    """
    root = Path(root or ROOT).resolve()
    with tempfile.TemporaryDirectory() as tmp:
        proc = subprocess.run([sys.executable, "-m", "pytest", "--pyargs", "conformance", "--collect-only", "-q",
                               "-p", "no:cacheprovider", "--adapter=reference", "--isolation=none",
                               f"--rootdir={root}", "--report", tmp],
                              cwd=root, capture_output=True, text=True, timeout=600)
        if proc.returncode != 0 or not (Path(tmp) / "checks.json").is_file():
            raise RuntimeError(f"collecting conformance/ failed (pytest exit {proc.returncode}):\n"
                               f"{proc.stdout[-3000:]}{proc.stderr[-3000:]}")
        return load_checks(Path(tmp))


def render_spec(out_dir: Path, checks: dict[str, list[str]] | None = None) -> Path:
    """Write ``out_dir / "spec.html"`` and return its path; ``checks=None`` collects them (``collect_checks``)."""
    html = environment().get_template("spec.html.j2").render(**spec_model(checks))
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    path = out_dir / "spec.html"
    path.write_text(html, encoding="utf-8")
    return path
