"""Mutants of the convolution layers (conformance/test_layers_convolution.py): each a reference layer with
one semantic broken the way a port could get it wrong."""

from __future__ import annotations

import math

import numpy as np

from reference.layers import convolution as C
from reference.layers.windows import output_length, pad_amounts
from tests.mutants import target


# --- values ------------------------------------------------------------------------------------
class _SameExtraCellBefore(C.Conv2D):
    """"same" padding with the odd cell before the input (Caffe/PyTorch-style) instead of after."""

    def _forward(self, x, w):
        if self.padding != "same":
            return super()._forward(x, w)
        widths = [(0, 0)]
        for n, k, s, d in zip(x.shape[1:-1], self.kernel_size, self.strides, self.dilation_rate):
            before, after = pad_amounts(n, k, s, "same", d)
            widths.append((after, before))
        xp = np.pad(x, widths + [(0, 0)])
        return C.conv_nd(xp, w["kernel"], self.strides, "valid", self.dilation_rate, self.groups)


class _KernelFlipped(C.Conv1D):
    """A true convolution (the kernel flipped along its spatial axes) instead of a cross-correlation."""

    def _forward(self, x, w):
        return C.conv_nd(x, w["kernel"][::-1], self.strides, self.padding, self.dilation_rate, self.groups)


class _DilationIgnoredInValues(C.Conv1D):
    """Dilation used for the output length but not for the taps: the first out cells of an undilated
    correlation (over the same padded input)."""

    def _forward(self, x, w):
        if max(self.dilation_rate) == 1:
            return super()._forward(x, w)
        k = self.kernel_size[0]
        out = output_length(x.shape[1], k, self.strides[0], self.padding, self.dilation_rate[0])
        k_eff = (k - 1) * self.dilation_rate[0] + 1
        before, after = pad_amounts(x.shape[1], k, self.strides[0], self.padding, self.dilation_rate[0])
        xp = np.pad(x, [(0, 0), (before, after + k_eff), (0, 0)])
        y = C.conv_nd(xp, w["kernel"], self.strides, "valid", (1,), self.groups)
        return y[:, :out]


class _GroupsInterleaved(C.Conv2D):
    """Group g takes input channels c with c % groups == g (strided) instead of a contiguous block."""

    def _forward(self, x, w):
        g = self.groups
        if g == 1:
            return super()._forward(x, w)
        c = x.shape[-1]
        order = np.concatenate([np.arange(i, c, g) for i in range(g)])
        return C.conv_nd(x[..., order], w["kernel"], self.strides, self.padding, self.dilation_rate, g)


class _ChannelsFirstSwapaxes(C.DepthwiseConv2D):
    """channels_first moved with swapaxes(1, -1) instead of moveaxis: the spatial axes come out transposed."""

    def call(self, x, *, weights, training, mask, rng):
        if self.data_format != "channels_first":
            return super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        w = self._weights(weights, x.shape)
        xl = np.swapaxes(x, 1, -1)
        y = C.depthwise_nd(xl, w["kernel"], self.strides[::-1], self.padding, self.dilation_rate[::-1])
        if self.use_bias:
            y = y + w["bias"]
        return np.asarray(self.activation(np.swapaxes(y, 1, -1)), np.float64)


class _DepthMultiplierMajor(C.DepthwiseConv1D):
    """Output channel j * C + c (multiplier-major) instead of c * dm + j."""

    def _forward(self, x, w):
        y = super()._forward(x, w)
        c, dm = w["kernel"].shape[-2:]
        return y.reshape(*y.shape[:-1], c, dm).swapaxes(-1, -2).reshape(y.shape)


class _SeparableNoBias(C.SeparableConv2D):
    """The bias dropped (a port that adds it only in the depthwise step, where there is none)."""

    def call(self, x, *, weights, training, mask, rng):
        use_bias, self.use_bias = self.use_bias, False
        try:
            return super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        finally:
            self.use_bias = use_bias


class _SeparableDepthwiseOrder(C.SeparableConv1D):
    """The depthwise outputs fed to the pointwise kernel multiplier-major (j * C + c)."""

    def _forward(self, x, w):
        d = C.depthwise_nd(x, w["depthwise_kernel"], self.strides, self.padding, self.dilation_rate)
        c, dm = w["depthwise_kernel"].shape[-2:]
        d = d.reshape(*d.shape[:-1], c, dm).swapaxes(-1, -2).reshape(d.shape)
        pk = w["pointwise_kernel"]
        return d @ pk.reshape(pk.shape[-2:])


