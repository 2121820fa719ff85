"""The ``tf`` adapter: Keras 3 on TensorFlow (``keras`` with ``KERAS_BACKEND=tensorflow``).

CPU by default; ``device="gpu"`` runs every case on TensorFlow's first GPU and
is an error when TensorFlow sees none. Keras raises ``ValueError`` (and, for
some argument types, ``TypeError``) for invalid arguments; TensorFlow raises
``InvalidArgumentError`` for invalid inputs: those are rejections.
"""

from __future__ import annotations

import os

import numpy as np

from adapters import lambdas, snippets
from adapters.base import Adapter, AdapterUnavailable, Case, LayerResult, Rejected, Resolved, RoundTrip

# Keys every Keras layer's get_config has, which are not the layer's own semantics.
BASE_LAYER_KEYS = ("name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape")


class TFAdapter(Adapter):
    name = "tf"
    edition = "keras3"
    framework = "tensorflow"
    devices = ("cpu", "gpu")

    def __init__(self, device="cpu"):
        super().__init__(device)
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        try:
            import keras
            import tensorflow as tf
        except ImportError as e:
            raise AdapterUnavailable(
                f"adapter 'tf' needs TensorFlow and Keras 3, which are not installed ({e}). "
                "Install them with: pip install -e '.[tf]'"
            ) from None
        if keras.backend.backend() != "tensorflow":
            raise AdapterUnavailable(
                f"adapter 'tf' needs KERAS_BACKEND=tensorflow, but Keras was imported with "
                f"backend {keras.backend.backend()!r}; unset KERAS_BACKEND or run the adapter in its own process"
            )
        self.tf, self.keras = tf, keras
        self.version = f"tensorflow {tf.__version__}, keras {keras.__version__}"
        if device == "gpu":
            if not tf.config.list_physical_devices("GPU"):
                raise AdapterUnavailable(
                    "--device=gpu: TensorFlow sees no GPU on this machine "
                    "(tf.config.list_physical_devices('GPU') is empty); run with --device=cpu or on a GPU machine"
                )
            self._device = "/GPU:0"
        else:
            self._device = "/CPU:0"
        self._rejections = (ValueError, TypeError, tf.errors.InvalidArgumentError)

    def supports(self, feature, dtype=None):
        if feature == "initializers.Orthogonal" and dtype == "bfloat16":
            return "TensorFlow's Qr kernel has no bfloat16 (allowed: double, float, half, complex)"
        area, _, name = feature.partition(".")
        if area == "layers" and not hasattr(self.keras.layers, name):
            return f"keras {self.keras.__version__} has no keras.layers.{name} (Keras 3 removed it; a Keras 2 adapter runs it)"
        return None

    def _framework(self, fn):
        with self.tf.device(self._device):
            try:
                out = fn()
            except Rejected:
                raise
            except Exception as e:  # noqa: BLE001  (whatever Keras raises is what the user sees)
                # ValueError/TypeError/InvalidArgumentError are Keras' rejections; any other
                # exception from the framework is reported as a rejection of its own type.
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
        keras = self.keras
        xs = [self._tensor(x) for x in case.inputs]
        masks_in = case.mask if isinstance(case.mask, list) else [case.mask]
        for t, m in zip(xs, masks_in):
            if m is not None:
                keras.src.backend.set_keras_mask(t, self.tf.constant(np.asarray(m, bool)))
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
        masks = [getattr(t, "_keras_mask", None) for t in ys]
        return LayerResult([self._numpy(t) for t in ys], [None if m is None else self._numpy(m).astype(bool)
                                                          for m in masks],
                           [float(self._numpy(v)) for v in layer.losses])

    def _tensor(self, x):
        return self.tf.constant(x)

    def _apply(self, case, obj):
        if case.area == "layers":
            return self._layer_call(case, obj)
        if case.area == "initializers":
            return self._numpy(obj(case.shape, dtype=case.dtype))
        if case.area == "activations":
            return self._numpy(obj(self._tensor(case.inputs[0]), **case.config))
        return self._numpy(obj(self._tensor(case.inputs[0])))

    @staticmethod
    def _numpy(t):
        return t.numpy() if hasattr(t, "numpy") else np.asarray(t)

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
        """Plain ``keras`` calls that redo ``case``: the layer built with the case's weights, called
        with its mask and training flag; the value the check compared is ``out``."""
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
        return snippets.program(["import os", "os.environ['KERAS_BACKEND'] = 'tensorflow'", "import keras"], lines)


def make(device="cpu", edition=None):
    return TFAdapter(device=device)
