"""The ``onnx`` adapter: Keras' own ONNX export, run with ONNX Runtime (a converter path users rely on).

Each ``call`` case's layer is built and weighted as the ``tf`` adapter builds it (Keras 3 on
TensorFlow), wrapped in a one-layer functional model whose inputs have the case's static shapes
(``keras.Input(batch_shape=x.shape)``), called once, exported with
``model.export(path, format="onnx")`` and run with ``onnxruntime.InferenceSession`` on the CPU
(one thread, ONNX Runtime's default graph optimizations). An activation is exported as a ``Lambda``
layer calling the function with the case's config. What the adapter returns is what the exported
graph computes: a divergence is the exporter's (tf2onnx, which Keras calls on TensorFlow) or ONNX
Runtime's, where the ``tf`` adapter, the same Keras eagerly, does not diverge. An export or a
session that fails is a rejection the spec does not make, so a divergence, with the exporter's or
the runtime's message.

Why TensorFlow's export: on TensorFlow Keras converts its own traced function with tf2onnx, a
mature converter; JAX's goes through jax2tf and the same tf2onnx, and PyTorch's through
``torch.onnx.export``, whose dynamo path needs onnxscript and fixes every ``None`` dimension to 1.

What an exported inference graph does not hold is ``unsupported``, with the reason:

- everything but a forward call: initializers' samples, configs, shapes, ``get``, signatures,
  gradients, the training step and saved models are Keras' own, which the ``tf`` adapter checks;
- constraints and regularizers (they act on weights, not inside a model's forward pass);
- a case in training mode (an export is the inference call), an input carrying a Keras mask, an
  output that would carry one, and a layer with ``layer.losses`` (ONNX tensors carry no masks;
  penalties are training terms, not outputs);
- bfloat16 (ONNX Runtime's Python API takes no bfloat16 arrays) and mixed dtype policies (Keras'
  export requires the float32 policy).
"""

from __future__ import annotations

import os
import tempfile

import numpy as np

from adapters.base import LayerResult, Unsupported
from adapters.tf import TFAdapter

_NOT_EXPORTED = ("the onnx adapter checks what an exported model computes; {what} is Keras' own, not the export's "
                 "(the tf adapter checks it)")


