"""The readable spec page: docstring parsing, the view model and the rendered HTML."""

from pathlib import Path
import re
from html.parser import HTMLParser

import pytest

from reference.registry import FEATURES, SECTIONS, Feature
from reports import render, spec

CHECKS = {"activations.relu": ["values", "edges"], "layers.Dense": ["roundtrip"]}


@pytest.fixture(scope="module")
def page(tmp_path_factory):
    """The real page, rendered with a small checks dict (no collection)."""
    return spec.render_spec(tmp_path_factory.mktemp("spec"), CHECKS).read_text(encoding="utf-8")


def _section(html, fid):
    """The HTML of feature ``fid``'s <section>."""
    m = re.search(rf'<section class="feature" id="{re.escape(fid)}".*?</section>', html, re.S)
    assert m, fid
    return m.group(0)


def _fake(monkeypatch, doc, fid="activations.fake"):
    """Register a feature whose docstring is ``doc`` for one test."""

    def fake():
        pass

    fake.__doc__ = doc
    monkeypatch.setitem(FEATURES, fid, Feature(fid, fid.split(".")[0], fid.split(".")[1], fake, "000"))


def test_every_feature_has_its_anchor(page):
    ids = re.findall(r'<section class="feature" id="([^"]+)"', page)
    assert sorted(ids) == sorted(FEATURES)
    for fid in FEATURES:
        assert f'href="#{fid}"' in page  # in the table of contents


def test_page_is_standalone(page):
    assert page.startswith("<!doctype html>")
    assert '<meta charset="utf-8">' in page
    assert "<title>keras-conformance: the Keras semantics spec</title>" in page
    assert not re.search(r'(?:src|href)\s*=\s*["\']?(?:https?:)?//', page, re.I)
    assert "<script" not in page and "@import" not in page and "url(" not in page


def test_page_is_well_formed(page):
    # Every element this template opens is closed, in order (void elements excepted).
    void = {"meta", "br", "hr", "img", "input", "link"}

    class Balance(HTMLParser):
        stack = []

        def handle_starttag(self, tag, attrs):
            if tag not in void:
                self.stack.append(tag)

        def handle_endtag(self, tag):
            assert self.stack and self.stack.pop() == tag, (tag, self.stack[-3:])

    parser = Balance()
    parser.feed(page)
    assert parser.stack == []


def test_all_docstrings_parse():
    for f in FEATURES.values():
        summary, sections = spec.parse_doc(f.id, f.doc)
        assert summary and "\n" not in summary
        assert all(s in sections for s in SECTIONS)
        assert all(text.strip() for text in sections.values()), f.id


def test_hard_sigmoid_sections():
    summary, sections = spec.parse_doc("activations.hard_sigmoid", FEATURES["activations.hard_sigmoid"].doc)
    assert summary == "Piecewise-linear approximation of the sigmoid."
    formula = sections["Formula"]
    assert "relu6(x + 3) / 6" in formula and "clip(0.2 x + 0.5, 0, 1)" in formula
    assert formula.splitlines()[1].startswith("Keras 2:")  # line breaks kept, continuation dedented
    assert "Erratum" in sections and "Implementation-defined" not in sections


def test_formula_keeps_relative_indentation():
    formula = spec.parse_doc("layers.Conv2D", FEATURES["layers.Conv2D"].doc)[1]["Formula"]
    lines = formula.splitlines()
    assert lines[0].startswith("channels_last") and lines[1].startswith("(*kernel_size")
    # The line aligned under the sum keeps its extra indent.
    aligned = next(line for line in lines if line.lstrip().startswith("* kernel"))
    assert aligned.startswith(" " * 16)


def test_section_views_and_classes(page):
    html = _section(page, "activations.hard_sigmoid")
    assert '<dt class="erratum">Erratum</dt>' in html and '<dd class="erratum">' in html
    assert "[-1, 0, 1] -&gt; [1/3, 1/2, 2/3]" in html
    assert html.index(">Formula<") < html.index(">Editions<") < html.index(">Erratum<") < html.index(">Source<")
    assert 'class="impl-defined"' in _section(page, "layers.Conv2D")
    seed = _section(page, "layers.Dense")
    assert "seed page 001" in seed and "Dense(32, input_shape=(16,))" in seed


