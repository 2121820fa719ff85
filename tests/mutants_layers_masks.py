"""Mutants for conformance/test_layers_masks.py and conformance/test_layers_losses.py: the
reference with one mask or loss semantic broken, as a port could get it wrong."""

from __future__ import annotations

import numpy as np

from adapters.dtypes import finfo
from reference import regularizers as R
from reference.dtypes import weight_dtype
from reference.layers import core, dropout, masking, regularization, reshaping
from reference.layers.base import activity_loss, f64
from tests.mutants import Mutant


# --- Masking: compute_mask ------------------------------------------------------------------------
class _MaskingAnyFeature(masking.Masking):
    """Masks a timestep when ANY feature equals mask_value (all() for any())."""

    def _keep(self, x, keepdims=False):
        x = np.asarray(x)
        value = np.asarray(self.mask_value).astype(x.dtype)
        return np.all(x != value, axis=-1, keepdims=keepdims)


class _MaskingNanMatches(masking.Masking):
    """Treats a NaN mask_value as matching NaN (np.isclose(equal_nan) / bitwise comparison)."""

    def _keep(self, x, keepdims=False):
        keep = super()._keep(x, keepdims)
        if np.isnan(self.mask_value):
            keep = np.any(~np.isnan(np.asarray(x, np.float64)), axis=-1, keepdims=keepdims)
        return keep


class _MaskingSignedZero(masking.Masking):
    """Compares bit patterns: -0.0 does not match mask_value 0.0 (and vice versa)."""

    def _keep(self, x, keepdims=False):
        keep = super()._keep(x, keepdims)
        x64 = np.asarray(x, np.float64)
        if self.mask_value == 0:
            wrong = (x64 == 0) & (np.signbit(x64) != np.signbit(self.mask_value))
            keep = keep | np.any(wrong, axis=-1, keepdims=keepdims)
        return keep


class _MaskingWrongAxis(masking.Masking):
    """Reduces over the timestep axis (-2) instead of the features (-1)."""

    def _keep(self, x, keepdims=False):
        x = np.asarray(x)
        value = np.asarray(self.mask_value).astype(x.dtype)
        keep = np.any(x != value, axis=-2, keepdims=True)
        keep = np.broadcast_to(keep, x.shape)[..., :1]  # one flag per timestep, from the wrong axis
        return keep if keepdims else keep[..., 0]


class _MaskingNoCast(masking.Masking):
    """Compares in float64 without casting mask_value to x's dtype (float16 0.1 is not 0.1)."""

    def _keep(self, x, keepdims=False):
        return np.any(np.asarray(x, np.float64) != float(self.mask_value), axis=-1, keepdims=keepdims)


class _MaskingUsesIncomingMask(masking.Masking):
    """ANDs its mask with the incoming one (Keras' Masking ignores the incoming mask)."""

    def compute_mask(self, x, mask=None):
        keep = super().compute_mask(x, mask)
        return keep if mask is None else keep & np.asarray(mask, bool)


# --- Masking: output ------------------------------------------------------------------------------
class _MaskingMultiplies(masking.Masking):
    """Keras 2's x * mask in Keras 3: -0.0 stays -0.0 and a masked inf timestep becomes NaN."""

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        keep, x = self._keep(x, keepdims=True), f64(x)
        with np.errstate(invalid="ignore"):
            return x * keep.astype(np.float64)


class _MaskingFillsMaskValue(masking.Masking):
    """Leaves masked timesteps at mask_value instead of zeroing them."""

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        keep, x = self._keep(x, keepdims=True), f64(x)
        return np.where(keep, x, float(self.mask_value))


# --- propagation ----------------------------------------------------------------------------------
class _DenseDropsMask(core.Dense):
    supports_masking = False


class _DenseInventsMask(core.Dense):
    """Gives an all-True mask (over x.shape[:-1]) to an input without one."""

    def compute_mask(self, x, mask=None):
        return np.ones(np.shape(x)[:-1], bool) if mask is None else super().compute_mask(x, mask)


class _FlattenPassesMask(reshaping.Flatten):
    supports_masking = True


class _ReshapePassesMask(reshaping.Reshape):
    supports_masking = True


class _SpatialDropout2DDropsMask(dropout.SpatialDropout2D):
    supports_masking = False


class _ActivityRegularizationDropsMask(regularization.ActivityRegularization):
    supports_masking = False


