"""Mutants of the convolution families' weight-regularizer losses
(conformance/test_layers_losses.py::test_weight_losses): penalties in the wrong order, on the
wrong weight, or missing."""

from __future__ import annotations

from reference.layers import convolution as C
from reference.layers import convolution_transpose as T
from tests.mutants import Mutant


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


class _TransposeKernelPenaltyOnBias(T.Conv2DTranspose):
    """kernel_regularizer applied to the bias (the weights mixed up by name)."""

    def weight_regularizers(self):
        regs = super().weight_regularizers()
        if self.use_bias:
            regs = {"kernel": regs["bias"], "bias": regs["kernel"]}
        return regs


_M = "layers_losses"
MUTANTS = {
    "losses_separable_pointwise_first": (Mutant, {"layers.SeparableConv1D": _SeparablePointwiseFirst}, _M,
                                         "weight_losses", "layers.SeparableConv1D"),
    "losses_depthwise_regularizer_ignored": (Mutant, {"layers.DepthwiseConv1D": _DepthwiseRegularizerIgnored}, _M,
                                             "weight_losses", "layers.DepthwiseConv1D"),
    "losses_bias_penalty_without_bias": (Mutant, {"layers.Conv1D": _BiasPenaltyWithoutBias}, _M, "weight_losses",
                                         "layers.Conv1D"),
    "losses_transpose_kernel_penalty_on_bias": (Mutant, {"layers.Conv2DTranspose": _TransposeKernelPenaltyOnBias},
                                                _M, "weight_losses", "layers.Conv2DTranspose"),
}
