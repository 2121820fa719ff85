"""The report and the spec page in a real browser: Debian's headless Chromium, driven by Playwright.

The runs are recorded for real: the suite runs on a subset of checks against
``tests.report_adapters:broken`` (statistical, elementwise and rejection divergences, plus an
error message full of markup) and against the reference, and ``--report`` renders the pages.
No browser is a failure with the fix in its message (scripts/_browser.sh), never a skip.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reference.registry import FEATURES
from reports import browser, render
from reports.runs import load
from tests.report_adapters import HOSTILE

ROOT = Path(__file__).resolve().parents[1]
SUBSET = "(distribution and GlorotUniform) or (values and (elu or softsign or tanh)) or (rejects and L1 and not L1L2)"
FILES = ["conformance/test_initializers.py", "conformance/test_activations.py", "conformance/test_regularizers.py"]


def _record(adapter: str, out: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pytest", *FILES, "-q", "-p", "no:cacheprovider", "-k", SUBSET,
                           f"--adapter={adapter}", "--hypothesis-profile=mutants", "--report", str(out),
                           "--junitxml", str(out / "junit.xml")], cwd=ROOT, capture_output=True, text=True, timeout=600)


@pytest.fixture(scope="module")
def runs(tmp_path_factory):
    """{name: report dir}: the broken adapter's run (with a record doctored to carry a hostile
    config), the reference's run, and both merged."""
    base = tmp_path_factory.mktemp("reports")
    proc = _record("tests.report_adapters:broken", base / "broken")
    assert proc.returncode == 1, proc.stdout[-3000:] + proc.stderr[-3000:]  # divergences fail the run
    proc = _record("reference", base / "reference")
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    results = base / "broken" / "results.jsonl"
    records = [json.loads(line) for line in results.read_text().splitlines()]
    hostile = next(r for r in records if r["feature"] == "activations.elu" and r["status"] == "diverge")
    hostile["example"]["config"][HOSTILE] = HOSTILE  # a config key and value no framework should send
    results.write_text("".join(json.dumps(r) + "\n" for r in records))
    render.render_report([load(results)], base / "broken")
    render.render_report([load(base / "broken"), load(base / "reference")], base / "merged")
    return {"broken": base / "broken", "reference": base / "reference", "merged": base / "merged"}


@pytest.fixture(scope="module")
def chromium():
    try:
        with browser.launch() as b:
            yield b
    except browser.BrowserUnavailable as e:
        pytest.fail(str(e))


def _open(chromium, path: Path):
    """(page, errors): ``path`` loaded, with every console error and uncaught exception collected."""
    page = chromium.new_page(viewport={"width": 1400, "height": 900})
    errors = browser.problems_of(page)
    page.goto(path.resolve().as_uri())
    return page, errors


def _visible(page, selector: str) -> int:
    return page.locator(f"{selector}:visible").count()


def test_problems_are_caught(chromium, tmp_path):
    """What the page checks look for is really seen: an error, an exception, a network request."""
    bad = tmp_path / "bad.html"
    bad.write_text('<!doctype html><script>console.error("boom"); undefinedCall();</script>'
                   '<img src="http://example.invalid/x.png">')
    page, errors = _open(chromium, bad)
    page.wait_for_timeout(300)
    assert any("boom" in e for e in errors) and any("uncaught" in e for e in errors)
    assert any("network request: http://example.invalid" in e for e in errors)


def test_report_and_spec_render_without_console_errors(runs, chromium, tmp_path):
    for name in ("index.html", "spec.html"):
        page, errors = _open(chromium, runs["broken"] / name)
        assert errors == [], f"{name}: {errors}"
        page.close()
    page, errors = _open(chromium, runs["merged"] / "index.html")
    png = tmp_path / "report.png"
    page.screenshot(path=str(png))
    assert errors == [] and png.stat().st_size > 10_000 and png.read_bytes()[:4] == b"\x89PNG"


def test_header_names_the_run(runs, chromium):
    page, _ = _open(chromium, runs["broken"] / "index.html")
    header = page.locator("header").inner_text()
    for text in ("mutant:report-fixture", "keras3", "cpu", "profile mutants", "derandomized", "Python", "started",
                 "diverge"):
        assert text in header, text


