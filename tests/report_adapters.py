"""Adapters that make recorded runs for the report's tests: several broken semantics at once.

``broken`` (``--adapter=tests.report_adapters:broken``) is the reference with three mutants of
tests/mutants.py applied (a statistical divergence with a KS plot, elementwise mismatches, a
rejection mismatch) and one hostile framework: its softsign rejects every input with an error
message full of markup, which the report must show as text.
"""

from __future__ import annotations

from adapters.base import Rejected
from tests.mutants import MUTANTS, Mutant

HOSTILE = '<script>window.__pwned = 1</script><img src=x onerror="window.__pwned = 2">&amp; "quotes"'
COMBINED = ("glorot_uniform_is_he", "elu_alpha_ignored", "l1_negative_accepted")


class Broken(Mutant):
    def call(self, case):
        if case.feature == "activations.softsign":
            raise Rejected(f"ValueError: {HOSTILE}", "ValueError")
        return super().call(case)


def broken(device="cpu", edition=None):
    patches = {k: v for name in COMBINED for k, v in MUTANTS[name][1].items()}
    return Broken("report-fixture", patches, device=device, edition=edition)
