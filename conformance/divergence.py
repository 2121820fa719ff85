"""What a check raises when the adapter and the spec disagree, and what it records when they agree.

A :class:`Divergence` carries a JSON-able ``detail`` (the case, the metrics, the
first mismatches) that the plugin writes to the results. ``recorder()`` is
the per-check scratchpad the helpers fill while a check passes: worst-case
metrics, statistics, informational notes and the last case run. The plugin
starts one for each check at its setup (``reset``) and keeps it with the
check's item; ``recorder()`` is how the checks' helpers reach it.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np

from adapters.base import Unsupported  # noqa: F401  (the checks raise it from here; adapters from adapters.base)


class Divergence(AssertionError):
    def __init__(self, message: str, detail: dict[str, Any]):
        self.detail = detail
        super().__init__(message)


@dataclass
class Recorder:
    last_case: Any = None
    examples: int = 0
    metrics: dict[str, float] = field(default_factory=dict)
    stats: list[dict] = field(default_factory=list)
    info: list[str] = field(default_factory=list)
    info_case: Any = None  # the case the first note illustrates: the record's example and snippet
    allowance: Any = None  # case -> the expectation whose ulps bound it (conformance/expectations.py), or None
    beyond_policy: int = 0  # elements within such a bound but beyond the tolerance policy
    beyond_policy_entry: Any = None  # the expectation of the first of them
    beyond_policy_ulps: float = 0.0  # the largest ULP error among them
    beyond_policy_case: Any = None  # the first case with such an element: an xfail record's example and snippet
    known: int = 0  # divergences in cases meeting an expectation's ``when`` conditions (set aside as known)
    known_case: Any = None  # the first of them: an xfail record's example and snippet
    known_entry: Any = None  # and the expectation that covers it
    known_message: str = ""  # and its divergence message

    def note(self, message: str, case: Any = None, *, once: str | None = None) -> None:
        """Record implementation-defined behaviour, illustrated by ``case`` (default: the last case).

        With ``once``, a note starting with that text is recorded only the first time."""
        if once is not None and any(n.startswith(once) for n in self.info):
            return
        self.info.append(message)
        if self.info_case is None:
            self.info_case = case if case is not None else self.last_case

    def worst(self, **metrics: float) -> None:
        """Keep the largest value seen of each metric over the check's examples."""
        for k, v in metrics.items():
            if v is not None and np.isfinite(v):
                self.metrics[k] = max(self.metrics.get(k, 0.0), float(v))

    def within_bound(self, entry: Any, elements: int, worst_ulps: float) -> None:
        """Note ``elements`` beyond the tolerance policy but within ``entry``'s ULP bound (an
        expectation's ``ulps``), the largest ``worst_ulps``: the last case is the record's example
        if it is the first such."""
        if not self.beyond_policy:
            self.beyond_policy_case, self.beyond_policy_entry = self.last_case, entry
        self.beyond_policy += elements
        self.beyond_policy_ulps = max(self.beyond_policy_ulps, worst_ulps)


_current = Recorder()


def recorder() -> Recorder:
    """The recorder of the check that is running."""
    return _current


def reset() -> Recorder:
    """Start a check: a fresh recorder, from now on the one ``recorder()`` returns."""
    global _current
    _current = Recorder()
    return _current
