"""The suite used from outside the checkout (issue 17): built into a wheel with ``python -m build``,
installed into a fresh venv that sees this environment's frameworks (no second TensorFlow download),
and run from an empty directory as ``pytest --pyargs conformance``; the plugin, registered by its
``pytest11`` entry point, stays inert in a run of a user's own tests."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What a copy of the checkout leaves out: a stale build/ would put removed modules into the wheel.
NOT_SOURCE = shutil.ignore_patterns(".git", ".venv*", ".tox", "out", "build", "dist", "*.egg-info", "__pycache__",
                                    ".hypothesis", ".pytest_cache", "tests", "docs", "benchmarks")


def _run(cmd, **kw):
    proc = subprocess.run([str(c) for c in cmd], capture_output=True, text=True, timeout=900, **kw)
    assert proc.returncode == 0, f"{' '.join(map(str, cmd))} exited {proc.returncode}:\n{proc.stdout[-3000:]}{proc.stderr[-3000:]}"
    return proc


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """A fresh venv with the wheel installed (no dependencies), and this environment's packages (numpy,
    pytest, TensorFlow...) behind it through a .pth line (which processes no .pth of theirs, so the
    checkout's editable install stays out): its python."""
    tmp = tmp_path_factory.mktemp("wheel")
    shutil.copytree(ROOT, tmp / "src", ignore=NOT_SOURCE)
    _run([sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", tmp / "dist", tmp / "src"])
    wheels = list((tmp / "dist").glob("keras_conformance-*.whl"))
    assert len(wheels) == 1, wheels
    _run([sys.executable, "-m", "venv", "--without-pip", tmp / "venv"])
    python = tmp / "venv" / "bin" / "python"
    _run([sys.executable, "-m", "pip", "--python", python, "install", "-q", "--no-deps", "--no-index",
          "--disable-pip-version-check", wheels[0]])
    site = Path(_run([python, "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"]).stdout.strip())
    (site / "_frameworks.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    return python


def _clean_env() -> dict:
    return {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}


def test_the_installed_suite_runs_from_an_empty_directory(installed, tmp_path):
    """``pytest --pyargs conformance.test_activations --adapter=tf -k SLICE --report out`` (a slice of
    ``pytest --pyargs conformance``) from an empty directory: the
    checks and the expectations come from the wheel, and the report is written."""
    where = _run([installed, "-c", "import conformance, reports; print(conformance.__file__); print(reports.__file__)"],
                 cwd=tmp_path, env=_clean_env()).stdout.split()
    assert all(str(installed.parents[1]) in w for w in where), where  # the wheel's, not the checkout's
    proc = subprocess.run([installed, "-m", "pytest", "--pyargs", "conformance.test_activations", "--adapter=tf", "-q",
                           "-p", "no:cacheprovider", "-k", "relu or softplus", "--report", "out"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=900, env=_clean_env())
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    lines = [json.loads(l) for l in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert lines and {r["adapter"] for r in lines} == {"tf"}
    features = {r["feature"] for r in lines if r.get("nodeid")}  # less the info records of expectations not met
    assert {"activations.relu", "activations.softplus"} <= features, features
    assert all(f.startswith("activations.") and ("relu" in f or "softplus" in f) for f in features), features
    assert any(r["status"] == "pass" for r in lines)
    run = json.loads((tmp_path / "out" / "run.json").read_text())
    assert run["expectation_files"] and all(str(installed.parents[1]) in p for p in run["expectation_files"]), run
    assert "<html" in (tmp_path / "out" / "index.html").read_text()
    assert (tmp_path / "out" / "spec.html").is_file()


def test_the_installed_plugin_is_inert_in_a_users_own_run(installed, tmp_path):
    """Registered by its entry point in every run of the venv, the plugin leaves a user's own tests
    alone (collected and run as without it), and names the suite without an adapter as a usage error."""
    (tmp_path / "test_mine.py").write_text("def test_mine():\n    assert True\n")
    proc = subprocess.run([installed, "-m", "pytest", "-p", "no:cacheprovider", "-q"], cwd=tmp_path,
                          capture_output=True, text=True, timeout=600, env=_clean_env())
    assert proc.returncode == 0 and "1 passed" in proc.stdout, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert not (tmp_path / "out").exists()
    proc = subprocess.run([installed, "-m", "pytest", "-p", "no:cacheprovider", "--pyargs", "conformance", "-q"],
                          cwd=tmp_path, capture_output=True, text=True, timeout=600, env=_clean_env())
    assert proc.returncode == 4 and "needs --adapter=NAME" in proc.stderr, proc.stderr[-2000:]
