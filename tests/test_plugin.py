"""Bad input gets a clear error and a non-zero exit; the whole suite passes on the reference."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _pytest(*args, timeout=900):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def test_unknown_adapter_lists_the_available_ones():
    proc = _pytest("conformance/test_activations.py", "--adapter=nope", "-q")
    assert proc.returncode == 4
    assert "unknown adapter 'nope'" in proc.stderr and "reference" in proc.stderr and "tf" in proc.stderr


def test_the_suite_without_an_adapter_is_a_usage_error():
    proc = _pytest("conformance/test_activations.py", "-q")
    assert proc.returncode == 4
    assert "needs --adapter=NAME" in proc.stderr and "reference" in proc.stderr and "tf" in proc.stderr


OWN_TESTS = """
import gc
import os

from hypothesis import settings


def test_untouched(request):
    assert settings.get_current_profile_name() == os.environ["HYPOTHESIS_OWN_PROFILE"]
    assert request.config.option.tbstyle == "auto" and gc.get_freeze_count() == 0
"""


def test_the_plugin_is_inert_without_an_adapter(tmp_path):
    """Loaded into a run of other tests (pytest tests/, or a project's own with -p conformance.plugin),
    the plugin changes nothing: no profile, no traceback style, no frozen objects, no report."""
    (tmp_path / "test_own.py").write_text(OWN_TESTS)
    # Hypothesis' own choice in this environment: "ci" where it sees a CI (the CI variable), else "default"
    own = subprocess.run([sys.executable, "-c", "from hypothesis import settings; print(settings.get_current_profile_name())"],
                         capture_output=True, text=True, check=True).stdout.strip()
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "conformance.plugin",
                           str(tmp_path / "test_own.py"), "-q"], cwd=ROOT, capture_output=True, text=True, timeout=900,
                          env={**os.environ, "HYPOTHESIS_OWN_PROFILE": own})
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert "keras-conformance" not in proc.stdout


def test_factory_that_does_not_exist_is_a_usage_error():
    proc = _pytest("conformance/test_activations.py", "--adapter=tests.mutants:no_such_factory", "-q")
    assert proc.returncode == 4 and "no factory" in proc.stderr


def test_reference_adapter_has_no_gpu():
    proc = _pytest("conformance/test_activations.py", "--adapter=reference", "--device=gpu", "-q")
    assert proc.returncode == 4 and "cannot run on device 'gpu'" in proc.stderr


def test_invalid_expectations_file_is_a_usage_error(tmp_path):
    bad = tmp_path / "bad.toml"
    bad.write_text('[[expected]]\nfeature = "activations.relu"\n')
    proc = _pytest("conformance/test_activations.py", "--adapter=reference", f"--expectations={bad}", "-q")
    assert proc.returncode == 4 and "missing" in proc.stderr


def test_stale_expectation_fails_the_run_as_xpass(tmp_path):
    exp = tmp_path / "exp.toml"
    exp.write_text('[[expected]]\nfeature = "activations.tanh"\ncheck = "edges"\nparams = { dtype = "float32" }\n'
                   'reason = "pretend divergence"\n\n[[expected]]\nfeature = "activations.nope"\ncheck = "edges"\n'
                   'reason = "matches nothing"\n')
    proc = _pytest("conformance/test_activations.py", "-k", "test_edges and tanh", "--adapter=reference", f"--expectations={exp}",
                   "--report", str(tmp_path / "out"), "-q")
    assert proc.returncode == 1
    records = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    statuses = {(r["feature"], r["params"].get("dtype")): r["status"] for r in records}
    assert statuses[("activations.tanh", "float32")] == "xpass"
    assert any(r["status"] == "info" and "matched no check" in r["message"] for r in records)
    # The note on the unmatched entry has no case: the page still renders, and shows it.
    assert "INTERNALERROR" not in proc.stdout + proc.stderr
    assert "matches nothing" in (tmp_path / "out" / "index.html").read_text()


def test_bounded_expectation_is_xfail_within_its_ulps_and_a_divergence_beyond(tmp_path):
    """An expectation with ``ulps`` tolerates exactly that imprecision (the mutant is 4-8 ULP off)."""
    statuses = {}
    for ulps in (9, 5):
        exp = tmp_path / f"exp{ulps}.toml"
        exp.write_text(f'[[expected]]\nfeature = "activations.sigmoid"\ncheck = "values"\n'
                       f'params = {{ dtype = "float32" }}\nulps = {ulps}\nreason = "imprecise"\n')
        out = tmp_path / f"out{ulps}"
        proc = _pytest("conformance/test_activations.py", "-k", "test_values and sigmoid-float32",
                       "--adapter=tests.mutants:sigmoid_imprecise", f"--expectations={exp}", "--report", str(out), "-q")
        records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
        statuses[ulps] = (proc.returncode, [r["status"] for r in records if r["feature"] == "activations.sigmoid"])
    assert statuses == {9: (0, ["xfail"]), 5: (1, ["diverge"])}


def _statuses(tmp_path, name, adapter, entry, *args):
    exp = tmp_path / f"{name}.toml"
    exp.write_text("[[expected]]\n" + entry)
    out = tmp_path / name
    proc = _pytest("conformance/test_layers_merging.py", f"--adapter={adapter}", f"--expectations={exp}",
                   "--report", str(out), "-q", *args)
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    return proc.returncode, {r["params"].get("dtype"): r for r in records if r.get("nodeid")}


def test_conditioned_expectation_covers_its_cause_in_any_draw_and_nothing_else(tmp_path):
    """``when = ["broadcast"]``: a divergence only in broadcasting cases is xfail in every dtype and in
    random draws; a divergence in a case with equal shapes is new, shrunk and reported as one; a
    check that passes under such an entry passes (saying so), not a stale xpass."""
    entry = 'feature = "{f}"\ncheck = "values"\nwhen = ["broadcast"]\nreason = "broadcasts wrongly"\n'
    rc, known = _statuses(tmp_path, "known", "tests.mutants:merge_add_right_aligned",
                          entry.format(f="layers.Add"), "-k", "test_values and Add",
                          "--hypothesis-profile=dev", "--hypothesis-seed=7")
    assert rc == 0 and {r["status"] for r in known.values()} == {"xfail"}, known
    first = known["float32"]["example"]["inputs"]
    assert len({tuple(x["shape"]) for x in first}) > 1  # the case shown is one the condition covers
    rc, new = _statuses(tmp_path, "new", "tests.mutants:merge_average_is_sum", entry.format(f="layers.Average"),
                        "-k", "test_values and Average-float32")
    [record] = new.values()
    assert rc == 1 and record["status"] == "diverge"
    assert len({tuple(x["shape"]) for x in record["example"]["inputs"]}) == 1  # shrunk to equal shapes
    assert "broadcast" not in record["conditions"]  # the hint for its entry: the example meets no condition
    rc, quiet = _statuses(tmp_path, "quiet", "reference", entry.format(f="layers.Add"),
                          "-k", "test_values and Add-float32")
    [record] = quiet.values()
    assert rc == 0 and record["status"] == "pass" and "did not show" in record["message"]


def test_conditioned_expectation_covers_a_plain_check(tmp_path):
    """A check without Hypothesis (``edges``: one fixed case) is known under a conditional entry when
    its case meets the conditions, and a divergence outside them stays new."""
    statuses = {}
    for when in ("nan_input", "broadcast"):  # the edge inputs hold a NaN; one input, so no broadcast
        exp = tmp_path / f"{when}.toml"
        exp.write_text(f'[[expected]]\nfeature = "activations.relu"\ncheck = "edges"\nwhen = ["{when}"]\n'
                       f'reason = "NaN to zero"\n')
        out = tmp_path / when
        proc = _pytest("conformance/test_activations.py", "-k", "test_edges and relu-float32",
                       "--adapter=tests.mutants:relu_nan_to_zero", f"--expectations={exp}", "--report", str(out), "-q")
        [record] = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()
                    if '"nodeid"' in line and "activations.relu" in line]
        statuses[when] = (proc.returncode, record["status"], "outside the expectations' conditions" in record["message"])
    assert statuses == {"nan_input": (0, "xfail", False), "broadcast": (1, "diverge", True)}


def test_params_lists_and_conditions_are_validated(tmp_path):
    from conformance import expectations

    good = tmp_path / "good.toml"
    good.write_text('[[expected]]\nfeature = "layers.Add"\ncheck = "values"\nparams = { dtype = ["float16", "bfloat16"] }\n'
                    'reason = "r"\n')
    [e] = expectations.load(good)
    assert e.matches("layers.Add", "values", {"dtype": "bfloat16"}) and not e.matches("layers.Add", "values", {"dtype": "float32"})
    assert e.strict
    bad = tmp_path / "bad.toml"
    bad.write_text('[[expected]]\nfeature = "layers.Add"\ncheck = "values"\nwhen = ["sometimes"]\nreason = "r"\n')
    try:
        expectations.load(bad)
    except expectations.ExpectationsError as e:
        assert "broadcast" in str(e) and "sometimes" in str(e)
    else:
        raise AssertionError("an unknown condition loaded")


FIRST_CALL_IMPRECISE = """
import json, os
import numpy as np
from reference import activations as A
from tests.mutants import Mutant

calls = []


def _sigmoid(x, *, edition):
    # Beyond the tolerance policy (4-8 ULP) on the first call only; exact after.
    calls.append(np.asarray(x, np.float64).tolist())
    if len(calls) == 1:
        json.dump(calls[0], open(os.environ["FIRST_CALL_FILE"], "w"))
        return A.sigmoid(x) * (1 + 2.0**-21)
    return A.sigmoid(x)


def make(device="cpu", edition=None):
    return Mutant("first_call_imprecise", {"activations.sigmoid": _sigmoid}, device, edition)
"""


def test_bounded_xfail_shows_the_case_beyond_the_policy(tmp_path):
    """Within an expectation's ULP bound, the record's example and snippet are the case that went beyond
    the tolerance policy, not whatever case the check drew last."""
    (tmp_path / "first_call_imprecise.py").write_text(FIRST_CALL_IMPRECISE)
    exp = tmp_path / "exp.toml"
    exp.write_text('[[expected]]\nfeature = "activations.sigmoid"\ncheck = "values"\n'
                   'params = { dtype = "float32" }\nulps = 9\nreason = "imprecise"\n')
    first = tmp_path / "first.json"
    proc = subprocess.run(
        [sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "conformance/test_activations.py", "-k",
         "test_values and sigmoid-float32", "--adapter=first_call_imprecise:make", f"--expectations={exp}",
         "--report", str(tmp_path / "out"), "-q"], cwd=ROOT, capture_output=True, text=True, timeout=600,
        env={**os.environ, "PYTHONPATH": os.pathsep.join([str(tmp_path), str(ROOT)]), "FIRST_CALL_FILE": str(first)})
    assert proc.returncode == 0, proc.stdout[-2000:]
    [record] = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()
                if json.loads(line)["feature"] == "activations.sigmoid"]
    assert record["status"] == "xfail" and record["examples"] > 1
    shown = [v if isinstance(v, float) else float(v) for v in _flat(record["example"]["inputs"][0]["values"])]
    assert shown == _flat(json.loads(first.read_text()))


def test_whole_suite_passes_on_the_reference(tmp_path):
    proc = _pytest("conformance/", "--adapter=reference", "--report", str(tmp_path), "-q", timeout=1200)
    assert proc.returncode == 0, proc.stdout[-4000:]
    records = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    # The only non-pass records allowed: implementation-defined information (Embedding's
    # out-of-range indices), where the reference reports what it does rather than a verdict, and
    # the features of the other edition only (LocallyConnected1D/2D), unsupported in keras3.
    assert records and {r["status"] for r in records} <= {"pass", "info", "unsupported"}
    assert "pass" in {r["status"] for r in records}
    others = [r for r in records if r["status"] != "pass"]
    assert all(r["message"].startswith("implementation-defined:") if r["status"] == "info"
               else "is not part of edition keras3" in r["message"] for r in others), others[:3]
    run = json.loads((tmp_path / "run.json").read_text())
    assert run["profile"] == "ci" and run["derandomize"] is True
    # An info record shows the case its note is about, not the check's last case.
    for r in records:
        if r["status"] == "info" and r["message"].startswith("implementation-defined: indices"):
            listed = r["message"].split("indices [", 1)[1].split("]", 1)[0].split(", ")
            shown = {str(float(v)) for v in _flat(r["example"]["inputs"][0]["values"])}
            assert {str(float(v)) for v in listed} <= shown, (r["message"], shown)
    assert (tmp_path / "index.html").exists() and (tmp_path / "spec.html").exists()
    # The spec page's data: the checks that ran, which in a whole run are all the suite collects.
    from reports import spec

    assert spec.load_checks(tmp_path) == spec.collect_checks()
    assert not run["false_alarm"]["exceeded"] and run["false_alarm"]["tests"] > 0


LEDGER_CHECKS = """
from conformance import check
from conformance.divergence import recorder


def _spend(alpha):
    check.assert_stats(None, None, [{"test": "a made-up test", "statistic": 0, "threshold": 1, "alpha": alpha,
                                     "passed": True}])


def test_spends_much():
    _spend(6e-7)


def test_spends_much_again():
    _spend(5e-7)


def test_spends_a_little():
    _spend(1e-9)
    recorder().stats.append({"test": "a note that states no alpha", "passed": True})
"""


def test_a_run_over_its_false_alarm_budget_fails(tmp_path):
    """The statistical tests that ran are counted at the end of the run, under xdist too (the records
    reach the controller): beyond stats.SUITE_FALSE_ALARM (1e-6) the run fails, naming the checks
    that spent the most; within it run.json says what was spent."""
    (tmp_path / "test_ledger.py").write_text(LEDGER_CHECKS)

    def run(out, *args):
        proc = _pytest("-p", "conformance.plugin", str(tmp_path / "test_ledger.py"), "--adapter=reference",
                       "--report", str(out), "-q", *args)
        return proc, json.loads((out / "run.json").read_text())

    proc, meta = run(tmp_path / "over", "-n", "2")
    assert proc.returncode == 1, proc.stdout[-2000:]
    assert "3 passed" in proc.stdout and "false-alarm budget exceeded" in proc.stdout
    named = proc.stdout.split("The checks that spent the most:", 1)[1]
    assert named.index("spends_much") < named.index("spends_much_again") < named.index("spends_a_little")
    ledger = meta["false_alarm"]
    assert ledger["exceeded"] and abs(ledger["spent"] - 1.101e-6) < 1e-15 and ledger["tests"] == 4
    assert [s["check"] for s in ledger["spent_most"]] == ["spends_much", "spends_much_again", "spends_a_little"]
    assert meta["exitstatus"] == 1

    proc, meta = run(tmp_path / "within", "-k", "not again")
    assert proc.returncode == 0, proc.stdout[-2000:]
    ledger = meta["false_alarm"]
    assert not ledger["exceeded"] and ledger["budget"] == 1e-6 and ledger["tests"] == 3 and ledger["checks"] == 2
    assert abs(ledger["spent"] - 6.01e-7) < 1e-15 and "spent_most" not in ledger and "false alarms:" in proc.stdout


def test_softmax_of_a_nan_or_inf_slice_is_information(tmp_path):
    """TensorFlow's oneDNN softmax ([[-6, inf]] -> [[0, nan]]) is within the spec's bounds for such
    slices: info with the case, not a divergence (reference/activations.py softmax)."""
    proc = _pytest("conformance/test_activations.py", "-k", "softmax and (test_edges or test_values)",
                   "--adapter=tests.mutants:softmax_onednn", "--report", str(tmp_path), "-q")
    assert proc.returncode == 0, proc.stdout[-3000:]
    records = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    edges = [r for r in records if r["check"] == "edges"]
    assert edges and all(r["status"] == "info" and "softmax of a slice holding NaN" in r["message"] for r in edges)
    assert all(r["example"] for r in edges)


def test_masks_computed_with_subnormals_as_zero_are_accepted(tmp_path):
    """One flush-to-zero policy (conformance/tolerance.py): Masking comparing with subnormals as zero
    (TensorFlow's CPU, DAZ) passes the mask checks as FTZ values pass the value checks."""
    proc = _pytest("conformance/test_layers_masking.py", "-k", "test_compute_mask or test_mask or test_propagation",
                   "--adapter=tests.mutants:masking_daz", "--hypothesis-profile=dev", "--hypothesis-seed=2", "--report", str(tmp_path), "-q")
    assert proc.returncode == 0, proc.stdout[-3000:]
    records = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert {r["status"] for r in records if r["feature"] == "layers.Masking" and r.get("nodeid")} == {"pass"}


def _flat(values):
    return [x for v in values for x in (_flat(v) if isinstance(v, list) else [v])]


def test_draws_do_not_depend_on_local_modules(tmp_path):
    """The same suite draws the same cases whatever else is loaded (conformance/profiles.py): here a
    plugin module full of literals, as a third party's adapter or a user's conftest would be."""
    plugin = tmp_path / "lib" / "extra_constants.py"
    plugin.parent.mkdir()
    plugin.write_text("CONSTANTS = [" + ", ".join(str(3_000_017 + 7919 * i) for i in range(60)) + "]\n")
    examples = []
    for extra in ([], ["-p", "extra_constants"]):
        out = tmp_path / str(len(examples))
        subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "conformance/test_layers_merging.py",
                        "-k", "test_values or test_shapes", "--adapter=reference", "--report", str(out), "-q", *extra], cwd=ROOT,
                       env={**os.environ, "PYTHONPATH": str(plugin.parent)}, capture_output=True, timeout=600)
        examples.append([json.loads(line)["example"] for line in (out / "results.jsonl").read_text().splitlines()])
    assert examples[0] and examples[0] == examples[1]


