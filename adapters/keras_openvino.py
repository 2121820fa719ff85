"""The ``keras-openvino`` adapter: Keras 3 on its OpenVINO backend (``KERAS_BACKEND=openvino``), an
implementation nobody here wrote.

Everything Keras is in :mod:`adapters.keras3`; this module is the OpenVINO backend's part. The
backend runs inference only, on the CPU: its results are ``OpenVINOKerasTensor``s, which
``keras.ops.convert_to_numpy`` turns into arrays. An op the backend does not implement raises
``NotImplementedError``: that case's check is ``unsupported`` with the backend's message
(:class:`adapters.base.Unsupported`), not a divergence; the gradient and training-step checks are
``unsupported`` (no autodiff). Keras raises ValueError/TypeError for invalid arguments; OpenVINO's
own errors (a shape its graph rejects) are RuntimeErrors: those are rejections too.
"""

from __future__ import annotations

from adapters.base import Rejected, Unsupported
from adapters.keras3 import Keras3Adapter


class KerasOpenVINOAdapter(Keras3Adapter):
    name = "keras-openvino"
    framework = "openvino"
    backend = "openvino"
    devices = ("cpu",)
    needs = "OpenVINO and Keras 3"
    install = "pip install -r requirements/openvino.txt (openvino==2026.4.1, keras==3.15.1)"

    def _import_framework(self):
        import openvino

        self.openvino = openvino

    def _versions(self):
        return {"keras": self.keras.__version__, "openvino": self.openvino.__version__.split("-")[0]}

    def _framework(self, fn):
        try:
            return super()._framework(fn)
        except Rejected as e:
            if e.kind == "NotImplementedError":
                raise Unsupported(f"Keras' OpenVINO backend does not implement it: {e}") from None
            raise

    def grad(self, case):
        """None: the OpenVINO backend is inference-only (no autodiff), so the gradient checks are unsupported."""
        return None

    def train(self, case):
        """None: inference-only, no training step (unsupported)."""
        return None

    def _argument_errors(self):
        return (ValueError, TypeError, RuntimeError)


def make(device="cpu", edition=None):
    return KerasOpenVINOAdapter(device=device)
