"""The pytest plugin: options, the adapter under test, results and expectations.

``conformance/conftest.py`` imports these hooks. Every check is a test item
parametrized by ``feature``; its check name is the test function's name less
``test_``. Each item becomes one line of ``--report DIR/results.jsonl``.
"""

from __future__ import annotations

import contextlib
import functools
import gc
import json
import os
import platform
import shlex
import sys
import time
from pathlib import Path

import pytest

import adapters
from adapters import facts
from adapters.reference import ReferenceAdapter
from conformance import conditions, divergence, expectations, isolation, profiles
from conformance.devices import CrossDevice
from conformance.divergence import Divergence
from reference.editions import EDITIONS

HERE = Path(__file__).parent
STATE = {}  # the session's adapter, spec, expectations and run metadata


def pytest_addoption(parser):
    g = parser.getgroup("keras-conformance")
    g.addoption("--adapter", default="reference",
                help="framework adapter to check: " + ", ".join(sorted(adapters.available())) + ", or package.module:factory")
    g.addoption("--device", default="cpu", help="cpu (default), gpu, or cpu,gpu: every case on both devices, any "
                "difference between them a divergence (conformance/devices.py)")
    g.addoption("--edition", default=None, choices=EDITIONS,
                help="spec edition to check against (default: the adapter's own)")
    g.addoption("--isolation", default="process", choices=("process", "none"),
                help="process (default): the adapter runs in a child process, so that a crash or a hang is one "
                     "check's error record and the run goes on; none: in the pytest process (for a debugger)")
    g.addoption("--check-timeout", default=None, type=float, metavar="SECONDS",
                help=f"the time limit of one check, past which it is an error record and the run goes on "
                     f"(default {isolation.DEFAULT_CHECK_TIMEOUT:g} s; needs --isolation=process)")
    g.addoption("--baseline", default=None, metavar="RESULTS",
                help="an earlier run's results.jsonl (or its directory): a divergence it had too is xfail "
                     "(known), only new ones fail the run (the regression mode of a nightly randomized job)")
    g.addoption("--report", default=None, metavar="DIR", help="write DIR/results.jsonl and DIR/run.json")
    g.addoption("--expectations", action="append", default=None, metavar="FILE",
                help="known divergences; repeat to combine files, 'default' naming the adapter's own "
                     "(default: conformance/expectations/<adapter>.toml if it exists)")


def pytest_configure(config):
    profiles.register()
    if config.option.tbstyle == "auto":
        # A divergence's message and the minimal example Hypothesis prints say what differs: one
        # line each. pytest's full traceback formatting (source, AST statement ranges,
        # inspect.getmodule over TensorFlow's thousands of modules) took 0.1-0.25 s per failure,
        # twice per failure (Hypothesis formats it too). --tb=long brings it back.
        config.option.tbstyle = "line"
    if config.getoption("hypothesis_profile", None) is None:
        profiles.load(os.environ.get("KERAS_CONFORMANCE_PROFILE", "ci"))
    name, device = config.getoption("--adapter"), config.getoption("--device")
    devices = device.split(",")
    if len(set(devices)) != len(devices) or not set(devices) <= {"cpu", "gpu"}:
        raise pytest.UsageError(f"--device={device}: give cpu, gpu, or cpu,gpu")
    timeout, isolate = config.getoption("--check-timeout"), config.getoption("--isolation") == "process"
    if timeout is not None and (not isolate or not timeout > 0):
        raise pytest.UsageError(f"--check-timeout={timeout:g}: give a positive number of seconds, with "
                                "--isolation=process (a check in the pytest process cannot be stopped)")
    timeout = timeout or isolation.DEFAULT_CHECK_TIMEOUT if isolate else None
    try:
        loaded = [isolation.Isolated(name, d, config.getoption("--edition"), timeout) if isolate
                  else adapters.load(name, device=d, edition=config.getoption("--edition")) for d in devices]
    except (adapters.UnknownAdapter, adapters.AdapterUnavailable, isolation.UsageError) as e:
        raise pytest.UsageError(str(e)) from None
    except Exception as e:  # noqa: BLE001  (a third party's factory raised: name it, no INTERNALERROR)
        raise pytest.UsageError(f"adapter {name!r}: its factory raised {type(e).__name__}: {e}") from None
    adapter = loaded[0] if len(loaded) == 1 else CrossDevice(loaded)
    if getattr(config.option, "numprocesses", None) and getattr(config.option, "dist", "no") != "no" \
            and not hasattr(config, "workerinput"):
        for a in loaded:  # the xdist controller runs no check: its adapter process only had to describe itself
            getattr(a, "close", lambda: None)()
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
    STATE.update(adapter=adapter, spec=ReferenceAdapter(edition=edition, exact=True), edition=edition,
                 expectations=expected, expectations_path=", ".join(map(str, paths)), records=[],
                 expectation_files=[str(p.resolve()) for p in paths],
                 measured=measured, platform_new=expectations.new_to(measured, {**described["platform_facts"], **versions}),
                 collected=set(), start=time.time(), adapter_arg=name, check_timeout=timeout)
    report = config.getoption("--report")
    STATE["report_dir"] = Path(report) if report else None
    STATE["baseline"] = _baseline(config.getoption("--baseline"))


