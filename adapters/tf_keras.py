"""The ``tf-keras`` adapter: Keras 2 (the ``tf_keras`` package) on TensorFlow, spec edition ``keras2``.

tf_keras runs on TensorFlow only, whatever ``KERAS_BACKEND`` says, and the adapter keeps Keras 3
out (see ``_import_tensorflow``), so it can share a process with any other adapter. CPU by default;
``device="gpu"`` runs every case on TensorFlow's first GPU and is an error when TensorFlow sees none.
Keras 2 raises ``ValueError`` (and, for some argument types, ``TypeError``) for invalid arguments; TensorFlow
raises ``InvalidArgumentError`` for invalid inputs: those are rejections.

The cases speak Keras 3 (``adapters/base.py``); where Keras 2 names an argument differently
(``relu``'s ``negative_slope`` is its ``alpha``) the adapter renames it, as a user porting the
call would. Inputs always become tensors first: some tf-keras activations read ``x.dtype.base_dtype``
and crash on NumPy arrays. A mask travels as ``tensor._keras_mask``, where a Masking or
Embedding layer earlier in a Keras 2 model would put it.
"""

from __future__ import annotations

import os
import sys

import numpy as np

from adapters import lambdas, snippets
from adapters.base import Adapter, AdapterUnavailable, Case, LayerResult, Rejected, Resolved, RoundTrip

# Keys every Keras layer's get_config has, which are not the layer's own semantics.
BASE_LAYER_KEYS = ("name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape")
# Keras 3 argument names -> Keras 2's, per feature (the cases use Keras 3's).
KERAS2_NAMES = {"activations.relu": {"negative_slope": "alpha"}}
# What a Keras 2 Lambda config stores beside each function: how it was serialized (type, module).
LAMBDA_META_KEYS = ("function_type", "module", "output_shape_type", "output_shape_module", "mask_type", "mask_module")


def keras2_config(feature: str, config: dict) -> dict:
    """``config`` with Keras 3 argument names replaced by Keras 2's."""
    names = KERAS2_NAMES.get(feature, {})
    return {names.get(k, k): v for k, v in config.items()}


def _import_tensorflow():
    """``import tensorflow`` without Keras 3: TensorFlow's ``__init__`` eagerly imports
    ``keras.src.optimizers`` (Keras 3, under whatever KERAS_BACKEND says) unless
    TF_USE_LEGACY_KERAS is set, in which case it imports tf_keras' instead. The variable is set
    for the import only; a TensorFlow imported earlier (by another adapter) is taken as it is."""
    if "tensorflow" in sys.modules:
        return sys.modules["tensorflow"]
    old = os.environ.get("TF_USE_LEGACY_KERAS")
    os.environ["TF_USE_LEGACY_KERAS"] = "1"
    try:
        import tensorflow as tf
    finally:
        if old is None:
            del os.environ["TF_USE_LEGACY_KERAS"]
        else:
            os.environ["TF_USE_LEGACY_KERAS"] = old
    return tf


def weight_name(variable) -> str:
    """The short name of a Keras 2 variable: ``dense_3/kernel:0`` -> ``kernel``."""
    return variable.name.rsplit("/", 1)[-1].split(":", 1)[0]


