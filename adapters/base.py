"""The adapter contract: the only way the suite reaches a framework.

An adapter turns a :class:`Case` into NumPy. It implements these operations,
one per kind of case (``Case.op``):

- ``call``: apply an activation, constraint or regularizer to ``case.inputs[0]``;
  for a layer, build it for the inputs' shapes, set ``case.weights``, call it on
  ``case.inputs`` (with ``training`` and the input ``mask``) and hand back a
  :class:`LayerResult` (outputs, their masks, ``layer.losses``);
- ``sample``: run an initializer for ``case.shape`` and ``case.dtype``; for a
  layer, build it for input shape ``case.shape`` and hand back its initial weights;
- ``shape``: a layer's symbolic ``compute_output_shape(case.shape)`` (``None`` for
  unknown sizes); for ``layers.Input``, the ``(shape, dtype)`` of ``keras.Input(**config)``;
- ``roundtrip``: build the object from ``case.config``, ``get_config``, rebuild it
  with ``from_config`` and run both on the case (see :class:`RoundTrip`);
- ``resolve``: turn the string ``case.identifier`` into the object Keras' ``get`` gives;
- ``grad`` (optional): the vector-Jacobian product of a ``call`` with the cotangents
  ``case.cotangent`` (one per output): :class:`Gradients`, the gradient of
  ``sum(cotangent * output) + sum(layer.losses)`` (a training loss's terms) with respect to each
  floating input and each trainable weight.
  ``None`` (the default) says the adapter has no gradients, and the gradient checks are
  ``unsupported``;
- ``train`` (optional): one step of ``keras.optimizers.SGD(case.learning_rate)`` on that loss for
  a layer built with the case's config (regularizers, constraints) and weights: the trainable
  weights after it, by name (``None``: the training-step checks are unsupported);
- ``save`` (optional): a layer's ``call`` case, the layer then saved in a one-layer model to a
  ``.keras`` file and loaded again: a :class:`RoundTrip` of the original's and the loaded layer's
  configs and results (``None``: the adapter cannot save, and the saved-model checks are
  ``unsupported``).

Layer configs are Keras 3's constructor keywords; a Lambda's ``function``,
``output_shape`` (when a function) and ``mask`` (when a function) are names from
``adapters/lambdas.py``, which every adapter implements in its framework.

When the framework *rejects* a configuration or input (the user-facing error
Keras raises for invalid arguments), the adapter raises :class:`Rejected`.
Any other exception is a crash of the adapter or framework, reported as
``error``, never as a divergence. A feature or dtype the framework does not
have is declared by :meth:`Adapter.supports` and reported as ``unsupported``.
"""

from __future__ import annotations

import abc
import functools
import inspect
import time
import zlib
from dataclasses import dataclass, field
from typing import Any, Mapping

import numpy as np

OPS = ("call", "sample", "shape", "roundtrip", "resolve", "grad", "train", "save")
# Execution modes (``--mode``): ``eager`` runs each call as written; ``graph`` traces it into a graph
# first (tf.function), the batch dimension unknown; ``jit`` compiles it (XLA: tf.function(jit_compile=True),
# jax.jit). Only ``call`` is compiled: Keras builds weights, configs and shapes eagerly in every mode.
MODES = ("eager", "graph", "jit")
COMPILED_OPS = ("call",)
# Keras' dtype policies (``--dtype-policy``): float32, or float32 variables with float16/bfloat16 computation.
DTYPE_POLICIES = ("float32", "mixed_float16", "mixed_bfloat16")
# The directory an adapter whose framework compiles per op and shape caches its programs in ("": none),
# set by the run (conformance/compile_cache.py, ``--compile-cache``) and inherited by its child processes.
COMPILE_CACHE_ENV = "KERAS_CONFORMANCE_COMPILE_CACHE"
PLAIN = (str, int, float, bool, tuple, list, dict, type(None))  # config values whose repr is stable


