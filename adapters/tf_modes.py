"""The graph and jit modes on TensorFlow, for both editions' adapters (``tf`` and ``tf-keras``).

- ``graph``: the call inside ``tf.function``, traced with every dimension unknown (only the rank
  known), as a model whose inputs were declared ``keras.Input(shape=(None, ...))`` sees them: the
  shapes the layer computes inside the trace are symbolic. The traced function is called first on
  the inputs repeated twice along the batch dimension, then on the case's own: a trace that fixed
  the batch size it first saw gives the case a wrong result.
- ``jit``: the same inside ``tf.function(jit_compile=True)`` (XLA), called twice on the case's
  inputs (XLA compiles per concrete shape; the second call is the one the check compares).

The first call's extra time over the second is counted as compile time (tracing and compiling).
"""

from __future__ import annotations

import time


class TFModes:
    """Mixed into a TensorFlow adapter (one with ``self.tf``) ahead of its Keras base class."""

    modes = ("eager", "graph", "jit")

    def _traced(self, fn, tensors, layer):
        tf, jit = self.tf, self.mode == "jit"
        specs = [tf.TensorSpec([None] * t.shape.rank, t.dtype) for t in tensors]
        traced = tf.function(fn, input_signature=specs, jit_compile=jit, autograph=False)
        first = tensors if jit else [tf.concat([t, t], 0) if t.shape.rank else t for t in tensors]
        start = time.perf_counter()
        traced(*first)
        once = time.perf_counter()
        out = traced(*tensors)
        self.compile_seconds += max(0.0, (once - start) - (time.perf_counter() - once))
        return out
