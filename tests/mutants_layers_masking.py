"""Mutants of the Masking layer (conformance/test_layers_masking.py): the reference with one mask
semantic broken, as a port could get it wrong."""

from __future__ import annotations

import numpy as np

from adapters.dtypes import finfo
from reference.layers import masking
from reference.layers.base import f64
from tests.mutants import target


# --- compute_mask, mask_value_cast, propagation ------------------------------------------------
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


# --- values, masked_output ---------------------------------------------------------------------
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


# --- roundtrip ---------------------------------------------------------------------------------
class _MaskingConfigDropsValue(masking.Masking):
    def get_config(self):
        return {}


MUTANTS = {
    "masking_any_feature": target("compute_mask", "layers.Masking", _MaskingAnyFeature),
    "masking_nan_matches_nan": target("compute_mask", "layers.Masking", _MaskingNanMatches),
    "masking_signed_zero": target("compute_mask", "layers.Masking", _MaskingSignedZero),
    "masking_wrong_axis": target("compute_mask", "layers.Masking", _MaskingWrongAxis),
    "masking_value_not_cast": target("mask_value_cast", "layers.Masking", _MaskingNoCast),
    "masking_uses_incoming_mask": target("propagation", "layers.Masking", _MaskingUsesIncomingMask),
    "masking_multiplies": target("values", "layers.Masking", _MaskingMultiplies),
    "masking_multiplies_keras3": target("masked_output", "layers.Masking", _MaskingMultiplies),
    "masking_fills_mask_value": target("masked_output", "layers.Masking", _MaskingFillsMaskValue),
    "masking_config_drops_mask_value": target("roundtrip", "layers.Masking", _MaskingConfigDropsValue),
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
