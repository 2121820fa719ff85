"""``python -m reports summary``: the Markdown summary for a CI page (reports/markdown.py)."""

from __future__ import annotations

import json
import subprocess
import sys

from reports import markdown


def _write(directory, adapter, records):
    directory.mkdir(parents=True)
    lines = [{"adapter": adapter, "edition": "keras3", "device": "cpu", "params": {"dtype": "float32"},
              "repro": f"pytest x --adapter={adapter}", **r} for r in records]
    (directory / "results.jsonl").write_text("".join(json.dumps(r) + "\n" for r in lines))
    return directory


def _cli(*args):
    return subprocess.run([sys.executable, "-m", "reports", "summary", *map(str, args)], capture_output=True, text=True,
                          timeout=120)


def test_counts_per_run_and_new_divergences_first(tmp_path):
    a = _write(tmp_path / "a", "tf", [
        {"feature": "activations.relu", "check": "values", "status": "pass"},
        {"feature": "activations.elu", "check": "values", "status": "xfail", "message": "out[0]=1, but should be 2 [elu]"},
        {"feature": "activations.gelu", "check": "values", "status": "diverge", "message": "out[1]=0.5, but should be 0.47 [gelu]\nmore"},
    ])
    b = _write(tmp_path / "b", "keras-torch", [
        {"feature": "activations.relu", "check": "values", "status": "error", "message": "Lost: the child crashed"},
        {"feature": "layers.Dense", "check": "values", "status": "xpass", "message": "expected divergence did not occur"},
        {"feature": "layers.Dense", "check": "gradients", "status": "unsupported"},
    ])
    proc = _cli(a, b, "-o", tmp_path / "summary.md")
    assert proc.returncode == 0, proc.stderr
    text = (tmp_path / "summary.md").read_text()
    lines = text.splitlines()
    assert "| run | pass | xfail | diverge | xpass | error | unsupported |" in lines
    assert "| tf keras3 cpu | 1 | 1 | 1 | 0 | 0 | 0 |" in lines
    assert "| keras-torch keras3 cpu | 0 | 0 | 0 | 1 | 1 | 1 |" in lines
    new, known = text.index("### New divergences: 3"), text.index("### Known divergences (in the expectations files): 1")
    assert new < known
    gelu = text.index("**diverge** [tf keras3 cpu] activations.gelu / values (dtype=float32): out[1]=0.5, but should "
                      "be 0.47 [gelu] `pytest x --adapter=tf`")
    assert new < gelu < known and "more" not in text  # one line per divergence
    assert new < text.index("**error** [keras-torch keras3 cpu] activations.relu") < known
    assert new < text.index("**xpass** [keras-torch keras3 cpu] layers.Dense / values") < known
    assert known < text.index("**xfail** [tf keras3 cpu] activations.elu")


def test_a_baseline_decides_what_is_new_and_long_lists_are_cut(tmp_path):
    records = [{"feature": f"activations.f{i}", "check": "values", "status": "xfail", "baseline": "known"}
               for i in range(markdown.KNOWN_SHOWN + 5)]
    records += [{"feature": "activations.g", "check": "values", "status": "xfail", "baseline": "new"},
                {"feature": "activations.h", "check": "values", "status": "diverge", "baseline": "known"}]
    run = _write(tmp_path / "a", "tf", records)
    text = _cli(run, "-o", "-").stdout
    assert "### New divergences: 1" in text and text.index("activations.g /") < text.index("### Known")
    assert f"### Known divergences (in the expectations files): {markdown.KNOWN_SHOWN + 6}" in text
    assert "… and 6 more: see the HTML report" in text


def test_a_missing_results_file_is_a_clear_error(tmp_path):
    proc = _cli(tmp_path / "nothing", "-o", tmp_path / "s.md")
    assert proc.returncode == 2 and "no such results file" in proc.stderr
    assert not (tmp_path / "s.md").exists()
