"""Merge layers: Add, Subtract, Multiply, Average, Maximum, Minimum, Concatenate, Dot.

Every merge layer takes a list of inputs: ``__call__(xs, *, mask=None)`` where ``mask`` is None or a
list with one entry (a bool array or None) per input, ``compute_output_shape(list_of_shapes)`` and
``compute_mask(xs, mask)``. ``compute_output_shape`` raises wherever Keras' build (the shape
validation every call runs first) or its call would.

Shared rules (Keras 3 ``keras/src/layers/merging/base_merge.py`` Merge):

- Elementwise shape: the batch dims (index 0) must agree where known ("Cannot merge tensors with
  different batch sizes", a batch of 1 does not broadcast); the other dims broadcast right-aligned
  pairwise: None with anything gives None, 1 gives the other, otherwise they must be equal ("Inputs
  have incompatible shapes"). Inputs of lower rank are expanded at axis 1 until the ranks agree.
- Mask of the output (compute_mask): None when mask is None or any input mask is None; otherwise the
  OR of the masks (NumPy broadcasting). A mask that is not a list, or of another length than the
  inputs, is rejected ("mask").
- Masks used in the values (Maximum, Minimum, Multiply): an input mask m of shape (b, ..., T) marks
  the rows of x kept; it is broadcast as m[..., None] to x's shape. An input of lower rank than the
  others loses its mask for the values (Keras expands it into a new tensor that carries none).
"""

from __future__ import annotations

import numpy as np

from reference.dtypes import weight_dtype
from reference.editions import KERAS2, KERAS3
from reference.errors import SpecError, require
from reference.layers.base import Layer, f64
from reference.registry import feature


def _as_inputs(x, *, name="A merge layer"):
    if not isinstance(x, (list, tuple)):
        raise SpecError("inputs", f"{name} should be called on a list of inputs. Received: {type(x).__name__} "
                                  f"of shape {np.shape(x)} (not a list)")
    return list(x)


def _check_masks(xs, mask):
    """None, or a list of None/bool arrays with one entry per input (Keras' compute_mask checks)."""
    if mask is None:
        return None
    require(isinstance(mask, (list, tuple)), "mask", f"`mask` should be a list. Received: mask={mask}")
    require(len(mask) == len(xs), "mask",
            f"The lists `inputs` and `mask` should have the same length. Received: {len(xs)} inputs and "
            f"{len(mask)} masks")
    return [None if m is None else np.asarray(m, dtype=bool) for m in mask]


def _broadcast(fn, *args):
    try:
        with np.errstate(invalid="ignore", over="ignore"):
            return fn(*args)
    except ValueError as e:
        raise SpecError("mask", f"a mask does not broadcast against its input: {e}") from None


def _row_mask(m, x):
    """The mask of x's rows, m[..., None] broadcast to x's shape."""
    return _broadcast(lambda: np.broadcast_to(np.expand_dims(m, -1), x.shape))