def test_device_pair_reports_differences_between_devices(tmp_path):
    """--device=cpu,gpu: a device that rejects what the other accepts is a divergence of its own, one
    that computes other values diverges from the spec in its own pass; devices that agree pass
    (tests/device_adapters.py, no GPU needed). The twin's 1e-3 tanh error is beyond the tolerance
    in float32/64 only (within it in float16/bfloat16)."""
    statuses = {}
    for factory in ("twin", "same"):
        out = tmp_path / factory
        proc = _pytest("conformance/test_activations.py", "-k", "test_values and (tanh or softsign or relu)",
                       f"--adapter=tests.device_adapters:{factory}", "--device=cpu,gpu", "--report", str(out), "-q")
        records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
        statuses[factory] = (proc.returncode, {(r["feature"], r["status"]) for r in records
                                               if r["params"]["dtype"] in ("float32", "float64")})
        if factory == "twin":
            msgs = {r["feature"]: r["message"] for r in records if r["status"] == "diverge"}
            assert msgs["activations.softsign"].startswith("variants differ: cpu accepts it but gpu rejects it")
            assert msgs["activations.tanh"].startswith("in gpu: out[")  # each device's values against the spec
            assert all(r["device"] == "cpu,gpu" and "--device=cpu,gpu" in r["repro"] for r in records)
    assert statuses["twin"] == (1, {("activations.relu", "pass"), ("activations.softsign", "diverge"),
                                    ("activations.tanh", "diverge")})
    assert statuses["same"] == (0, {("activations.relu", "pass"), ("activations.softsign", "pass"),
                                    ("activations.tanh", "pass")})


