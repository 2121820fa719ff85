"""Hypothesis profiles. ``ci`` (the default) is the gate: derandomized, so the
same code always draws the same examples, with no example database.

Select another with ``--hypothesis-profile=dev`` or KERAS_CONFORMANCE_PROFILE. ``mutants`` is
``ci`` without shrinking (the mutant tests).
"""

from hypothesis import HealthCheck, Phase, settings
from hypothesis.internal.conjecture import providers


COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def _no_local_constants():
    """Hypothesis mixes literals from every non-installed module loaded so far (the suite's own,
    a third party's adapter, the user's conftest) into its draws. Then the cases the gate draws
    would change with any edit to any such module, and differ between two users of the same suite
    version: the suite draws from Hypothesis' global constants only. (Private API, Hypothesis
    6.170; tests/test_plugin.py checks that the draws do not depend on a local module's constants.)"""
    if hasattr(providers, "_get_local_constants"):
        providers._get_local_constants = lambda: providers.Constants()


def register():
    _no_local_constants()
    settings.register_profile("ci", derandomize=True, database=None, max_examples=30, print_blob=False, **COMMON)
    settings.register_profile("dev", max_examples=100, **COMMON)
    settings.register_profile("thorough", max_examples=1000, **COMMON)
    # The ci examples without shrinking: tests/test_mutants.py only needs to know that a check
    # catches a mutant, and shrinking each caught case costs seconds.
    settings.register_profile("mutants", parent=settings.get_profile("ci"),
                              phases=(Phase.explicit, Phase.reuse, Phase.generate))


def load(name: str):
    register()
    settings.load_profile(name)
