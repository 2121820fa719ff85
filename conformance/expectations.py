"""Known divergences of an adapter, read from ``conformance/expectations/<adapter>.toml``.

Each entry::

    [[expected]]
    feature = "activations.softsign"     # required (or a list of features with the same cause)
    check = "values"                     # required: the check name (or a list)
    params = { dtype = "float16" }       # optional: only these parametrizations (a value, or a
                                         # list of values: any of them); none: every parametrization
    when = ["broadcast"]                 # optional: only cases meeting these conditions
                                         # (conformance/conditions.py names them)
    config = { activation = ["tanh"] }   # optional: only cases whose config has one of these values
    reason = "why the framework differs" # required
    issue = "keras-team/keras#12345"     # optional: the upstream issue
    ulps = 5                             # optional: a bound, see below
    crash = true                         # optional: the divergence is the framework's process dying
                                         # (or hanging) on the check's case; see below
    devices = ["gpu"]                    # optional: only when the run uses one of these devices
    versions = { keras = ">=3.15,<3.16" }  # optional: only for these package versions (PEP 440
                                         # specifiers against the adapter's ``versions``)
    platform = { onednn = "on" }         # optional: only where these platform facts hold (a value
                                         # or a list of values; adapters/facts.py names the facts;
                                         # "eager+jit": a run in each of them, --mode=eager,jit)

An entry whose ``devices``, ``versions`` or ``platform`` do not hold for the adapter under test is
inactive: it neither matches a check nor is reported as stale. Whether a divergence depends on
the platform is measured (both of TensorFlow's kernel families, TF_ENABLE_ONEDNN_OPTS=0 and =1),
not guessed: an entry without ``platform`` was seen on every platform measured.

The platforms a file was measured on are listed in ``[[measured]]`` tables, each a set of
platform facts and package versions that a run's must equal::

    [[measured]]
    device = "cpu"
    cpu_isa = "avx2 avx512f avx512_vnni avx512_bf16"
    onednn = "off"
    tensorflow = "2.21.0"
    keras = "3.15.1"

A run on a platform none of them describes is on a platform new to the file: the run says so
(run.json ``platform_measured``, the report's header), and where it fails, the failure message
tells the user how to record that platform's divergences in a file of their own.

An entry describes a divergence by its cause, not by the draws that happened to hit it: it holds
in any profile's draws (random ones too), as long as its conditions do.

A divergence that matches an entry is ``xfail``. With ``when`` or ``config`` (conditions on the
case), only a divergence in a case that meets the conditions is known: the check goes on drawing after it, and a divergence in a case that
does not meet them is new (shrunk and reported as usual). With ``ulps``, only elements
within that many ULPs are expected (the framework is less precise than the
tolerance policy allows, by a known amount): the check runs with that bound,
an element beyond it is a divergence as usual, and an element between the
policy and the bound makes the check ``xfail``.

With both, the bound holds for the cases meeting the conditions only.

With ``crash = true`` the known divergence is a crash: the framework's process dies or hangs on the
check's case (conformance/isolation.py), which is otherwise an ``error`` record; the entry makes it
``xfail``. It is a plain entry (a crash ends the check at its case: no ``when``, ``config`` or ``ulps``),
it covers a crash only (a value divergence under it is new), and a check that passes under it is ``xpass``.

A plain entry (no ``when``, ``config`` or ``ulps``) is strict: it is meant to hold on every draw, so
a check that passes although it matches is ``xpass`` and fails the run (the entry is stale). An
entry with ``when``, ``config`` or ``ulps`` bounds what some inputs show, and a run's draws may hold none of them: a check
that passes under it is ``pass``, its message saying the entry's cause did not show. An entry that matches no check of the run is
reported at its end.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

from conformance import conditions

REQUIRED = ("feature", "check", "reason")
ALLOWED = (*REQUIRED, "params", "when", "config", "issue", "ulps", "crash", "devices", "versions", "platform")


class ExpectationsError(ValueError):
    pass


@dataclass
class Expectation:
    feature: str | list[str]
    check: str | list[str]
    reason: str
    params: dict = field(default_factory=dict)
    issue: str | None = None
    ulps: float | None = None
    devices: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)
    platform: dict[str, str | list[str]] = field(default_factory=dict)
    when: list[str] = field(default_factory=list)
    config: dict = field(default_factory=dict)
    crash: bool = False

    @property
    def conditional(self) -> bool:
        """Whether the entry holds for some cases only (conditions on the case)."""
        return bool(self.when or self.config)

    @property
    def strict(self) -> bool:
        """Whether the entry is meant to hold on every draw: a passing check under it is stale."""
        return not self.conditional and self.ulps is None

    def covers(self, case) -> bool:
        """Whether ``case`` meets the entry's conditions on the case (any case, for an entry without)."""
        if not self.conditional:
            return True
        return case is not None and conditions.hold(self.when, case) and all(
            case.config.get(k) in listed(v) for k, v in self.config.items())

    def conditions(self) -> str:
        return conditions.describe(self.when, self.config)

    def applies(self, devices: list[str], versions: dict[str, str], platform: dict[str, str] | None = None) -> bool:
        """Whether the entry's conditions hold for a run on ``devices`` with these package versions
        and platform facts (a cross-device or cross-mode run joins its variants' values with commas:
        any counts; a wanted value joined with "+" needs each, as a difference between modes does)."""
        if self.devices and not set(self.devices) & set(devices):
            return False
        for fact, want in self.platform.items():
            have = set(str((platform or {}).get(fact, "")).split(","))
            if not any(set(w.split("+")) <= have for w in listed(want)):
                return False
        for package, spec in self.versions.items():
            have = versions.get(package)
            try:
                if have is None or Version(have.split("+")[0]) not in SpecifierSet(spec):
                    return False
            except InvalidVersion:
                return False
        return True

    def matches(self, feature: str, check: str, params: dict) -> bool:
        return (feature in listed(self.feature) and check in listed(self.check)
                and all(str(params.get(k)) in map(str, listed(v)) for k, v in self.params.items()))

    def describe(self) -> str:
        extra = f" {self.params}" if self.params else ""
        when = f" when {self.conditions()}" if self.conditional else ""
        return f"{', '.join(listed(self.feature))} / {', '.join(listed(self.check))}{extra}{when}"


