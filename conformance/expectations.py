"""Known divergences of an adapter, read from ``conformance/expectations/<adapter>.toml``.

Each entry::

    [[expected]]
    feature = "activations.softsign"     # required
    check = "values"                     # required: the check name
    params = { dtype = "float16" }       # optional: only these parametrizations
    reason = "why the framework differs" # required
    issue = "keras-team/keras#12345"     # optional: the upstream issue
    ulps = 5                             # optional: a bound, see below

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

REQUIRED = ("feature", "check", "reason")
ALLOWED = (*REQUIRED, "params", "issue", "ulps")


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
        out.append(Expectation(**entry))
    return out
