"""Mutants of the transposed convolutions (conformance/test_layers_convolution_transpose.py): each a
reference layer with one semantic broken the way a port could get it wrong."""

from __future__ import annotations

import numpy as np

from reference.errors import require
from reference.layers import convolution_transpose as T
from reference.layers.base import standardize_tuple
from reference.layers.windows import effective_size
from tests.mutants import target

C1, C2, C3 = T.Conv1DTranspose, T.Conv2DTranspose, T.Conv3DTranspose


def _shifted(base):
    class Shifted(base):
        """Every output one cell late: the crop starts one cell early (pad_before - 1, or a port that
        counts the first tap at offset 1)."""

        def pad_befores(self, spatial, outs):
            return tuple(b - 1 for b in super().pad_befores(spatial, outs))
    return Shifted


def _same_extra_before(base):
    class SameExtraBefore(base):
        """same: the extra cell of an odd crop taken before instead of after (ceil instead of floor)."""

        def pad_befores(self, spatial, outs):
            if self.padding == "valid":
                return super().pad_befores(spatial, outs)
            return tuple(-(-max((n - 1) * s + effective_size(k, d) - o, 0) // 2) for n, o, k, s, d in
                         zip(spatial, outs, self.kernel_size, self.strides, self.effective_dilation))
    return SameExtraBefore


def _output_padding_before(base):
    class OutputPaddingBefore(base):
        """The output_padding cells added at the start of the axis instead of the end."""

        def pad_befores(self, spatial, outs):
            ops = self.output_padding or (0,) * self.rank
            return tuple(b + op for b, op in zip(super().pad_befores(spatial, outs), ops))
    return OutputPaddingBefore


def _output_padding_ignored(base):
    class OutputPaddingIgnored(base):
        """output_padding accepted but never used (the inferred output length instead)."""

        def output_lengths(self, spatial):
            op, self.output_padding = self.output_padding, None
            try:
                return super().output_lengths(spatial)
            finally:
                self.output_padding = op
    return OutputPaddingIgnored


def _not_flipped(base):
    class NotFlipped(base):
        """The kernel used as is in the gather formulation (a correlation, not the adjoint)."""

        def flip_kernel(self, kernel):
            return np.asarray(kernel, np.float64)
    return NotFlipped


def _wrong_fan(base):
    class WrongFan(base):
        """The initializer sees a (*k, in, filters) kernel (a Conv kernel layout): the fans swap; the
        sample is transposed back to the right shape."""

        def init_weights(self, input_shape, rng):
            out = super().init_weights(input_shape, rng)
            k = out["kernel"]
            swapped = self.kernel_initializer
            if swapped.random:
                k = np.swapaxes(swapped.sample(rng, (*k.shape[:-2], k.shape[-1], k.shape[-2])), -1, -2)
            out["kernel"] = k
            return out
    return WrongFan


def _dilation_ignored(base):
    class DilationIgnored(base):
        """dilation_rate accepted and stored but never applied (tf-keras Conv3DTranspose's behaviour
        in Keras 3)."""

        @property
        def effective_dilation(self):
            return (1,) * self.rank
    return DilationIgnored


def _channels_first_output_last(base):
    class ChannelsFirstOutputLast(base):
        """channels_first input read correctly, but the output left channels_last."""

        def call(self, x, **kwargs):
            y = super().call(x, **kwargs)
            return np.moveaxis(y, 1, -1) if self.data_format == "channels_first" else y
    return ChannelsFirstOutputLast


def _valid_length_no_max(base):
    class ValidLengthNoMax(base):
        """valid, output_padding None: (n - 1) * s + k_eff, forgetting max(k_eff, s) (short by
        s - k_eff when the kernel is smaller than the stride)."""

        def output_lengths(self, spatial):
            if self.padding != "valid" or self.output_padding is not None:
                return super().output_lengths(spatial)
            return tuple(None if n is None else (n - 1) * s + effective_size(k, d) for n, k, s, d in
                         zip(spatial, self.kernel_size, self.strides, self.effective_dilation))
    return ValidLengthNoMax


def _same_length_no_mod(base):
    class SameLengthNoMod(base):
        """same with output_padding: (n - 1) * s + 1 + output_padding, forgetting k_eff % 2."""

        def output_lengths(self, spatial):
            if self.padding != "same" or self.output_padding is None:
                return super().output_lengths(spatial)
            return tuple(None if n is None else (n - 1) * s + 1 + op
                         for n, s, op in zip(spatial, self.strides, self.output_padding))
    return SameLengthNoMod


def _accepts_output_padding_eq_stride(base):
    class AcceptsOutputPaddingEqStride(base):
        """output_padding == strides accepted (the check written with > instead of >=)."""

        def __init__(self, *args, output_padding=None, **kwargs):
            super().__init__(*args, output_padding=None, **kwargs)
            if output_padding is not None:
                ops = standardize_tuple(output_padding, self.rank, "output_padding", allow_zero=True)
                require(all(op <= s for op, s in zip(ops, self.strides)), "output_padding", "> strides")
                self.output_padding = ops
    return AcceptsOutputPaddingEqStride


def _accepts_causal(base):
    class AcceptsCausal(base):
        """padding="causal" accepted (as Conv1D does) and run as "valid"."""

        def __init__(self, *args, padding="valid", **kwargs):
            super().__init__(*args, padding="valid" if str(padding).lower() == "causal" else padding, **kwargs)
    return AcceptsCausal


def _accepts_stride_with_dilation(base):
    class AcceptsStrideWithDilation(base):
        """strides > 1 together with dilation_rate > 1 accepted (the dilation silently dropped)."""

        def __init__(self, *args, dilation_rate=1, strides=1, **kwargs):
            d = dilation_rate
            s = strides if isinstance(strides, (tuple, list)) else (strides,)
            dd = d if isinstance(d, (tuple, list)) else (d,)
            if max(s) > 1 and max(dd) > 1:
                d = 1
            super().__init__(*args, dilation_rate=d, strides=strides, **kwargs)
    return AcceptsStrideWithDilation


def _accepts_higher_rank(base):
    class AcceptsHigherRank(base):
        """An input of higher rank accepted: the extra leading axes treated as batch axes."""

        def _check_rank(self, input_shape):
            super()._check_rank(input_shape[len(input_shape) - self.rank - 2:] if len(input_shape) > self.rank + 2
                                else input_shape)

        def call(self, x, **kwargs):
            if x.ndim <= self.rank + 2:
                return super().call(x, **kwargs)
            lead = x.shape[:x.ndim - self.rank - 1]
            y = super().call(x.reshape(-1, *x.shape[len(lead):]), **kwargs)
            return y.reshape(*lead, *y.shape[1:])
    return AcceptsHigherRank


def _config_no_output_padding(base):
    class ConfigNoOutputPadding(base):
        def get_config(self):
            config = super().get_config()
            del config["output_padding"]
            return config
    return ConfigNoOutputPadding


def _default_he(base):
    class DefaultHe(base):
        """The default kernel_initializer he_uniform (as some ports do for ReLU nets) instead of glorot_uniform."""

        def __init__(self, *args, kernel_initializer=None, **kwargs):
            super().__init__(*args, kernel_initializer=kernel_initializer or "he_uniform", **kwargs)
    return DefaultHe


# --- weight_losses -----------------------------------------------------------------------------
class _TransposeKernelPenaltyOnBias(T.Conv2DTranspose):
    """kernel_regularizer applied to the bias (the weights mixed up by name)."""

    def weight_regularizers(self):
        regs = super().weight_regularizers()
        if self.use_bias:
            regs = {"kernel": regs["bias"], "bias": regs["kernel"]}
        return regs


_F1, _F2, _F3 = "layers.Conv1DTranspose", "layers.Conv2DTranspose", "layers.Conv3DTranspose"

MUTANTS = {
    "convt1d_output_shifted": target("values", _F1, _shifted(C1)),
    "convt2d_same_extra_cell_before": target("values", _F2, _same_extra_before(C2)),
    "convt1d_same_extra_cell_before": target("values", _F1, _same_extra_before(C1)),
    "convt2d_output_padding_before": target("values", _F2, _output_padding_before(C2)),
    "convt3d_kernel_not_flipped": target("values", _F3, _not_flipped(C3)),
    "convt1d_kernel_not_flipped": target("values", _F1, _not_flipped(C1)),
    "convt2d_dilation_ignored": target("forms", _F2, _dilation_ignored(C2)),
    "convt3d_dilation_ignored_keras2_style": target("forms", _F3, _dilation_ignored(C3)),
    "convt2d_channels_first_output_last": target("forms", _F2, _channels_first_output_last(C2)),
    "convt1d_output_padding_ignored": target("shapes", _F1, _output_padding_ignored(C1)),
    "convt2d_valid_length_no_max": target("shapes", _F2, _valid_length_no_max(C2)),
    "convt3d_same_length_no_mod": target("shapes", _F3, _same_length_no_mod(C3)),
    "convt1d_accepts_output_padding_eq_stride": target("rejects", _F1, _accepts_output_padding_eq_stride(C1)),
    "convt2d_accepts_causal": target("rejects", _F2, _accepts_causal(C2)),
    "convt3d_accepts_stride_with_dilation": target("rejects", _F3, _accepts_stride_with_dilation(C3)),
    "convt1d_accepts_higher_rank": target("rejects", _F1, _accepts_higher_rank(C1)),
    "convt2d_config_no_output_padding": target("roundtrip", _F2, _config_no_output_padding(C2)),
    "convt1d_wrong_fan": target("default_weights", _F1, _wrong_fan(C1)),
    "convt3d_wrong_fan": target("default_weights", _F3, _wrong_fan(C3)),
    "convt2d_default_he_uniform": target("default_weights", _F2, _default_he(C2)),
    "losses_transpose_kernel_penalty_on_bias": target("weight_losses", _F2, _TransposeKernelPenaltyOnBias),
}
