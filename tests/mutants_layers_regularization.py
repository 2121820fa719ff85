"""Mutants of the ActivityRegularization layer (conformance/test_layers_regularization.py): the
reference with one value, mask or loss semantic broken, as a port could get it wrong."""

from __future__ import annotations

import numpy as np

from reference import regularizers as R
from reference.dtypes import weight_dtype
from reference.layers import regularization
from reference.layers.base import f64
from tests.mutants import target


# --- values ------------------------------------------------------------------------------------
class _ActivityRegularizationScales(regularization.ActivityRegularization):
    """Applies the penalty to the output (x * (1 - l1)) instead of only adding a loss."""

    def call(self, x, *, weights, training, mask, rng):
        return x * (1.0 - self.l1)


# --- propagation -------------------------------------------------------------------------------
class _ActivityRegularizationDropsMask(regularization.ActivityRegularization):
    supports_masking = False


# --- losses ------------------------------------------------------------------------------------
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


# --- roundtrip ---------------------------------------------------------------------------------
class _ActivityConfigFloat32(regularization.ActivityRegularization):
    """get_config rounds l1 and l2 through float32 (a factor kept as a float32 tensor): 0.01 is saved
    as 0.009999999776482582."""

    def get_config(self):
        return {"l1": float(np.float32(self.l1)), "l2": float(np.float32(self.l2))}


MUTANTS = {
    "activity_regularization_scales_output": target("values", "layers.ActivityRegularization",
                                                    _ActivityRegularizationScales),
    "activity_regularization_drops_mask": target("propagation", "layers.ActivityRegularization",
                                                 _ActivityRegularizationDropsMask),
    "activity_no_batch_divide": target("losses", "layers.ActivityRegularization", _ActivityNoBatchDivide),
    "activity_mean_over_elements": target("losses", "layers.ActivityRegularization", _ActivityMeanOverElements),
    "activity_l2_uses_abs": target("losses", "layers.ActivityRegularization", _ActivityL2Abs),
    "activity_config_float32": target("roundtrip", "layers.ActivityRegularization", _ActivityConfigFloat32),
    "activity_zero_factor_not_skipped": target("losses_edges", "layers.ActivityRegularization",
                                               _ActivityZeroFactorNotSkipped),
}