class _Merge(Layer):
    """The elementwise merge layers' shared shape, call and mask rules (not a feature itself)."""

    supports_masking = True
    _name = "A merge layer"

    def _check_count(self, n):
        minimum = 2 if self.edition == KERAS2 else 1
        require(n >= minimum, "inputs",
                f"A merge layer should be called on a list of at least {minimum} input{'s' if minimum > 1 else ''}. "
                f"Received {n} inputs.")

    @staticmethod
    def _elemwise_shape(shape1, shape2):
        if len(shape1) < len(shape2):
            shape1, shape2 = shape2, shape1
        if not shape2:
            return tuple(shape1)
        out = list(shape1[: len(shape1) - len(shape2)])
        for i, j in zip(shape1[len(shape1) - len(shape2):], shape2):
            if i is None or j is None:
                out.append(None)
            elif i == 1:
                out.append(j)
            elif j == 1:
                out.append(i)
            else:
                require(i == j, "inputs",
                        f"Inputs have incompatible shapes. Received shapes {tuple(shape1)} and {tuple(shape2)}")
                out.append(i)
        return tuple(out)

    def compute_output_shape(self, input_shape):
        shapes = [tuple(s) for s in _as_inputs(input_shape, name=self._name)]
        self._check_count(len(shapes))
        batch = {s[0] for s in shapes if s} - {None}
        require(len(batch) <= 1, "inputs",
                f"Cannot merge tensors with different batch sizes. Received tensors with shapes {shapes}")
        out = shapes[0][1:]
        for s in shapes[1:]:
            out = self._elemwise_shape(out, s[1:])
        return (batch.pop() if batch else None, *out)

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        xs = [f64(v) for v in _as_inputs(x, name=self._name)]
        self.compute_output_shape([v.shape for v in xs])
        masks = _check_masks(xs, mask) or [None] * len(xs)
        rank = max(v.ndim for v in xs)
        if self.edition == KERAS2:
            masks = [None] * len(xs)  # tf-keras computes the values without the masks
        # A lower-rank input is expanded at axis 1 (a new tensor: it carries no mask).
        masks = [m if v.ndim == rank else None for v, m in zip(xs, masks)]
        xs = [v.reshape(v.shape[:1] + (1,) * (rank - v.ndim) + v.shape[1:]) if v.ndim else v for v in xs]
        with np.errstate(invalid="ignore", over="ignore"):
            return f64(self._merge(xs, masks))

    def _merge(self, xs, masks):
        raise NotImplementedError

    def compute_mask(self, x, mask=None):
        masks = _check_masks(_as_inputs(x, name=self._name), mask)
        if masks is None:
            return None
        if self.edition == KERAS2:
            present = [m for m in masks if m is not None]
            return _broadcast(lambda: np.logical_and.reduce(np.broadcast_arrays(*present))) if present else None
        if any(m is None for m in masks):
            return None
        return _broadcast(lambda: np.logical_or.reduce(np.broadcast_arrays(*masks)))

    @staticmethod
    def _masked_fold(op, xs, masks):
        """Keras 3 ``_apply_merge_op_and_or_mask``: a masked-out row takes the other operand's value."""
        output = output_mask = None
        for x, m in zip(xs, masks):
            m = None if m is None else _row_mask(m, x)
            if output is None:
                output, output_mask = x, m
                continue
            if m is not None:
                x = _broadcast(np.where, m, x, output)
            if output_mask is not None:
                output = _broadcast(np.where, output_mask, output, x)
            output_mask = _broadcast(np.logical_or, output_mask, m) if (m is not None and output_mask is not None) \
                else None
            output = op(output, x)
        return output


@feature("layers", seed_page="000")
class Add(_Merge):
    """The elementwise sum of a list of inputs.

    Formula: y = x0 + x1 + ... (broadcast as in the module docstring; summed left to right).
        A single input is returned unchanged. Output shape (batch, *broadcast(non-batch dims)).
        Output mask: the OR of the input masks, None if any input has none. Masks do not change the values.
    Defaults: no arguments. get_config() == {}. supports_masking: True.
    Errors: see the module docstring; inputs not a list, an empty list, different known batch sizes,
        non-batch dims that do not broadcast ("inputs"); a bad mask list ("mask").
    Editions: Keras 2 (tf-keras) needs at least 2 inputs ("A merge layer should be called on a list of
        at least 2 inputs"); its output mask is the AND of the masks that are present (None only when
        all are None). Values the same.
    Source: keras/src/layers/merging/add.py, base_merge.py (Keras 3.15.1); tf_keras/layers/merging/base_merge.py; seed page 000.
    """

    def _merge(self, xs, masks):
        out = xs[0]
        for v in xs[1:]:
            out = out + v
        return out


