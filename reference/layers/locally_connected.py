"""Locally-connected layers: LocallyConnected1D and LocallyConnected2D (Keras 2 only).

A locally-connected layer is a convolution whose weights are *unshared*: every output position
has its own kernel. Keras 3 removed both layers; they are registered in edition ``keras2`` only
(the reference adapter reports them unsupported under ``keras3``, and constructing one with
``edition="keras3"`` raises SpecError naming the layer).

Shared arithmetic (both layers, rank r = 1 or 2, channels_last view of x: (batch, *n, C)):

- output length per axis (tf-keras ``conv_utils.conv_output_length``, dilation 1):
  ``valid``: ``(n - k + s) // s`` (= floor((n - k) / s) + 1 when n >= k; 0 or less when the kernel
  does not fit); ``same`` and ``causal``: ``(n + s - 1) // s`` = ceil(n / s);
- the window of output position o on one axis covers inputs ``o*s - before + t`` for taps
  t = 0..k-1, with ``before = 0`` (``valid``) or ``before = k // 2`` (``same``, tf-keras
  ``conv_connected_inputs``: the window is centred with its extra cell **before** for an odd k
  and **after** for an even one, independent of n and s; this is NOT the ``same`` padding of
  Conv, which puts ``total // 2`` before). Taps outside [0, n) read zero (no weight connects them);
- the unshared kernel W[*o, *t, c, f] (``unshared_kernel``), whatever the implementation stores;
- y[b, *o, f] = sum_{t, c} x[b, *(o*s - before + t), c] * W[*o, *t, c, f] + bias, then the activation.

The reference computes y with :func:`reference.layers.windows.windows` on the input padded with
``before`` zeros ahead (and enough after) and one ``einsum``; no Python loop over output positions.
"""

from __future__ import annotations

import numpy as np

from reference.editions import KERAS2, KERAS3
from reference.errors import SpecError, require
from reference.layers.base import Layer, f64, serialize, standardize_data_format
from reference.layers.windows import from_channels_last, to_channels_last, windows
from reference.registry import feature


def _is_int(v) -> bool:
    return isinstance(v, (int, np.integer))


def normalize_tuple(value, n: int, name: str, *, allow_zero: bool = False) -> tuple[int, ...]:
    """tf-keras ``conv_utils.normalize_tuple``: a Python int (a bool is one) repeats n times; otherwise a
    list/tuple of n integers. Each must be > 0 (>= 0 with ``allow_zero``)."""
    msg = f"The `{name}` argument must be a tuple of {n} integers. Received: {value}"
    if isinstance(value, int):
        values = (value,) * n
    else:
        require(isinstance(value, (list, tuple)) and len(value) == n, name, msg)
        require(all(_is_int(v) for v in value), name, f"{msg} including a non-integer element")
        values = tuple(value)
    bad = {int(v) for v in values if (v < 0 if allow_zero else v <= 0)}
    require(not bad, name, f"{msg} including {bad} that does not satisfy the requirement "
                           f"`{'>= 0' if allow_zero else '> 0'}`.")
    return tuple(int(v) for v in values)


def conv_output_length(n, k: int, padding: str, s: int):
    """tf-keras ``conv_utils.conv_output_length`` (dilation 1); None stays None; may be <= 0."""
    if n is None:
        return None
    require(s != 0, "strides", "a stride of 0 (accepted by the constructor) divides by zero when the "
                               "output length is computed (ZeroDivisionError in Keras 2)")
    length = n if padding in ("same", "causal") else n - k + 1
    return (length + s - 1) // s


def _before(k: int, padding: str) -> int:
    return k // 2 if padding == "same" else 0


def tap_indices(n: int, k: int, s: int, before: int, out: int):
    """(index, valid): the input position ``o*s - before + t`` of output o and tap t, shape (out, k),
    and whether it lies in [0, n) (tf-keras ``conv_connected_inputs``)."""
    idx = np.arange(out)[:, None] * s - before + np.arange(k)[None, :]
    return idx, (idx >= 0) & (idx < n)


