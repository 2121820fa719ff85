"""The signature check's parts: the spec's signatures (reference/signatures.py), the comparison
(check.signature_problems) and the statuses a run gives (info for an extra argument, unsupported for
an adapter that reports no signatures)."""

from __future__ import annotations

import inspect
import json
import subprocess
import sys
from pathlib import Path

import reference
from adapters.base import Adapter
from conformance.check import signature_problems
from reference import signatures

ROOT = Path(__file__).resolve().parents[1]


def _params(source):
    return signatures.parameters(signatures.parse(source))


def test_spec_signatures_read_the_python_signature_or_the_declared_one():
    relu = reference.get_feature("activations.relu").obj
    assert [p["name"] for p in signatures.of(relu, "activations", "keras3")["init"]] == [
        "negative_slope", "max_value", "threshold"]  # no x, no edition
    assert signatures.of(relu, "activations", "keras2")["init"][0] == {
        "name": "alpha", "kind": "POSITIONAL_OR_KEYWORD", "default": "0.0"}
    pool = reference.get_feature("layers.AveragePooling2D").obj
    assert signatures.of(pool, "layers", "keras3")["init"][0] == {"name": "pool_size", "kind": "POSITIONAL_OR_KEYWORD"}
    assert signatures.of(pool, "layers", "keras2")["init"][0]["default"] == "(2, 2)"
    dense = reference.get_feature("layers.Dense").obj
    assert signatures.of(dense, "layers", "keras3")["call"] == _params("inputs, training=None")
    assert signatures.of(dense, "layers", "keras2")["call"] == _params("inputs")


def test_every_spec_signature_parses_in_both_editions():
    for f in reference.FEATURES.values():
        for edition in f.editions:
            sig = signatures.of(f.obj, f.area, edition)
            assert (sig["call"] is not None) == (f.area == "layers" and inspect.isclass(f.obj)
                                                 and f.id != "layers.Input"), f.id


def test_problems_and_extras():
    spec = _params("units, activation=None, *, seed=None, **kwargs")
    assert signature_problems(_params("units, activation=None, seed=None, extra=1, **kw"), spec) == ([], ["extra=1"])
    problems, _ = signature_problems(_params("units, act=None, *, seed=None"), spec)
    assert problems == ["argument 'activation' is missing (it has 'act' instead), but should be there (activation=None)",
                        "takes no **kwargs, but should take **kwargs"]
    problems, _ = signature_problems(_params("units=1, activation='relu', *, seed"), spec)
    assert problems == ["argument 'units' default=1, but should be required",
                        "argument 'activation' default='relu', but should be None",
                        "argument 'seed' is required, but should default to None",
                        "takes no **kwargs, but should take **kwargs"]
    problems, _ = signature_problems(_params("activation=None, units=2, /, **kwargs"), _params("units, activation=None"))
    assert problems == ["argument 'units' default=2, but should be required",
                        "argument 'units' is at position 1, but should be at position 0 (and the positional "
                        "arguments after it)", "argument 'units' is positional-only, but should be accepted by keyword",
                        "argument 'activation' is positional-only, but should be accepted by keyword"]


def test_the_base_adapter_reports_no_signatures():
    assert Adapter.signature(None, "layers.Dense") is None  # unsupported, never a pass


def _run(adapter, tmp_path, module="conformance/test_layers_dropout.py", selector="test_signature and layers.Dropout"):
    subprocess.run([sys.executable, "-m", "pytest", module, "-q", "-p", "no:cacheprovider", "-n", "0",
                    f"--adapter={adapter}", "-k", selector, "--report", str(tmp_path)],
                   cwd=ROOT, capture_output=True, text=True, timeout=300)
    return [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]


def test_an_extra_argument_is_info(tmp_path):
    [record] = [r for r in _run("tests.mutants:dropout_extra_argument", tmp_path)
                if r["feature"] == "layers.Dropout"]
    assert record["status"] == "info"
    assert "Dropout.__init__: extra arguments, not in the spec: rng_kind='philox'" in record["message"]


def test_an_adapter_without_signatures_is_unsupported(tmp_path):
    records = _run("tests.example_adapter:make", tmp_path, "conformance/test_activations.py", "test_signature and relu")
    [record] = [r for r in records if r["feature"] == "activations.relu"]
    assert record["status"] == "unsupported" and "Adapter.signature" in record["message"]