@feature("layers", seed_page="000")
class Subtract(_Merge):
    """The elementwise difference of exactly two inputs.

    Formula: y = x0 - x1 (broadcast as Add). Output mask: x0_mask OR x1_mask, None if either is None.
    Defaults: no arguments. get_config() == {}. supports_masking: True.
    Errors: a number of inputs other than 2 ("inputs": A `Subtract` layer should be called on exactly
        2 inputs); the rest as Add ("inputs", "mask").
    Editions: Keras 2's output mask is the AND of the present masks; values the same.
    Source: keras/src/layers/merging/subtract.py (Keras 3.15.1); tf_keras/layers/merging/subtract.py; seed page 000.
    """

    def _check_count(self, n):
        super()._check_count(n)
        require(n == 2, "inputs", f"A `Subtract` layer should be called on exactly 2 inputs. Received {n} inputs")

    def _merge(self, xs, masks):
        return xs[0] - xs[1]


@feature("layers", seed_page="000")
class Multiply(_Merge):
    """The elementwise product of a list of inputs.

    Formula: Keras 3: every masked-out row of an input (mask m, broadcast as m[..., None]) is replaced
        by 1, then y = x0 * x1 * ...; when every input has a mask (of the inputs of the highest rank),
        the rows masked out in all of them (NOT OR(masks)) are set to 0. Without masks y = product.
        Output mask: the OR of the input masks, None if any is None.
    Defaults: no arguments. get_config() == {}. supports_masking: True.
    Errors: as Add ("inputs", "mask"), plus a mask that does not broadcast against its input ("mask").
    Editions: Keras 2 ignores the masks in the values (y = plain product) and its output mask is the AND
        of the present masks; at least 2 inputs.
    Source: keras/src/layers/merging/multiply.py (Keras 3.15.1); tf_keras/layers/merging/multiply.py; seed page 000.
    """

    def _merge(self, xs, masks):
        has_output_mask = all(m is not None for m in masks)
        output = output_mask = None
        for x, m in zip(xs, masks):
            if m is not None:
                m = _row_mask(m, x)
                x = np.where(m, x, 1.0)
                if has_output_mask:
                    output_mask = m if output_mask is None else _broadcast(np.logical_or, output_mask, m)
            output = x if output is None else output * x
        if has_output_mask:
            output = _broadcast(np.where, output_mask, output, 0.0)
        return output


@feature("layers", seed_page="000")
class Average(_Merge):
    """The elementwise mean of a list of inputs.

    Formula: y = (x0 + x1 + ... + x_{n-1}) / n (summed left to right, then divided).
        Output mask: the OR of the input masks, None if any is None; masks do not change the values.
    Defaults: no arguments. get_config() == {}. supports_masking: True.
    Errors: as Add ("inputs", "mask").
    Editions: Keras 2's output mask is the AND of the present masks; at least 2 inputs. Values the same.
    Source: keras/src/layers/merging/average.py (Keras 3.15.1); tf_keras/layers/merging/average.py; seed page 000.
    """

    def _merge(self, xs, masks):
        out = xs[0]
        for v in xs[1:]:
            out = out + v
        return out / len(xs)


@feature("layers", seed_page="000")
class Maximum(_Merge):
    """The elementwise maximum of a list of inputs.

    Formula: without masks y = max(x0, x1, ...) folded left to right (np.maximum: a NaN wins).
        Keras 3 with masks (each m broadcast as m[..., None]), folding output o (mask om) with x (mask m):
        x = where(m, x, o) if m; o = where(om, o, x) if om; om = om OR m if both, else None;
        o = max(o, x). A row masked out in one operand takes the other's value.
        Output mask: the OR of the input masks, None if any is None.
    Defaults: no arguments. get_config() == {}. supports_masking: True.
    Errors: as Add ("inputs", "mask"), plus a mask that does not broadcast against its input ("mask").
    Editions: Keras 2 ignores the masks in the values and its output mask is the AND of the present
        masks; at least 2 inputs.
    Source: keras/src/layers/merging/maximum.py, base_merge.py _apply_merge_op_and_or_mask (Keras 3.15.1); seed page 000.
    """

    def _merge(self, xs, masks):
        return self._masked_fold(np.maximum, xs, masks)