class _Implementation:
    """How tf-keras stores the unshared kernel for one value of ``implementation``: the stored shape
    (``kernel_shape``) and the unshared kernel W[*o, *t, c, f] read back from it (``unshared``). Each
    method takes the layer and reads its geometry; every implementation computes the same sum over W
    (``_LocallyConnected.call``), so they differ only in the kernel's layout (its shape, hence its
    default initialization and its regularizer's penalty)."""

    def kernel_shape(self, layer, spatial, channels, out) -> tuple:
        raise NotImplementedError

    def unshared(self, layer, kernel, spatial, channels, out):
        raise NotImplementedError


class _PerPosition(_Implementation):
    """implementation=1 (tf-keras ``local_conv``): one (prod(k)*C, F) matrix per output position, the
    kernel (prod(out), prod(k)*C, F) with the positions row-major. The middle axis flattens the window as
    local_conv slices it: channels_last (*t, c) with c fastest; channels_first (c, *t) with the last tap
    axis fastest."""

    def kernel_shape(self, layer, spatial, channels, out):
        return (int(np.prod(out)), int(np.prod(layer.kernel_size)) * channels, int(layer.filters))

    def unshared(self, layer, kernel, spatial, channels, out):
        r, f = layer.rank, int(layer.filters)
        if layer.data_format == "channels_first":
            w = kernel.reshape(*out, channels, *layer.kernel_size, f)
            return np.moveaxis(w, r, 2 * r)
        return kernel.reshape(*out, *layer.kernel_size, channels, f)


class _MaskedDense(_Implementation):
    """implementation=2 (tf-keras ``conv_kernel_mask``): a dense input-output kernel (*n, C, *o, F)
    (channels_first: (C, *n, F, *o)) multiplied by a 0/1 connectivity mask, so only the connected
    entries are used: W[*o, *t, c, f] = kernel[*(o*s - before + t), c, *o, f], 0 where the tap lies
    outside the input."""

    def kernel_shape(self, layer, spatial, channels, out):
        f = int(layer.filters)
        return (channels, *spatial, f, *out) if layer.data_format == "channels_first" else (*spatial, channels, *out, f)

    def dense(self, layer, kernel, spatial, channels, out):
        """The dense kernel in channels_last order (*n, C, *o, F)."""
        if layer.data_format == "channels_first":  # (C, *n, F, *o) -> (*n, C, *o, F)
            kernel = np.moveaxis(np.moveaxis(kernel, layer.rank + 1, -1), 0, layer.rank)
        return kernel

    def unshared(self, layer, kernel, spatial, channels, out):
        r = layer.rank
        dense = self.dense(layer, kernel, spatial, channels, out)  # (*n, C, *o, F)
        full = (*out, *layer.kernel_size)
        pos, o_at, valid = [], [], np.ones(full, bool)
        for d, (idx, ok) in enumerate(layer.taps(spatial, out)):
            shape = [1] * (2 * r)
            shape[d], shape[r + d] = out[d], layer.kernel_size[d]
            pos.append(np.clip(idx, 0, spatial[d] - 1).reshape(shape))
            valid &= ok.reshape(shape)
            o_shape = [1] * (2 * r)
            o_shape[d] = out[d]
            o_at.append(np.arange(out[d]).reshape(o_shape))
        # Advanced indices separated by a slice go first: the result is (*o, *t, C, F).
        w = dense[(*pos, slice(None), *o_at, slice(None))]
        return np.where(valid[..., None, None], w, 0.0)