@dataclass(frozen=True)
class Case:
    """One input to the spec and to a framework.

    ``feature`` is ``<area>.<Keras name>``; ``config`` the constructor (or
    function) keyword arguments as Keras 3 names them; ``inputs`` arrays of
    ``dtype`` (bfloat16 arrays use ``ml_dtypes.bfloat16``); ``shape`` the
    shape an initializer fills (for a layer: its input shape); ``identifier`` the
    string ``resolve`` looks up. Layers only: ``weights`` by name (``kernel``,
    ``bias``), ``training``, and the boolean ``mask`` the first input carries (a list: one mask
    or None per input). ``grad`` and ``train``: ``cotangent``, one array per output, of its shape and
    dtype; ``train``: ``learning_rate``.
    """

    feature: str
    op: str
    config: Mapping[str, Any] = field(default_factory=dict)
    inputs: tuple = ()
    shape: tuple | None = None
    dtype: str = "float32"
    identifier: str | None = None
    weights: Mapping[str, Any] | None = None
    training: bool = False
    mask: Any = None
    cotangent: tuple = ()
    learning_rate: float | None = None

    def __post_init__(self):
        if self.op not in OPS:
            raise ValueError(f"Case.op must be one of {OPS}, got {self.op!r}")
        # In half of the cases (by a hash of the config, so the same case always), the arguments drawn
        # at the spec's default are left unpassed, as users write them: then a case drawn at a default
        # also checks the framework's own default (another one diverges there), while the other half
        # checks the default passed explicitly. The reproduction shows the config as run.
        defaults = spec_defaults(self.feature)
        passed = {k: v for k, v in self.config.items() if not _is_default(defaults, k, v)}
        if len(passed) < len(self.config) and zlib.crc32(
                repr(sorted((k, v) for k, v in self.config.items() if isinstance(v, PLAIN))).encode()) % 2 == 0:
            object.__setattr__(self, "config", passed)

    @property
    def area(self) -> str:
        return self.feature.split(".", 1)[0]

    @property
    def name(self) -> str:
        return self.feature.split(".", 1)[1]


@functools.lru_cache(maxsize=None)
def spec_defaults(feature: str) -> dict:
    """{argument: default} of the spec's constructor of ``feature`` (an activation: its keywords);
    {} for what the spec does not register (``initializers.get``)."""
    import reference
    from reference.signatures import constructor_arguments

    if feature not in reference.FEATURES:
        return {}
    f = reference.get_feature(feature)
    return {name: default for name, default in constructor_arguments(f.obj, f.area) if default is not inspect.Parameter.empty}


def _is_default(defaults: dict, name: str, value) -> bool:
    return name in defaults and _identical(value, defaults[name])


def _identical(a, b) -> bool:
    """Equal and of the same types throughout: 1.0 is not the default 1, nor True 1, nor (1.0, 1) (1, 1)."""
    if type(a) is not type(b):
        return False
    if isinstance(a, (tuple, list)):
        return len(a) == len(b) and all(_identical(x, y) for x, y in zip(a, b))
    try:
        return bool(a == b)
    except (TypeError, ValueError):  # an array compares elementwise
        return False


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
class LayerResult:
    """What ``call`` hands back for a layer: one entry per output (a single-output layer has
    lists of length 1); a mask is a bool array, or None when the output carries none;
    ``losses`` are ``layer.losses`` as floats, in Keras' order."""

    outputs: list
    masks: list
    losses: list


@dataclass
class Gradients:
    """What ``grad`` hands back: ``outputs`` of the forward pass it differentiated (the one whose
    dropout mask the backward pass reuses); ``inputs`` one gradient per input (None for an
    integer input: Embedding's indices); ``weights`` the trainable weights' gradients by name.
    The spec's alone: ``undefined``, for ``"inputs[i]"`` or a weight's name, the elements whose
    derivative is implementation-defined (a kink: reference/gradients/)."""

    outputs: list
    inputs: list
    weights: dict
    undefined: dict = field(default_factory=dict)


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


class Unsupported(Exception):
    """A capability the adapter lacks, found while running a case (a backend's NotImplementedError
    for one op): the check is reported ``unsupported`` with the message as its reason, never as a
    pass. The checks raise it too, for an optional operation an adapter does not implement."""


class AdapterUnavailable(RuntimeError):
    """The adapter cannot run here: its framework is missing, or the device is not there."""


