"""The ``keras-numpy`` adapter: Keras 3 on its NumPy backend (``KERAS_BACKEND=numpy``).

Everything Keras is in :mod:`adapters.keras3`; this module is the NumPy backend's part. The
backend runs inference only, on the CPU (its ``keras.device`` scope does nothing). Keras raises
ValueError/TypeError; NumPy raises ValueError for shapes that do not fit and IndexError for
indices out of range: those are rejections.
"""

from __future__ import annotations

from adapters.keras3 import Keras3Adapter


class KerasNumpyAdapter(Keras3Adapter):
    name = "keras-numpy"
    framework = "numpy"
    backend = "numpy"
    devices = ("cpu",)
    needs = "Keras 3"
    install = "pip install keras==3.15.1 (the NumPy backend needs nothing else)"

    def _import_framework(self):
        import numpy

        self.np = numpy

    def _versions(self):
        return {"keras": self.keras.__version__, "numpy": self.np.__version__}

    def supports(self, feature, dtype=None):
        if feature == "initializers.Orthogonal" and dtype == "float16":
            return ("NumPy's linalg has no float16: np.linalg.qr, which Keras' NumPy backend Orthogonal calls, raises "
                    "TypeError 'array type float16 is unsupported in linalg'")
        return super().supports(feature, dtype)

    def grad(self, case):
        """None: Keras' NumPy backend has no autodiff (it cannot train), so the gradient checks are unsupported."""
        return None

    def train(self, case):
        """None: no autodiff, no training step (unsupported)."""
        return None

    def _argument_errors(self):
        return (ValueError, TypeError, IndexError)


def make(device="cpu", edition=None):
    return KerasNumpyAdapter(device=device)
