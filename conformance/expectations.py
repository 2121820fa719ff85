"""Known divergences of an adapter, read from ``conformance/expectations/<adapter>.toml``.

Each entry::

    [[expected]]
    feature = "activations.softsign"     # required
    check = "values"                     # required: the check name
    params = { dtype = "float16" }       # optional: only these parametrizations
    reason = "why the framework differs" # required
    issue = "keras-team/keras#12345"     # optional: the upstream issue
    ulps = 5                             # optional: a bound, see below
    devices = ["gpu"]                    # optional: only when the run uses one of these devices
    versions = { keras = ">=3.15,<3.16" }  # optional: only for these package versions (PEP 440
                                         # specifiers against the adapter's ``versions``)

An entry whose ``devices`` or ``versions`` do not hold for the adapter under test is inactive:
it neither matches a check nor is reported as stale.

A divergence that matches an entry is ``xfail``; with ``ulps``, only elements
within that many ULPs are expected (the framework is less precise than the
tolerance policy allows, by a known amount): the check runs with that bound,
an element beyond it is a divergence as usual, and an element between the
policy and the bound makes the check ``xfail``; a check that passes although
an entry matches it is ``xpass`` and fails the run (the entry is stale); an
entry that matches no check of the run is reported at its end.
"""

from __future__ import annotations

import tomllib
from dataclasses import dataclass, field
from pathlib import Path

from packaging.specifiers import InvalidSpecifier, SpecifierSet
from packaging.version import InvalidVersion, Version

REQUIRED = ("feature", "check", "reason")
ALLOWED = (*REQUIRED, "params", "issue", "ulps", "devices", "versions")


class ExpectationsError(ValueError):
    pass


@dataclass
class Expectation:
    feature: str
    check: str
    reason: str
    params: dict = field(default_factory=dict)
    issue: str | None = None
    ulps: float | None = None
    devices: list[str] = field(default_factory=list)
    versions: dict[str, str] = field(default_factory=dict)

    def applies(self, devices: list[str], versions: dict[str, str]) -> bool:
        """Whether the entry's conditions hold for a run on ``devices`` with these package versions."""
        if self.devices and not set(self.devices) & set(devices):
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
        return (self.feature == feature and self.check == check
                and all(str(params.get(k)) == str(v) for k, v in self.params.items()))

    def describe(self) -> str:
        extra = f" {self.params}" if self.params else ""
        return f"{self.feature} / {self.check}{extra}"


def load(path: str | Path) -> list[Expectation]:
    path = Path(path)
    try:
        data = tomllib.loads(path.read_text())
    except FileNotFoundError:
        raise ExpectationsError(f"expectations file {path} does not exist") from None
    except tomllib.TOMLDecodeError as e:
        raise ExpectationsError(f"expectations file {path} is not valid TOML: {e}") from None
    unknown_top = set(data) - {"expected"}
    if unknown_top:
        raise ExpectationsError(f"{path}: unknown top-level keys {sorted(unknown_top)}; entries go in [[expected]] tables")
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
        if not isinstance(entry.get("devices", []), list):
            raise ExpectationsError(f"{path}: entry {i} ({entry['feature']}): devices must be a list, e.g. [\"gpu\"]")
        out.append(Expectation(**entry))
    return out