class _LambdaIgnoresMaskFn(core.Lambda):
    """Passes the incoming mask through instead of calling its mask function."""

    def compute_mask(self, x, mask=None):
        if callable(self.mask):
            return None if mask is None else np.asarray(mask, bool)
        return self.mask


# --- losses ---------------------------------------------------------------------------------------
class _ActivityNoBatchDivide(regularization.ActivityRegularization):
    def losses(self, x, weights=None):
        return [float(self.activity_regularizer(f64(x)))]


class _ActivityMeanOverElements(regularization.ActivityRegularization):
    """Divides by the number of elements instead of the batch size."""

    def losses(self, x, weights=None):
        x = f64(x)
        return [float(self.activity_regularizer(x)) / x.size if x.size else 0.0]


class _L1L2AbsForL2(R.L1L2):
    """l2 * sum|x| for the L2 term."""

    def __call__(self, x):
        dtype = weight_dtype(x)
        l1_term = R.L1L2(self.l1, 0.0, edition=self.edition)(x)
        return np.float64(l1_term + R._cast(self.l2, dtype) * R._sum(np.abs(np.asarray(x, np.float64)), dtype))


class _L2Abs(R.L2):
    def __call__(self, x):
        dtype = weight_dtype(x)
        return np.float64(R._cast(self.l2, dtype) * R._sum(np.abs(np.asarray(x, np.float64)), dtype))


class _ActivityL2Abs(regularization.ActivityRegularization):
    def __init__(self, l1=0.0, l2=0.0, *, edition="keras3"):
        super().__init__(l1, l2, edition=edition)
        self.activity_regularizer = _L1L2AbsForL2(l1, l2, edition=edition)


class _L1L2NoSkip(R.L1L2):
    """Both terms always: a zero factor times an inf sum gives NaN instead of skipping the term."""

    def __call__(self, x):
        dtype = weight_dtype(x)
        x = np.asarray(x, np.float64)
        with np.errstate(invalid="ignore", over="ignore"):
            return np.float64(R._cast(self.l1, dtype) * R._sum(np.abs(x), dtype)
                              + R._cast(self.l2, dtype) * R._sum(np.square(x), dtype))


class _ActivityZeroFactorNotSkipped(regularization.ActivityRegularization):
    def __init__(self, l1=0.0, l2=0.0, *, edition="keras3"):
        super().__init__(l1, l2, edition=edition)
        self.activity_regularizer = _L1L2NoSkip(l1, l2, edition=edition)