@dataclass
class Match:
    """The active entries that match one check. A strict one governs the whole check (the first, if
    several); otherwise each conditional entry sets aside the divergences of the cases it covers,
    and each ``ulps`` entry bounds the cases it covers (the widest bound, where several cover one)."""

    entries: list[Expectation]

    @property
    def strict(self) -> Expectation | None:
        return next((e for e in self.entries if e.strict), None)

    @property
    def conditional(self) -> bool:
        return any(e.conditional for e in self.entries)

    def known(self, case) -> Expectation | None:
        """The first entry without a bound whose conditions ``case`` meets: its divergence is known."""
        return next((e for e in self.entries if e.conditional and e.ulps is None and e.covers(case)), None)

    def bound(self, case) -> Expectation | None:
        """The ``ulps`` entry with the widest bound that covers ``case``."""
        covering = [e for e in self.entries if e.ulps is not None and e.covers(case)]
        return max(covering, key=lambda e: e.ulps, default=None)

    def knows_some(self) -> bool:
        return any(e.conditional and e.ulps is None for e in self.entries)

    def reasons(self) -> str:
        return "; ".join(e.reason for e in self.entries)


def listed(v) -> list:
    """A value that may be given as one or as a list, as a list."""
    return v if isinstance(v, list) else [v]


def _read(path: Path) -> dict:
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ExpectationsError(f"expectations file {path} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise ExpectationsError(f"expectations file {path} is not valid TOML: {e}") from None
    unknown_top = set(data) - {"expected", "measured"}
    if unknown_top:
        raise ExpectationsError(f"{path}: unknown top-level keys {sorted(unknown_top)}; entries go in [[expected]] "
                                "tables, the platforms they were measured on in [[measured]] tables")
    for i, table in enumerate(data.get("measured", []), 1):
        if not table or not all(isinstance(v, str) for v in table.values()):
            raise ExpectationsError(f"{path}: [[measured]] table {i} must give each platform fact or package "
                                    f"version as a string, e.g. onednn = \"off\", tensorflow = \"2.21.0\"; got {table}")
    return data


def measured_on(path: str | Path) -> list[dict[str, str]]:
    """The ``[[measured]]`` tables of the file: the platforms its entries were measured on."""
    return _read(Path(path)).get("measured", [])


def new_to(tables: list[dict[str, str]], facts: dict[str, str]) -> bool:
    """Whether a run with these facts (platform facts and package versions) is on a platform that
    no ``[[measured]]`` table describes; a file with no such table claims none."""
    return bool(tables) and not any(all(str(facts.get(k)) == v for k, v in t.items()) for t in tables)


def load(path: str | Path) -> list[Expectation]:
    path = Path(path)
    data = _read(path)
    out = []
    for i, entry in enumerate(data.get("expected", []), 1):
        missing = [k for k in REQUIRED if not entry.get(k)]
        unknown = sorted(set(entry) - set(ALLOWED))
        if missing or unknown:
            raise ExpectationsError(f"{path}: entry {i} ({entry.get('feature', '?')}): "
                                    f"missing {missing} / unknown keys {unknown}; allowed keys: {ALLOWED}")
        for package, spec in (entry.get("versions") or {}).items():
            try:
                SpecifierSet(spec)
            except InvalidSpecifier:
                raise ExpectationsError(f"{path}: entry {i} ({entry['feature']}): versions.{package} = {spec!r} is not a "
                                        "version specifier such as '>=3.15,<3.16'") from None
        platform = entry.get("platform", {})
        if not isinstance(platform, dict) or not all(
                isinstance(v, str) or (isinstance(v, list) and all(isinstance(x, str) for x in v)) for v in platform.values()):
            raise ExpectationsError(f"{path}: entry {i} ({entry['feature']}): platform must be a table of facts, each "
                                    "a string or a list of strings, e.g. platform = { onednn = \"on\" }")
        when = entry.get("when", [])
        if not isinstance(when, list) or not set(when) <= set(conditions.CONDITIONS):
            raise ExpectationsError(f"{path}: entry {i} ({entry['feature']}): when must be a list of conditions "
                                    f"from {sorted(conditions.CONDITIONS)} (conformance/conditions.py), e.g. "
                                    f"when = [\"broadcast\"]; got {when!r}")
        if not isinstance(entry.get("config", {}), dict):
            raise ExpectationsError(f"{path}: entry {i} ({entry['feature']}): config must be a table of config "
                                    "values, each a value or a list, e.g. config = { activation = [\"tanh\"] }")
        if entry.get("crash", False) not in (True, False) or (entry.get("crash") and (
                entry.get("when") or entry.get("config") or entry.get("ulps") is not None)):
            raise ExpectationsError(f"{path}: entry {i} ({entry['feature']}): crash must be true or false, and a crash "
                                    "entry has no when, config or ulps (a crash ends the check at its case)")
        if not isinstance(entry.get("devices", []), list):
            raise ExpectationsError(f"{path}: entry {i} ({entry['feature']}): devices must be a list, e.g. [\"gpu\"]")
        out.append(Expectation(**entry))
    return out
