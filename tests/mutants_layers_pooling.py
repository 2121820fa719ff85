"""Mutants of the pooling layers (conformance/test_layers_pooling.py): each a reference pooling layer with
one semantic broken the way a port could get it wrong."""

from __future__ import annotations

import math

import numpy as np

from reference.layers import pooling as P
from reference.layers.windows import from_channels_last, pad_amounts, windows
from tests.mutants import target

_TAPS = {1: (-1,), 2: (-2, -1), 3: (-3, -2, -1)}


# --- same padding -----------------------------------------------------------------------------------
class _AverageCountsPadding(P.AveragePooling1D):
    """Divides every window by prod(pool_size): the padded cells are counted (count_include_pad)."""

    def call(self, x, *, weights, training, mask, rng):
        xl, padding = self._prepare(x)
        y = np.sum(self._windows(xl, padding, 0.0), axis=_TAPS[self.rank]) / math.prod(self.pool_size)
        return from_channels_last(y, self.data_format)


class _MaxPadsWithZero(P.MaxPooling2D):
    """Zero padding: a padded cell wins where every real value is negative."""

    def _windows(self, x, padding, value):
        return super()._windows(x, padding, 0.0)


class _SameExtraCellBefore(P.MaxPooling1D):
    """An odd "same" padding puts its extra cell before the input instead of after."""

    def _windows(self, x, padding, value):
        if padding != "same":
            return super()._windows(x, padding, value)
        widths = [(0, 0)] + [pad_amounts(n, k, s, "same")[::-1]
                             for n, k, s in zip(x.shape[1:-1], self.pool_size, self.strides)] + [(0, 0)]
        return windows(np.pad(x, widths, constant_values=value), self.pool_size, self.strides, "valid", value=value)