class _Sparse(_MaskedDense):
    """implementation=3 (tf-keras ``conv_kernel_idxs``): kernel (N,), the values of the sparse
    (prod(o)*F, prod(n)*C) input-output matrix at its connected (out_idx, in_idx) pairs sorted ascending
    (``indices``); N = C * F * the number of connected (output position, input position) pairs. Read
    back through implementation 2's dense layout, into which the entries are scattered."""

    def kernel_shape(self, layer, spatial, channels, out):
        valid = [int(v.sum()) for _, v in layer.taps(spatial, out)]
        return (int(np.prod(valid)) * channels * int(layer.filters),)

    def indices(self, layer, spatial, channels, out):
        """The sorted (output index, input index) pairs of tf-keras ``conv_kernel_idxs``, as two int
        arrays (row-major flat indices; channels_last: (*o, f) and (*n, c); channels_first: (f, *o) and
        (c, *n))."""
        r, filters = layer.rank, int(layer.filters)
        taps = layer.taps(spatial, out)
        grids = np.meshgrid(*[np.arange(o) for o in out], *[np.arange(k) for k in layer.kernel_size],
                            np.arange(channels), np.arange(filters), indexing="ij")
        o_idx, t_idx, c, f = grids[:r], grids[r:2 * r], grids[2 * r], grids[2 * r + 1]
        pos = [taps[d][0][o_idx[d], t_idx[d]] for d in range(r)]
        ok = np.logical_and.reduce([taps[d][1][o_idx[d], t_idx[d]] for d in range(r)])
        pos, o_idx, c, f = [p[ok] for p in pos], [o[ok] for o in o_idx], c[ok], f[ok]
        if layer.data_format == "channels_first":
            out_idx = np.ravel_multi_index((f, *o_idx), (filters, *out))
            in_idx = np.ravel_multi_index((c, *pos), (channels, *spatial))
        else:
            out_idx = np.ravel_multi_index((*o_idx, f), (*out, filters))
            in_idx = np.ravel_multi_index((*pos, c), (*spatial, channels))
        order = np.lexsort((in_idx, out_idx))
        return out_idx[order], in_idx[order]

    def dense(self, layer, kernel, spatial, channels, out):
        out_idx, in_idx = layer.sparse_indices(spatial, channels, out)  # the layer's, which a subclass may change
        m = np.zeros((int(np.prod(out)) * int(layer.filters), int(np.prod(spatial)) * channels))
        m[out_idx, in_idx] = kernel
        return super().dense(layer, m.T.reshape(super().kernel_shape(layer, spatial, channels, out)),
                             spatial, channels, out)


# Keras 2's implementation argument (compared with ==, so 1.0 and True are 1) and its kernel layouts.
IMPLEMENTATIONS = (1, 2, 3)
_SPARSE = _Sparse()
_LAYOUTS = (_PerPosition(), _MaskedDense(), _SPARSE)


