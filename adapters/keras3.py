"""Keras 3 through its public API, on any backend: the part of an adapter that is Keras, not the backend.

Keras 3 is one API over several backends (TensorFlow, JAX, PyTorch, NumPy). What its public API
shares with Keras 2 is in ``adapters/keras_api.py``; this module adds what is Keras 3 on every
backend (the backend's selection, masks on tensors, symbolic shapes, the snippet's imports); a backend's adapter
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

from adapters.base import AdapterUnavailable
from adapters.keras_api import KerasAPIAdapter


class Keras3Adapter(KerasAPIAdapter):
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

    def _set_mask(self, tensor, mask):
        self.keras.src.backend.set_keras_mask(tensor, mask)

    def _get_mask(self, tensor):
        # A mask rides on the tensor: an attribute, or (JAX arrays take none) Keras' table by id.
        return self.keras.src.backend.get_keras_mask(tensor)

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

    def _snippet_imports(self) -> list[str]:
        return ["import os", *self._snippet_setup(), "import keras"]

    def _snippet_mask(self, i, mask):
        return [f"x{i} = keras.ops.convert_to_tensor(x{i})",
                f"keras.src.backend.set_keras_mask(x{i}, keras.ops.convert_to_tensor({mask}))"]

    def _snippet_setup(self) -> list[str]:
        """The snippet's lines before ``import keras``: the backend (Keras reads it at import)."""
        return [f"os.environ['KERAS_BACKEND'] = {self.backend!r}"]
