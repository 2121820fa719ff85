"""The Masking layer."""

from __future__ import annotations

import numpy as np

from reference.dtypes import is_float
from reference.editions import KERAS2, KERAS3
from reference.layers.base import Layer, f64
from reference.registry import feature


@feature("layers", seed_page="001")
class Masking(Layer):
    """Masks every timestep (position along the second-to-last axis) whose features all equal mask_value.

    Formula: mask = any(x != mask_value, axis=-1) (True = kept), compared in x's dtype (mask_value is
        cast to it: float32 x = 0.1 is masked by mask_value=0.1); Keras 3: y = where(mask[..., None], x, 0),
        so a masked timestep becomes +0. The incoming mask is ignored: compute_mask(x, mask) depends on
        x only. mask_value = NaN never masks (NaN != NaN), so NaN rows pass through unchanged.
    Defaults: mask_value=0.0. get_config() == {"mask_value": mask_value}. supports_masking: True.
    Errors: none.
    Editions: Keras 2 computes y = x * cast(mask): a masked timestep keeps the sign of a -0.0 and,
        with mask_value = ±inf, a masked inf row becomes NaN (inf * 0); Keras 3 gives +0 for both.
    Implementation-defined: comparisons with subnormal numbers. A framework that treats subnormal
        inputs as zero (DAZ: TensorFlow's CPU kernels) masks a timestep of subnormals with
        mask_value=0 (Masking(0.0) of [[1e-45]] in float32 masks it). The one flush-to-zero policy
        (conformance/tolerance.py) accepts either mask: the exact comparison, or the comparison with
        every subnormal input and mask_value as 0.
    Seed page: a timestep is masked when all its features equal mask_value; example x[0, 3, :] = 0 and
        x[2, 5, :] = 0 with Masking(mask_value=0.) before an LSTM.
    Erratum: the page (and the Keras docstring) says an exception is raised when a downstream layer
        does not support masking. Keras 3 only warns and drops the mask; tf-keras drops it silently.
        The page's sentence on mask_value ("can be none or ignored") is a mistranslation: it is the
        value that marks a timestep as masked.
    Source: keras/src/layers/core/masking.py Masking (Keras 3.15.1); tf_keras/layers/core/masking.py; seed page 001.
    """

    supports_masking = True

    def __init__(self, mask_value=0.0, *, edition=KERAS3):
        super().__init__(edition=edition)
        self.mask_value = mask_value

    def get_config(self):
        return {"mask_value": self.mask_value}

    def _keep(self, x, keepdims=False):
        """any(x != mask_value, -1), comparing in x's own float dtype (Keras casts mask_value to it)."""
        x = np.asarray(x)
        value = np.asarray(self.mask_value)
        if is_float(x.dtype):
            with np.errstate(over="ignore"):
                value = value.astype(x.dtype)
        return np.any(x != value, axis=-1, keepdims=keepdims)

    def compute_mask(self, x, mask=None):
        return self._keep(x)

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        keep, x = self._keep(x, keepdims=True), f64(x)
        if self.edition == KERAS2:
            with np.errstate(invalid="ignore"):
                return x * keep.astype(np.float64)
        return np.where(keep, x, 0.0)