class _LocallyConnected(Layer):
    """The configuration, validation and forward pass LocallyConnected1D/2D share (rank = number of
    spatial axes); the kernel's layout is the implementation's (an :class:`_Implementation`)."""

    rank = 0
    default_strides = 1

    def __init__(self, filters, kernel_size, strides=None, padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, implementation=1, *, edition=KERAS3):
        super().__init__(edition=edition)
        name = type(self).__name__
        if edition != KERAS2:
            raise SpecError(name, f"{name} was removed in Keras 3 (keras.layers has no {name}); it exists in "
                                  f"Keras 2 (tf-keras) only: use edition keras2")
        strides = self.default_strides if strides is None else strides
        self.filters = filters  # validated when building, as tf-keras does (add_weight)
        self.kernel_size = normalize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = normalize_tuple(strides, self.rank, "strides", allow_zero=True)
        require(isinstance(padding, str), "padding",
                f"The `padding` argument must be one of \"valid\", \"same\" (or \"causal\", only for `Conv1D`). "
                f"Received: {padding!r} (a list/tuple padding is not supported by {name})")
        self.padding = padding.lower()
        require(self.padding in ("valid", "same", "causal"), "padding",
                f"The `padding` argument must be a list/tuple or one of \"valid\", \"same\" (or \"causal\", only "
                f"for `Conv1D). Received: {padding}")
        require(not (self.padding != "valid" and implementation == 1), "padding",
                f"Invalid border mode for {name} (only \"valid\" is supported if implementation is 1): {padding}")
        self.data_format = standardize_data_format(data_format)
        self.use_bias = use_bias
        self.resolve_options(locals(), ("kernel", "bias"))
        self.implementation = implementation  # validated when building

    # --- config and shapes ------------------------------------------------------------------------
    def get_config(self):
        return {"filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
                "padding": self.padding, "data_format": self.data_format, "activation": self.activation_name,
                "use_bias": self.use_bias, "kernel_initializer": serialize(self.kernel_initializer),
                "bias_initializer": serialize(self.bias_initializer),
                "kernel_regularizer": serialize(self.kernel_regularizer),
                "bias_regularizer": serialize(self.bias_regularizer),
                "activity_regularizer": serialize(self.activity_regularizer),
                "kernel_constraint": serialize(self.kernel_constraint),
                "bias_constraint": serialize(self.bias_constraint), "implementation": self.implementation}

    def _split(self, input_shape):
        """(batch, spatial dims, channels) of an input shape of the layer's rank."""
        shape = tuple(input_shape)
        require(len(shape) == self.rank + 2, "inputs",
                f"Input 0 of layer \"{type(self).__name__.lower()}\" is incompatible with the layer: expected "
                f"ndim={self.rank + 2}, found ndim={len(shape)}. Full shape received: {shape}")
        if self.data_format == "channels_first":
            return shape[0], shape[2:], shape[1]
        return shape[0], shape[1:-1], shape[-1]

    def output_spatial(self, spatial):
        return tuple(conv_output_length(n, k, self.padding, s)
                     for n, k, s in zip(spatial, self.kernel_size, self.strides))

    def _check_filters(self, *, building: bool):
        ok = _is_int(self.filters) and self.filters >= 0 and not (building and isinstance(self.filters, bool))
        require(ok, "filters", f"filters={self.filters!r}: a dimension of the output and of the kernel must be an "
                               f"integer >= 0 (tf-keras does not check filters itself; TensorShape rejects it)")

    def compute_output_shape(self, input_shape):
        batch, spatial, _ = self._split(input_shape)
        out = self.output_spatial(spatial)
        # tf-keras turns the result into a TensorShape: a negative size (or filters) is rejected there,
        # a size of 0 passes.
        negative = [o for o in out if o is not None and o < 0]
        require(not negative, "inputs", f"Dimension {negative[:1]} must be >= 0: the kernel does not fit in the "
                                        f"input shape {tuple(input_shape)}")
        self._check_filters(building=False)
        if self.data_format == "channels_first":
            return (batch, self.filters, *out)
        return (batch, *out, self.filters)

    def _built(self, input_shape):
        """What ``build`` checks, in tf-keras' order; returns (spatial, channels, out)."""
        name = type(self).__name__
        _, spatial, channels = self._split(input_shape)
        require(channels is not None and all(n is not None for n in spatial), "inputs",
                f"The spatial dimensions and the channels of the inputs to a {name} layer should be "
                f"fully-defined, but the layer received the inputs shape {tuple(input_shape)}")
        out = self.output_spatial(spatial)
        require(all(o > 0 for o in out), "inputs",
                f"One of the dimensions in the output is <= 0 due to downsampling in {name}. Consider increasing "
                f"the input size. Received input shape {tuple(input_shape)} which would produce output shape "
                f"with a zero or negative value in a dimension.")
        require(self.implementation in IMPLEMENTATIONS, "implementation",
                f"Unrecognized implementation mode: {self.implementation}.")
        self._check_filters(building=True)
        require(self.padding != "causal", "padding",
                "Padding type causal not supported. Only \"valid\" and \"same\" are implemented.")
        return tuple(int(n) for n in spatial), int(channels), out

    def pad_before(self, n: int, k: int, s: int) -> int:
        """Cells of zeros before an axis of size n: 0 ("valid"), k // 2 ("same", whatever n and s)."""
        return _before(k, self.padding)

    def taps(self, spatial, out):
        """``tap_indices`` of each spatial axis."""
        return [tap_indices(n, k, s, self.pad_before(n, k, s), o)
                for n, k, s, o in zip(spatial, self.kernel_size, self.strides, out)]

    def weight_shapes(self, input_shape):
        spatial, channels, out = self._built(input_shape)
        shapes = {"kernel": self._layout().kernel_shape(self, spatial, channels, out)}
        if self.use_bias:
            shapes["bias"] = (*out, int(self.filters))
        return shapes

    def weight_initializers(self):
        return {"kernel": self.kernel_initializer, "bias": self.bias_initializer}

    # --- the stored kernel, by implementation -----------------------------------------------------
    def _layout(self) -> _Implementation:
        """The implementation's kernel layout (once ``_built`` has validated it)."""
        return _LAYOUTS[IMPLEMENTATIONS.index(self.implementation)]

    def unshared_kernel(self, kernel, spatial, channels, out):
        """W[*o, *t, c, f]: the weight of input channel c at tap t of output position o, filter f
        (0 where the tap lies outside the input), from the stored kernel."""
        return self._layout().unshared(self, kernel, spatial, channels, out)

    def dense_kernel(self, kernel, spatial, channels, out):
        """Implementation 2's layout, channels_last order (*n, C, *o, F), from the stored kernel of
        implementation 2 or 3 (3: the sorted sparse entries scattered into the dense matrix)."""
        return self._layout().dense(self, kernel, spatial, channels, out)

    def sparse_indices(self, spatial, channels, out):
        """Implementation 3: the sorted (output index, input index) pairs of tf-keras
        ``conv_kernel_idxs`` (:meth:`_Sparse.indices`)."""
        return _SPARSE.indices(self, spatial, channels, out)

    # --- the forward pass -------------------------------------------------------------------------
    def padded_windows(self, xl, spatial, out):
        """windows (batch, *o, C, *t) of the channels_last input padded with ``before`` zeros ahead
        and enough after for the last window."""
        widths = [(0, 0)]
        for n, k, s, o in zip(spatial, self.kernel_size, self.strides, out):
            before = self.pad_before(n, k, s)
            widths.append((before, max(0, (o - 1) * s - before + k - n)))
        xp = np.pad(xl, widths + [(0, 0)])
        w = windows(xp, self.kernel_size, self.strides, "valid")
        return w[(slice(None), *[slice(0, o) for o in out])]

    def call(self, x, *, weights, training, mask, rng):
        w = self._weights(weights, x.shape)
        spatial, channels, out = self._built(x.shape)
        kernel = self.unshared_kernel(w["kernel"], spatial, channels, out)
        win = self.padded_windows(to_channels_last(x, self.data_format), spatial, out)
        letters = "opqr"[:self.rank]
        taps = "tuvw"[:self.rank]
        with np.errstate(invalid="ignore", over="ignore"):
            y = np.einsum(f"b{letters}c{taps},{letters}{taps}cf->b{letters}f", win, kernel)
            y = from_channels_last(y, self.data_format)
            if self.use_bias:
                bias = w["bias"]
                if self.data_format == "channels_first":
                    # tf-keras bias_add reshapes (not transposes) the (*o, F) bias to (F, *o).
                    bias = bias.reshape(int(self.filters), *out)
                y = y + bias
        return f64(self.activation(y))