class OnnxAdapter(TFAdapter):
    name = "onnx"
    framework = "onnxruntime"
    devices = ("cpu",)
    modes = ("eager",)
    dtype_policies = ("float32",)
    needs = "TensorFlow, Keras 3, tf2onnx and onnxruntime"
    install = "pip install -r requirements/onnx.txt (onnx, onnxruntime, tf2onnx; TensorFlow from requirements/ci.txt)"

    def _import_framework(self):
        super()._import_framework()
        import onnxruntime
        import tf2onnx

        self.ort, self.tf2onnx = onnxruntime, tf2onnx

    def _versions(self):
        return {**super()._versions(), "tf2onnx": self.tf2onnx.__version__, "onnxruntime": self.ort.__version__}

    def supports(self, feature, dtype=None):
        if dtype == "bfloat16":
            return "ONNX Runtime's Python API takes no bfloat16 arrays (NumPy has no bfloat16)"
        return super().supports(feature, dtype)

    # --- what is exported: forward calls --------------------------------------------------------

    def _apply(self, case, obj):
        if case.area == "layers":
            return self._layer_call(case, obj)
        if case.area == "activations":
            config = self._config(case.feature, case.config)
            layer = self.keras.layers.Lambda(lambda x: obj(x, **config), dtype=case.dtype)
            return self._exported(layer, [np.asarray(case.inputs[0])]).outputs[0]
        raise Unsupported(f"{case.area} act on weights, not inside a model's forward pass: there is nothing to "
                          "export (the tf adapter checks them)")

    def _layer_call(self, case, layer):
        if case.training:
            raise Unsupported("an ONNX export is the model's inference call: a training=True call has no export")
        masks = case.mask if isinstance(case.mask, list) else [case.mask]
        if any(m is not None for m in masks):
            raise Unsupported("an ONNX model's inputs are plain tensors: the Keras mask this case's input carries "
                              "does not cross the export")
        if case.feature == "layers.ActivityRegularization" or any(
                k.endswith("regularizer") and v is not None for k, v in case.config.items()):
            raise Unsupported("layer.losses (regularization penalties) are training terms, not outputs of the "
                              "exported inference graph")
        xs = [np.asarray(x) for x in case.inputs]
        self._prepare(case, layer, xs)
        return self._exported(layer, xs)

    def _exported(self, layer, xs: list) -> LayerResult:
        """``layer`` in a one-layer functional model on ``xs``' static shapes, exported and run by ONNX Runtime."""
        keras = self.keras
        inputs = [keras.Input(batch_shape=x.shape, dtype=x.dtype.name) for x in xs]
        y = layer(inputs if len(inputs) > 1 else inputs[0])
        ys = list(y) if isinstance(y, (list, tuple)) else [y]
        if any(self._get_mask(t) is not None for t in ys):
            raise Unsupported("the layer's output carries a Keras mask, which an exported ONNX model does not hold")
        model = keras.Model(inputs, ys if len(ys) > 1 else ys[0])
        model([self._tensor(x) for x in xs] if len(xs) > 1 else self._tensor(xs[0]))  # Keras exports called models only
        with tempfile.TemporaryDirectory() as tmp:
            path = os.path.join(tmp, "model.onnx")
            model.export(path, format="onnx", verbose=False)
            options = self.ort.SessionOptions()
            options.intra_op_num_threads = options.inter_op_num_threads = 1  # one thread: the same sums every run
            session = self.ort.InferenceSession(path, options, providers=["CPUExecutionProvider"])
        feeds = session.get_inputs()
        if len(feeds) != len(xs):
            raise RuntimeError(f"the exported model has {len(feeds)} inputs, the layer {len(xs)}")
        outs = session.run(None, {f.name: x for f, x in zip(feeds, xs)})
        return LayerResult([np.asarray(o) for o in outs], [None] * len(outs), [])

    # --- Keras' own: the tf adapter's -----------------------------------------------------------

    def sample(self, case):
        raise Unsupported(_NOT_EXPORTED.format(what="an initializer's or a layer's initial weights"))

    def shape(self, case):
        raise Unsupported(_NOT_EXPORTED.format(what="a symbolic output shape"))

    def roundtrip(self, case):
        raise Unsupported(_NOT_EXPORTED.format(what="a config round trip"))

    def resolve(self, case):
        raise Unsupported(_NOT_EXPORTED.format(what="get()"))

    def signature(self, feature):
        raise Unsupported(_NOT_EXPORTED.format(what="a public signature"))

    def grad(self, case):
        """None: an exported inference graph has no gradients (unsupported)."""
        return None

    def train(self, case):
        """None: an exported inference graph has no training step (unsupported)."""
        return None

    def save(self, case):
        """None: the ``.keras`` round trip is Keras' own (the tf adapter checks it)."""
        return None

    # --- the reproduction -------------------------------------------------------------------------

    def snippet(self, case):
        """The tf adapter's snippet (Keras eagerly, as ``out``), then the same layer exported and run by ONNX
        Runtime (``onnx_out``, the values the check compared)."""
        n = len(case.inputs)
        xs = "[" + ", ".join(f"x{i}" for i in range(n)) + "]"
        lines = [f"xs = {xs}"]
        if case.area == "activations":
            cfg = ", ".join(f"{k}={v!r}" for k, v in self._config(case.feature, case.config).items())
            lines.append(f"layer = keras.layers.Lambda(lambda x: keras.activations.{case.name}(x{', ' + cfg if cfg else ''}),"
                         f" dtype={case.dtype!r})")
        lines += ["inputs = [keras.Input(batch_shape=x.shape, dtype=str(x.dtype)) for x in xs]",
                  "model = keras.Model(inputs, layer(inputs if len(inputs) > 1 else inputs[0]))",
                  "model(xs if len(xs) > 1 else xs[0])",
                  "model.export('model.onnx', format='onnx', verbose=False)",
                  "import onnxruntime",
                  "session = onnxruntime.InferenceSession('model.onnx', providers=['CPUExecutionProvider'])",
                  "onnx_out = session.run(None, {f.name: x for f, x in zip(session.get_inputs(), xs)})",
                  "print('onnx:', onnx_out)"]
        return super().snippet(case) + "\n" + "\n".join(lines) + "\n"


def make(device="cpu", edition=None):
    return OnnxAdapter(device=device)