def _feature_statuses(out, feature):
    return {(r["params"]["dtype"], r["status"]) for r in map(json.loads, (out / "results.jsonl").read_text().splitlines())
            if r["feature"] == feature}


@pytest.mark.parametrize("factory, module, feature", [("graph_branch", "activations", "activations.elu"),
                                                      ("first_trace_batch", "layers_reshaping", "layers.Flatten")])
def test_mode_mutants_are_caught_against_the_spec_and_against_eager(factory, module, feature, tmp_path):
    """An adapter that differs only when traced (tests/mode_adapters.py) diverges from the spec under
    --mode=graph, and from its own eager run under --mode=eager,graph (``variants differ``); the same
    adapter without the mutation passes both."""
    name = feature.split(".")[1]
    for mode in ("graph", "eager,graph"):
        out = tmp_path / f"{factory}-{mode}"
        proc = _pytest(f"conformance/test_{module}.py", "-k", f"test_values and {name}", f"--adapter=tests.mode_adapters:{factory}", f"--mode={mode}",
                       "--report", str(out), "-q")
        statuses = _feature_statuses(out, feature)
        assert proc.returncode == 1 and ("float32", "diverge") in statuses, (mode, statuses, proc.stdout[-2000:])
        records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
        assert all(f"--mode={mode}" in r["repro"] for r in records)
        if mode == "eager,graph":  # the graph variant's values against the spec, or its structure against eager's
            assert any(r["message"].startswith("in cpu/graph: ") or "(cpu vs cpu/graph)" in r["message"]
                       for r in records if r["status"] == "diverge")
    out = tmp_path / "same"
    proc = _pytest("conformance/test_activations.py", "conformance/test_layers_reshaping.py", "-k", f"test_values and {name}",
                   "--adapter=tests.mode_adapters:same", "--mode=eager,graph,jit", "--report", str(out), "-q")
    assert proc.returncode == 0 and {s for _, s in _feature_statuses(out, feature)} == {"pass"}, proc.stdout[-2000:]