def _key(feature, check, params) -> tuple:
    return feature, check, json.dumps(params, sort_keys=True, default=str)


def _in_baseline(item) -> str | None:
    """The baseline run's message for this check, when the check diverged there too."""
    return STATE["baseline"][1].get(_key(*_identity(item))) if STATE["baseline"] else None


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


def pytest_collection_finish(session):
    """Freeze what is alive once the framework and the checks are loaded (about 360,000 objects with
    TensorFlow): the cyclic garbage collector then no longer walks them on every full
    collection, which took about 0.15 s each and a tenth of the run."""
    gc.collect()
    gc.freeze()


@pytest.fixture(scope="session")
def adapter():
    """The adapter under test."""
    return STATE["adapter"]


@pytest.fixture(scope="session")
def spec():
    """The reference, as an adapter, in the edition under test."""
    return STATE["spec"]


def _identity(item):
    params = dict(getattr(item, "callspec", None).params) if hasattr(item, "callspec") else {}
    feature = params.pop("feature", None)
    check = item.originalname.removeprefix("test_") if hasattr(item, "originalname") else item.name
    return feature, check, {k: v if isinstance(v, (int, float, str, bool)) else repr(v) for k, v in params.items()}


def pytest_runtest_setup(item):
    rec = divergence.reset()
    isolation.start_check(STATE["check_timeout"])
    match = item.stash[_MATCH] = _expected(item)
    rec.allowance = match.bound if match and not match.strict else None
    STATE["framework_at_setup"] = STATE["adapter"].framework_seconds
    STATE["spec_at_setup"] = STATE["spec"].framework_seconds
    feature, _, params = _identity(item)
    if feature:
        reason = STATE["adapter"].supports(feature, params.get("dtype"))
        if reason:
            item.stash[_UNSUPPORTED] = reason
            pytest.skip(f"unsupported by adapter {STATE['adapter'].name}: {reason}")


_UNSUPPORTED = pytest.StashKey[str]()
_MATCH = pytest.StashKey["expectations.Match | None"]()  # the check's entries, found once at setup


def _repro(item) -> str:
    env = facts.repro_env(STATE["adapter"].describe()["platform_facts"])  # the same kernels on any machine
    args = ["pytest", item.nodeid, f"--adapter={STATE['adapter_arg']}", f"--device={STATE['adapter'].device}",
            f"--edition={STATE['edition']}"]
    return " ".join([f"{k}={v}" for k, v in env.items()] + [shlex.quote(a) for a in args])