def test_filters_change_what_is_shown(runs, chromium):
    page, errors = _open(chromium, runs["broken"] / "index.html")
    everything = _visible(page, "tr.row") + _visible(page, "details.card")
    page.uncheck("input[name=status][value=pass]")
    assert not page.locator("tr.row", has_text="activations.tanh").is_visible()  # it only passes
    assert page.locator("tr.row", has_text="activations.elu").is_visible()
    page.uncheck("input[name=status][value=diverge]")
    assert _visible(page, "details.card") == 0
    page.check("input[name=status][value=pass]")
    page.check("input[name=status][value=diverge]")
    page.select_option("#f-area", "regularizers")
    rows = page.locator("tr.row:visible").all_inner_texts()
    assert rows and all("regularizers." in r for r in rows)
    page.select_option("#f-area", "")
    page.fill("#f-text", "softsign")
    cards = page.locator("details.card:visible summary").all_inner_texts()
    assert len(cards) == 4 and all("softsign" in c for c in cards)
    page.fill("#f-text", "")
    assert _visible(page, "tr.row") + _visible(page, "details.card") == everything
    assert errors == []


def test_cards_open_from_the_matrix_and_show_the_evidence(runs, chromium):
    page, errors = _open(chromium, runs["broken"] / "index.html")
    glorot = page.locator("details.card", has_text="initializers.GlorotUniform").first
    assert not glorot.locator(".body").is_visible()
    page.locator("tr.row", has_text="initializers.GlorotUniform").locator("a.badge").first.click()
    assert glorot.evaluate("d => d.open") and glorot.locator(".body").is_visible()
    body = glorot.locator(".body").inner_text()
    assert "KS" in body and "p-value" in body and "false alarm" in body
    assert glorot.locator("figure.plot svg polyline").count() == 2
    elu = page.locator("details.card", has_text="activations.elu").first
    elu.locator("summary").click()
    text = elu.locator(".body").inner_text()
    assert "max ULP error" in text and "Expected against actual" in text and "pytest " in text
    assert "keras.activations.elu" not in text  # the mutant adapter writes no snippet; none is invented
    l1 = page.locator("details.card", has_text="regularizers.L1").first
    l1.locator("summary").click()
    assert "Rejection mismatch" in l1.inner_text() and "accepts it" in l1.inner_text()
    assert errors == []


def test_hostile_strings_stay_text(runs, chromium):
    page, errors = _open(chromium, runs["broken"] / "index.html")
    for card in page.locator("details.card").all():
        card.locator("summary").click()
    assert page.evaluate("window.__pwned") is None, "markup from a record ran in the report"
    assert page.locator("img[src=x]").count() == 0 and page.locator("body script").count() == 1  # the report's own
    text = page.locator("body").inner_text()
    assert "<script>window.__pwned = 1</script>" in text  # in a message, a rejection and a config
    assert page.locator("table.config", has_text="<script>").count() == 1
    assert errors == []


def test_merged_report_aligns_runs_and_marks_disagreements(runs, chromium):
    page, errors = _open(chromium, runs["merged"] / "index.html")
    heads = page.locator("table.matrix").first.locator("thead th").all_inner_texts()
    assert heads[:2] == ["feature", "check"] and len(heads) == 4  # one column per run
    disagree = page.locator("tr.row.disagree")
    assert disagree.count() > 0 and all(
        any(f in t for f in ("elu", "softsign", "GlorotUniform", "L1")) for t in disagree.all_inner_texts())
    assert page.locator("tr.row", has_text="activations.tanh").first.get_attribute("class") == "row"  # both pass
    page.check("#f-disagree")
    assert _visible(page, "tr.row") == disagree.count()
    assert errors == []


def test_spec_page_shows_every_feature(runs, chromium):
    page, errors = _open(chromium, runs["broken"] / "spec.html")
    assert page.locator("section.feature").count() == len(FEATURES)
    relu = page.locator("section.feature[id='activations.relu']")
    assert "values" in relu.inner_text()  # the checks this run ran
    assert errors == []


def test_junitxml_keeps_working_beside_the_report(runs):
    junit = (runs["broken"] / "junit.xml").read_text()
    assert "<testsuite" in junit and 'failures="' in junit and "test_values" in junit


def test_render_command_merges_runs_and_rejects_bad_input(runs, tmp_path):
    proc = subprocess.run([sys.executable, "-m", "reports", "render", str(runs["broken"] / "results.jsonl"),
                           str(runs["reference"]), "-o", str(tmp_path / "m")], cwd=ROOT, capture_output=True, text=True)
    assert proc.returncode == 0 and (tmp_path / "m" / "index.html").exists(), proc.stderr
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"feature": "a.b", "check": "c", "status": "pass"}\nnot json\n')
    for arg, why in ((str(tmp_path / "nope"), "no such results file"), (str(bad), "bad.jsonl:2: not a JSON record")):
        proc = subprocess.run([sys.executable, "-m", "reports", "render", arg, "-o", str(tmp_path / "x")], cwd=ROOT,
                              capture_output=True, text=True)
        assert proc.returncode == 2 and why in proc.stderr, proc.stderr
