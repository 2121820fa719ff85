"""The adapter contract: the only way the suite reaches a framework.

An adapter turns a :class:`Case` into NumPy. It implements four operations,
one per kind of case (``Case.op``):

- ``call``: apply an activation, constraint or regularizer to ``case.inputs[0]``;
- ``sample``: run an initializer for ``case.shape`` and ``case.dtype``;
- ``roundtrip``: build the object from ``case.config``, ``get_config``, rebuild it
  with ``from_config`` and run both on the case (see :class:`RoundTrip`);
- ``resolve``: turn the string ``case.identifier`` into the object Keras' ``get`` gives.

When the framework *rejects* a configuration or input (the user-facing error
Keras raises for invalid arguments), the adapter raises :class:`Rejected`.
Any other exception is a crash of the adapter or framework, reported as
``error``, never as a divergence. A feature or dtype the framework does not
have is declared by :meth:`Adapter.supports` and reported as ``unsupported``.
"""

from __future__ import annotations

import abc
import time
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

OPS = ("call", "sample", "roundtrip", "resolve")


@dataclass(frozen=True)
class Case:
    """One input to the spec and to a framework.

    ``feature`` is ``<area>.<Keras name>``; ``config`` the constructor (or
    function) keyword arguments as Keras 3 names them; ``inputs`` arrays of
    ``dtype`` (bfloat16 arrays use ``ml_dtypes.bfloat16``); ``shape`` the
    shape an initializer fills; ``identifier`` the string ``resolve`` looks up.
    """

    feature: str
    op: str
    config: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple = ()
    shape: tuple | None = None
    dtype: str = "float32"
    identifier: str | None = None

    def __post_init__(self):
        if self.op not in OPS:
            raise ValueError(f"Case.op must be one of {OPS}, got {self.op!r}")

    @property
    def area(self) -> str:
        return self.feature.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.feature.split(".", 1)[1]


@dataclass
class RoundTrip:
    """What ``roundtrip`` hands back.

    ``config``: ``get_config()`` of the object built from the case's config;
    ``clone_config``: ``get_config()`` of ``from_config(config)``;
    ``original``/``clone``: both objects applied to the case (an initializer
    samples ``case.shape``; anything else is called on ``case.inputs[0]``).
    """

    config: dict
    clone_config: dict
    original: np.ndarray
    clone: np.ndarray


@dataclass
class Resolved:
    """What ``resolve`` hands back: the feature Keras' ``get`` gave, and its config
    (``{}`` for an activation function)."""

    feature: str
    config: dict


class Rejected(Exception):
    """The framework rejected the configuration or input (not a crash)."""

    def __init__(self, message: str, kind: str = "ValueError"):
        self.kind = kind
        super().__init__(message)


class AdapterUnavailable(RuntimeError):
    """The adapter cannot run here: its framework is missing, or the device is not there."""


class Adapter(abc.ABC):
    """Base class of every adapter. Subclasses set the class attributes and the four operations."""

    name: str = ""
    edition: str = "keras3"
    framework: str = ""
    version: str = ""
    devices: tuple[str, ...] = ("cpu",)

    def __init__(self, device: str = "cpu"):
        if device not in self.devices:
            raise AdapterUnavailable(
                f"adapter {self.name!r} cannot run on device {device!r}; it supports: {', '.join(self.devices)}"
            )
        self.device = device
        self.framework_seconds = 0.0  # time spent inside framework calls, for the benchmark

    def supports(self, feature: str, dtype: str | None = None) -> str | None:
        """``None`` when the feature (and dtype) is supported, otherwise the reason it is not."""
        return None

    @abc.abstractmethod
    def call(self, case: Case) -> np.ndarray: ...

    @abc.abstractmethod
    def sample(self, case: Case) -> np.ndarray: ...

    @abc.abstractmethod
    def roundtrip(self, case: Case) -> RoundTrip: ...

    @abc.abstractmethod
    def resolve(self, case: Case) -> Resolved: ...

    def snippet(self, case: Case) -> str:
        """A standalone reproduction of ``case`` in the framework's public API."""
        return ""

    def describe(self) -> dict:
        return {"adapter": self.name, "framework": self.framework, "version": self.version,
                "edition": self.edition, "device": self.device}

    def run(self, case: Case):
        """Dispatch ``case`` to its operation, timing the framework."""
        start = time.perf_counter()
        try:
            return getattr(self, case.op)(case)
        finally:
            self.framework_seconds += time.perf_counter() - start
