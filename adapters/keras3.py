"""Keras 3 through its public API, on any backend: the part of an adapter that is Keras, not the backend.

Keras 3 is one API over several backends (TensorFlow, JAX, PyTorch, NumPy). Building objects,
calling layers with weights, masks and ``training``, initial weights, symbolic shapes, config
round trips, ``get`` and the standalone snippet are the same code on each; a backend's adapter
(``adapters/tf.py``, ``keras_jax.py``, ``keras_torch.py``, ``keras_numpy.py``) subclasses
:class:`Keras3Adapter` and fills in a few hooks:

- ``backend`` (the ``KERAS_BACKEND`` value) and ``_import_framework`` (import the backend's
  framework, or say what to install): Keras reads ``KERAS_BACKEND`` once, when it is first
  imported, so one process runs one backend;
- ``_versions``: the package versions expectations can be conditioned on;
- ``_select_device`` and ``_device_scope``: where every case runs (a missing GPU is an error,
  never a silent CPU fallback);
- ``_argument_errors``: the exception types that are the backend's rejections of an argument;
- ``_tensor``/``_numpy``: conversions between NumPy and the backend's tensors.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from adapters import lambdas, snippets
from adapters.base import Adapter, AdapterUnavailable, Case, LayerResult, Rejected, Resolved, RoundTrip

# Keys every Keras layer's get_config has, which are not the layer's own semantics.
BASE_LAYER_KEYS = ("name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape")


class Keras3Adapter(Adapter):
    """Keras 3 on ``backend``; a subclass names the backend and implements the hooks below."""

    edition = "keras3"
    backend = ""  # the KERAS_BACKEND value
    needs = ""  # what the adapter needs installed, in words (for the error when it is missing)
    install = ""  # the command that installs it

    def __init__(self, device="cpu"):
        super().__init__(device)
        keras = sys.modules.get("keras")
        if keras is not None and hasattr(keras, "backend") and keras.backend.backend() != self.backend:
            raise self._wrong_backend(keras.backend.backend())
        self._select_backend()
        try:
            self._import_framework()
            import keras
        except ImportError as e:
            raise AdapterUnavailable(
                f"adapter {self.name!r} needs {self.needs}, which is not installed ({e}). Install it with: {self.install}"
            ) from None
        if keras.backend.backend() != self.backend:
            raise self._wrong_backend(keras.backend.backend())
        self.keras = keras
        self.versions = self._versions()
        self.version = ", ".join(f"{k} {v}" for k, v in self.versions.items())
        self._device = self._select_device(device)
        self._rejections = self._argument_errors()

    # --- the backend's hooks -------------------------------------------------------------------

    def _select_backend(self):
        """Point Keras at the backend before its first import (it reads KERAS_BACKEND only then)."""
        os.environ["KERAS_BACKEND"] = self.backend

    def _import_framework(self):
        """Import the backend's framework (ImportError when it is not installed)."""
        raise NotImplementedError

    def _versions(self) -> dict[str, str]:
        return {"keras": self.keras.__version__}

    def _select_device(self, device: str) -> str:
        """The device name ``_device_scope`` enters; AdapterUnavailable when the framework sees no such device."""
        return "cpu:0"

    def _device_scope(self):
        """Where every framework call runs: Keras' own device scope."""
        return self.keras.device(self._device)

    def _argument_errors(self) -> tuple:
        """The exception types with which the backend rejects an argument or input."""
        return (ValueError, TypeError)

    def _tensor(self, x):
        # The array's own dtype, named: without it Keras' NumPy backend converts float64 arrays to float32.
        x = np.asarray(x)
        return self.keras.ops.convert_to_tensor(x, dtype=x.dtype.name)

    def _numpy(self, t):
        return self.keras.ops.convert_to_numpy(t)

    def _wrong_backend(self, found: str) -> AdapterUnavailable:
        return AdapterUnavailable(
            f"adapter {self.name!r} needs KERAS_BACKEND={self.backend}, but Keras was already imported with backend "
            f"{found!r} in this process; Keras reads KERAS_BACKEND once, at its first import, so run each "
            "Keras 3 adapter in its own process (one pytest run per adapter)"
        )

    # --- Keras 3: the same on every backend ----------------------------------------------------

    def supports(self, feature, dtype=None):
        area, _, name = feature.partition(".")
        if area == "layers" and not hasattr(self.keras.layers, name):
            return f"keras {self.keras.__version__} has no keras.layers.{name} (Keras 3 removed it; a Keras 2 adapter runs it)"
        return None

    def _framework(self, fn):
        with self._device_scope():
            try:
                out = fn()
            except Rejected:
                raise
            except Exception as e:  # noqa: BLE001  (whatever Keras raises is what the user sees)
                # The backend's argument errors are Keras' rejections; any other exception from the
                # framework is reported as a rejection of its own type.
                kind = type(e).__name__
                note = "" if isinstance(e, self._rejections) else " (not an argument error: a framework crash)"
                raise Rejected(f"{kind}: {e}{note}", kind) from None
        return out

    def _object(self, case: Case, config=None):
        config = dict(case.config if config is None else config)
        if case.area == "layers":
            if case.feature == "layers.Lambda":
                config = lambdas.resolve(config, self.keras.ops)
            config.setdefault("dtype", case.dtype)  # the layer computes in the case's dtype
        return getattr(getattr(self.keras, case.area), case.name)(**config)

    def _layer_call(self, case: Case, layer) -> LayerResult:
        backend = self.keras.src.backend
        xs = [self._tensor(x) for x in case.inputs]
        masks_in = case.mask if isinstance(case.mask, list) else [case.mask]
        for t, m in zip(xs, masks_in):
            if m is not None:
                backend.set_keras_mask(t, self._tensor(np.asarray(m, bool)))
        x = xs if len(xs) > 1 else xs[0]
        if case.weights is not None:
            layer.build(x.shape if len(xs) == 1 else [t.shape for t in xs])
            names = [v.path.rsplit("/", 1)[-1] for v in layer.weights]
            if sorted(names) != sorted(case.weights):
                raise Rejected(f"ValueError: the layer has weights {names}, the case gives {sorted(case.weights)}")
            for v, n in zip(layer.weights, names):
                v.assign(np.asarray(case.weights[n]))
        y = layer(x, training=case.training)
        ys = list(y) if isinstance(y, (list, tuple)) else [y]
        # A mask rides on the tensor: an attribute, or (JAX arrays take none) Keras' table by id.
        masks = [backend.get_keras_mask(t) for t in ys]
        return LayerResult([self._numpy(t) for t in ys], [None if m is None else self._numpy(m).astype(bool)
                                                          for m in masks],
                           [float(self._numpy(v)) for v in layer.losses])

    def _apply(self, case, obj):
        if case.area == "layers":
            return self._layer_call(case, obj)
        if case.area == "initializers":
            return self._numpy(obj(case.shape, dtype=case.dtype))
        if case.area == "activations":
            return self._numpy(obj(self._tensor(case.inputs[0]), **case.config))
        return self._numpy(obj(self._tensor(case.inputs[0])))

    def call(self, case):
        def run():
            obj = getattr(self.keras.activations, case.name) if case.area == "activations" else self._object(case)
            return self._apply(case, obj)

        return self._framework(run)

    def sample(self, case):
        if case.area != "layers":
            return self.call(case)

        def run():
            layer = self._object(case)
            layer.build(case.shape)
            return {v.path.rsplit("/", 1)[-1]: self._numpy(v) for v in layer.weights}

        return self._framework(run)

    def shape(self, case):
        def run():
            if case.feature == "layers.Input":
                t = self.keras.Input(**case.config)
                return tuple(t.shape), str(t.dtype)
            layer = self._object(case)
            if isinstance(case.shape, list):  # several inputs: Keras checks their shapes in build()
                layer.build(case.shape)
            out = layer.compute_output_shape(case.shape)
            # A list of shapes for several outputs; some layers (the transposed convolutions) return
            # one shape as a flat list of ints.
            if isinstance(out, list) and out and all(isinstance(s, (list, tuple)) for s in out):
                return [tuple(s) for s in out]
            return tuple(out)

        return self._framework(run)

    @staticmethod
    def _plain_config(layer) -> dict:
        """``layer.get_config()`` without the base keys, nested objects as {"class_name", "config"},
        and a Lambda's functions as their catalog names (its config holds their bytecode)."""
        def plain(k, v):
            if k in lambdas.CALLABLE_KEYS and isinstance(v, dict) and type(layer).__name__ == "Lambda":
                return lambdas.name_of(getattr(layer, {"output_shape": "_output_shape"}.get(k, k)))
            if isinstance(v, dict) and "class_name" in v:
                return {"class_name": v["class_name"], "config": v.get("config", {})}
            return v

        return {k: plain(k, v) for k, v in layer.get_config().items() if k not in BASE_LAYER_KEYS}

    def roundtrip(self, case):
        keras = self.keras

        def run():
            if case.area == "activations":
                fn = getattr(keras.activations, case.name)
                name = keras.activations.serialize(fn)
                clone = keras.activations.deserialize(name)
                return RoundTrip({"name": name}, {"name": keras.activations.serialize(clone)},
                                 self._apply(case, fn), self._apply(case, clone))
            obj = self._object(case)
            config = obj.get_config()
            # Keras refuses to deserialize a Lambda's Python function in safe mode (the default):
            # a round trip of the catalog's functions is what the check is about, so allow it.
            with keras.src.saving.serialization_lib.SafeModeScope(case.feature != "layers.Lambda"):
                clone = type(obj).from_config(config)
            config, clone_config = obj.get_config(), clone.get_config()
            if case.area == "layers":
                config, clone_config = self._plain_config(obj), self._plain_config(clone)
            return RoundTrip(config, clone_config, self._apply(case, obj), self._apply(case, clone))

        return self._framework(run)

    def resolve(self, case):
        area = getattr(self.keras, case.area)

        def run():
            obj = area.get(case.identifier)
            if case.area == "activations":
                return Resolved(f"activations.{obj.__name__}", {})
            return Resolved(f"{case.area}.{type(obj).__name__}", obj.get_config())

        return self._framework(run)

    def snippet(self, case: Case) -> str:
        """Plain ``keras`` calls that redo ``case`` on this backend: the layer built with the case's
        weights, called with its mask and training flag; the value the check compared is ``out``."""
        lines = []
        for i, x in enumerate(case.inputs):
            kind = case.dtype if np.asarray(x).dtype.kind == "f" or np.asarray(x).dtype.name == "bfloat16" \
                else str(np.asarray(x).dtype)  # integer indices stay integers
            lines.append(f"x{i} = {snippets.array(x, kind)}")
        config = dict(case.config)
        if case.feature == "layers.Lambda":
            lines.append("# the functions named below are the catalog's, in adapters/lambdas.py")
        if case.area == "layers" and case.op != "shape":
            config.setdefault("dtype", case.dtype)
        cfg = ", ".join(f"{k}={v!r}" for k, v in config.items())
        area = f"keras.{case.area}"
        xs = "x0" if len(case.inputs) == 1 else "[" + ", ".join(f"x{i}" for i in range(len(case.inputs))) + "]"
        if case.op == "resolve":
            lines.append(f"out = {area}.get({case.identifier!r})")
        elif case.op == "roundtrip":
            lines += [f"obj = {area}.{case.name}({cfg})", "clone = type(obj).from_config(obj.get_config())",
                      "out = (obj.get_config(), clone.get_config())"]
        elif case.area == "activations":
            lines.append(f"out = {area}.{case.name}(x0{', ' + cfg if cfg else ''})")
        elif case.area == "initializers":
            lines.append(f"out = {area}.{case.name}({cfg})({case.shape!r}, dtype={case.dtype!r})")
        elif case.area != "layers":
            lines.append(f"out = {area}.{case.name}({cfg})(x0)")
        elif case.op == "shape":
            lines.append(f"out = {area}.{case.name}({cfg}).compute_output_shape({case.shape!r})")
        elif case.op == "sample":
            lines += [f"layer = {area}.{case.name}({cfg})", f"layer.build({case.shape!r})",
                      "out = {v.path: v.numpy() for v in layer.weights}"]
        else:
            lines.append(f"layer = {area}.{case.name}({cfg})")
            if case.weights is not None:
                shapes = "x0.shape" if len(case.inputs) == 1 else "[x.shape for x in " + xs + "]"
                lines.append(f"layer.build({shapes})")
                lines.append("weights = {" + ", ".join(f"{k!r}: {snippets.array(w, case.dtype)}"
                                                       for k, w in case.weights.items()) + "}")
                lines.append("for v in layer.weights:\n    v.assign(weights[v.path.rsplit('/', 1)[-1]])")
            if case.mask is not None:
                # Keras 3 carries a mask on the tensor, where a Masking or Embedding layer before would put it.
                masks = case.mask if isinstance(case.mask, list) else [case.mask]
                for i, m in enumerate(masks):
                    lines.append(f"x{i} = keras.ops.convert_to_tensor(x{i})")
                    if m is not None:
                        lines.append(f"keras.src.backend.set_keras_mask(x{i}, keras.ops.convert_to_tensor("
                                     f"{snippets.array(np.asarray(m, bool), 'bool')}))")
            lines += [f"out = layer({xs}{', training=True' if case.training else ''})",
                      "print('losses:', [float(v) for v in layer.losses])"]
        lines.append("print(out)")
        return snippets.program(["import os", *self._snippet_setup(), "import keras"], lines)

    def _snippet_setup(self) -> list[str]:
        """The snippet's lines before ``import keras``: the backend (Keras reads it at import)."""
        return [f"os.environ['KERAS_BACKEND'] = {self.backend!r}"]
