"""The feature registry: every semantic the spec defines, by its feature id.

A feature id is ``<area>.<Keras name>``, e.g. ``initializers.GlorotUniform``
or ``activations.hard_sigmoid``. The registry is what the readable spec and
the coverage test walk; the conformance tests look features up here by name.

Every registered object's docstring is written in sections (see
``SECTIONS``); ``tests/test_reference.py`` and ``tests/test_reports_spec.py`` keep them complete.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Callable

# Sections every feature docstring carries, in this order.
SECTIONS = ("Formula", "Defaults", "Errors", "Editions", "Source")
# Sections a docstring may add.
OPTIONAL_SECTIONS = ("Distribution", "Implementation-defined", "Seed page", "Erratum")


@dataclass(frozen=True)
class Feature:
    id: str
    area: str
    name: str
    obj: Callable[..., Any]
    seed_page: str
    tags: frozenset[str] = field(default_factory=frozenset)
    # The editions that have this feature (LocallyConnected1D/2D: Keras 2 only; Keras 3 removed them).
    editions: tuple[str, ...] = ("keras3", "keras2")

    @property
    def doc(self) -> str:
        return self.obj.__doc__ or ""


FEATURES: dict[str, Feature] = {}


def feature(area: str, name: str | None = None, *, seed_page: str = "000", tags=(), editions=("keras3", "keras2")):
    """Register the decorated function or class as feature ``area.name`` (in ``editions`` only)."""

    def register(obj):
        fid = f"{area}.{name or obj.__name__}"
        if fid in FEATURES:
            raise RuntimeError(f"feature {fid} registered twice")
        FEATURES[fid] = Feature(fid, area, name or obj.__name__, obj, seed_page, frozenset(tags), tuple(editions))
        return obj

    return register


def get_feature(fid: str) -> Feature:
    try:
        return FEATURES[fid]
    except KeyError:
        raise KeyError(f"no feature {fid!r} in the reference; known: {', '.join(sorted(FEATURES))}") from None


def features(area: str | None = None, tag: str | None = None) -> list[Feature]:
    """Registered features, optionally of one area and carrying one tag, sorted by id."""
    return sorted(
        (f for f in FEATURES.values() if (area is None or f.area == area) and (tag is None or tag in f.tags)),
        key=lambda f: f.id,
    )