def test_keras2_only_feature_is_marked(page):
    html = _section(page, "layers.LocallyConnected1D")
    assert '<span class="only">keras2 only</span>' in html
    assert 'class="badge ed-missing"' in html and ">keras3<" in html
    assert 'class="only"' not in _section(page, "layers.Conv1D")


def test_checks_are_shown(page):
    relu = _section(page, "activations.relu")
    assert "<code>edges</code>" in relu and "<code>values</code>" in relu and "unchecked" not in relu
    assert relu.index("<code>edges</code>") < relu.index("<code>values</code>")  # sorted
    elu = _section(page, "activations.elu")
    assert 'class="unchecked"' in elu and "not checked" in elu


def test_summary_counts():
    model = spec.spec_model(CHECKS)
    assert model["count"] == len(FEATURES) == model["totals"]["count"]
    assert [a["name"] for a in model["areas"]][0] == "layers"
    assert model["totals"]["unchecked"] == len(FEATURES) - 2
    errata = sum("Erratum" in spec.parse_doc(f.id, f.doc)[1] for f in FEATURES.values())
    assert model["totals"]["errata"] == errata > 0
    assert model["editions"] == ["keras3", "keras2"]


def test_docstrings_are_escaped(monkeypatch, tmp_path):
    hostile = "<script>alert(1)</script>"
    _fake(monkeypatch, f"""Says {hostile} & more.

    Formula: y = x < 1 && x > 0 {hostile}
    Defaults: none.
    Errors: none.
    Editions: the same.
    Source: "<img src=x onerror=alert(2)>".
    """)
    html = spec.render_spec(tmp_path, {"activations.fake": [hostile]}).read_text(encoding="utf-8")
    assert "<script>alert" not in html and "<img src=x" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "y = x &lt; 1 &amp;&amp; x &gt; 0" in html


@pytest.mark.parametrize("doc, message", [
    ("Summary.\n\n    Formula: y.\n    Defaults: none.\n    Errors: none.\n    Editions: same.\n", "missing required"),
    ("Summary.\n\n    Formula: y.\n    Defaults: none.\n    Errors: none.\n    Editions: same.\n"
     "    Footnote: hm.\n    Source: here.\n", "unknown section 'Footnote'"),
    ("Summary.\n\n    Formula: y.\n    Formula: z.\n    Defaults: none.\n    Errors: none.\n"
     "    Editions: same.\n    Source: here.\n", "appears twice"),
    ("Summary\n    over two lines.\n\n    Formula: y.\n", "summary must be one line"),
    ("Summary.\n\n    Formula: y.\n    just text\n", "expected a 'Section: text' header"),
])
def test_malformed_docstring_names_the_feature(monkeypatch, tmp_path, doc, message):
    _fake(monkeypatch, doc, "layers.Broken")
    with pytest.raises(ValueError, match=re.escape(message)) as e:
        spec.render_spec(tmp_path, {})
    assert str(e.value).startswith("layers.Broken:")


def test_environment_autoescapes():
    env = render.environment()
    assert env.from_string("{{ x }}").render(x="<b>&") == "&lt;b&gt;&amp;"
    with pytest.raises(Exception):
        env.from_string("{{ missing }}").render()  # StrictUndefined


def test_collect_checks(tmp_path):
    # pytest --collect-only on the conformance suite, in a subprocess (the checks.json the plugin writes).
    checks = spec.collect_checks()
    assert "values" in checks["activations.relu"]
    assert all(names == sorted(names) for names in checks.values())
    covered = set(checks) & set(FEATURES)
    assert len(covered) >= 0.9 * len(FEATURES)
    # The README links to the committed docs/spec.html: it must be what the code renders now.
    fresh = spec.render_spec(tmp_path, checks).read_text()
    committed = Path(__file__).resolve().parents[1] / "docs" / "spec.html"
    assert committed.read_text() == fresh, "docs/spec.html is stale: regenerate it with python -m reports spec -o docs"


def test_collect_checks_failure_raises(tmp_path):
    # A conformance/ under root that cannot be imported shadows the installed package (python -m
    # puts the working directory first on sys.path), so the collection fails whether or not the
    # project is installed.
    (tmp_path / "conformance").mkdir()
    (tmp_path / "conformance" / "__init__.py").write_text("raise ImportError('a broken conformance package')\n")
    with pytest.raises(RuntimeError, match="(?s)collecting conformance/ failed.*a broken conformance package"):
        spec.collect_checks(tmp_path)
