"""Fault injection: a framework that crashes or hangs costs one check, recorded as an error with its
case, and the run goes on (conformance/isolation.py); an adapter that cannot even be loaded is a
usage error that names it. Each run is checked serially and with -n 2."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from reference.registry import features

ROOT = Path(__file__).resolve().parents[1]
ACTIVATIONS = "conformance/test_activations.py"
N = len(features("activations"))  # the activation checks are parametrized by feature and, but for a few, 4 dtypes


def _run(tmp_path, adapter, *args, workers="0"):
    out = tmp_path / f"out-{workers}"
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", ACTIVATIONS, "-q",
                           f"--adapter=tests.fault_adapters:{adapter}", "-n", workers, "--report", str(out), *args],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    records = ([json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
               if (out / "results.jsonl").exists() else [])
    return proc, records, out


@pytest.mark.parametrize("workers", ["0", "2"])
@pytest.mark.parametrize("adapter, feature, how", [("segfault_relu", "activations.relu", "SIGSEGV"),
                                                   ("abort_elu", "activations.elu", "SIGABRT"),
                                                   ("exit_selu", "activations.selu", "exit status 3")])
def test_a_crash_is_an_error_record_and_the_run_goes_on(tmp_path, adapter, feature, how, workers):
    proc, records, out = _run(tmp_path, adapter, "-k", "test_edges or test_values", workers=workers)
    assert proc.returncode == 1, proc.stdout[-3000:]
    checks = [r for r in records if r.get("nodeid")]
    assert len(checks) == 2 * 4 * N, "every check of the selection has its record"  # values and edges, 4 dtypes
    crashed = [r for r in checks if r["feature"] == feature]
    assert crashed and all(r["status"] == "error" for r in crashed)
    for r in crashed:
        assert r["message"].startswith(f"crashed: {how} while running {feature}("), r["message"]
        assert "; its last output:\n" in r["message"] and r["message"].endswith(f"fatal error in {feature}")
        assert r["example"]["op"] == "call" and r["example"]["dtype"] == r["params"]["dtype"]
        assert feature.split(".")[1] in r["snippet"], r["snippet"]  # the snippet of the case that crashed
    assert {r["status"] for r in checks if r["feature"] != feature} == {"pass"}
    page = (out / "index.html").read_text()
    assert f"crashed: {how}" in page and "activations.sigmoid" in page


@pytest.mark.parametrize("isolation", ["process", "none"])
def test_an_op_the_backend_lacks_is_unsupported_not_a_failure(tmp_path, isolation):
    """An adapter that raises adapters.base.Unsupported while running a case (keras-openvino turns its
    backend's NotImplementedError into it) makes that check ``unsupported`` with the message, in the
    child process as in the pytest process, at its first example (an adapter's lack is not shrunk); the
    other checks run as usual."""
    proc, records, _ = _run(tmp_path, "unsupported_softsign", "-k", "test_values and (softsign or softplus)",
                            f"--isolation={isolation}")
    assert proc.returncode == 0, proc.stdout[-3000:]
    by = {(r["feature"], r["params"]["dtype"]): r for r in records if r.get("nodeid")}
    assert len(by) == 8
    for dtype in ("float16", "bfloat16", "float32", "float64"):
        lacking = by["activations.softsign", dtype]
        assert lacking["status"] == "unsupported", lacking
        assert "does not implement it: NotImplementedError: Softsign" in lacking["message"], lacking["message"]
        assert lacking["examples"] == 1, f"an Unsupported was shrunk: {lacking['examples']} examples"
        assert by["activations.softplus", dtype]["status"] == "pass"


@pytest.mark.parametrize("workers", ["0", "2"])
def test_a_hang_is_a_timeout_record_and_the_run_goes_on(tmp_path, workers):
    proc, records, out = _run(tmp_path, "hang_tanh", "-k", "test_edges and (tanh or sigmoid) and not hard", "--check-timeout=2",
                              workers=workers)
    assert proc.returncode == 1, proc.stdout[-3000:]
    by = {(r["feature"], r["params"]["dtype"]): r for r in records if r.get("nodeid")}
    assert len(by) == 8
    for dtype in ("float16", "bfloat16", "float32", "float64"):
        hung, fine = by["activations.tanh", dtype], by["activations.sigmoid", dtype]
        assert hung["status"] == "error" and hung["message"].startswith("timed out after 2 s while running "
                                                                        "activations.tanh("), hung["message"]
        assert hung["example"]["dtype"] == dtype and fine["status"] == "pass"
        assert hung["snippet"] == f"faulty.run('activations.tanh', dtype={dtype!r})", hung["snippet"]
    assert "timed out after 2 s" in (out / "index.html").read_text()


@pytest.mark.parametrize("workers", ["0", "2"])
def test_supports_that_raises_or_crashes_costs_its_checks_only(tmp_path, workers):
    for adapter, why in (("supports_raises", "raised ValueError: cannot tell whether activations.relu is supported"),
                         ("supports_crashes", "crashed: SIGSEGV while asking supports('activations.relu'")):
        proc, records, out = _run(tmp_path, adapter, "-k", "test_edges", workers=workers)
        assert proc.returncode == 1, proc.stdout[-3000:]
        checks = [r for r in records if r.get("nodeid")]
        assert len(checks) == 4 * N
        relu = [r for r in checks if r["feature"] == "activations.relu"]
        assert relu and all(r["status"] == "error" and why in r["message"] for r in relu), relu[0]["message"]
        assert {r["status"] for r in checks if r["feature"] != "activations.relu"} == {"pass"}
        page = (out / "index.html").read_text()
        assert "activations.sigmoid" in page and "activations.relu" in page


@pytest.mark.parametrize("isolation", ["process", "none"])
@pytest.mark.parametrize("adapter, message", [
    ("factory_raises", "adapter 'tests.fault_adapters:factory_raises': its factory"),
    ("describe_raises", "adapter 'tests.fault_adapters:describe_raises': describe() raised KeyError"),
])
def test_an_adapter_that_cannot_load_is_a_usage_error(tmp_path, adapter, message, isolation):
    proc, records, _ = _run(tmp_path, adapter, f"--isolation={isolation}")
    assert proc.returncode == 4, proc.stdout[-2000:] + proc.stderr[-2000:]
    assert message in proc.stderr and "INTERNALERROR" not in proc.stdout + proc.stderr
    if adapter == "factory_raises":
        assert "RuntimeError: no licence for this framework on this machine" in proc.stderr
    assert not records


def test_a_timeout_needs_process_isolation(tmp_path):
    proc, _, _ = _run(tmp_path, "hang_tanh", "--isolation=none", "--check-timeout=2")
    assert proc.returncode == 4 and "--isolation=process" in proc.stderr
    proc, _, _ = _run(tmp_path, "hang_tanh", "--check-timeout=0")
    assert proc.returncode == 4 and "positive number of seconds" in proc.stderr


def test_a_known_crash_is_xfail_and_covers_nothing_else(tmp_path):
    """A ``crash = true`` entry (conformance/expectations.py) makes its check's crash xfail; the same crash in a
    check it does not name stays an error, and the run still fails on those."""
    entry = tmp_path / "crash.toml"
    entry.write_text('[[expected]]\nfeature = "activations.elu"\ncheck = "values"\ncrash = true\n'
                     'reason = "the kernel aborts the process"\n')
    proc, records, _ = _run(tmp_path, "abort_elu", "-k", "test_edges or test_values", f"--expectations={entry}")
    assert proc.returncode == 1, proc.stdout[-3000:]
    elu = {(r["check"], r["status"]) for r in records if r.get("feature") == "activations.elu"}
    assert elu == {("values", "xfail"), ("edges", "error")}, elu
    assert all(r["message"].startswith("crashed: SIGABRT") for r in records
               if r.get("feature") == "activations.elu" and r["check"] == "values")