@pytest.mark.parametrize("factory, check", [("float16_variables", "test_default_weights"),
                                             ("upcast_compute", "test_values")])
def test_policy_mutants_are_caught(factory, check, tmp_path):
    """Under --dtype-policy=mixed_float16, weights created in float16 and a layer computing in float32
    (tests/mode_adapters.py) each diverge on Dense; under float32 they compute like the spec and pass.
    The policy's other dtypes' layer cases are unsupported, with the reason."""
    for policy, code in (("mixed_float16", 1), ("float32", 0)):
        out = tmp_path / policy
        proc = _pytest("conformance/test_layers_core.py", "-k", f"{check} and Dense", f"--adapter=tests.mode_adapters:{factory}",
                       f"--dtype-policy={policy}", "--report", str(out), "-q")
        records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
        assert proc.returncode == code, (policy, proc.stdout[-2000:])
        statuses = {r["params"].get("dtype"): r["status"] for r in records if r["feature"] == "layers.Dense"}
        if policy == "float32":
            assert set(statuses.values()) == {"pass"}, statuses
        else:
            assert statuses.get("float16", statuses.get(None)) == "diverge", statuses
            if check == "test_values":
                assert statuses["float32"] == "unsupported" and all(f"--dtype-policy={policy}" in r["repro"] for r in records)


