"""Adapters by name.

``load("tf")`` and ``load("reference")`` name the built-in adapters. A third party's adapter is
named ``package.module:factory``, where ``factory(device, edition)`` returns an
:class:`adapters.base.Adapter`, or by the name it registers in the ``keras_conformance.adapters``
entry-point group of its distribution (docs/ADAPTERS.md)::

    [project.entry-points."keras_conformance.adapters"]
    tinyact = "tinyact_conformance:make"
"""

from __future__ import annotations

import importlib
from importlib.metadata import entry_points

from adapters.base import Adapter, AdapterUnavailable

ENTRY_POINT_GROUP = "keras_conformance.adapters"

BUILTIN = {"reference": "adapters.reference:make", "tf": "adapters.tf:make", "tf-keras": "adapters.tf_keras:make",
           "keras-jax": "adapters.keras_jax:make", "keras-torch": "adapters.keras_torch:make",
           "keras-numpy": "adapters.keras_numpy:make", "keras-openvino": "adapters.keras_openvino:make",
           "onnx": "adapters.onnx:make"}


class UnknownAdapter(LookupError):
    pass


def available() -> dict[str, str]:
    """Every adapter name and its ``module:factory``: the built-in ones, then those installed
    distributions register as entry points (a built-in name wins)."""
    found = {ep.name: ep.value for ep in entry_points(group=ENTRY_POINT_GROUP)}
    return {**found, **BUILTIN}


def load(spec: str, device: str = "cpu", edition: str | None = None, mode: str = "eager",
         dtype_policy: str = "float32") -> Adapter:
    """Instantiate the adapter ``spec`` names, on ``device``, running cases in ``mode`` under ``dtype_policy``
    (``Adapter.configure``).

    Raises UnknownAdapter for a name that is neither built in nor ``module:factory``,
    and AdapterUnavailable when the adapter's framework or device is missing, or it cannot run the mode or policy.
    """
    names = available() if ":" not in spec else BUILTIN
    target = names.get(spec, spec)
    if ":" not in target:
        raise UnknownAdapter(
            f"unknown adapter {spec!r}. Available adapters: {', '.join(sorted(names))}, "
            f"or a third-party adapter as package.module:factory (or registered in the {ENTRY_POINT_GROUP!r} "
            "entry-point group)"
        )
    module_name, factory_name = target.split(":", 1)
    try:
        module = importlib.import_module(module_name)
    except ModuleNotFoundError as e:
        if e.name and module_name.startswith(e.name):
            raise UnknownAdapter(f"adapter {spec!r}: cannot import module {module_name!r} ({e})") from None
        raise
    factory = getattr(module, factory_name, None)
    if factory is None:
        raise UnknownAdapter(f"adapter {spec!r}: module {module_name!r} has no factory {factory_name!r}")
    adapter = factory(device=device, edition=edition)
    if not isinstance(adapter, Adapter):
        raise UnknownAdapter(f"adapter {spec!r}: {factory_name}() returned {type(adapter).__name__}, not an Adapter")
    adapter.configure(mode, dtype_policy)
    return adapter


__all__ = ["Adapter", "AdapterUnavailable", "UnknownAdapter", "available", "load"]