class TFKerasAdapter(Adapter):
    name = "tf-keras"
    edition = "keras2"
    framework = "tensorflow"
    devices = ("cpu", "gpu")

    def __init__(self, device="cpu"):
        super().__init__(device)
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
        try:
            tf = _import_tensorflow()
            import tf_keras
        except ImportError as e:
            raise AdapterUnavailable(
                f"adapter 'tf-keras' needs TensorFlow and tf-keras (Keras 2), which are not installed ({e}). "
                "Install them with: pip install tf-keras==2.21.0"
            ) from None
        self.tf, self.keras = tf, tf_keras
        self.version = f"tensorflow {tf.__version__}, tf_keras {tf_keras.__version__}"
        self.versions = {"tensorflow": tf.__version__, "tf_keras": tf_keras.__version__}
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
        module = getattr(self.keras, area, None)
        if module is None or not hasattr(module, name):
            return f"tf_keras {self.keras.__version__} has no tf_keras.{area}.{name}"
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
        config = keras2_config(case.feature, case.config if config is None else config)
        if case.area == "layers":
            if case.feature == "layers.Lambda":
                # Keras 2 has no keras.ops: its backend module spells the catalog's functions the same way.
                config = lambdas.resolve(config, self.keras.backend)
            config.setdefault("dtype", case.dtype)  # the layer computes in the case's dtype
        return getattr(getattr(self.keras, case.area), case.name)(**config)

    def _layer_call(self, case: Case, layer) -> LayerResult:
        xs = [self._tensor(x) for x in case.inputs]
        masks_in = case.mask if isinstance(case.mask, list) else [case.mask]
        for t, m in zip(xs, masks_in):
            if m is not None:
                t._keras_mask = self.tf.constant(np.asarray(m, bool))  # as Masking/Embedding leave it
        x = xs if len(xs) > 1 else xs[0]
        if case.weights is not None:
            layer.build(x.shape if len(xs) == 1 else [t.shape for t in xs])
            names = [weight_name(v) for v in layer.weights]
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
            return self._numpy(obj(self._tensor(case.inputs[0]), **keras2_config(case.feature, case.config)))
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
            return {weight_name(v): self._numpy(v) for v in layer.weights}

        return self._framework(run)

    def shape(self, case):
        def run():
            if case.feature == "layers.Input":
                t = self.keras.Input(**case.config)
                return self._dims(t.shape), t.dtype.name
            layer = self._object(case)
            if isinstance(case.shape, list):  # several inputs: Keras checks their shapes in build()
                layer.build(case.shape)
            out = layer.compute_output_shape(case.shape)
            if isinstance(out, (list, tuple)) and out and all(self._is_shape(s) for s in out):
                return [self._dims(s) for s in out]  # several outputs
            return self._dims(out)

        return self._framework(run)

    def _is_shape(self, s) -> bool:
        return isinstance(s, (self.tf.TensorShape, list, tuple))

    def _dims(self, s) -> tuple:
        """A shape as a tuple of ints and None: Keras 2 hands back a TensorShape or a tuple (left as
        it is: a TensorShape of it would reject a negative size the layer itself let through)."""
        if isinstance(s, self.tf.TensorShape):
            return tuple(s.as_list())
        return tuple(None if d is None else int(d) for d in s)

    @staticmethod
    def _plain_config(layer) -> dict:
        """``layer.get_config()`` without the base keys, nested objects as {"class_name", "config"},
        and a Lambda's functions as their catalog names (its config holds their bytecode, and beside each
        function how it was serialized: those keys go, with an ``output_shape`` that was never set)."""
        lambda_layer = type(layer).__name__ == "Lambda"

        def plain(k, v):
            if lambda_layer and k in lambdas.CALLABLE_KEYS:
                return lambdas.name_of(getattr(layer, {"output_shape": "_output_shape"}.get(k, k)))
            if isinstance(v, dict) and "class_name" in v:
                return {"class_name": v["class_name"], "config": v.get("config", {})}
            return v

        config = layer.get_config()
        if lambda_layer:
            config = {k: v for k, v in config.items() if k not in LAMBDA_META_KEYS}
        return {k: plain(k, v) for k, v in config.items() if k not in BASE_LAYER_KEYS}

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
            # Keras 2 refuses to deserialize a Lambda's Python lambda in safe mode (the default):
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
        """Plain ``tf_keras`` calls that redo ``case``: the layer built with the case's weights, called
        with its mask and training flag; the value the check compared is ``out``."""
        lines = []
        for i, x in enumerate(case.inputs):
            kind = case.dtype if np.asarray(x).dtype.kind == "f" or np.asarray(x).dtype.name == "bfloat16" \
                else str(np.asarray(x).dtype)  # integer indices stay integers
            lines.append(f"x{i} = tf.constant({snippets.array(x, kind)})")
        config = keras2_config(case.feature, case.config)
        if case.feature == "layers.Lambda":
            lines.append("# the functions named below are the catalog's, in adapters/lambdas.py "
                         "(ops = tf_keras.backend)")
        if case.area == "layers" and case.op != "shape":
            config.setdefault("dtype", case.dtype)
        cfg = ", ".join(f"{k}={v!r}" for k, v in config.items())
        area = f"tf_keras.{case.area}"
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
        elif case.feature == "layers.Input" and case.op == "shape":
            lines.append(f"out = {area}.Input({cfg}).shape")
        elif case.op == "shape":
            if isinstance(case.shape, list):
                lines.append(f"layer = {area}.{case.name}({cfg})")
                lines.append(f"layer.build({case.shape!r})")
                lines.append(f"out = layer.compute_output_shape({case.shape!r})")
            else:
                lines.append(f"out = {area}.{case.name}({cfg}).compute_output_shape({case.shape!r})")
        elif case.op == "sample":
            lines += [f"layer = {area}.{case.name}({cfg})", f"layer.build({case.shape!r})",
                      "out = {v.name: v.numpy() for v in layer.weights}"]
        else:
            lines.append(f"layer = {area}.{case.name}({cfg})")
            if case.weights is not None:
                shapes = "x0.shape" if len(case.inputs) == 1 else "[x.shape for x in " + xs + "]"
                lines.append(f"layer.build({shapes})")
                lines.append("weights = {" + ", ".join(f"{k!r}: {snippets.array(w, case.dtype)}"
                                                       for k, w in case.weights.items()) + "}")
                lines.append("for v in layer.weights:  # Keras 2 names them e.g. 'dense/kernel:0'\n"
                             "    v.assign(weights[v.name.rsplit('/', 1)[-1].split(':')[0]])")
            if case.mask is not None:
                # Keras 2 carries a mask on the tensor, where a Masking or Embedding layer before would put it.
                masks = case.mask if isinstance(case.mask, list) else [case.mask]
                for i, m in enumerate(masks):
                    if m is not None:
                        lines.append(f"x{i}._keras_mask = tf.constant({snippets.array(np.asarray(m, bool), 'bool')})")
            lines += [f"out = layer({xs}{', training=True' if case.training else ''})",
                      "print('losses:', [float(v) for v in layer.losses])"]
        lines.append("print(out)")
        return snippets.program(["import tensorflow as tf", "import tf_keras"], lines)


def make(device="cpu", edition=None):
    return TFKerasAdapter(device=device)
