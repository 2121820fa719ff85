"""Case strategies and tables, one module per family.

A family is one module of the spec: ``reference/<area>.py`` or ``reference/layers/<name>.py``.
Its cases live in ``conformance/cases/<family>.py`` and its checks in
``conformance/test_<family>.py``, under the same name (``activations``, ``layers_pooling``, ...):
:func:`family` gives it for a feature.
"""

from __future__ import annotations

import reference


def family(feature: str) -> str:
    """The family of a registered feature: its spec module's name under reference/, with "layers_"
    for the layers (``layers.Conv2D`` -> ``layers_convolution``); an area's ``get`` (the resolve checks' feature) is
    the area's."""
    if feature not in reference.FEATURES and feature.endswith(".get"):  # an area's resolve: initializers.get
        return feature.removesuffix(".get")
    module = reference.get_feature(feature).obj.__module__
    return module.removeprefix("reference.").replace(".", "_")


def features_of(name: str) -> list[str]:
    """Every registered feature of family ``name``, sorted: the table a check over the whole family
    (``test_signature``) is parametrized with."""
    return sorted(f for f in reference.FEATURES if family(f) == name)
