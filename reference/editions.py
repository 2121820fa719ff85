"""The two Keras editions the spec distinguishes.

``keras3`` (Keras 3, checked against 3.15.1) is the default edition.
``keras2`` is tf-keras (Keras 2, checked against tf-keras 2.21): the era the
seed pages describe. Every place the editions differ is written in the
reference as an ``if edition == KERAS2`` branch, never as a tolerance.
"""

KERAS3 = "keras3"
KERAS2 = "keras2"
EDITIONS = (KERAS3, KERAS2)


def check_edition(edition: str) -> str:
    if edition not in EDITIONS:
        raise ValueError(f"unknown edition {edition!r}: choose one of {', '.join(EDITIONS)}")
    return edition