def _expected(item) -> expectations.Match | None:
    feature, check, params = _identity(item)
    found = [e for e in STATE["expectations"] if e.matches(feature, check, params)]
    return expectations.Match(found) if found else None


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_call(item):
    """A known divergence is found again but not shrunk again: its minimal example was filed
    with its expectation, and shrinking it on every run would be the gate's slowest work."""
    old, match = getattr(item.obj, "_hypothesis_internal_use_settings", None), item.stash.get(_MATCH, None)
    if old is not None and match is not None and not match.strict and match.knows_some():
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
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    if report.when == "setup" and report.skipped and _UNSUPPORTED in item.stash:
        _attach(item, report, "unsupported", f"unsupported: {item.stash[_UNSUPPORTED]}")
        return
    if report.when != "call":
        if report.failed:
            exc = call.excinfo.value if call.excinfo else None
            why = str(exc) if isinstance(exc, (isolation.Lost, isolation.AdapterError)) else \
                call.excinfo.exconly() if call.excinfo else ""
            _attach(item, report, "error", f"{report.when} failed: {why}")
        return
    match = item.stash.get(_MATCH, None)
    strict = match.strict if match else None
    expected = None  # the entry the record names
    exc = call.excinfo.value if call.excinfo else None
    if isinstance(exc, BaseExceptionGroup):  # Hypothesis found several distinct failures
        found = exc.subgroup(lambda e: isinstance(e, Divergence))
        if found is not None and found.split(lambda e: isinstance(e, Divergence))[1] is None:
            first = found.exceptions[0]
            while isinstance(first, BaseExceptionGroup):
                first = first.exceptions[0]
            exc = Divergence(f"{len(exc.exceptions)} distinct divergences; the first: {first}", first.detail)
    detail = {}
    rec = divergence.recorder()
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
                f"{STATE['expectations_path']} but the check passed: {strict.reason}"
        if status == "xfail":
            report.outcome, report.wasxfail = "skipped", f"{expected.reason} ({expected.issue or 'no upstream issue'})"
    elif isinstance(exc, Divergence):
        detail, message = exc.detail, str(exc)
        status = "diverge"
        if match and match.conditional and not strict:
            message = f"outside the expectations' conditions, so not a known divergence: {message}"
        if strict:  # (non-strict entries set aside what they cover: a divergence left over is new)
            status, expected = "xfail", strict
            report.outcome, report.wasxfail = "skipped", f"{strict.reason} ({strict.issue or 'no upstream issue'})"
        elif (known := _in_baseline(item)) is not None:
            status = "xfail"  # known from the baseline run: not a regression
            expected = expectations.Expectation(*_identity(item)[:2], reason=f"diverged in the baseline run too "
                                                f"({STATE['baseline'][0]}): {known[:300]}")
            report.outcome, report.wasxfail = "skipped", expected.reason
    elif isinstance(exc, isolation.Lost):  # the framework's process died or hung: the case it was running
        status, message = "error", str(exc)
        if exc.case is not None:
            detail = {"case": _case_dict(exc.case), "snippet": _snippet(exc.case)}
    elif report.skipped:
        status, message = "error", f"skipped without a reason the suite knows: {report.longrepr}"
        report.outcome = "failed"  # nothing is skipped silently
    else:
        status, message = "error", call.excinfo.exconly() if call.excinfo else "failed"
    _attach(item, report, status, message, detail, expected)


@contextlib.contextmanager
def _known_when(item, match):
    """Run the check with a divergence in a case that meets the entry's conditions set aside as known:
    Hypothesis goes on drawing (and shrinks any other divergence, which is new). Hypothesis calls
    ``inner_test`` afresh for each example, so wrapping it there is how plugins wrap a test body."""
    hyp = item.obj.hypothesis
    inner = hyp.inner_test

    @functools.wraps(inner)
    def known(*args, **kwargs):
        try:
            return inner(*args, **kwargs)
        except Divergence as exc:
            rec = divergence.recorder()
            entry = match.known(rec.last_case)
            if entry is None:
                raise
            rec.known += 1
            if rec.known_case is None:
                rec.known_case, rec.known_entry, rec.known_message = rec.last_case, entry, str(exc)

    hyp.inner_test = known
    try:
        yield
    finally:
        hyp.inner_test = inner


