"""Hypothesis profiles. ``ci`` (the default) is the gate: derandomized, so the
same code always draws the same examples, with no example database.

Select another with ``--hypothesis-profile=dev`` or KERAS_CONFORMANCE_PROFILE.
"""

from hypothesis import HealthCheck, settings

COMMON = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large])


def register():
    settings.register_profile("ci", derandomize=True, database=None, max_examples=30, print_blob=False, **COMMON)
    settings.register_profile("dev", max_examples=100, **COMMON)
    settings.register_profile("thorough", max_examples=1000, **COMMON)


def load(name: str):
    register()
    settings.load_profile(name)