def test_modes_and_policies_an_adapter_lacks_are_usage_errors():
    for args, said in ((["--mode=jit"], "cannot run --mode=jit; it supports: eager"),
                       (["--mode=eager,eager"], "give one of eager, graph, jit"),
                       (["--mode=xla"], "give one of eager, graph, jit"),
                       (["--dtype-policy=mixed_float16"], "cannot run --dtype-policy=mixed_float16; it supports: float32"),
                       (["--dtype-policy=float64"], "invalid choice")):
        # tests/example_adapter.py: a third party's adapter, which declares neither modes nor policies
        proc = _pytest("conformance/test_activations.py", "--adapter=tests.example_adapter:make", *args, "-q",
                       "--collect-only")
        assert proc.returncode == 4 and said in proc.stderr, (args, proc.stderr[-500:])


def test_bad_device_lists_are_usage_errors():
    for bad in ("tpu", "cpu,cpu", "gpu,"):
        proc = _pytest("conformance/test_activations.py", "--adapter=reference", f"--device={bad}", "-q", "--collect-only")
        assert proc.returncode == 4 and "give cpu, gpu, or cpu,gpu" in proc.stderr, (bad, proc.stderr[-500:])
    proc = _pytest("conformance/test_activations.py", "--adapter=reference", "--device=cpu,gpu", "-q", "--collect-only")
    assert proc.returncode == 4 and "cannot run on device 'gpu'" in proc.stderr  # the reference has no gpu