@feature("layers", seed_page="000")
class Minimum(_Merge):
    """The elementwise minimum of a list of inputs.

    Formula: as Maximum with min: y = min(x0, x1, ...) folded left to right (np.minimum: a NaN wins);
        with masks, a row masked out in one operand takes the other's value (Keras 3).
        Output mask: the OR of the input masks, None if any is None.
    Defaults: no arguments. get_config() == {}. supports_masking: True.
    Errors: as Add ("inputs", "mask"), plus a mask that does not broadcast against its input ("mask").
    Editions: Keras 2 ignores the masks in the values and its output mask is the AND of the present
        masks; at least 2 inputs.
    Source: keras/src/layers/merging/minimum.py, base_merge.py _apply_merge_op_and_or_mask (Keras 3.15.1); seed page 000.
    """

    def _merge(self, xs, masks):
        return self._masked_fold(np.minimum, xs, masks)


@feature("layers", seed_page="000")
class Concatenate(Layer):
    """Concatenates a list of inputs along one axis.

    Formula: y = concatenate(xs, axis). Output shape: the first input's shape with the axis dim the sum
        of the inputs' axis dims (None if any is None); the other dims are the first input's.
        Output mask (compute_mask), None when mask is None or every input mask is None; otherwise each
        input contributes a bool array of its own shape: ones for a missing mask; a mask of lower rank
        than its input is broadcast as m[..., None] (OR with zeros of the input's shape); a mask of the
        input's rank is used as is. These are concatenated along axis and reduced with any(axis=-1):
        masks (b, T) of inputs (b, T, D) give the concatenated masks for axis=1, the OR of the masks
        (ones where any is missing) for axis=-1.
    Defaults: axis=-1. get_config() == {"axis": axis}. supports_masking: True.
    Errors: inputs not a list, or empty ("inputs": should be called on a list of at least 1 input);
        axis not an int or out of range for an input's rank ("axis"; Keras: IndexError or the backend's
        concat error); inputs of different ranks, or a known non-axis dim (the batch dim included)
        that differs from another known one ("inputs": requires inputs with matching shapes except
        for the concatenation axis); a mask that is not a list, has another length, or does not fit
        ("mask").
    Editions: Keras 2 (tf-keras) appends m[..., None] without broadcasting it to the input's shape and
        reduces with all(axis=-1) instead of any: its mask for axis=-1 is the AND of the present masks.
        Shapes and values the same.
    Source: keras/src/layers/merging/concatenate.py (Keras 3.15.1); tf_keras/layers/merging/concatenate.py; seed page 000.
    """

    supports_masking = True

    def __init__(self, axis=-1, *, edition=KERAS3):
        super().__init__(edition=edition)
        self.axis = axis

    def get_config(self):
        return {"axis": self.axis}

    def compute_output_shape(self, input_shape):
        shapes = _as_inputs(input_shape, name="A `Concatenate` layer")
        require(len(shapes) >= 1, "inputs", "A `Concatenate` layer should be called on a list of at least 1 input.")
        shapes = [tuple(s) for s in shapes]
        axis = self.axis
        require(isinstance(axis, (int, np.integer)) and not isinstance(axis, bool), "axis",
                f"axis must be an int. Received: axis={axis!r}")
        for s in shapes:
            require(-len(s) <= axis < len(s), "axis",
                    f"axis {axis} is out of range for an input of rank {len(s)} (shape {s})")
        message = (f"A `Concatenate` layer requires inputs with matching shapes except for the concatenation axis. "
                   f"Received: input_shape={shapes}")
        require(len({len(s) for s in shapes}) == 1, "inputs", message)
        rest = [s[:axis % len(s)] + s[axis % len(s) + 1:] for s in shapes]
        for dims in zip(*rest):
            require(len(set(dims) - {None}) <= 1, "inputs", message)
        out = list(shapes[0])
        k = axis % len(out)
        out[k] = None if any(s[k] is None for s in shapes) else sum(s[k] for s in shapes)
        return tuple(out)

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        xs = [f64(v) for v in _as_inputs(x, name="A `Concatenate` layer")]
        self.compute_output_shape([v.shape for v in xs])
        _check_masks(xs, mask)
        return np.concatenate(xs, axis=self.axis)

    def compute_mask(self, x, mask=None):
        xs = [np.asarray(v) for v in _as_inputs(x, name="A `Concatenate` layer")]
        masks = _check_masks(xs, mask)
        if masks is None or all(m is None for m in masks):
            return None
        parts = []
        for v, m in zip(xs, masks):
            if m is None:
                parts.append(np.ones(v.shape, dtype=bool))
            elif m.ndim < v.ndim:
                m = np.expand_dims(m, -1)
                parts.append(m if self.edition == KERAS2 else _broadcast(np.logical_or, m, np.zeros(v.shape, bool)))
            else:
                parts.append(m)
        joined = _broadcast(lambda: np.concatenate(parts, axis=self.axis))
        return joined.all(axis=-1) if self.edition == KERAS2 else joined.any(axis=-1)