class _DenseL2Abs(core.Dense):
    """Every L2 regularizer of the layer (kernel, bias, activity) computes l2 * sum|x|."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        for name in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
            reg = getattr(self, name)
            if type(reg) is R.L2:
                setattr(self, name, _L2Abs(reg.l2, edition=self.edition))
            elif type(reg) is R.L1L2:
                setattr(self, name, _L1L2AbsForL2(reg.l1, reg.l2, edition=self.edition))


class _DenseActivityOnInput(core.Dense):
    def losses(self, x, weights=None):
        out = [] if self.activity_regularizer is None else [activity_loss(self.activity_regularizer, f64(x))]
        return out + self.weight_losses(weights)


class _DenseWeightLossesFirst(core.Dense):
    def losses(self, x, weights=None):
        out = super().losses(x, weights)
        n = 0 if self.activity_regularizer is None else 1
        return out[n:] + out[:n]


class _DenseBiasBeforeKernel(core.Dense):
    def weight_losses(self, weights):
        return super().weight_losses(weights)[::-1]


class _DenseBiasRegularizerOnKernel(core.Dense):
    def weight_losses(self, weights):
        out = []
        if self.kernel_regularizer is not None:
            out.append(float(self.kernel_regularizer(f64(weights["kernel"]))))
        if self.use_bias and self.bias_regularizer is not None:
            out.append(float(self.bias_regularizer(f64(weights["kernel"]))))
        return out


# name: (adapter class, patches, test module suffix, check, feature that must diverge)
MUTANTS = {
    "masking_any_feature": (Mutant, {"layers.Masking": _MaskingAnyFeature}, "layers_masks", "compute_mask", "layers.Masking"),
    "masking_nan_matches_nan": (Mutant, {"layers.Masking": _MaskingNanMatches}, "layers_masks", "compute_mask", "layers.Masking"),
    "masking_signed_zero": (Mutant, {"layers.Masking": _MaskingSignedZero}, "layers_masks", "compute_mask", "layers.Masking"),
    "masking_wrong_axis": (Mutant, {"layers.Masking": _MaskingWrongAxis}, "layers_masks", "compute_mask", "layers.Masking"),
    "masking_value_not_cast": (Mutant, {"layers.Masking": _MaskingNoCast}, "layers_masks", "mask_value_cast", "layers.Masking"),
    "masking_multiplies_keras3": (Mutant, {"layers.Masking": _MaskingMultiplies}, "layers_masks", "masked_output", "layers.Masking"),
    "masking_fills_mask_value": (Mutant, {"layers.Masking": _MaskingFillsMaskValue}, "layers_masks", "masked_output", "layers.Masking"),
    "masking_uses_incoming_mask": (Mutant, {"layers.Masking": _MaskingUsesIncomingMask}, "layers_masks", "propagation", "layers.Masking"),
    "dense_drops_mask": (Mutant, {"layers.Dense": _DenseDropsMask}, "layers_masks", "propagation", "layers.Dense"),
    "dense_invents_mask": (Mutant, {"layers.Dense": _DenseInventsMask}, "layers_masks", "propagation", "layers.Dense"),
    "flatten_passes_mask": (Mutant, {"layers.Flatten": _FlattenPassesMask}, "layers_masks", "propagation", "layers.Flatten"),
    "reshape_passes_mask": (Mutant, {"layers.Reshape": _ReshapePassesMask}, "layers_masks", "propagation", "layers.Reshape"),
    "spatial_dropout2d_drops_mask": (Mutant, {"layers.SpatialDropout2D": _SpatialDropout2DDropsMask}, "layers_masks", "propagation", "layers.SpatialDropout2D"),
    "activity_regularization_drops_mask": (Mutant, {"layers.ActivityRegularization": _ActivityRegularizationDropsMask}, "layers_masks", "propagation", "layers.ActivityRegularization"),
    "lambda_ignores_mask_fn": (Mutant, {"layers.Lambda": _LambdaIgnoresMaskFn}, "layers_masks", "propagation", "layers.Lambda"),
    "activity_no_batch_divide": (Mutant, {"layers.ActivityRegularization": _ActivityNoBatchDivide}, "layers_losses", "losses", "layers.ActivityRegularization"),
    "activity_mean_over_elements": (Mutant, {"layers.ActivityRegularization": _ActivityMeanOverElements}, "layers_losses", "losses", "layers.ActivityRegularization"),
    "activity_l2_uses_abs": (Mutant, {"layers.ActivityRegularization": _ActivityL2Abs}, "layers_losses", "losses", "layers.ActivityRegularization"),
    "activity_zero_factor_not_skipped": (Mutant, {"layers.ActivityRegularization": _ActivityZeroFactorNotSkipped}, "layers_losses", "losses_edges", "layers.ActivityRegularization"),
    "dense_l2_uses_abs": (Mutant, {"layers.Dense": _DenseL2Abs}, "layers_losses", "losses", "layers.Dense"),
    "dense_activity_on_input": (Mutant, {"layers.Dense": _DenseActivityOnInput}, "layers_losses", "losses", "layers.Dense"),
    "dense_weight_losses_first": (Mutant, {"layers.Dense": _DenseWeightLossesFirst}, "layers_losses", "losses", "layers.Dense"),
    "dense_bias_loss_before_kernel": (Mutant, {"layers.Dense": _DenseBiasBeforeKernel}, "layers_losses", "losses", "layers.Dense"),
    "dense_bias_regularizer_on_kernel": (Mutant, {"layers.Dense": _DenseBiasRegularizerOnKernel}, "layers_losses", "losses", "layers.Dense"),
}


class _MaskingDenormalsAreZero(masking.Masking):
    """Not a mutant: TensorFlow's CPU compares with subnormals as zero (DAZ), which the one
    flush-to-zero policy accepts (conformance/tolerance.py)."""

    def _keep(self, x, keepdims=False):
        x = np.asarray(x)
        f = x.astype(np.float64)
        tiny = float(finfo(x.dtype.name).smallest_normal)
        flushed = np.where(np.abs(f) < tiny, 0.0, f).astype(x.dtype)
        value = float(self.mask_value)
        value = 0.0 if abs(value) < tiny else value
        return np.any(flushed != np.asarray(value).astype(x.dtype), axis=-1, keepdims=keepdims)