class _CausalPadAfter(C.Conv1D):
    """Causal padding put after the input (y[t] sees the future) instead of before."""

    def _forward(self, x, w):
        if self.padding != "causal":
            return super()._forward(x, w)
        k_eff = (self.kernel_size[0] - 1) * self.dilation_rate[0] + 1
        xp = np.pad(x, [(0, 0), (0, k_eff - 1), (0, 0)])
        return C.conv_nd(xp, w["kernel"], self.strides, "valid", self.dilation_rate, self.groups)


# --- shapes ------------------------------------------------------------------------------------
class _ValidOffByOne(C.Conv3D):
    """Valid output length floor((n - k_eff) / stride) without the + 1."""

    def compute_output_shape(self, input_shape):
        out = list(super().compute_output_shape(input_shape))
        if self.padding == "valid":
            axes = range(2, 5) if self.data_format == "channels_first" else range(1, 4)
            for a in axes:
                out[a] = None if out[a] is None else out[a] - 1
        return tuple(out)


class _SameFloorDivision(C.SeparableConv2D):
    """"same" output length n // stride instead of ceil(n / stride) (symbolic shape only)."""

    def compute_output_shape(self, input_shape):
        input_shape = tuple(input_shape)
        out = list(super().compute_output_shape(input_shape))
        if self.padding == "same":
            sp = range(2, 4) if self.data_format == "channels_first" else range(1, 3)
            for a, s in zip(sp, self.strides):
                out[a] = None if input_shape[a] is None else max(input_shape[a] // s, 1)
        return tuple(out)


class _DepthwiseNoneChannel(C.DepthwiseConv2D):
    """An unknown channel dim passes through compute_output_shape as None instead of being refused."""

    def _out_channels(self, input_shape):
        c = tuple(input_shape)[self._channel_axis()]
        return None if c is None else c * self.depth_multiplier


# --- rejects -----------------------------------------------------------------------------------
class _StridesWithDilation(C.Conv2D):
    """strides > 1 together with dilation_rate > 1 accepted (computed as dilated, then subsampled)."""

    def _check_strides_dilation(self):
        pass


class _GroupsUnchecked(C.Conv1D):
    """Input channels not divisible by groups accepted (the last group gets the remainder dropped)."""

    def weight_shapes(self, input_shape):
        self._spatial(input_shape)
        channels = self._channels(input_shape)
        out = {"kernel": (*self.kernel_size, channels // self.groups, self.filters)}
        if self.use_bias:
            out["bias"] = (self.filters,)
        return out


class _DepthwiseCausal(C.DepthwiseConv1D):
    """padding="causal" accepted on DepthwiseConv1D (as Conv1D does)."""

    allow_causal = True


class _KernelTooLargeAccepted(C.DepthwiseConv2D):
    """A valid output length <= 0 accepted (clamped to 0) instead of refused."""

    def _spatial(self, input_shape):
        input_shape = tuple(input_shape)
        if len(input_shape) != self.rank + 2:
            return super()._spatial(input_shape)
        spatial = input_shape[2:] if self.data_format == "channels_first" else input_shape[1:-1]
        out = tuple(None if n is None else max(output_length(n, k, s, self.padding, d), 0)
                    for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        return input_shape, out


# --- roundtrip ---------------------------------------------------------------------------------
class _ConfigDropsDilation(C.Conv1D):
    def get_config(self):
        config = super().get_config()
        del config["dilation_rate"]
        return config


class _ConfigDropsPointwiseInitializer(C.SeparableConv2D):
    def get_config(self):
        config = super().get_config()
        del config["pointwise_initializer"]
        return config


# --- default weights ---------------------------------------------------------------------------
class _FanWithoutReceptiveField(C.Conv2D):
    """Fans taken from (C/groups, filters) alone: glorot's limit sqrt(prod(kernel_size)) times too large."""

    def init_weights(self, input_shape, rng):
        w = super().init_weights(input_shape, rng)
        w["kernel"] = w["kernel"] * math.sqrt(math.prod(self.kernel_size))
        return w


class _FanInIsFanOut(C.Conv1D):
    """he_uniform with fan_out (prod(k) * filters) where fan_in (prod(k) * C) belongs."""

    def init_weights(self, input_shape, rng):
        w = super().init_weights(input_shape, rng)
        cin, filters = w["kernel"].shape[-2:]
        w["kernel"] = w["kernel"] * math.sqrt(cin / filters)
        return w


class _DepthwiseKeras2Name(C.DepthwiseConv1D):
    """Keras 2's weight name "depthwise_kernel" on Keras 3, where it is "kernel"."""

    kernel_weights = (("depthwise_kernel", "depthwise_initializer", "depthwise_regularizer"),)


class _PointwiseFanIsDepthwise(C.SeparableConv2D):
    """The pointwise kernel drawn with the depthwise kernel's fans (one initializer call for both)."""

    def init_weights(self, input_shape, rng):
        w = super().init_weights(input_shape, rng)
        shapes = self.weight_shapes(input_shape)
        d = self.pointwise_initializer.variance(shapes["depthwise_kernel"])
        p = self.pointwise_initializer.variance(shapes["pointwise_kernel"])
        w["pointwise_kernel"] = w["pointwise_kernel"] * math.sqrt(d / p)
        return w


# --- weight losses -----------------------------------------------------------------------------
class _SeparablePointwiseFirst(C.SeparableConv1D):
    """The pointwise kernel's penalty listed before the depthwise kernel's (losses out of weight order)."""

    def weight_regularizers(self):
        regs = super().weight_regularizers()
        order = ["pointwise_kernel", "depthwise_kernel", "bias"]
        return {k: regs[k] for k in order if k in regs}


class _DepthwiseRegularizerIgnored(C.DepthwiseConv1D):
    """depthwise_regularizer accepted but never applied (a port that only knows kernel_regularizer)."""

    def weight_regularizers(self):
        return {k: (None if k != "bias" else r) for k, r in super().weight_regularizers().items()}


class _BiasPenaltyWithoutBias(C.Conv1D):
    """The bias regularizer's penalty added even with use_bias=False (on a zero bias: an extra 0.0 loss)."""

    def weight_losses(self, weights):
        out = super().weight_losses(weights)
        if not self.use_bias and self.bias_regularizer is not None:
            out.append(0.0)
        return out


MUTANTS = {
    "conv_same_extra_cell_before": target("values", "layers.Conv2D", _SameExtraCellBefore),
    "conv_kernel_flipped": target("values", "layers.Conv1D", _KernelFlipped),
    "conv_dilation_ignored": target("values", "layers.Conv1D", _DilationIgnoredInValues),
    "conv_groups_interleaved": target("values", "layers.Conv2D", _GroupsInterleaved),
    "depthwise_channels_first_swapaxes": target("forms", "layers.DepthwiseConv2D", _ChannelsFirstSwapaxes),
    "depthwise_multiplier_major": target("values", "layers.DepthwiseConv1D", _DepthMultiplierMajor),
    "separable_bias_dropped": target("values", "layers.SeparableConv2D", _SeparableNoBias),
    "separable_depthwise_order": target("values", "layers.SeparableConv1D", _SeparableDepthwiseOrder),
    "conv_causal_pad_after": target("values", "layers.Conv1D", _CausalPadAfter),
    "conv_valid_off_by_one": target("shapes", "layers.Conv3D", _ValidOffByOne),
    "separable_same_floor": target("shapes", "layers.SeparableConv2D", _SameFloorDivision),
    "depthwise_none_channel_passes": target("shapes", "layers.DepthwiseConv2D", _DepthwiseNoneChannel),
    "conv_strides_with_dilation": target("rejects", "layers.Conv2D", _StridesWithDilation),
    "conv_groups_unchecked": target("rejects", "layers.Conv1D", _GroupsUnchecked),
    "depthwise_causal_accepted": target("rejects", "layers.DepthwiseConv1D", _DepthwiseCausal),
    "depthwise_kernel_too_large": target("rejects", "layers.DepthwiseConv2D", _KernelTooLargeAccepted),
    "conv_config_drops_dilation": target("roundtrip", "layers.Conv1D", _ConfigDropsDilation),
    "separable_config_drops_pointwise_init": target("roundtrip", "layers.SeparableConv2D",
                                                    _ConfigDropsPointwiseInitializer),
    "conv_fan_without_receptive_field": target("default_weights", "layers.Conv2D", _FanWithoutReceptiveField),
    "conv_fan_in_is_fan_out": target("default_weights", "layers.Conv1D", _FanInIsFanOut),
    "depthwise_keras2_weight_name": target("default_weights", "layers.DepthwiseConv1D", _DepthwiseKeras2Name),
    "separable_pointwise_depthwise_fans": target("default_weights", "layers.SeparableConv2D",
                                                 _PointwiseFanIsDepthwise),
    "losses_separable_pointwise_first": target("weight_losses", "layers.SeparableConv1D", _SeparablePointwiseFirst),
    "losses_depthwise_regularizer_ignored": target("weight_losses", "layers.DepthwiseConv1D",
                                                   _DepthwiseRegularizerIgnored),
    "losses_bias_penalty_without_bias": target("weight_losses", "layers.Conv1D", _BiasPenaltyWithoutBias),
}
