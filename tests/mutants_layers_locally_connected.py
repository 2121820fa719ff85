"""Mutants of LocallyConnected1D/2D (conformance/test_layers_locally_connected.py).

The layers exist in edition keras2 only, so every mutant is a :class:`Keras2Mutant`: the reference
adapter in edition keras2 (unless told otherwise) with one semantic broken the way a port could
break it.
"""

from __future__ import annotations

import numpy as np

from reference.layers import locally_connected as lc
from tests.mutants import Keras2Mutant, target

F1, F2 = "layers.LocallyConnected1D", "layers.LocallyConnected2D"


# --- values ------------------------------------------------------------------------------------
class _SharedWeights:
    """Every position uses the kernel of the first one: a plain (shared-weight) convolution."""

    def unshared_kernel(self, kernel, spatial, channels, out):
        w = super().unshared_kernel(kernel, spatial, channels, out)
        first = w[(0,) * self.rank]
        return np.broadcast_to(first, w.shape)


class _PositionsColumnMajor:
    """Implementation 1 of the 2D layer numbers output positions column-major (p*R + o) instead of
    itertools.product's row-major (o*Q + p)."""

    def unshared_kernel(self, kernel, spatial, channels, out):
        if self.implementation == 1 and self.rank == 2:
            r, q = out
            kernel = kernel.reshape(q, r, *kernel.shape[1:]).swapaxes(0, 1).reshape(kernel.shape)
        return super().unshared_kernel(kernel, spatial, channels, out)


class _FlattenIgnoresDataFormat:
    """Implementation 1 flattens the window (taps, channels) for channels_first too (tf-keras slices the
    channels_first input, so its middle axis is (channels, taps))."""

    def unshared_kernel(self, kernel, spatial, channels, out):
        if self.implementation == 1 and self.data_format == "channels_first":
            return kernel.reshape(*out, *self.kernel_size, channels, int(self.filters))
        return super().unshared_kernel(kernel, spatial, channels, out)


class _StridesIgnored:
    """The windows slide by 1 whatever the strides (the output keeps its strided size)."""

    def padded_windows(self, xl, spatial, out):
        widths = [(self.pad_before(n, k, s), k) for n, k, s in zip(spatial, self.kernel_size, self.strides)]
        w = lc.windows(np.pad(xl, [(0, 0), *widths, (0, 0)]), self.kernel_size, (1,) * self.rank, "valid")
        return w[(slice(None), *[slice(0, o) for o in out])]