class _SameNegativePaddingUnclamped(P.AveragePooling2D):
    """TensorFlow 3D's bug on every rank: "same" padding not clamped at 0, so where the stride skips
    cells past the last window the windows start -total/2 cells late."""

    def _windows(self, x, padding, value):
        if padding == "same":
            for axis, (n, k, s) in enumerate(zip(x.shape[1:-1], self.pool_size, self.strides)):
                total = (-(-n // s) - 1) * s + k - n
                if total <= -2:
                    x = np.take(x, np.arange(-int(total / 2), n), axis=axis + 1)
        return super()._windows(x, padding, value)


# --- values -----------------------------------------------------------------------------------------
class _ChannelsFirstIgnored(P.AveragePooling2D):
    """Pools a channels_first input as if it were channels_last."""

    def call(self, x, **kwargs):
        data_format, self.data_format = self.data_format, "channels_last"
        try:
            return super().call(x, **kwargs)
        finally:
            self.data_format = data_format


class _GlobalWrongAxes(P.GlobalAveragePooling2D):
    """Reduces axes (1, 2) whatever the data_format."""

    def _axes(self):
        return (1, 2)


class _Global1DStepsAxisFixed(P.GlobalMaxPooling1D):
    """channels_first: takes the max over axis 1 (the channels) instead of the steps."""

    def _axes(self):
        return (1,)


# --- -inf -------------------------------------------------------------------------------------------
class _MaxStartsAtLowestFinite(P.MaxPooling1D):
    """TensorFlow CPU's MaxPool: a window of -inf only gives the lowest finite float32."""

    def call(self, x, **kwargs):
        y = super().call(x, **kwargs)
        return np.where(y == -np.inf, -float(np.finfo(np.float32).max), y)


# --- shapes -----------------------------------------------------------------------------------------
class _StridesDefaultOne(P.MaxPooling2D):
    def __init__(self, pool_size=(2, 2), strides=None, *args, **kwargs):
        super().__init__(pool_size, 1 if strides is None else strides, *args, **kwargs)

    def get_config(self):  # the config still reads as Keras' (strides = pool_size): only the behaviour is wrong
        return {**super().get_config(), "strides": self.pool_size}


class _ValidLengthCeil(P.MaxPooling1D):
    """compute_output_shape with ceil((n - k) / s) + 1 for "valid" (one too many when s does not divide n - k)."""

    def _lengths(self, spatial, padding, *, reject_empty=True):
        if padding != "valid":
            return super()._lengths(spatial, padding, reject_empty=reject_empty)
        out = super()._lengths(spatial, padding, reject_empty=reject_empty)
        return tuple(None if n is None else -(-(n - k) // s) + 1
                     for n, k, s, _ in zip(spatial, self.pool_size, self.strides, out))


class _SameLengthFloor(P.AveragePooling2D):
    """compute_output_shape with floor(n / s) for "same" instead of ceil."""

    def compute_output_shape(self, input_shape):
        out = list(super().compute_output_shape(input_shape))
        if self.shape_padding() == "same":
            first = 1 if self.data_format == "channels_last" else 2
            spatial = tuple(input_shape)[first:first + self.rank]
            for i, (n, s) in enumerate(zip(spatial, self.strides)):
                if n is not None:
                    out[first + i] = n // s
        return tuple(out)


class _KeepdimsIgnored(P.GlobalMaxPooling3D):
    def compute_output_shape(self, input_shape):
        keepdims, self.keepdims = self.keepdims, False
        try:
            return super().compute_output_shape(input_shape)
        finally:
            self.keepdims = keepdims

    def call(self, x, **kwargs):
        keepdims, self.keepdims = self.keepdims, False
        try:
            return super().call(x, **kwargs)
        finally:
            self.keepdims = keepdims


# --- masks ------------------------------------------------------------------------------------------
class _GapMaskIgnored(P.GlobalAveragePooling1D):
    def call(self, x, *, weights, training, mask, rng):
        return super().call(x, weights=weights, training=training, mask=None, rng=rng)


class _GapDividesByAllSteps(P.GlobalAveragePooling1D):
    """Masked steps are zeroed but the sum is divided by every step."""

    def call(self, x, *, weights, training, mask, rng):
        if mask is None:
            return super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        y = super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        m = np.asarray(mask, bool)
        kept = m.sum(axis=1).reshape(-1, *([1] * (y.ndim - 1)))
        with np.errstate(invalid="ignore"):
            return np.where(kept > 0, y * kept / m.shape[1], 0.0)


class _GapAllMaskedGivesZero(P.GlobalAveragePooling1D):
    """divide_no_nan: a row with every step masked gives 0 instead of NaN."""

    def call(self, x, **kwargs):
        y = super().call(x, **kwargs)
        if kwargs.get("mask") is None:
            return y
        empty = ~np.asarray(kwargs["mask"], bool).any(axis=1)
        return np.where(empty.reshape(-1, *([1] * (y.ndim - 1))), 0.0, y)


class _GapMaskMultiplied(P.GlobalAveragePooling1D):
    """Keras 2's x * mask: a NaN or inf in a masked step poisons the average."""

    def call(self, x, **kwargs):
        edition, self.edition = self.edition, "keras2"
        try:
            return super().call(x, **kwargs)
        finally:
            self.edition = edition


class _GapPassesMaskOn(P.GlobalAveragePooling1D):
    """The output carries the input mask (reduced over the steps: any kept step)."""

    def compute_mask(self, x, mask=None):
        return None if mask is None else np.asarray(mask, bool).any(axis=1)


class _GmpUsesMask(P.GlobalMaxPooling1D):
    """Takes the max over the kept steps only (Keras ignores the mask in GlobalMaxPooling1D)."""

    def call(self, x, *, weights, training, mask, rng):
        if mask is not None:
            m = np.asarray(mask, bool)
            m = m[:, :, None] if self.data_format == "channels_last" else m[:, None, :]
            x = np.where(m, x, -np.inf)
        return super().call(x, weights=weights, training=training, mask=None, rng=rng)


# --- rejects ----------------------------------------------------------------------------------------
class _CausalAsValid(P.MaxPooling1D):
    def call_padding(self):
        return "valid" if str(self.padding).lower() == "causal" else super().call_padding()

    def shape_padding(self):
        return "valid" if self.padding == "causal" else super().shape_padding()


class _PoolLargerThanInputAccepted(P.AveragePooling2D):
    """compute_output_shape does not reject a "valid" length <= 0 (Keras 2's) and clamps it at 1."""

    def _lengths(self, spatial, padding, *, reject_empty=True):
        out = super()._lengths(spatial, padding, reject_empty=False)
        return tuple(None if v is None else max(v, 1) for v in out)


class _WrongRankAccepted(P.GlobalMaxPooling2D):
    def _check_input(self, x):
        if x.size == 0:  # still rejects the empty input, only the rank goes unchecked
            super()._check_input(x)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        return (shape[0], shape[-1] if self.data_format == "channels_last" else shape[1])


# --- roundtrip --------------------------------------------------------------------------------------
class _ConfigLowercasesPadding(P.MaxPooling3D):
    """get_config lower-cases padding (Keras 2's; Keras 3 returns it as given)."""

    def get_config(self):
        config = super().get_config()
        return {**config, "padding": str(config["padding"]).lower()}


class _ConfigDropsKeepdims(P.GlobalAveragePooling3D):
    def get_config(self):
        return {"data_format": self.data_format}


class _ConfigSizesAsLists(P.MaxPooling2D):
    """get_config gives pool_size and strides as lists (Keras 3 normalizes them to tuples)."""

    def get_config(self):
        config = super().get_config()
        return {**config, "pool_size": list(config["pool_size"]), "strides": list(config["strides"])}


class _ConfigDropsStrides(P.AveragePooling1D):
    """get_config leaves out strides: the clone pools with strides = pool_size, another output length
    wherever the strides differed."""

    def get_config(self):
        return {k: v for k, v in super().get_config().items() if k != "strides"}


MUTANTS = {
    "pool_average_counts_padding": target("same_padding", "layers.AveragePooling1D", _AverageCountsPadding),
    "pool_max_pads_with_zero": target("same_padding", "layers.MaxPooling2D", _MaxPadsWithZero),
    "pool_same_extra_cell_before": target("same_padding", "layers.MaxPooling1D", _SameExtraCellBefore),
    "pool_same_negative_padding_unclamped": target("same_padding", "layers.AveragePooling2D",
                                                   _SameNegativePaddingUnclamped),
    "pool_channels_first_ignored": target("values", "layers.AveragePooling2D", _ChannelsFirstIgnored),
    "pool_global_wrong_axes": target("values", "layers.GlobalAveragePooling2D", _GlobalWrongAxes),
    "pool_global1d_channels_axis": target("values", "layers.GlobalMaxPooling1D", _Global1DStepsAxisFixed),
    "pool_max_lowest_finite": target("neg_inf", "layers.MaxPooling1D", _MaxStartsAtLowestFinite),
    "pool_strides_default_one": target("shapes", "layers.MaxPooling2D", _StridesDefaultOne),
    "pool_valid_length_ceil": target("shapes", "layers.MaxPooling1D", _ValidLengthCeil),
    "pool_same_length_floor": target("shapes", "layers.AveragePooling2D", _SameLengthFloor),
    "pool_keepdims_ignored": target("shapes", "layers.GlobalMaxPooling3D", _KeepdimsIgnored),
    "pool_gap_mask_ignored": target("masks", "layers.GlobalAveragePooling1D", _GapMaskIgnored),
    "pool_gap_divides_by_all_steps": target("masks", "layers.GlobalAveragePooling1D", _GapDividesByAllSteps),
    "pool_gap_all_masked_zero": target("masks", "layers.GlobalAveragePooling1D", _GapAllMaskedGivesZero),
    "pool_gap_mask_multiplied": target("masks", "layers.GlobalAveragePooling1D", _GapMaskMultiplied),
    "pool_gap_passes_mask_on": target("masks", "layers.GlobalAveragePooling1D", _GapPassesMaskOn),
    "pool_gmp_uses_mask": target("masks", "layers.GlobalMaxPooling1D", _GmpUsesMask),
    "pool_causal_as_valid": target("rejects", "layers.MaxPooling1D", _CausalAsValid),
    "pool_larger_than_input_accepted": target("rejects", "layers.AveragePooling2D", _PoolLargerThanInputAccepted),
    "pool_global_wrong_rank_accepted": target("rejects", "layers.GlobalMaxPooling2D", _WrongRankAccepted),
    "pool_config_lowercases_padding": target("roundtrip", "layers.MaxPooling3D", _ConfigLowercasesPadding),
    "pool_config_sizes_as_lists": target("roundtrip", "layers.MaxPooling2D", _ConfigSizesAsLists),
    "pool_config_drops_strides": target("roundtrip", "layers.AveragePooling1D", _ConfigDropsStrides),
    "pool_config_drops_keepdims": target("roundtrip", "layers.GlobalAveragePooling3D", _ConfigDropsKeepdims),
}