def test_entry_point_adapter_runs_by_name(tmp_path):
    """A distribution registering tests.example_adapter:make as 'tinyact' in keras_conformance.adapters
    (the worked example of docs/ADAPTERS.md) is run by that name and listed among the adapters."""
    dist = tmp_path / "site" / "tinyact_conformance-0.1.dist-info"
    dist.mkdir(parents=True)
    (dist / "METADATA").write_text("Metadata-Version: 2.1\nName: tinyact-conformance\nVersion: 0.1\n")
    (dist / "entry_points.txt").write_text("[keras_conformance.adapters]\ntinyact = tests.example_adapter:make\n")
    env = {**os.environ, "PYTHONPATH": str(dist.parent)}
    run = lambda *a: subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *a], cwd=ROOT, env=env,
                                    capture_output=True, text=True, timeout=600)
    proc = run("conformance/test_activations.py", "--adapter=tinyact", "--expectations=tests/example_adapter.toml",
               "--report", str(tmp_path / "out"), "-q")
    assert proc.returncode == 0, proc.stdout[-3000:]
    records = [json.loads(line) for line in (tmp_path / "out" / "results.jsonl").read_text().splitlines()]
    assert {r["adapter"] for r in records} == {"tinyact"}
    assert {r["status"] for r in records} == {"pass", "xfail", "unsupported"}
    proc = run("conformance/test_activations.py", "--adapter=nope", "-q")
    assert proc.returncode == 4 and "tinyact" in proc.stderr and "keras-jax" in proc.stderr


