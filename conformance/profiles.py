"""Hypothesis profiles. ``ci`` (the default) is the gate: derandomized, so the
same code always draws the same examples, with no example database.

Select another with ``--hypothesis-profile=dev`` or KERAS_CONFORMANCE_PROFILE. ``mutants`` is
``ci`` without shrinking (the mutant tests).
"""

import functools

import hypothesis.core
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


def _digest_once():
    """Hypothesis hashes a test function's source (inspect.getsource, about 1.2 ms) on every run of
    every check twice: for the derandomized seed and for the database key. The second is served
    from a cache keyed by the function and the parametrization id Hypothesis' pytest plugin adds to
    the digest, so it is the same bytes and the same draws. (Private API, Hypothesis 6.170;
    tests/test_plugin.py checks the cached digest against the uncached one.)"""
    digest = getattr(hypothesis.core, "function_digest", None)
    if digest is None or hasattr(digest, "uncached"):
        return

    @functools.lru_cache(maxsize=64)
    def by_key(function, add_digest):
        return digest(function)

    def cached(function):
        return by_key(function, getattr(function, "_hypothesis_internal_add_digest", None))

    cached.uncached = digest
    hypothesis.core.function_digest = cached


def register():
    _no_local_constants()
    _digest_once()
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


def fewer(divisor: int):
    """Settings for a check that runs the example count of the profile loaded when its module is
    imported, divided by ``divisor`` (at least 5): a family whose many parametrizations would otherwise
    take it past its share of the gate's time, or a check that needs few examples."""
    return settings(max_examples=max(5, settings.default.max_examples // divisor))
