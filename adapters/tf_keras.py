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

from adapters import facts
from adapters.tf_gradients import TFGradients
from adapters.tf_modes import TFModes
from adapters.base import AdapterUnavailable
from adapters.keras_api import KerasAPIAdapter

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


class TFKerasAdapter(TFModes, TFGradients, KerasAPIAdapter):
    """Keras 2's side of what the editions share (``adapters/keras_api.py``), and its shapes."""

    name = "tf-keras"
    edition = "keras2"
    framework = "tensorflow"
    devices = ("cpu", "gpu")
    lambda_meta_keys = LAMBDA_META_KEYS
    snippet_module = "tf_keras"
    snippet_weight_key = "v.name"  # Keras 2 names a variable e.g. 'dense/kernel:0'
    snippet_weight_name = "v.name.rsplit('/', 1)[-1].split(':')[0]"

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

    def platform(self):
        return {**super().platform(), **facts.tensorflow(self.tf, self.device)}

    def supports(self, feature, dtype=None):
        if feature == "initializers.Orthogonal" and dtype == "bfloat16":
            return "TensorFlow's Qr kernel has no bfloat16 (allowed: double, float, half, complex)"
        area, _, name = feature.partition(".")
        module = getattr(self.keras, area, None)
        if module is None or not hasattr(module, name):
            return f"tf_keras {self.keras.__version__} has no tf_keras.{area}.{name}"
        return None

    def _device_scope(self):
        return self.tf.device(self._device)

    def _config(self, feature, config):
        return keras2_config(feature, config)

    def _lambda_ops(self):
        # Keras 2 has no keras.ops: its backend module spells the catalog's functions the same way.
        return self.keras.backend

    def _build_for(self, layer, xs):
        # Layer.__call__'s own build step: it also sets the weights= a layer was made with (Embedding's).
        # On tensors, as __call__ gives it: its input_spec check reads x.shape.rank, which an array lacks.
        ts = [self.tf.convert_to_tensor(x) for x in xs]
        layer._maybe_build(ts[0] if len(ts) == 1 else ts)

    def _weight_name(self, variable):
        return weight_name(variable)

    def _set_mask(self, tensor, mask):
        tensor._keras_mask = mask  # where Masking/Embedding leave it

    def _get_mask(self, tensor):
        return getattr(tensor, "_keras_mask", None)

    def _tensor(self, x):
        return self.tf.constant(x)

    @staticmethod
    def _numpy(t):
        return t.numpy() if hasattr(t, "numpy") else np.asarray(t)

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

    def _snippet_imports(self):
        return ["import tensorflow as tf", "import tf_keras"]

    def _snippet_input(self, i, array):
        return f"x{i} = tf.constant({array})"

    def _snippet_mask(self, i, mask):
        return [f"x{i}._keras_mask = tf.constant({mask})"]


def make(device="cpu", edition=None):
    return TFKerasAdapter(device=device)