def test_cached_function_digest_is_hypothesis_digest():
    """conformance/profiles.py caches Hypothesis' source digest (the derandomized seed): it must equal
    the uncached digest, per parametrization (the id Hypothesis' pytest plugin adds) as without one."""
    import hypothesis.core

    from conformance import profiles

    profiles.register()
    cached = hypothesis.core.function_digest
    assert hasattr(cached, "uncached")

    def check(x):
        return x

    seen = set()
    for add in (None, b"a", b"b", None, b"a"):
        if add is None:
            check.__dict__.pop("_hypothesis_internal_add_digest", None)
        else:
            check._hypothesis_internal_add_digest = add
        assert cached(check) == cached.uncached(check)
        seen.add(cached(check))
    assert len(seen) == 3


def test_failures_print_their_divergence_in_one_line_unless_tb_long():
    """The suite's default traceback style is ``line`` (conformance/plugin.py); ``--tb=long`` still works."""
    args = ("conformance/test_activations.py", "-k", "test_values and sigmoid-float32",
            "--adapter=tests.mutants:sigmoid_imprecise", "-q")
    short, long = _pytest(*args), _pytest(*args, "--tb=long")
    assert short.returncode == long.returncode == 1
    assert "Divergence: out[0]=" in short.stdout and "def test_values" not in short.stdout
    assert "def test_values" in long.stdout


def test_objects_alive_after_collection_are_frozen(tmp_path):
    """conformance/plugin.py freezes what collection loaded (gc.freeze), so garbage collection stops
    walking the framework's objects during the checks: the hook must be active, not just defined."""
    probe = tmp_path / "freeze_probe.py"
    probe.write_text("import gc\n\ndef pytest_runtest_call(item):\n"
                     f"    open({str(tmp_path / 'frozen')!r}, 'w').write(str(gc.get_freeze_count()))\n")
    proc = subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-p", "freeze_probe",
                           "conformance/test_activations.py", "-k", "test_edges and relu-float32", "--adapter=reference", "-q"],
                          cwd=ROOT,
                          env={**os.environ, "PYTHONPATH": str(tmp_path)}, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert int((tmp_path / "frozen").read_text()) > 10_000