def _attach(item, report, status, message, detail=None, expected=None):
    feature, check, params = _identity(item)
    rec = divergence.recorder()
    # An info record shows the case its first note illustrates; an xfail within an expectation's ULP
    # bound, the first case beyond the tolerance policy; any other, the failing or the last case.
    shown = {"info": rec.info_case, "xfail": rec.known_case or rec.beyond_policy_case}.get(status) or rec.last_case
    case = (detail or {}).get("case") or (_case_dict(shown) if shown is not None else None)
    record = {
        "feature": feature, "check": check, "params": params, "status": status, "message": message[:4000],
        **STATE["adapter"].describe(), "edition": STATE["edition"], "nodeid": item.nodeid,
        "example": case, "metrics": {**rec.metrics, **(detail or {}).get("metrics", {})},
        "stats": rec.stats, "examples": rec.examples, "mismatches": (detail or {}).get("mismatches"),
        "rejections": (detail or {}).get("rejections"), "repro": _repro(item),
        "snippet": (detail or {}).get("snippet") or (_snippet(shown) if shown is not None else ""),
        "duration_s": round(report.duration, 4),
        "framework_s": round(STATE["adapter"].framework_seconds - STATE.get("framework_at_setup", 0.0), 4),
        "spec_s": round(STATE["spec"].framework_seconds - STATE.get("spec_at_setup", 0.0), 4),
    }
    if expected:
        record["expectation"] = {"reason": expected.reason, "issue": expected.issue}
    if status == "diverge" and shown is not None:
        record["conditions"] = conditions.met(shown)
    if STATE["baseline"] and status in ("diverge", "xfail"):
        record["baseline"] = "new" if _in_baseline(item) is None else "known"
    report.user_properties.append(("conformance", record))


def _snippet(case) -> str:
    try:
        return STATE["adapter"].snippet(case)
    except (Exception, isolation.Lost) as e:  # noqa: BLE001  (the record still goes out, without its snippet)
        return f"# no snippet: the adapter's snippet() failed: {str(e).splitlines()[0]}"


def _case_dict(case):
    from conformance.summary import case_dict
    return case_dict(case)


def pytest_runtest_logreport(report):
    # Runs in the controller under xdist, where the workers' records arrive as user_properties.
    for key, record in report.user_properties:
        if key == "conformance":
            STATE["records"].append(record)


def _counts():
    """Checks by status (the notes on unmatched expectations are not checks)."""
    counts = {}
    for r in STATE["records"]:
        if "nodeid" not in r:
            continue
        counts[r["status"]] = counts.get(r["status"], 0) + 1
    return counts


def pytest_sessionfinish(session, exitstatus):
    if "records" not in STATE or hasattr(session.config, "workerinput"):
        return
    # Decided from the records (the xdist controller collects no items): an entry no check of this run matched.
    unmatched = [e for e in STATE["expectations"]
                 if not any(e.matches(r["feature"], r["check"], r["params"]) for r in STATE["records"])]
    for e in unmatched:
        STATE["records"].append({"feature": ", ".join(expectations.listed(e.feature)),
                                 "check": ", ".join(expectations.listed(e.check)), "params": e.params, "status": "info",
                                 **STATE["adapter"].describe(), "edition": STATE["edition"],
                                 "message": f"expectation matched no check of this run: {e.describe()} ({e.reason})"})
    STATE["unmatched"] = unmatched
    out = STATE["report_dir"]
    if out is None:
        return
    out.mkdir(parents=True, exist_ok=True)
    with open(out / "results.jsonl", "w") as f:
        for r in sorted(STATE["records"], key=lambda r: (r["feature"] or "", r["check"], json.dumps(r["params"]))):
            f.write(json.dumps(r, default=str) + "\n")
    from hypothesis import settings

    seed = session.config.getoption("hypothesis_seed", None)
    run = {**STATE["adapter"].describe(), "edition": STATE["edition"], "profile": settings.get_current_profile_name(),
           "derandomize": settings.default.derandomize, "max_examples": settings.default.max_examples,
           "seed": str(seed) if seed is not None else ("derandomized: each check's seed is derived from its source"
                                                       if settings.default.derandomize else "random per check"),
           "python": sys.version.split()[0], "platform": platform.platform(), "start": STATE["start"],
           "duration_s": round(time.time() - STATE["start"], 2), "counts": _counts(),
           "versions": dict(getattr(STATE["adapter"], "versions", {})),
           "expectations": STATE["expectations_path"], "expectation_files": STATE["expectation_files"],
           "platform_measured": not STATE["platform_new"],
           "measured": STATE["measured"], "exitstatus": int(exitstatus)}
    (out / "run.json").write_text(json.dumps(run, indent=2, default=str))
    # The HTML divergence report and the readable spec, rendered from the files just written.
    from reports import render, spec
    from reports.runs import load

    render.render_report([load(out / "results.jsonl")], out)
    checks = {}
    for r in STATE["records"]:
        if r["feature"]:
            checks.setdefault(r["feature"], set()).add(r["check"])
    spec.render_spec(out, {f: sorted(c) for f, c in checks.items()})


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


