"""How an argument that names a nested object (a layer's ``activation``, ``kernel_initializer``,
``bias_regularizer``, ``kernel_constraint``, ...) becomes the reference's own object.

Each area's ``get`` (``keras.<area>.get`` on a string) gives the same shape, (feature id,
arguments); :func:`resolve` takes any identifier a layer accepts (an object, None, a
``{"class_name", "config"}`` dict or a string) in any of the four areas.
"""

from __future__ import annotations

from reference import activations, constraints, initializers, regularizers
from reference.editions import KERAS3
from reference.errors import SpecError, require
from reference.registry import get_feature

AREAS = {"activations": activations, "initializers": initializers, "regularizers": regularizers,
         "constraints": constraints}

# The reference objects of an area, given as themselves; activations: any callable.
_OBJECTS = {"initializers": initializers.Initializer, "regularizers": regularizers.Regularizer,
            "constraints": constraints.Constraint}

# What None resolves to: linear (activations.get(None)); glorot_uniform, Keras' add_weight fallback for
# a float weight without an initializer; no regularizer, no constraint.
_NONE = {"activations": "linear", "initializers": "GlorotUniform", "regularizers": None, "constraints": None}


def resolve(area: str, identifier, *, argument: str = "identifier", edition=KERAS3):
    """The reference object that ``identifier`` names in ``area`` ("activations", "initializers",
    "regularizers" or "constraints"), in ``edition``.

    Formula: an object of the area (an Initializer, Regularizer or Constraint; for activations any
        callable) is itself. None is the area's default: linear, GlorotUniform (Keras' ``add_weight``
        falls back to glorot_uniform for a float weight without an initializer), or None (no
        regularizer, no constraint). A ``{"class_name", "config"}`` dict (initializers, regularizers,
        constraints) is that class built from the config. A string goes through the area's
        ``get`` (its names and edition differences are documented there) and is built with the
        arguments ``get`` gives. An activation is the function of x in ``edition``, with its config
        name as ``__name__``.
    Errors: SpecError naming ``argument``: a string ``get`` does not know, a dict without
        "class_name" or naming a class the area does not have ("Could not interpret <area>
        identifier").
    """
    if area == "activations" and callable(identifier) and not isinstance(identifier, str):
        return identifier
    if area in _OBJECTS and isinstance(identifier, _OBJECTS[area]):
        return identifier
    if identifier is None:
        if _NONE[area] is None:
            return None
        identifier = _NONE[area]
    if isinstance(identifier, dict) and area in _OBJECTS:
        return _from_dict(area, identifier, argument, edition)
    try:
        fid, arguments = AREAS[area].get(identifier, edition=edition)
    except SpecError as e:
        raise SpecError(argument, str(e)) from None
    obj = get_feature(fid).obj
    if area == "activations":
        return _bound(obj, fid.split(".", 1)[1], edition)
    return obj(**arguments, edition=edition)


def _from_dict(area, identifier, argument, edition):
    """Keras' deserialize: the class named by "class_name", built from "config"."""
    require("class_name" in identifier, argument, f"Could not interpret {area} identifier: {identifier}")
    try:
        cls = get_feature(f"{area}.{identifier['class_name']}").obj
    except KeyError:
        raise SpecError(argument, f"Could not interpret {area} identifier: {identifier}") from None
    return cls(**identifier.get("config", {}), edition=edition)


def _bound(fn, name, edition):
    """The activation ``fn`` as a function of x alone, in ``edition``, named ``name``."""

    def activation(x):
        return fn(x, edition=edition)

    activation.__name__ = name
    return activation