class _BiasShared:
    """One bias per filter (bias[0, ...]) for every position, as Conv's bias."""

    def call(self, x, *, weights, training, mask, rng):
        if self.use_bias and weights is not None and "bias" in weights:
            b = np.asarray(weights["bias"], np.float64)
            weights = {**weights, "bias": np.broadcast_to(b[(0,) * self.rank], b.shape)}
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _BiasTransposed:
    """channels_first adds the (*out, F) bias transposed to (F, *out) (the "obvious" fix of tf-keras'
    reshape, which is not what Keras 2 computes)."""

    def call(self, x, *, weights, training, mask, rng):
        if self.use_bias and self.data_format == "channels_first" and weights is not None and "bias" in weights:
            b = np.asarray(weights["bias"], np.float64)
            weights = {**weights, "bias": np.moveaxis(b, -1, 0).reshape(b.shape)}
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _SamePaddingLikeConv:
    """"same" pads as Conv does: total = max((out - 1) * s + k - n, 0), total // 2 before (tf-keras'
    locally-connected layers put k // 2 before)."""

    def pad_before(self, n, k, s):
        if self.padding != "same":
            return 0
        total = max((-(-n // s) - 1) * s + k - n, 0)
        return total // 2


class _SparseColumnOrder:
    """Implementation 3 stores the entries sorted by (input index, output index) instead of
    (output index, input index)."""

    def sparse_indices(self, spatial, channels, out):
        out_idx, in_idx = super().sparse_indices(spatial, channels, out)
        order = np.lexsort((out_idx, in_idx))
        return out_idx[order], in_idx[order]


class _DenseMaskIgnored:
    """Implementation 2 multiplies by the whole dense kernel, without the connectivity mask."""

    def call(self, x, *, weights, training, mask, rng):
        if self.implementation != 2:
            return super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        w = self._weights(weights, x.shape)
        spatial, channels, out = self._built(x.shape)
        dense = self.dense_kernel(w["kernel"], spatial, channels, out)  # (*n, C, *o, F)
        xl = lc.to_channels_last(x, self.data_format)
        y = np.tensordot(xl, dense, axes=self.rank + 1)
        y = lc.from_channels_last(y, self.data_format)
        if self.use_bias:
            b = w["bias"]
            y = y + (b.reshape(int(self.filters), *out) if self.data_format == "channels_first" else b)
        return lc.f64(self.activation(y))


# --- shapes ------------------------------------------------------------------------------------
class _SameShapeIgnoresStrides:
    """compute_output_shape gives n for "same" whatever the strides."""

    def compute_output_shape(self, input_shape):
        shape = super().compute_output_shape(input_shape)
        if self.padding != "same":
            return shape
        _, spatial, _ = self._split(input_shape)
        if self.data_format == "channels_first":
            return (*shape[:2], *spatial)
        return (shape[0], *spatial, shape[-1])


class _ShapeRejectsZero:
    """compute_output_shape rejects an output size of 0 (tf-keras returns it)."""

    def compute_output_shape(self, input_shape):
        shape = super().compute_output_shape(input_shape)
        _, spatial, _ = self._split(input_shape)
        lc.require(all(o is None or o > 0 for o in self.output_spatial(spatial)), "inputs", "output size 0")
        return shape


# --- rejects -----------------------------------------------------------------------------------
class _SameAcceptedWithImplementation1:
    """padding="same" with implementation=1 is accepted (and computed as "same")."""

    def __init__(self, *args, padding="valid", **kwargs):
        same = isinstance(padding, str) and padding.lower() == "same"
        super().__init__(*args, padding="valid" if same else padding, **kwargs)
        if same:
            self.padding = "same"


class _CausalAsSame:
    """padding="causal" with implementation 2 or 3 is built as "same" instead of rejected."""

    def __init__(self, *args, padding="valid", **kwargs):
        causal = isinstance(padding, str) and padding.lower() == "causal"
        super().__init__(*args, padding="same" if causal else padding, **kwargs)


class _OutputAtLeastOne:
    """A kernel larger than the input gives one output position instead of a rejection."""

    def output_spatial(self, spatial):
        return tuple(None if o is None else max(o, 1) for o in super().output_spatial(spatial))


# --- roundtrip ---------------------------------------------------------------------------------
class _ConfigDropsImplementation:
    """get_config() leaves out implementation: a clone of implementation 2 or 3 is implementation 1."""

    def get_config(self):
        return {k: v for k, v in super().get_config().items() if k != "implementation"}


# --- default weights ---------------------------------------------------------------------------
class _DenseFans:
    """The kernel is drawn with the fans of a Dense kernel (prod(shape[:-1]), shape[-1]), ignoring that
    tf-keras reads a rank-3 kernel as a convolution kernel (fan_out = filters * positions)."""

    def init_weights(self, input_shape, rng):
        w = super().init_weights(input_shape, rng)
        shape = w["kernel"].shape
        w["kernel"] = self.kernel_initializer.sample(rng, (int(np.prod(shape[:-1])), shape[-1])).reshape(shape)
        return w


class _SparseFansOfImplementation1:
    """Implementation 3's (N,) kernel is drawn with the fans of implementation 1's (P, k*C, F) layout."""

    def init_weights(self, input_shape, rng):
        w = super().init_weights(input_shape, rng)
        if self.implementation == 3:
            _, channels, out = self._built(input_shape)
            dense = (int(np.prod(out)), int(np.prod(self.kernel_size)) * channels, int(self.filters))
            w["kernel"] = self.kernel_initializer.distribution(dense).sample(rng, w["kernel"].shape)
        return w


def _mutant(check, mixin, feature=F1):
    """A MUTANTS entry: ``mixin`` applied to ``feature``'s layer (same class name), caught by ``check``."""
    base = {F1: lc.LocallyConnected1D, F2: lc.LocallyConnected2D}[feature]
    return target(check, feature, type(base.__name__, (mixin, base), {}), adapter=Keras2Mutant)


MUTANTS = {
    "lc_shared_weights": _mutant("values", _SharedWeights),
    "lc_2d_positions_column_major": _mutant("values", _PositionsColumnMajor, F2),
    "lc_flatten_ignores_data_format": _mutant("values", _FlattenIgnoresDataFormat),
    "lc_strides_ignored": _mutant("values", _StridesIgnored),
    "lc_bias_shared": _mutant("values", _BiasShared),
    "lc_bias_transposed": _mutant("values", _BiasTransposed),
    "lc_same_padding_like_conv": _mutant("values", _SamePaddingLikeConv),
    "lc_sparse_column_order": _mutant("values", _SparseColumnOrder),
    "lc_dense_mask_ignored": _mutant("values", _DenseMaskIgnored),
    "lc_same_shape_ignores_strides": _mutant("shapes", _SameShapeIgnoresStrides),
    "lc_shape_rejects_zero": _mutant("shapes", _ShapeRejectsZero),
    "lc_same_accepted_with_implementation_1": _mutant("rejects", _SameAcceptedWithImplementation1),
    "lc_causal_as_same": _mutant("rejects", _CausalAsSame),
    "lc_output_at_least_one": _mutant("rejects", _OutputAtLeastOne),
    "lc_config_drops_implementation": _mutant("roundtrip", _ConfigDropsImplementation),
    "lc_dense_fans": _mutant("default_weights", _DenseFans),
    "lc_sparse_fans_of_implementation_1": _mutant("default_weights", _SparseFansOfImplementation1),
}