_COMMON_DEFAULTS = """activation=None ("linear"), use_bias=True, kernel_initializer="glorot_uniform",
        bias_initializer="zeros", kernel/bias/activity regularizers and kernel/bias constraints None,
        implementation=1. get_config() == {"filters", "kernel_size" (tuple), "strides" (tuple), "padding"
        (lower-cased), "data_format", "activation", "use_bias", "kernel_initializer", "bias_initializer",
        "kernel_regularizer", "bias_regularizer", "activity_regularizer" (always, None when unset),
        "kernel_constraint", "bias_constraint", "implementation"}. supports_masking: False (tf-keras drops an
        incoming mask silently). losses: [activity loss / batch size] (if any), then the kernel and bias
        regularizer penalties (on the stored kernel, masked-out entries of implementation 2 included).
        The default glorot_uniform draws U(-l, l), l = sqrt(6 / (fan_in + fan_out)), with the fans of
        tf-keras ``_compute_fans`` on the *stored* kernel shape, which treats every kernel of rank >= 3
        as a convolution kernel: rf = prod(shape[:-2]), fan_in = shape[-2] * rf, fan_out = shape[-1] * rf;
        rank 1: fan_in = fan_out = shape[0]."""

_COMMON_ERRORS = """kernel_size not an int or a list/tuple of {r} ints > 0 ("kernel_size"); strides not an
        int or {r} ints >= 0 ("strides"; 0 is accepted by the constructor and rejected when the output length
        is computed, a ZeroDivisionError in tf-keras); padding not a string, or not valid/same/causal
        (case-insensitive) ("padding"); padding other than "valid" with implementation=1 ("padding": Invalid
        border mode); data_format not channels_first/channels_last ("data_format"); an unknown activation,
        initializer, regularizer or constraint (named by its argument). When building (weight_shapes, call):
        an input whose rank is not {nd} ("inputs": expected ndim={nd}); a None spatial size or None channels
        ("inputs"); an output size <= 0, i.e. a "valid" kernel larger than the input ("inputs": One of the
        dimensions in the output is <= 0); implementation not 1, 2 or 3 (compared with ==, so 1.0 and True
        count as 1) ("implementation": Unrecognized implementation mode); filters not an integer >= 0, or a
        bool ("filters": tf-keras does not check filters itself, add_weight rejects the kernel shape;
        filters=0 builds an empty output); "causal" padding (accepted by the constructor with implementation 2 or 3,
        rejected by conv_kernel_mask/conv_kernel_idxs) ("padding"); weights whose names or shapes differ from
        weight_shapes ("weights"). compute_output_shape rejects a wrong rank, a stride of 0, a negative
        output size ("inputs") and filters not an integer >= 0 ("filters"): tf-keras makes a TensorShape of
        its result, which refuses negative and float dimensions; an output size of 0 passes there."""

