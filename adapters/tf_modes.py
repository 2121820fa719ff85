"""The graph and jit modes on TensorFlow, for both editions' adapters (``tf`` and ``tf-keras``).

- ``graph``: the call inside ``tf.function``, traced with every dimension unknown but those the
  built layer's ``input_spec`` fixes (the features or channels its weights were built for), as a
  model whose inputs were declared ``keras.Input(shape=(None, ..., channels))`` sees them: the
  shapes the layer computes inside the trace are symbolic, and what Keras checks only on static
  shapes goes unchecked. The traced function is called first on other sizes, then on the case's
  own inputs, so that a trace that fixed a size it first saw (a batch size, a ``-1`` of Reshape
  resolved once, Flatten's width) gives the case a wrong result: the inputs tiled twice along
  every axis but the last, or where the layer rejects that (a channels_first layer, a fixed-size
  Reshape, masks of another rank), repeated twice along the batch axis only, or where it rejects
  that too (a noise shape as long as a rank-1 input), no other size.
- ``jit``: the call inside ``tf.function(jit_compile=True)`` (XLA) traced for the case's concrete
  shapes, as Keras' ``fit``/``predict`` trace their step (XLA compiles per shape anyway), called
  twice (the second call is the one the check compares).

The first call's extra time over the second is counted as compile time (tracing and compiling).
"""

from __future__ import annotations

import time


class TFModes:
    """Mixed into a TensorFlow adapter (one with ``self.tf``) ahead of its Keras base class."""

    modes = ("eager", "graph", "jit")

    def _traced(self, fn, tensors, layer):
        tf, jit = self.tf, self.mode == "jit"
        specs = None if jit else [tf.TensorSpec([d if a in _known_axes(layer, i, t.shape.rank) else None
                                                 for a, d in enumerate(t.shape)], t.dtype)
                                  for i, t in enumerate(tensors)]
        traced = tf.function(fn, input_signature=specs, jit_compile=jit, autograph=False)
        start = time.perf_counter()
        if jit:
            traced(*tensors)
        else:
            tiled = [tf.tile(t, [2] * max(t.shape.rank - 1, 1) + [1] * min(t.shape.rank - 1, 1)) if t.shape.rank
                     else t for t in tensors]
            for other in (tiled, [tf.concat([t, t], 0) if t.shape.rank else t for t in tensors]):
                try:
                    traced(*other)
                    break
                except Exception:  # noqa: BLE001  (sizes the layer does not accept: the next, or none)
                    continue
        once = time.perf_counter()
        out = traced(*tensors)
        self.compile_seconds += max(0.0, (once - start) - (time.perf_counter() - once))
        return out


def _known_axes(layer, i: int, rank: int) -> set[int]:
    """The axes of input ``i`` that ``layer.input_spec`` fixes (``InputSpec.axes``: Dense's last,
    a convolution's channels), as non-negative indices; none for a mask or a function's input."""
    spec = getattr(layer, "input_spec", None)
    specs = spec if isinstance(spec, (list, tuple)) else [spec]
    axes = getattr(specs[i], "axes", None) if i < len(specs) else None
    return {a % rank for a in axes or {}} if rank else set()
