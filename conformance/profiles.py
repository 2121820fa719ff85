"""Hypothesis profiles. ``ci`` (the default) is the gate: derandomized, so the
same code always draws the same examples, with no example database.

Select another with ``--hypothesis-profile=dev`` or KERAS_CONFORMANCE_PROFILE. ``mutants`` is
``ci`` without shrinking (the mutant tests).
"""

from hypothesis import HealthCheck, Phase, settings

COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def register():
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