_COMMON_EDITIONS = """Keras 2 only (registered with editions=("keras2",)): Keras 3 removed the layer, so the
        reference adapter reports it unsupported in edition keras3 and the constructor raises SpecError
        naming the layer there. Within Keras 2: tf-keras' normalize_tuple accepts a float element such as
        kernel_size=(2.0,), and fails only when building, and keeps a list/tuple padding with implementation 2
        or 3, failing in compute_output_shape; the spec rejects both in the constructor. tf-keras'
        compute_output_shape reads only the axes it needs and never checks the rank; the spec checks it as
        the call's InputSpec does."""


@feature("layers", seed_page="000", editions=("keras2",))
class LocallyConnected1D(_LocallyConnected):
    """Locally-connected layer for 1D inputs: a Conv1D whose weights are unshared across positions.

    Formula: x (batch, steps, C) (channels_first: (batch, C, steps)); L = the output length
        ((steps - k + s) // s for "valid", ceil(steps / s) for "same"); before = 0 ("valid") or k // 2
        ("same"). y[b, o, f] = sum_{t<k, c<C} x[b, o*s - before + t, c] * W[o, t, c, f] + bias[o, f],
        then the activation (taps outside [0, steps) contribute nothing); output (batch, L, filters)
        (channels_first: (batch, filters, L)). W (``unshared_kernel``) from the stored kernel:
        implementation 1: kernel (L, k*C, filters), the middle axis the window flattened as tf-keras'
        local_conv slices it: channels_last index t*C + c, channels_first index c*k + t;
        implementation 2: kernel (steps, C, L, filters) (channels_first: (C, steps, filters, L)), a dense
        input-output matrix of which only the connected entries W[o, t, c, f] = kernel[o*s - before + t,
        c, o, f] are used (the rest are multiplied by tf-keras' 0/1 mask);
        implementation 3: kernel (N,), N = C * filters * (number of connected (o, input position) pairs)
        = L*k*C*filters for "valid": the values of a sparse (L*filters, steps*C) matrix at the pairs
        (out_idx, in_idx) sorted ascending (tf-keras ``conv_kernel_idxs``): out_idx = o*filters + f and
        in_idx = position*C + c (channels_first: f*L + o and c*steps + position); ``sparse_indices``.
        Bias (L, filters): channels_last adds bias[o, f]; channels_first adds the bias buffer *reshaped*
        (not transposed) to (filters, L): y[b, f, o] += bias.ravel()[f*L + o] (tf-keras bias_add).
    Defaults: strides=1, padding="valid", data_format=None ("channels_last"),
        {defaults}
        Implementation 1: kernel (L, k*C, F): fan_in = k*C*L, fan_out = F*L. Implementation 2:
        (steps, C, L, F): fan_in = L*steps*C, fan_out = F*steps*C (channels_first (C, steps, F, L):
        fan_in = F*C*steps, fan_out = L*C*steps). Implementation 3: (N,): fan_in = fan_out = N.
        The bias is (L, filters), zeros.
    Errors: {errors}
    Editions: {editions}
    Seed page: LocallyConnected1D(64, 3, input_shape=(10, 32)) gives output shape (None, 8, 64); a second
        LocallyConnected1D(32, 3) on it gives (None, 6, 32).
    Source: tf_keras/layers/locally_connected/locally_connected1d.py, locally_connected_utils.py,
        tf_keras/backend.py local_conv and bias_add, tf_keras/utils/conv_utils.py (conv_output_length,
        conv_connected_inputs, conv_kernel_mask, conv_kernel_idxs), tf_keras initializers _compute_fans;
        seed page 000.
    """

    rank = 1
    default_strides = 1

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, implementation=1, *, edition=KERAS3):
        super().__init__(filters, kernel_size, strides, padding, data_format, activation, use_bias,
                         kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, implementation, edition=edition)


