"""Gradients on TensorFlow, for both editions' adapters (``tf`` and ``tf-keras``): ``tf.GradientTape``.

The call runs once under the tape (so a dropout layer's backward pass reuses the mask of the
forward pass the adapter hands back), and ``tape.gradient(outputs, sources, output_gradients=
cotangents)`` is the VJP, as Keras' TensorFlow trainer takes it. Sources: the floating inputs
(watched) and ``layer.trainable_weights``. Embedding's gradient comes back as ``tf.IndexedSlices``
(rows, indices), summed into a dense table by ``tf.convert_to_tensor``.
"""

from __future__ import annotations

import numpy as np


class TFGradients:
    """Mixed into a TensorFlow adapter (one with ``self.tf``, ``_tensor``) ahead of its Keras base class."""

    def _vjp(self, fn, arrays, layer, cotangents):
        tf = self.tf
        tensors = [self._tensor(a) for a in arrays]
        floating = [t.dtype.is_floating for t in tensors]
        variables = list(layer.trainable_weights) if layer is not None else []
        with tf.GradientTape() as tape:  # trainable variables are watched when read
            for t, f in zip(tensors, floating):
                if f:
                    tape.watch(t)
            ys = fn(*tensors)
        sources = [t for t, f in zip(tensors, floating) if f] + variables
        grads = tape.gradient(ys, sources, output_gradients=[tf.cast(self._tensor(np.asarray(c)), y.dtype)
                                                             for c, y in zip(cotangents, ys)],
                              unconnected_gradients=tf.UnconnectedGradients.ZERO)
        grads = [tf.convert_to_tensor(g) for g in grads]
        it = iter(grads)
        dxs = [next(it) if f else None for f in floating]
        return ys, dxs, list(it)

    def _snippet_grad(self, call, n_inputs, layer):
        xs = ", ".join(f"x{i}" for i in range(n_inputs))
        return ["import tensorflow as tf", *(f"x{i} = tf.constant(x{i})" for i in range(n_inputs)),
                "with tf.GradientTape() as tape:", *(f"    tape.watch(x{i})" for i in range(n_inputs)),
                f"    y = {call}",
                "    loss = tf.reduce_sum(tf.cast(g0, y.dtype) * y)" + (" + sum(layer.losses)" if layer else ""),
                f"out = tape.gradient(loss, [{xs}]" + (" + layer.trainable_weights)" if layer else ")")]