def pytest_report_header(config):
    if "adapter" not in STATE:
        return None
    a = STATE["adapter"].describe()
    return [f"keras-conformance: adapter {a['adapter']} ({a['version']}), edition {STATE['edition']}",
            f"platform: {facts.summary(a['platform_facts'])}"]


def _new_platform_message(described: dict, failed: int) -> list[str]:
    """What a failing run on a platform its expectations were never measured on tells the user."""
    have = {**described["platform_facts"], **getattr(STATE["adapter"], "versions", {})}
    nearest = min(STATE["measured"], key=lambda t: sum(str(have.get(k)) != v for k, v in t.items()))
    differ = ", ".join(f"{k}={have.get(k)} (measured: {v})" for k, v in nearest.items() if str(have.get(k)) != v)
    return [
        f"this platform is new to the expectations ({STATE['expectations_path']}): they were measured on "
        f"{len(STATE['measured'])} platforms, and this run differs from the nearest in {differ}.",
        f"The {failed} diverge/xpass checks may be this platform's kernels rather than a bug in the framework. "
        "To record this platform's divergences in a file of your own (README, 'A new platform'):",
        f"  python -m conformance.record {STATE['report_dir'] or 'DIR'}/results.jsonl -o my-platform.toml   "
        "(after a run with --report DIR)",
        "  then state each entry's reason, and rerun with --expectations=my-platform.toml",
    ]


def pytest_terminal_summary(terminalreporter):
    if "records" not in STATE:
        return
    tr = terminalreporter
    tr.section("keras-conformance")
    a = STATE["adapter"].describe()
    tr.write_line(f"adapter {a['adapter']} ({a['version']}), edition {STATE['edition']}, device {a['device']}")
    tr.write_line(f"platform: {facts.summary(a['platform_facts'])}")
    counts = _counts()
    tr.write_line("checks by status: " + ", ".join(f"{k}={v}" for k, v in sorted(counts.items())))
    new = [r for r in STATE["records"] if r["status"] == "diverge"]
    if new:  # triage: each new divergence as an entry to paste (after stating its cause)
        tr.write_line(f"{len(new)} new divergences{' (not in the baseline run)' if STATE['baseline'] else ''}; "
                      "once each is understood, record it with its cause:", yellow=True)
        for r in new[:20]:
            tr.write_line(_entry_text(r))
        if len(new) > 20:
            tr.write_line(f"# ... and {len(new) - 20} more: python -m conformance.record DIR/results.jsonl drafts them all")
    failed = sum(counts.get(s, 0) for s in ("diverge", "xpass"))
    if failed and STATE["platform_new"]:
        for line in _new_platform_message(a, failed):
            tr.write_line(line, yellow=True)
    unmatched = STATE.get("unmatched", [])
    for e in unmatched[:5]:  # a partial run (-k, one file) leaves most entries unmatched: the first few
        tr.write_line(f"expectation matched no check of this run: {e.describe()}: {e.reason}", yellow=True)
    if len(unmatched) > 5:
        tr.write_line(f"... and {len(unmatched) - 5} more expectations matched no check of this run (expected in a "
                      "partial run; in a whole run, stale entries): each is an info record in the results", yellow=True)
    errors = counts.get("error", 0)
    if errors and tr.config.option.tbstyle == "line":
        tr.write_line(f"{errors} checks broke (status error: the adapter or the harness raised); "
                      "rerun them with --tb=long for the full tracebacks", red=True)
    if STATE["report_dir"]:
        d = STATE["report_dir"]
        tr.write_line(f"results: {d / 'results.jsonl'}; report: {d / 'index.html'}; spec: {d / 'spec.html'}")