@feature("layers", seed_page="000", editions=("keras2",))
class LocallyConnected2D(_LocallyConnected):
    """Locally-connected layer for 2D inputs: a Conv2D whose weights are unshared across positions.

    Formula: x (batch, rows, cols, C) (channels_first: (batch, C, rows, cols)); (R, Q) the output size
        per axis as in LocallyConnected1D; before_i = 0 ("valid") or k_i // 2 ("same").
        y[b, o, p, f] = sum_{t, u, c} x[b, o*s0 - before_0 + t, p*s1 - before_1 + u, c] * W[o, p, t, u, c, f]
        + bias[o, p, f], then the activation; output (batch, R, Q, filters) (channels_first:
        (batch, filters, R, Q)). W (``unshared_kernel``) from the stored kernel:
        implementation 1: kernel (R*Q, k0*k1*C, filters); the first axis is the output position o*Q + p
        (row-major), the middle axis the window flattened as tf-keras' local_conv slices it:
        channels_last (t*k1 + u)*C + c, channels_first (c*k0 + t)*k1 + u;
        implementation 2: kernel (rows, cols, C, R, Q, filters) (channels_first: (C, rows, cols, filters,
        R, Q)), a dense input-output tensor of which only the connected entries are used;
        implementation 3: kernel (N,): the values of a sparse (R*Q*filters, rows*cols*C) matrix at the
        sorted (out_idx, in_idx) pairs, indices row-major over (o, p, f) and (row, col, c)
        (channels_first: (f, o, p) and (c, row, col)); ``sparse_indices``.
        Bias (R, Q, filters): channels_last adds bias[o, p, f]; channels_first adds the buffer reshaped
        (not transposed) to (filters, R, Q): y[b, f, o, p] += bias.ravel()[(f*R + o)*Q + p].
    Defaults: strides=(1, 1), padding="valid", data_format=None ("channels_last"),
        {defaults}
        Implementation 1: kernel (R*Q, k0*k1*C, F): fan_in = k0*k1*C*R*Q, fan_out = F*R*Q.
        Implementation 2: (rows, cols, C, R, Q, F): rf = rows*cols*C*R, fan_in = Q*rf, fan_out = F*rf
        (channels_first (C, rows, cols, F, R, Q): rf = C*rows*cols*F, fan_in = R*rf, fan_out = Q*rf).
        Implementation 3: (N,): fan_in = fan_out = N. The bias is (R, Q, filters), zeros.
    Errors: {errors}
    Editions: {editions}
    Source: tf_keras/layers/locally_connected/locally_connected2d.py, locally_connected_utils.py,
        tf_keras/backend.py local_conv and bias_add, tf_keras/utils/conv_utils.py, tf_keras initializers
        _compute_fans; seed page 000.
    """

    rank = 2
    default_strides = (1, 1)

    def __init__(self, filters, kernel_size, strides=(1, 1), padding="valid", data_format=None, activation=None,
                 use_bias=True, kernel_initializer="glorot_uniform", bias_initializer="zeros",
                 kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None, kernel_constraint=None,
                 bias_constraint=None, implementation=1, *, edition=KERAS3):
        super().__init__(filters, kernel_size, strides, padding, data_format, activation, use_bias,
                         kernel_initializer, bias_initializer, kernel_regularizer, bias_regularizer,
                         activity_regularizer, kernel_constraint, bias_constraint, implementation, edition=edition)


for _cls, _r in ((LocallyConnected1D, 1), (LocallyConnected2D, 2)):
    _cls.__doc__ = (_cls.__doc__.replace("{defaults}", _COMMON_DEFAULTS)
                    .replace("{errors}", _COMMON_ERRORS.replace("{r}", str(_r)).replace("{nd}", str(_r + 2)))
                    .replace("{editions}", _COMMON_EDITIONS))
del _cls, _r