@feature("layers", seed_page="000")
class Dot(Layer):
    """The per-sample dot product of two inputs along one axis of each.

    Formula: axes resolve per input of rank r: an int a gives (a, a), a negative int a % r (so -1 is
        the last axis; any negative int wraps modulo r); a pair (a0, a1) must satisfy -r <= a < r and a
        negative entry gives a % r. normalize=True first scales each input along its dot axis:
        x * min(1 / sqrt(sum(x**2)), 1 / 1e-7), the cap a constant in x's dtype (a zero vector stays
        zero, except in float16, where the cap is inf and 0 * inf is NaN). Then, per sample n,
        y[n] = tensordot(x0[n], x1[n], axes=(a0 - 1, a1 - 1)): shape (b, *x0 dims without batch and a0,
        *x1 dims without batch and a1); a result of rank 1 becomes (b, 1). With normalize and the last
        axes this is the cosine similarity.
        Output mask: always None (supports_masking is True, so no warning: the mask is dropped).
    Defaults: axes is required; normalize=False. get_config() == {"axes": axes, "normalize": normalize}.
    Errors: axes not an int (bool counts as int) nor a list/tuple (Keras: TypeError) or a list/tuple
        without exactly two Python ints ("axes"); a number of inputs other than 2 ("inputs": A `Dot`
        layer should be called on a list of 2 inputs); an input of rank < 2 ("inputs": Cannot do
        batch_dot on inputs with rank < 2); an axis out of range (Keras: IndexError) or resolving to 0,
        the batch axis ("axes": Cannot perform batch_dot over axis 0); known batch sizes that differ
        ("inputs"); x0.shape[a0] != x1.shape[a1] ("inputs": Incompatible input shapes), where, as in
        Keras' build, None differs from a known size (None vs None passes).
    Editions: Keras 2 normalizes with tf.linalg.l2_normalize: x * rsqrt(max(sum(x**2), 1e-12)), a cap
        of 1e6 on the inverse norm instead of 1e7 (they differ only for norms below 1e-6). Otherwise the same.
    Implementation-defined: the frameworks normalize in float32, where the sum of squares of a tiny
        vector underflows to 0 and the cap decides; the reference normalizes in float64.
    Source: keras/src/layers/merging/dot.py Dot, batch_dot; keras/src/ops/nn.py normalize (Keras 3.15.1);
        tf_keras/layers/merging/dot.py; seed page 000.
    """

    supports_masking = True

    def __init__(self, axes, normalize=False, *, edition=KERAS3):
        super().__init__(edition=edition)
        if not isinstance(axes, int):
            require(isinstance(axes, (list, tuple)), "axes",
                    f"Invalid type for argument `axes`: it should be a list or an int. Received: axes={axes}")
            require(len(axes) == 2, "axes",
                    f"Invalid format for argument `axes`: it should contain two elements. Received: axes={axes}")
            require(isinstance(axes[0], int) and isinstance(axes[1], int), "axes",
                    f"Invalid format for argument `axes`: list elements should be integers. Received: axes={axes}")
        self.axes, self.normalize = axes, normalize

    def get_config(self):
        return {"axes": self.axes, "normalize": self.normalize}

    def _resolve(self, shape1, shape2):
        ranks = (len(shape1), len(shape2))
        pair = (self.axes, self.axes) if isinstance(self.axes, int) else tuple(self.axes)
        out = []
        for a, r in zip(pair, ranks):
            if isinstance(self.axes, int) and a < 0:
                a = a % r
            require(-r <= a < r, "axes", f"axis {a} is out of range for an input of rank {r}")
            out.append(a % r)
        return out

    def compute_output_shape(self, input_shape):
        shapes = _as_inputs(input_shape, name="A `Dot` layer")
        require(len(shapes) == 2, "inputs", f"A `Dot` layer should be called on a list of 2 inputs. "
                                            f"Received: input_shape={shapes}")
        shape1, shape2 = (tuple(s) for s in shapes)
        a0, a1 = self._resolve(shape1, shape2)
        require(shape1[a0] == shape2[a1], "inputs",
                f"Incompatible input shapes: axis values {shape1[a0]} (at axis {a0}) != {shape2[a1]} (at axis {a1}). "
                f"Full input shapes: {shape1}, {shape2}")
        require(len(shape1) >= 2 and len(shape2) >= 2, "inputs",
                f"Cannot do batch_dot on inputs with rank < 2. Received inputs with shapes {shape1} and {shape2}.")
        require(shape1[0] is None or shape2[0] is None or shape1[0] == shape2[0], "inputs",
                f"Cannot do batch_dot on inputs with different batch sizes. Received inputs with shapes "
                f"{shape1} and {shape2}.")
        require(0 not in (a0, a1), "axes", "Cannot perform batch_dot over axis 0.")
        out = [d for i, d in enumerate(shape1) if i != a0] + [d for i, d in enumerate(shape2) if i not in (0, a1)]
        return tuple(out + [1] if len(out) == 1 else out)

    def _normalize(self, x, axis, dtype):
        # The cap 1/epsilon is a constant in x's dtype: inf in float16, so a zero vector gives NaN there.
        with np.errstate(over="ignore"):
            cap = float(np.asarray(1e6 if self.edition == KERAS2 else 1e7).astype(dtype))
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            inv = np.minimum(1.0 / np.sqrt(np.sum(np.square(x), axis=axis, keepdims=True)), cap)
            return x * inv

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        inputs = _as_inputs(x, name="A `Dot` layer")
        dtype = weight_dtype(np.asarray(inputs[0]))
        xs = [f64(v) for v in inputs]
        out_shape = self.compute_output_shape([v.shape for v in xs])
        x1, x2 = xs
        a0, a1 = self._resolve(x1.shape, x2.shape)
        if self.normalize:
            x1, x2 = self._normalize(x1, a0, dtype), self._normalize(x2, a1, dtype)
        x1 = np.moveaxis(x1, a0, -1)  # (b, *r1, d)
        x2 = np.moveaxis(x2, a1, 1)  # (b, d, *r2)
        b, d = x1.shape[0], x1.shape[-1]
        p, q = int(np.prod(x1.shape[1:-1])), int(np.prod(x2.shape[2:]))
        with np.errstate(invalid="ignore", over="ignore"):
            y = np.matmul(x1.reshape(b, p, d), x2.reshape(b, d, q))
        return y.reshape(out_shape)

    def compute_mask(self, x, mask=None):
        return None