class Adapter(abc.ABC):
    """Base class of every adapter. Subclasses set the class attributes and the operations a case's
    ``op`` names: ``call``, ``sample``, ``roundtrip`` and ``resolve``, and ``shape`` where they run
    layers; ``supports``, ``signature``, ``snippet`` and ``platform`` have defaults to override."""

    name: str = ""
    edition: str = "keras3"
    framework: str = ""
    version: str = ""
    versions: dict[str, str] = {}  # package -> version, for expectations' ``versions`` conditions
    devices: tuple[str, ...] = ("cpu",)
    modes: tuple[str, ...] = ("eager",)  # the MODES the adapter can run
    dtype_policies: tuple[str, ...] = ("float32",)  # the DTYPE_POLICIES it can run
    # Whether the framework caches a compiled program per op and input shape, so that repeated shapes
    # run warm (JAX's eager ops): the suite then draws pooled shapes by default (``--shapes``). A
    # compiled mode traces each case's layer afresh whatever its shape, so it gains nothing from them.
    compiles_per_shape: bool = False

    def __init__(self, device: str = "cpu"):
        if device not in self.devices:
            raise AdapterUnavailable(
                f"adapter {self.name!r} cannot run on device {device!r}; it supports: {', '.join(self.devices)}"
            )
        self.device = device
        self.mode, self.dtype_policy = "eager", "float32"
        self.framework_seconds = 0.0  # time spent inside framework calls, for the benchmark
        self.compile_seconds = 0.0  # of which tracing and compiling (compiled modes; JAX's eager ops too), for the benchmark

    def configure(self, mode: str = "eager", dtype_policy: str = "float32") -> None:
        """Run every later case in ``mode`` under ``dtype_policy`` (``adapters.load`` calls it once);
        AdapterUnavailable names what the adapter supports when it cannot."""
        for what, value, known, supported in (("mode", mode, MODES, self.modes),
                                              ("dtype-policy", dtype_policy, DTYPE_POLICIES, self.dtype_policies)):
            if value not in known:
                raise AdapterUnavailable(f"--{what}={value} is not one of {', '.join(known)}")
            if value not in supported:
                raise AdapterUnavailable(f"adapter {self.name!r} cannot run --{what}={value}; it supports: "
                                         f"{', '.join(supported)}")
        self.mode, self.dtype_policy = mode, dtype_policy
        self._configured()

    def _configured(self) -> None:
        """Apply ``self.mode`` and ``self.dtype_policy`` (a subclass with more than the defaults)."""

    @property
    def variant(self) -> str:
        """Where and how this instance runs cases, as a cross-variant run names it: ``cpu``, ``cpu/jit``."""
        return "/".join([self.device] + [v for v in (self.mode, self.dtype_policy) if v not in ("eager", "float32")])

    def supports(self, feature: str, dtype: str | None = None) -> str | None:
        """``None`` when the feature (and dtype) is supported, otherwise the reason it is not."""
        return None

    @abc.abstractmethod
    def call(self, case: Case) -> np.ndarray: ...

    @abc.abstractmethod
    def sample(self, case: Case) -> np.ndarray: ...

    def shape(self, case: Case):
        raise NotImplementedError(f"adapter {self.name!r} has no layer shapes; declare its layers unsupported in supports()")

    @abc.abstractmethod
    def roundtrip(self, case: Case) -> RoundTrip: ...

    @abc.abstractmethod
    def resolve(self, case: Case) -> Resolved: ...

    def grad(self, case: Case) -> Gradients | None:
        """The VJP of ``case`` (a ``call`` with ``cotangent``); ``None``: the adapter has no gradients."""
        return None

    def train(self, case: Case) -> dict | None:
        """The weights after one SGD step (``case.learning_rate``); ``None``: the adapter cannot train."""
        return None

    def save(self, case: Case) -> RoundTrip | None:
        """The layer of ``case`` (a ``call`` case) saved to a ``.keras`` file and loaded; ``None``: the
        adapter cannot save models."""
        return None

    def signature(self, feature: str) -> dict | None:
        """The framework's public signatures of ``feature``, as plain data: ``{"init": [...], "call": [...]
        or None}``, the parameters of its constructor (an activation: of the function, without the input
        ``x``; a layer: ``__init__`` without ``self``) and of a layer's ``call`` (without ``self``), each
        ``{"name", "kind", "default"}`` as ``reference.signatures.parameters`` gives them (``kind``:
        ``inspect.Parameter.kind``'s name; ``default``: its ``repr``, absent when required).

        ``None`` (the default): the adapter does not report signatures, and the signature check is
        ``unsupported``."""
        return None

    def snippet(self, case: Case) -> str:
        """A standalone reproduction of ``case`` in the framework's public API."""
        return ""

    def platform(self) -> dict[str, str]:
        """The facts of this run's platform that can change results (``adapters/facts.py``): the
        device, the execution mode and dtype policy, the CPU and NumPy here; a framework's adapter adds its kernels' (TensorFlow's oneDNN
        state, PyTorch's mkldnn and CPU capability, a GPU's model). Expectations can be conditioned
        on any of them."""
        from adapters import facts

        return {"device": self.device, "mode": self.mode, "dtype_policy": self.dtype_policy, **facts.host()}

    def describe(self) -> dict:
        """What every record says about the adapter: name, framework, versions, edition, device
        and the platform facts (computed once)."""
        if "_platform" not in self.__dict__:
            self._platform = {k: str(v) for k, v in self.platform().items()}
        return {"adapter": self.name, "framework": self.framework, "version": self.version,
                "edition": self.edition, "device": self.device, "platform_facts": self._platform}

    def run(self, case: Case):
        """Dispatch ``case`` to its operation, timing the framework."""
        start = time.perf_counter()
        try:
            return getattr(self, case.op)(case)
        finally:
            self.framework_seconds += time.perf_counter() - start
