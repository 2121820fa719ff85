"""The ``tf`` adapter: Keras 3 on TensorFlow (``keras`` with ``KERAS_BACKEND=tensorflow``).

Everything Keras is in :mod:`adapters.keras3`; this module is TensorFlow's part. CPU by default;
``device="gpu"`` runs every case on TensorFlow's first GPU and is an error when TensorFlow sees
none. Keras raises ``ValueError`` (and, for some argument types, ``TypeError``) for invalid
arguments; TensorFlow raises ``InvalidArgumentError`` for invalid inputs: those are rejections.
"""

from __future__ import annotations

import os

import numpy as np

from adapters import facts
from adapters.tf_gradients import TFGradients
from adapters.tf_modes import TFModes
from adapters.base import AdapterUnavailable
from adapters.keras3 import Keras3Adapter


class TFAdapter(TFModes, TFGradients, Keras3Adapter):
    name = "tf"
    framework = "tensorflow"
    backend = "tensorflow"
    devices = ("cpu", "gpu")
    needs = "TensorFlow and Keras 3"
    install = "pip install -e '.[tf]'"

    def _select_backend(self):
        # An explicit KERAS_BACKEND is left alone: a different one is reported as the wrong backend.
        os.environ.setdefault("KERAS_BACKEND", "tensorflow")
        os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

    def _import_framework(self):
        import tensorflow as tf

        self.tf = tf

    def _versions(self):
        return {"tensorflow": self.tf.__version__, "keras": self.keras.__version__}

    def platform(self):
        return {**super().platform(), **facts.tensorflow(self.tf, self.device)}

    def _select_device(self, device):
        if device == "gpu":
            if not self.tf.config.list_physical_devices("GPU"):
                raise AdapterUnavailable(
                    "--device=gpu: TensorFlow sees no GPU on this machine "
                    "(tf.config.list_physical_devices('GPU') is empty); run with --device=cpu or on a GPU machine"
                )
            return "/GPU:0"
        return "/CPU:0"

    def _device_scope(self):
        return self.tf.device(self._device)

    def _argument_errors(self):
        return (ValueError, TypeError, self.tf.errors.InvalidArgumentError)

    def _tensor(self, x):
        return self.tf.constant(x)

    @staticmethod
    def _numpy(t):
        return t.numpy() if hasattr(t, "numpy") else np.asarray(t)

    def supports(self, feature, dtype=None):
        if feature == "initializers.Orthogonal" and dtype == "bfloat16":
            return "TensorFlow's Qr kernel has no bfloat16 (allowed: double, float, half, complex)"
        return super().supports(feature, dtype)


def make(device="cpu", edition=None):
    return TFAdapter(device=device)
