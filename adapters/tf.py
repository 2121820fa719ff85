"""The ``tf`` adapter: Keras 3 on TensorFlow (``keras`` with ``KERAS_BACKEND=tensorflow``).

CPU by default; ``device="gpu"`` runs every case on TensorFlow's first GPU and
is an error when TensorFlow sees none. Keras raises ``ValueError`` (and, for
some argument types, ``TypeError``) for invalid arguments; TensorFlow raises
``InvalidArgumentError`` for invalid inputs: those are rejections.
"""

from __future__ import annotations

import os

import numpy as np

from adapters.base import Adapter, AdapterUnavailable, Case, Rejected, Resolved, RoundTrip


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
        return getattr(getattr(self.keras, case.area), case.name)(**dict(case.config if config is None else config))

    def _tensor(self, x):
        return self.tf.constant(x)

    def _apply(self, case, obj):
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

    sample = call

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
            clone = type(obj).from_config(config)
            return RoundTrip(config, clone.get_config(), self._apply(case, obj), self._apply(case, clone))

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
        lines = ["import numpy as np", "import keras  # KERAS_BACKEND=tensorflow"]
        for i, x in enumerate(case.inputs):
            lines.append(f"x{i} = np.array({np.asarray(x, np.float64).tolist()!r}, dtype={case.dtype!r})")
        cfg = ", ".join(f"{k}={v!r}" for k, v in case.config.items())
        area = f"keras.{case.area}"
        if case.op == "resolve":
            lines.append(f"print({area}.get({case.identifier!r}))")
        elif case.area == "activations":
            lines.append(f"print({area}.{case.name}(x0{', ' + cfg if cfg else ''}))")
        elif case.area == "initializers" and case.op == "sample":
            lines.append(f"print({area}.{case.name}({cfg})({case.shape!r}, dtype={case.dtype!r}))")
        elif case.op == "roundtrip":
            lines.append(f"obj = {area}.{case.name}({cfg})")
            lines.append("clone = type(obj).from_config(obj.get_config())")
            lines.append("print(obj.get_config(), clone.get_config())")
        else:
            lines.append(f"print({area}.{case.name}({cfg})(x0))")
        return "\n".join(lines)


def make(device="cpu", edition=None):
    return TFAdapter(device=device)
