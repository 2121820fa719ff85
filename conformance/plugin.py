"""The pytest plugin: options, the adapter under test, results and expectations.

Every check is a test item parametrized by ``feature``; its check name is the test function's name
less ``test_``. Each item becomes one line of ``--report DIR/results.jsonl``.

Loading: installed (a wheel, or the checkout's editable install), the plugin is registered through
the ``pytest11`` entry point named ``conformance.plugin`` (pyproject.toml), in every pytest run of
the environment: ``pytest --pyargs conformance --adapter=NAME`` runs the installed suite from any
directory. From a checkout that is not installed, the repository's root ``conftest.py`` names this
module in ``pytest_plugins`` (pytest supports that in the rootdir's conftest only); the entry
point's name being the module's, either finds the other already registered. Another project's run
can load it with ``-p conformance.plugin``. Since it is loaded into runs of other tests (a user's
own, ``pytest tests/``), it is inert unless ``--adapter`` is given: it adds its options, and only
then does ``pytest_configure`` start a :class:`ConformanceRun` (the run's state and the hooks that
act on it), kept in ``config.stash`` and registered as a plugin of its own. Naming the suite
without ``--adapter`` is a usage error.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import math
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import pytest

import adapters
from adapters import facts
from adapters.base import DTYPE_POLICIES, MODES
from adapters.reference import ReferenceAdapter
from conformance import compile_cache, conditions, divergence, expectations, isolation, profiles, stats, strategies
from conformance.variants import CrossVariant, per_variant
from conformance.divergence import Divergence, Recorder
from reference.editions import EDITIONS
from reference.policies import DTypePolicy

HERE = Path(__file__).parent


def pytest_addoption(parser):
    g = parser.getgroup("keras-conformance")
    g.addoption("--adapter", default=None,
                help="framework adapter to check (the suite needs one): " + ", ".join(sorted(adapters.available()))
                     + ", or package.module:factory")
    g.addoption("--device", default="cpu", help="cpu (default), gpu, or cpu,gpu: every case on both devices, any "
                "difference between them a divergence (conformance/variants.py)")
    g.addoption("--mode", default="eager", help="eager (default), graph or jit, or a comma list (eager,jit): every "
                "case in each mode, any difference between them a divergence; the adapter says which it supports")
    g.addoption("--dtype-policy", default="float32", choices=DTYPE_POLICIES,
                help="the Keras dtype policy layers are built under (default float32): mixed_float16 and "
                     "mixed_bfloat16 keep variables in float32 and compute in the half type")
    g.addoption("--edition", default=None, choices=EDITIONS,
                help="spec edition to check against (default: the adapter's own)")
    g.addoption("--shapes", default="auto", choices=("auto", "drawn", "pooled"),
                help="pooled: each check draws its input shapes from a few fixed ones (conformance/strategies.py, "
                     "shape pools), so a framework that compiles per shape hits its caches; drawn: from their whole "
                     "ranges. auto (default): pooled where the adapter compiles per shape (keras-jax)")
    g.addoption("--compile-cache", default=None, metavar="DIR",
                help="a directory, kept between runs, where an adapter whose framework compiles per op and shape "
                     "(keras-jax) keeps its compiled programs: a second run finds them compiled "
                     "(conformance/compile_cache.py; default: none, every run cold)")
    g.addoption("--isolation", default="process", choices=("process", "none"),
                help="process (default): the adapter runs in a child process, so that a crash or a hang is one "
                     "check's error record and the run goes on; none: in the pytest process (for a debugger)")
    g.addoption("--check-timeout", default=None, type=float, metavar="SECONDS",
                help=f"the time limit of one check, past which it is an error record and the run goes on "
                     f"(default {isolation.DEFAULT_CHECK_TIMEOUT:g} s; needs --isolation=process)")
    g.addoption("--baseline", default=None, metavar="RESULTS",
                help="an earlier run's results.jsonl (or its directory): a divergence it had too is xfail "
                     "(known), only new ones fail the run (the regression mode of a nightly randomized job)")
    g.addoption("--report", default=None, metavar="DIR",
                help="write DIR/results.jsonl, DIR/run.json and DIR/checks.json and render DIR/index.html and "
                     "DIR/spec.html (with --collect-only: DIR/checks.json only)")
    g.addoption("--expectations", action="append", default=None, metavar="FILE",
                help="known divergences; repeat to combine files, 'default' naming the adapter's own "
                     "(default: conformance/expectations/<adapter>.toml if it exists)")


RUN = pytest.StashKey["ConformanceRun"]()


# First: our Hypothesis profiles must be registered before Hypothesis' own plugin loads the one
# --hypothesis-profile names (as an entry point, this plugin need not be registered after it).
@pytest.hookimpl(tryfirst=True)
def pytest_configure(config):
    name = config.getoption("--adapter")
    if name is None:
        if _names_the_suite(config) and not config.option.help:
            raise pytest.UsageError(_needs_adapter())
        return  # not a conformance run (pytest tests/, or another project's tests): nothing to do
    profiles.register()
    if config.option.tbstyle == "auto":
        # A divergence's message and the minimal example Hypothesis prints say what differs: one
        # line each. pytest's full traceback formatting (source, AST statement ranges,
        # inspect.getmodule over TensorFlow's thousands of modules) took 0.1-0.25 s per failure,
        # twice per failure (Hypothesis formats it too). --tb=long brings it back.
        config.option.tbstyle = "line"
    if config.getoption("hypothesis_profile", None) is None:
        profiles.load(os.environ.get("KERAS_CONFORMANCE_PROFILE", "ci"))
    run = config.stash[RUN] = ConformanceRun(config, name)
    config.pluginmanager.register(run, "keras-conformance-run")


def _names_the_suite(config) -> bool:
    """Whether the command line selects checks of this suite (a path in or above conformance/, or
    with ``--pyargs`` the package or one of its modules)."""
    for arg in config.args:
        if config.option.pyargs and arg.split("::")[0].split(".")[0] == __package__:
            return True
        path = (config.invocation_params.dir / arg.split("::")[0]).resolve()
        if path == HERE or HERE in path.parents or (path.is_dir() and path in HERE.parents):
            return True
    return False


def _needs_adapter() -> str:
    return (f"the conformance suite needs --adapter=NAME, the framework adapter to check: "
            f"{', '.join(sorted(adapters.available()))}, or package.module:factory (reference checks the spec "
            "against itself)")


def _run(config) -> ConformanceRun:
    run = config.stash.get(RUN, None)
    if run is None:  # the checks collected without --adapter, from a command line that did not name them
        raise pytest.UsageError(_needs_adapter())
    return run


@pytest.fixture(scope="session")
def adapter(request):
    """The adapter under test."""
    return _run(request.config).adapter


@pytest.fixture(scope="session")
def spec(request):
    """The reference, as an adapter, in the edition under test."""
    return _run(request.config).spec


def _identity(item):
    params = dict(getattr(item, "callspec", None).params) if hasattr(item, "callspec") else {}
    feature = params.pop("feature", None)
    check = item.originalname.removeprefix("test_") if hasattr(item, "originalname") else item.name
    return feature, check, {k: v if isinstance(v, (int, float, str, bool)) else repr(v) for k, v in params.items()}


def _key(feature, check, params) -> tuple:
    return feature, check, json.dumps(params, sort_keys=True, default=str)


def _baseline(path):
    """(path, {check key: the earlier run's message}) for every check that diverged in the earlier run."""
    if path is None:
        return None
    from reports.runs import ReportError, load

    try:
        run = load(path)
    except ReportError as e:
        raise pytest.UsageError(f"--baseline={path}: {e}") from None
    return str(run.source), {_key(r["feature"], r["check"], r["params"]): r["message"] for r in run.records
                             if r["status"] in ("diverge", "xfail") and r.get("nodeid")}


def checks_by_feature(identities) -> dict[str, list[str]]:
    """feature id -> sorted names of the checks on it, from (feature, check) pairs; checks parametrized
    by no feature (the seed-page test) cover no one feature. The spec page shows these."""
    checks = {}
    for feature, check in identities:
        if feature:
            checks.setdefault(str(feature), set()).add(check)
    return {f: sorted(c) for f, c in sorted(checks.items())}


_UNSUPPORTED = pytest.StashKey[str]()
_MATCH = pytest.StashKey["expectations.Match | None"]()  # the check's entries, found once at setup
_RECORDER = pytest.StashKey[Recorder]()  # what the check recorded while it passed (conformance/divergence.py)
_AT_SETUP = pytest.StashKey["tuple[float, float, float]"]()  # the adapter's framework and compile seconds, the spec's, at setup
_TOP_SPENDERS = 5  # the checks a run over its false-alarm budget names


def _policy_excludes(policy: str, feature: str, dtype: str | None) -> str | None:
    """Under a mixed policy a layer computes in the compute dtype whatever its inputs' dtype: its
    cases in that dtype check it; the others would check the same computation again."""
    p = DTypePolicy(policy)
    if p.mixed and feature.startswith("layers.") and dtype not in (None, p.compute_dtype):
        return (f"--dtype-policy={policy}: a layer computes in {p.compute_dtype} whatever its inputs' dtype; "
                f"its {p.compute_dtype} cases check it")
    return None


def _mark_xfail(report, entry: expectations.Expectation) -> None:
    """Report the check as pytest's xfail, with the entry's reason and upstream issue."""
    report.outcome, report.wasxfail = "skipped", f"{entry.reason} ({entry.issue or 'no upstream issue'})"


class ConformanceRun:
    """One conformance run: the adapter under test, the spec, the expectations, the records, and the
    hooks that act on them (registered by ``pytest_configure`` when ``--adapter`` is given).

    Under xdist each worker runs checks with its own instance; the controller's collects their
    records (they arrive as user properties) and writes the results, the report and the ledger.
    """

    def __init__(self, config, name: str):
        device, mode = config.getoption("--device"), config.getoption("--mode")
        devices, modes = device.split(","), mode.split(",")
        if len(set(devices)) != len(devices) or not set(devices) <= {"cpu", "gpu"}:
            raise pytest.UsageError(f"--device={device}: give cpu, gpu, or cpu,gpu")
        if len(set(modes)) != len(modes) or not set(modes) <= set(MODES):
            raise pytest.UsageError(f"--mode={mode}: give one of {', '.join(MODES)}, or a comma list of them")
        policy = config.getoption("--dtype-policy")
        timeout, isolate = config.getoption("--check-timeout"), config.getoption("--isolation") == "process"
        self.compile_cache = compile_cache.open_for(config)  # before any adapter process starts: they inherit it
        if timeout is not None and (not isolate or not timeout > 0):
            raise pytest.UsageError(f"--check-timeout={timeout:g}: give a positive number of seconds, with "
                                    "--isolation=process (a check in the pytest process cannot be stopped)")
        timeout = timeout or isolation.DEFAULT_CHECK_TIMEOUT if isolate else None
        try:
            edition = config.getoption("--edition")
            loaded = [isolation.Isolated(name, d, edition, timeout, m, policy) if isolate
                      else adapters.load(name, device=d, edition=edition, mode=m, dtype_policy=policy)
                      for d in devices for m in modes]
        except (adapters.UnknownAdapter, adapters.AdapterUnavailable, isolation.UsageError) as e:
            raise pytest.UsageError(str(e)) from None
        except Exception as e:  # noqa: BLE001  (a third party's factory raised: name it, no INTERNALERROR)
            raise pytest.UsageError(f"adapter {name!r}: its factory raised {type(e).__name__}: {e}") from None
        adapter = loaded[0] if len(loaded) == 1 else CrossVariant(loaded)
        if getattr(config.option, "numprocesses", None) and getattr(config.option, "dist", "no") != "no" \
                and not hasattr(config, "workerinput"):
            for a in loaded:  # the xdist controller runs no check: its adapter process only had to describe itself
                getattr(a, "close", lambda: None)()
        shapes = config.getoption("--shapes")
        self.shapes = shapes if shapes != "auto" else "pooled" if adapter.compiles_per_shape else "drawn"
        strategies.pool_shapes(self.shapes == "pooled")
        edition = config.getoption("--edition") or adapter.edition
        try:
            described = adapter.describe()
        except Exception as e:  # noqa: BLE001
            raise pytest.UsageError(f"adapter {name!r}: describe() raised {type(e).__name__}: {e}") from None
        default = HERE / "expectations" / f"{adapter.name}.toml"
        paths = [default if p == "default" else Path(p) for p in config.getoption("--expectations") or ["default"]]
        paths = [p for p in paths if p != default or default.exists()]
        versions = getattr(adapter, "versions", {})
        try:
            expected = [e for p in paths for e in expectations.load(p)
                        if e.applies(devices, versions, described["platform_facts"])]
            measured = [t for p in paths for t in expectations.measured_on(p)]
        except expectations.ExpectationsError as e:
            raise pytest.UsageError(str(e)) from None
        self.adapter, self.spec, self.edition = adapter, ReferenceAdapter(edition=edition, exact=True), edition
        self.spec.configure("eager", config.getoption("--dtype-policy"))  # the spec's weights and penalties under the same policy
        self.adapter_arg, self.check_timeout = name, timeout
        self.expectations, self.measured = expected, measured
        self.expectations_path = ", ".join(map(str, paths))
        self.expectation_files = [str(p.resolve()) for p in paths]
        self.platform_new = expectations.new_to(measured, {**described["platform_facts"], **versions})
        report = config.getoption("--report")
        self.report_dir = Path(report) if report else None
        self.baseline = _baseline(config.getoption("--baseline"))
        self.start = time.time()
        self.records: list[dict] = []
        self.unmatched: list = []  # the expectations no check of this run matched (set at session end)
        self.false_alarm: dict | None = None  # the run's false-alarm ledger (set at session end)

    # -- collection and the checks (in the process that runs them) --------------------------------

    def pytest_collection_finish(self, session):
        """Freeze what is alive once the framework and the checks are loaded (about 360,000 objects with
        TensorFlow): the cyclic garbage collector then no longer walks them on every full
        collection, which took about 0.15 s each and a tenth of the run."""
        gc.collect()
        gc.freeze()

    def pytest_runtest_setup(self, item):
        rec = item.stash[_RECORDER] = divergence.reset()
        isolation.start_check(self.check_timeout)
        match = item.stash[_MATCH] = self._expected(item)
        rec.allowance = match.bound if match and not match.strict else None
        item.stash[_AT_SETUP] = (self.adapter.framework_seconds, self._compile_seconds(), self.spec.framework_seconds)
        feature, _, params = _identity(item)
        if feature:
            reason = _policy_excludes(self.spec.dtype_policy, feature, params.get("dtype")) \
                or self.adapter.supports(feature, params.get("dtype"))
            if reason:
                item.stash[_UNSUPPORTED] = reason
                pytest.skip(f"unsupported by adapter {self.adapter.name}: {reason}")

    def _expected(self, item) -> expectations.Match | None:
        feature, check, params = _identity(item)
        found = [e for e in self.expectations if e.matches(feature, check, params)]
        return expectations.Match(found) if found else None

    def _in_baseline(self, item) -> str | None:
        """The baseline run's message for this check, when the check diverged there too."""
        return self.baseline[1].get(_key(*_identity(item))) if self.baseline else None

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_call(self, item):
        """An Unsupported ends the check at its first example (``_unsupported_at_once``). Several variants
        (--device=cpu,gpu, --mode=eager,jit): the check's body runs once per variant
        on each example (conformance/variants.py ``per_variant``). Then, a known divergence is found
        again but not shrunk again: its minimal example was filed with its expectation, and shrinking
        it on every run would be the gate's slowest work."""
        with _body_wrapped(item, _unsupported_at_once):
            yield from self._variants_call(item)

    def _variants_call(self, item):
        if not isinstance(self.adapter, CrossVariant):
            yield from self._runtest_call(item)
            return
        with _body_wrapped(item, lambda body: per_variant(body, self.adapter)):
            yield from self._runtest_call(item)

    def _runtest_call(self, item):
        old, match = getattr(item.obj, "_hypothesis_internal_use_settings", None), item.stash.get(_MATCH, None)
        if match is not None and not match.strict and match.knows_some():  # a plain check too (one case)
            with _known_when(item, match):
                yield
            return
        if old is None or match is None or not match.strict:  # beyond a bound or a condition is a real divergence
            yield
            return
        from hypothesis import Phase, settings

        item.obj._hypothesis_internal_use_settings = settings(old, phases=[Phase.explicit, Phase.reuse, Phase.generate])
        try:
            yield
        finally:
            item.obj._hypothesis_internal_use_settings = old

    @pytest.hookimpl(hookwrapper=True)
    def pytest_runtest_makereport(self, item, call):
        outcome = yield
        report = outcome.get_result()
        if report.when == "setup" and report.skipped and _UNSUPPORTED in item.stash:
            self._attach(item, report, "unsupported", f"unsupported: {item.stash[_UNSUPPORTED]}")
            return
        if report.when != "call":
            if report.failed:
                exc = call.excinfo.value if call.excinfo else None
                why = str(exc) if isinstance(exc, (isolation.Lost, isolation.AdapterError)) else \
                    call.excinfo.exconly() if call.excinfo else ""
                self._attach(item, report, "error", f"{report.when} failed: {why}")
            return
        match = item.stash.get(_MATCH, None)
        strict = match.strict if match else None
        expected = None  # the entry the record names
        exc = call.excinfo.value if call.excinfo else None
        if isinstance(exc, _UnsupportedStop):
            exc = exc.unsupported
        if isinstance(exc, BaseExceptionGroup):  # Hypothesis found several distinct failures
            found = exc.subgroup(lambda e: isinstance(e, Divergence))
            if found is not None and found.split(lambda e: isinstance(e, Divergence))[1] is None:
                first = found.exceptions[0]
                while isinstance(first, BaseExceptionGroup):
                    first = first.exceptions[0]
                exc = Divergence(f"{len(exc.exceptions)} distinct divergences; the first: {first}", first.detail)
        detail = {}
        rec = _recorder(item)
        if report.passed:
            status = "info" if rec.info else "pass"
            message = "; ".join(rec.info)
            if match and not strict and rec.known:
                status, expected = "xfail", rec.known_entry
                message = (f"{rec.known} of {rec.examples} cases diverged, each meeting the expectation's conditions "
                           f"({expected.conditions()}); the first: {rec.known_message}")
            elif match and not strict and rec.beyond_policy:
                status, expected = "xfail", rec.beyond_policy_entry
                message = (f"{rec.beyond_policy} elements beyond the tolerance policy, all within the "
                           f"expected {expected.ulps:g} ULP (worst {rec.beyond_policy_ulps:.3g} ULP)")
            elif match and not strict:
                # A cause that only some inputs show (a condition, an imprecision): the draws may hold none.
                # The check passed (or noted what is implementation-defined); the message says the entries
                # were not exercised, which is not a stale entry.
                shown = "; ".join((f"the imprecision it bounds ({e.ulps:g} ULP)" if e.ulps is not None else "a divergence")
                                  + (f" when {e.conditions()}" if e.conditional else "") for e in match.entries)
                message = "; ".join([*rec.info, f"the expectation's cause did not show in this run's draws: {shown} "
                                     f"({match.reasons()})"])
            elif strict:
                status, expected = "xpass", strict
                message = f"expected divergence did not occur ({strict.reason}); remove the entry"
                report.outcome, report.longrepr = "failed", f"XPASS: {strict.describe()} is listed in " \
                    f"{self.expectations_path} but the check passed: {strict.reason}"
            if status == "xfail":
                _mark_xfail(report, expected)
        elif isinstance(exc, Divergence):
            detail, message = exc.detail, str(exc)
            status = "diverge"
            if match and match.conditional and not strict:
                message = f"outside the expectations' conditions, so not a known divergence: {message}"
            if strict and strict.crash:
                message = f"the expectation names a crash, not this divergence: {message}"
            elif strict:  # (non-strict entries set aside what they cover: a divergence left over is new)
                status, expected = "xfail", strict
                _mark_xfail(report, strict)
            elif (known := self._in_baseline(item)) is not None:
                status = "xfail"  # known from the baseline run: not a regression
                expected = expectations.Expectation(*_identity(item)[:2], reason=f"diverged in the baseline run too "
                                                    f"({self.baseline[0]}): {known[:300]}")
                report.outcome, report.wasxfail = "skipped", expected.reason
        elif isinstance(exc, divergence.Unsupported):  # a capability the adapter lacks (Adapter.signature)
            status, message = "unsupported", f"unsupported: {exc}"
            report.outcome = "skipped"
            report.longrepr = (str(item.path), item.location[1] or 0, f"unsupported by adapter {self.adapter.name}: {exc}")
        elif isinstance(exc, isolation.Lost):  # the framework's process died or hung: the case it was running
            status, message = "error", str(exc)
            if exc.case is not None:
                detail = {"case": _case_dict(exc.case), "snippet": self._snippet(exc.case)}
            if strict and strict.crash:  # a known crash (expectations.py)
                status, expected = "xfail", strict
                _mark_xfail(report, strict)
        elif report.skipped:
            status, message = "error", f"skipped without a reason the suite knows: {report.longrepr}"
            report.outcome = "failed"  # nothing is skipped silently
        else:
            status, message = "error", call.excinfo.exconly() if call.excinfo else "failed"
        self._attach(item, report, status, message, detail, expected)

    def _compile_seconds(self) -> float:
        return getattr(self.adapter, "compile_seconds", 0.0)  # a third party's adapter may not count it

    def _attach(self, item, report, status, message, detail=None, expected=None):
        feature, check, params = _identity(item)
        rec = _recorder(item)
        # An info record shows the case its first note illustrates; an xfail within an expectation's ULP
        # bound, the first case beyond the tolerance policy; any other, the failing or the last case.
        shown = {"info": rec.info_case, "xfail": rec.known_case or rec.beyond_policy_case}.get(status) or rec.last_case
        case = (detail or {}).get("case") or (_case_dict(shown) if shown is not None else None)
        framework_at_setup, compile_at_setup, spec_at_setup = item.stash.get(
            _AT_SETUP, (self.adapter.framework_seconds, self._compile_seconds(), self.spec.framework_seconds))
        record = {
            "feature": feature, "check": check, "params": params, "status": status, "message": message[:4000],
            **self.adapter.describe(), "edition": self.edition, "nodeid": item.nodeid,
            "example": case, "metrics": {**rec.metrics, **(detail or {}).get("metrics", {})},
            "stats": rec.stats, "examples": rec.examples, "mismatches": (detail or {}).get("mismatches"),
            "rejections": (detail or {}).get("rejections"), "repro": self._repro(item),
            "snippet": (detail or {}).get("snippet") or (self._snippet(shown) if shown is not None else ""),
            "duration_s": round(report.duration, 4),
            "framework_s": round(self.adapter.framework_seconds - framework_at_setup, 4),
            "compile_s": round(self._compile_seconds() - compile_at_setup, 4),  # of framework_s: tracing, compiling
            "spec_s": round(self.spec.framework_seconds - spec_at_setup, 4),
        }
        if expected:
            record["expectation"] = {"reason": expected.reason, "issue": expected.issue}
        if status == "diverge" and shown is not None:
            record["conditions"] = conditions.met(shown)
        if self.baseline and status in ("diverge", "xfail"):
            record["baseline"] = "new" if self._in_baseline(item) is None else "known"
        report.user_properties.append(("conformance", record))

    def _repro(self, item) -> str:
        env = facts.repro_env(self.adapter.describe()["platform_facts"])  # the same kernels on any machine
        # A suite outside the directory pytest ran in (an installed wheel) is named by its module.
        inside = item.config.invocation_params.dir in Path(item.path).parents
        target = [item.nodeid] if inside else ["--pyargs", f"{item.module.__name__}::{item.nodeid.split('::', 1)[1]}"]
        args = ["pytest", *target, f"--adapter={self.adapter_arg}", f"--device={self.adapter.device}",
                f"--edition={self.edition}"]
        args += [f"--{k}={v}" for k, v, default in (("mode", self.adapter.mode, "eager"),
                                                    ("dtype-policy", self.adapter.dtype_policy, "float32"),
                                                    ("shapes", self.shapes, "drawn")) if v != default]
        return " ".join([f"{k}={v}" for k, v in env.items()] + [shlex.quote(a) for a in args])

    def _snippet(self, case) -> str:
        try:
            return self.adapter.snippet(case)
        except (Exception, isolation.Lost) as e:  # noqa: BLE001  (the record still goes out, without its snippet)
            return f"# no snippet: the adapter's snippet() failed: {str(e).splitlines()[0]}"

    # -- the controller: records, results, the false-alarm ledger, the report ----------------------

    def pytest_runtest_logreport(self, report):
        # Runs in the controller under xdist, where the workers' records arrive as user_properties.
        for key, record in report.user_properties:
            if key == "conformance":
                self.records.append(record)

    def _counts(self):
        """Checks by status (the notes on unmatched expectations are not checks)."""
        counts = {}
        for r in self.records:
            if "nodeid" not in r:
                continue
            counts[r["status"]] = counts.get(r["status"], 0) + 1
        return counts

    def pytest_sessionfinish(self, session, exitstatus):
        if hasattr(session.config, "workerinput"):
            return
        if session.config.option.collectonly:  # nothing ran: the collected checks are all there is to write
            if self.report_dir is not None:
                self._write_checks(checks_by_feature(_identity(item)[:2] for item in session.items))
            return
        # Decided from the records (the xdist controller collects no items): an entry no check of this run matched.
        checks = [r for r in self.records if "nodeid" in r]
        self.unmatched = [e for e in self.expectations
                          if not any(e.matches(r["feature"], r["check"], r["params"]) for r in checks)]
        for e in self.unmatched:
            self.records.append({"feature": ", ".join(expectations.listed(e.feature)),
                                 "check": ", ".join(expectations.listed(e.check)), "params": e.params, "status": "info",
                                 **self.adapter.describe(), "edition": self.edition,
                                 "message": f"expectation matched no check of this run: {e.describe()} ({e.reason})"})
        self.false_alarm = self._ledger(checks)
        if self.false_alarm["exceeded"] and session.exitstatus == pytest.ExitCode.OK:
            session.exitstatus = pytest.ExitCode.TESTS_FAILED
        if self.report_dir is not None:
            self._write_report(session, checks)

    def _ledger(self, checks) -> dict:
        """The run's false-alarm ledger (conformance/stats.py): what the statistical tests that ran
        spent, against the suite's budget; over it, the checks that spent the most."""
        spent = stats.false_alarm_ledger(checks)
        total = math.fsum(spent.values())
        ledger = {"spent": total, "budget": stats.SUITE_FALSE_ALARM, "exceeded": total > stats.SUITE_FALSE_ALARM,
                  "tests": sum(len(r.get("stats") or []) for r in checks), "checks": len(spent)}
        if ledger["exceeded"]:
            top = sorted(spent.items(), key=lambda kv: -kv[1])[:_TOP_SPENDERS]
            ledger["spent_most"] = [{"feature": f, "check": c, "params": json.loads(p), "spent": a}
                                    for (f, c, p), a in top]
        return ledger

    def _write_report(self, session, checks):
        out = self.report_dir
        out.mkdir(parents=True, exist_ok=True)
        with open(out / "results.jsonl", "w") as f:
            for r in sorted(self.records, key=lambda r: (r["feature"] or "", r["check"], json.dumps(r["params"]))):
                f.write(json.dumps(r, default=str) + "\n")
        from hypothesis import settings

        seed = session.config.getoption("hypothesis_seed", None)
        run = {**self.adapter.describe(), "edition": self.edition, "profile": settings.get_current_profile_name(),
               "derandomize": settings.default.derandomize, "max_examples": settings.default.max_examples,
               "shapes": self.shapes,
               "compile_cache": compile_cache.describe(self.compile_cache, self.adapter),
               "seed": str(seed) if seed is not None else ("derandomized: each check's seed is derived from its source"
                                                           if settings.default.derandomize else "random per check"),
               "python": sys.version.split()[0], "platform": platform.platform(), "start": self.start,
               "duration_s": round(time.time() - self.start, 2), "counts": self._counts(),
               "versions": dict(getattr(self.adapter, "versions", {})),
               "expectations": self.expectations_path, "expectation_files": self.expectation_files,
               "platform_measured": not self.platform_new,
               "measured": self.measured, "false_alarm": self.false_alarm, "exitstatus": int(session.exitstatus)}
        (out / "run.json").write_text(json.dumps(run, indent=2, default=str))
        # The HTML divergence report and the readable spec, rendered from the files just written.
        from reports import render, spec
        from reports.runs import load

        render.render_report([load(out / "results.jsonl")], out)
        covered = checks_by_feature((r["feature"], r["check"]) for r in checks)
        self._write_checks(covered)
        spec.render_spec(out, covered)

    def _write_checks(self, checks: dict[str, list[str]]) -> None:
        """Write DIR/checks.json, the spec page's data: feature id -> the checks of this run on it."""
        self.report_dir.mkdir(parents=True, exist_ok=True)
        (self.report_dir / "checks.json").write_text(json.dumps(checks, indent=1) + "\n")

    def pytest_report_header(self, config):
        a = self.adapter.describe()
        cache = compile_cache.describe(self.compile_cache, self.adapter)
        return [f"keras-conformance: adapter {a['adapter']} ({a['version']}), edition {self.edition}, "
                f"{self.shapes} shapes" + (f", compile cache: {cache}" if cache else ""),
                f"platform: {facts.summary(a['platform_facts'])}"]

    def _new_platform_message(self, described: dict, failed: int) -> list[str]:
        """What a failing run on a platform its expectations were never measured on tells the user."""
        have = {**described["platform_facts"], **getattr(self.adapter, "versions", {})}
        nearest = min(self.measured, key=lambda t: sum(str(have.get(k)) != v for k, v in t.items()))
        differ = ", ".join(f"{k}={have.get(k)} (measured: {v})" for k, v in nearest.items() if str(have.get(k)) != v)
        return [
            f"this platform is new to the expectations ({self.expectations_path}): they were measured on "
            f"{len(self.measured)} platforms, and this run differs from the nearest in {differ}.",
            f"The {failed} diverge/xpass checks may be this platform's kernels rather than a bug in the framework. "
            "To record this platform's divergences in a file of your own (README, 'A new platform'):",
            f"  python -m conformance.record {self.report_dir or 'DIR'}/results.jsonl -o my-platform.toml   "
            "(after a run with --report DIR)",
            "  then state each entry's reason, and rerun with --expectations=my-platform.toml",
        ]

    def pytest_terminal_summary(self, terminalreporter):
        if hasattr(terminalreporter.config, "workerinput") or terminalreporter.config.option.collectonly:
            return
        tr = terminalreporter
        tr.section("keras-conformance")
        a = self.adapter.describe()
        tr.write_line(f"adapter {a['adapter']} ({a['version']}), edition {self.edition}, device {a['device']}")
        tr.write_line(f"platform: {facts.summary(a['platform_facts'])}")
        counts = self._counts()
        tr.write_line("checks by status: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
        new = [r for r in self.records if r["status"] == "diverge"]
        if new:  # triage: each new divergence as an entry to paste (after stating its cause)
            tr.write_line(f"{len(new)} new divergences{' (not in the baseline run)' if self.baseline else ''}; "
                          "once each is understood, record it with its cause:", yellow=True)
            for r in new[:20]:
                tr.write_line(_entry_text(r))
            if len(new) > 20:
                tr.write_line(f"# ... and {len(new) - 20} more: python -m conformance.record DIR/results.jsonl drafts them all")
        failed = sum(counts.get(s, 0) for s in ("diverge", "xpass"))
        if failed and self.platform_new:
            for line in self._new_platform_message(a, failed):
                tr.write_line(line, yellow=True)
        for e in self.unmatched[:5]:  # a partial run (-k, one file) leaves most entries unmatched: the first few
            tr.write_line(f"expectation matched no check of this run: {e.describe()}: {e.reason}", yellow=True)
        if len(self.unmatched) > 5:
            tr.write_line(f"... and {len(self.unmatched) - 5} more expectations matched no check of this run (expected "
                          "in a partial run; in a whole run, stale entries): each is an info record in the results",
                          yellow=True)
        errors = counts.get("error", 0)
        if errors and tr.config.option.tbstyle == "line":
            tr.write_line(f"{errors} checks broke (status error: the adapter or the harness raised); "
                          "rerun them with --tb=long for the full tracebacks", red=True)
        self._summarize_ledger(tr)
        if self.report_dir:
            d = self.report_dir
            tr.write_line(f"results: {d / 'results.jsonl'}; report: {d / 'index.html'}; spec: {d / 'spec.html'}")

    def _summarize_ledger(self, tr):
        ledger = self.false_alarm
        if ledger is None or not ledger["tests"]:
            return
        tests = f"the statistical tests of this run ({ledger['tests']} in {ledger['checks']} checks)"
        if not ledger["exceeded"]:
            tr.write_line(f"false alarms: {tests} spent {ledger['spent']:.3g} of the suite's budget of {ledger['budget']:g}")
            return
        tr.write_line(f"false-alarm budget exceeded, so the run fails: {tests} may fail a correct framework with "
                      f"probability up to {ledger['spent']:.3g}, beyond the suite's budget of {ledger['budget']:g} "
                      "(stats.SUITE_FALSE_ALARM, conformance/stats.py). The checks that spent the most:", red=True)
        for s in ledger["spent_most"]:
            params = ", ".join(f"{k}={v}" for k, v in sorted(s["params"].items()))
            tr.write_line(f"  {s['spent']:.3g}  {s['feature'] or ''} {s['check']}{f' [{params}]' if params else ''}",
                          red=True)


def _recorder(item) -> Recorder:
    """The check's recorder: the one its setup started (a fresh one if setup never got that far)."""
    return item.stash.setdefault(_RECORDER, Recorder())


class _UnsupportedStop(pytest.skip.Exception):
    """An Unsupported on its way out of Hypothesis, which re-raises a skip at once where it would shrink
    any other exception: what an adapter lacks is not a property of the example (``grad`` returning None
    is the adapter's), and shrinking it ran the check's every draw again for nothing (four fifths of a
    keras-numpy run). The record is ``unsupported`` as before, with the first example's message."""

    def __init__(self, unsupported):
        super().__init__(str(unsupported))
        self.unsupported = unsupported


@contextlib.contextmanager
def _body_wrapped(item, wrap):
    """Run the check with its body replaced by ``wrap(body)``: Hypothesis' ``inner_test``, which it calls
    afresh for each example (so wrapping it there is how plugins wrap a test body), or a plain check's function."""
    hyp = getattr(item.obj, "hypothesis", None)
    body = hyp.inner_test if hyp is not None else item.obj
    if hyp is not None:
        hyp.inner_test = wrap(body)
    else:
        item.obj = wrap(body)
    try:
        yield
    finally:
        if hyp is not None:
            hyp.inner_test = body
        else:
            item.obj = body


def _unsupported_at_once(body):
    """``body`` with its Unsupported raised as an :class:`_UnsupportedStop`."""

    @functools.wraps(body)
    def stop(*args, **kwargs):
        try:
            return body(*args, **kwargs)
        except divergence.Unsupported as exc:
            raise _UnsupportedStop(exc) from exc

    return stop


def _known_when(item, match):
    """Run the check with a divergence in a case that meets the entry's conditions set aside as known:
    Hypothesis goes on drawing (and shrinks any other divergence, which is new)."""
    rec = _recorder(item)

    def wrap(inner):
        @functools.wraps(inner)
        def known(*args, **kwargs):
            try:
                return inner(*args, **kwargs)
            except Divergence as exc:
                entry = match.known(rec.last_case)
                if entry is None:
                    raise
                rec.known += 1
                if rec.known_case is None:
                    rec.known_case, rec.known_entry, rec.known_message = rec.last_case, entry, str(exc)

        return known

    return _body_wrapped(item, wrap)


def _case_dict(case):
    from conformance.summary import case_dict
    return case_dict(case)


def _entry_text(record) -> str:
    """A ready-to-paste expectation entry for a divergent record, its minimal example as a comment."""
    import tomli_w

    from conformance.record import new_entry

    example = json.dumps(record.get("example"), default=str)
    met = record.get("conditions")
    hint = (f"# the example meets: {', '.join(met)} (if that is the cause, add when = {json.dumps(met)}; see "
            "conformance/conditions.py)\n") if met else ""
    return (f"# repro: {record['repro']}\n# minimal example: {example[:600]}\n{hint}"
            + tomli_w.dumps({"expected": [new_entry(record)]}))
