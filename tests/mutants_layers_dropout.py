"""Mutants of Dropout and SpatialDropout1D/2D/3D (conformance/test_layers_dropout.py): each a reference
layer with one semantic broken, as a port could get it wrong.

Each broken layer draws its randomness from the ``rng`` the reference adapter passes
(seeded from config["seed"]), except the seed mutants, which ignore it.
"""

from __future__ import annotations

import numpy as np

from reference.layers import dropout
from tests.mutants import Keras2Mutant, target


def _drop(layer, x, rng, *, keep_prob=None, scale=None, noise=None):
    """Dropout with one part swapped: the keep probability, the scale of kept values, the noise shape."""
    keep_prob = 1.0 - layer.rate if keep_prob is None else keep_prob
    scale = 1.0 / (1.0 - layer.rate) if scale is None else scale
    noise = layer.resolved_noise_shape(x.shape) if noise is None else noise
    keep = rng.uniform(size=noise) < keep_prob
    with np.errstate(over="ignore"):
        return np.where(np.broadcast_to(keep, x.shape), x * scale, 0.0)


def _training(layer, training):
    return training and 0 < layer.rate < 1


# --- training_values ---------------------------------------------------------------------------
class _DropoutNoRescale(dropout.Dropout):
    """Kept values come back as x, not x / (1 - rate)."""

    def call(self, x, *, weights, training, mask, rng):
        if _training(self, training):
            return _drop(self, x, rng, scale=1.0)
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _SpatialDropout1DScalesByKeepProb(dropout.SpatialDropout1D):
    """Kept values scaled by (1 - rate), the keep probability, instead of divided by it."""

    def call(self, x, *, weights, training, mask, rng):
        if _training(self, training):
            return _drop(self, x, rng, scale=1.0 - self.rate)
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _DropoutNoiseShapeIgnored(dropout.Dropout):
    def resolved_noise_shape(self, input_shape):
        return tuple(input_shape)


class _DropoutMultipliesMask(dropout.Dropout):
    """x * mask / (1 - rate): a dropped inf or NaN becomes NaN instead of 0."""

    def call(self, x, *, weights, training, mask, rng):
        if _training(self, training):
            keep = rng.uniform(size=self.resolved_noise_shape(x.shape)) < 1.0 - self.rate
            with np.errstate(invalid="ignore", over="ignore"):
                return x * np.broadcast_to(keep, x.shape) / (1.0 - self.rate)
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _SpatialDropout1DDropsTimesteps(dropout.SpatialDropout1D):
    """One draw per (sample, timestep), shared across channels: the wrong axis."""

    def resolved_noise_shape(self, input_shape):
        return (input_shape[0], input_shape[1], 1)


class _SpatialDropout2DChannelsFirstLastAxis(dropout.SpatialDropout2D):
    """channels_first reads the channels from the last axis, as channels_last does."""

    def resolved_noise_shape(self, input_shape):
        return (input_shape[0], 1, 1, input_shape[-1])


class _SpatialDropout3DElementwise(dropout.SpatialDropout3D):
    """Drops elements independently instead of whole feature maps."""

    def resolved_noise_shape(self, input_shape):
        return tuple(input_shape)


class _SpatialDropout3DIgnoresDataFormat(dropout.SpatialDropout3D):
    def resolved_noise_shape(self, input_shape):
        return (input_shape[0], 1, 1, 1, input_shape[-1])


# --- dropped_fraction --------------------------------------------------------------------------
class _DropoutRateIsKeepProb(dropout.Dropout):
    """rate read as the probability of keeping an element."""

    def call(self, x, *, weights, training, mask, rng):
        if _training(self, training):
            return _drop(self, x, rng, keep_prob=self.rate)
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _DropoutRateFivePercentHigh(dropout.Dropout):
    """Drops with probability 1.05 * rate (values still scaled by 1 / (1 - rate))."""

    def call(self, x, *, weights, training, mask, rng):
        if _training(self, training):
            return _drop(self, x, rng, keep_prob=1.0 - 1.05 * self.rate)
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _DropoutNoneEntriesAsOne(dropout.Dropout):
    """A None entry of noise_shape resolved to 1 (shared) instead of the input's dim."""

    def resolved_noise_shape(self, input_shape):
        if self.noise_shape is None:
            return tuple(input_shape)
        return tuple(1 if d is None else int(d) for d in self.noise_shape)


# --- seeded ------------------------------------------------------------------------------------
class _DropoutSeedIgnored(dropout.Dropout):
    """Fresh randomness on every call: an unseeded global generator."""

    def call(self, x, *, weights, training, mask, rng):
        if _training(self, training):
            return _drop(self, x, np.random.default_rng())
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _SpatialDropout2DSeedConstant(dropout.SpatialDropout2D):
    """Deterministic, but the same stream for every seed."""

    def call(self, x, *, weights, training, mask, rng):
        if _training(self, training):
            return _drop(self, x, np.random.default_rng(1234))
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


# --- inference ---------------------------------------------------------------------------------
class _DropoutAtInference(dropout.Dropout):
    """Applies dropout whatever the training flag."""

    def call(self, x, *, weights, training, mask, rng):
        return super().call(x, weights=weights, training=True, mask=mask, rng=rng)


class _SpatialDropout3DRate0InFloat32(dropout.SpatialDropout3D):
    """rate=0 in training still runs the dropout path, computing in float32."""

    def call(self, x, *, weights, training, mask, rng):
        if training and self.rate == 0:
            return x.astype(np.float32).astype(np.float64)
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


# --- rate_edges --------------------------------------------------------------------------------
class _DropoutRate1Identity(dropout.Dropout):
    """rate=1 treated like rate=0: the input comes back."""

    def call(self, x, *, weights, training, mask, rng):
        if self.rate == 1:
            return x.copy()
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _SpatialDropout2DRate1Multiplies(dropout.SpatialDropout2D):
    """rate=1 as x * 0: NaN and inf inputs give NaN instead of 0."""

    def call(self, x, *, weights, training, mask, rng):
        if training and self.rate == 1:
            with np.errstate(invalid="ignore"):
                return x * 0.0
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _DropoutRate1ZerosInEveryEdition(dropout.Dropout):
    """Keras 3's rate=1 behaviour (zeros) in Keras 2, where tf.nn.dropout rejects it."""

    def call(self, x, *, weights, training, mask, rng):
        if training and self.rate == 1:
            return np.zeros_like(x)
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


# --- values (inference) ------------------------------------------------------------------------
class _DropoutRescalesAtInference(dropout.Dropout):
    def call(self, x, *, weights, training, mask, rng):
        if not training and 0 < self.rate < 1:
            return x / (1.0 - self.rate)
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _SpatialDropout2DRescalesAtInference(dropout.SpatialDropout2D):
    def call(self, x, *, weights, training, mask, rng):
        if not training and 0 < self.rate < 1:
            return x / (1.0 - self.rate)
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


# --- propagation -------------------------------------------------------------------------------
class _SpatialDropout2DDropsMask(dropout.SpatialDropout2D):
    supports_masking = False


# --- rejects -----------------------------------------------------------------------------------
class _DropoutClipsRate(dropout.Dropout):
    """A rate above 1 clipped to 1 instead of rejected."""

    def __init__(self, rate, noise_shape=None, seed=None, *, edition="keras3"):
        if isinstance(rate, (int, float)) and rate > 1:
            rate = 1.0
        super().__init__(rate, noise_shape, seed, edition=edition)


class _DropoutNoiseShapeUnchecked(dropout.Dropout):
    """Keras 2's construction in Keras 3: noise_shape is not validated (a NumPy array passes)."""

    def __init__(self, rate, noise_shape=None, seed=None, *, edition="keras3"):
        super().__init__(rate, None, seed, edition=edition)
        self.noise_shape = noise_shape


class _SpatialDropout2DAnyRank(dropout.SpatialDropout2D):
    """No rank check at inference (the identity on any input)."""

    def call(self, x, *, weights, training, mask, rng):
        if not training:
            return x.copy()
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


# --- roundtrip ---------------------------------------------------------------------------------
class _DropoutConfigDropsNoiseShape(dropout.Dropout):
    def get_config(self):
        config = super().get_config()
        config.pop("noise_shape")
        return config


class _SpatialDropout2DConfigNoDataFormat(dropout.SpatialDropout2D):
    """Keras 2's config in Keras 3: no data_format, so a channels_first clone is channels_last."""

    def get_config(self):
        return {"rate": self.rate, "noise_shape": None, "seed": self.seed}

    def __init__(self, rate, data_format=None, seed=None, noise_shape=None, *, edition="keras3"):
        super().__init__(rate, data_format, seed, edition=edition)


MUTANTS = {
    "dropout_no_rescale": target("training_values", "layers.Dropout", _DropoutNoRescale),
    "spatial_dropout1d_scales_by_keep_prob": target("training_values", "layers.SpatialDropout1D",
                                                    _SpatialDropout1DScalesByKeepProb),
    "dropout_noise_shape_ignored": target("training_values", "layers.Dropout", _DropoutNoiseShapeIgnored),
    "dropout_multiplies_mask": target("training_values", "layers.Dropout", _DropoutMultipliesMask),
    "spatial_dropout1d_drops_timesteps": target("training_values", "layers.SpatialDropout1D",
                                                _SpatialDropout1DDropsTimesteps),
    "spatial_dropout2d_channels_first_last_axis": target("training_values", "layers.SpatialDropout2D",
                                                         _SpatialDropout2DChannelsFirstLastAxis),
    "spatial_dropout3d_elementwise": target("training_values", "layers.SpatialDropout3D", _SpatialDropout3DElementwise),
    "spatial_dropout3d_ignores_data_format": target("training_values", "layers.SpatialDropout3D",
                                                    _SpatialDropout3DIgnoresDataFormat),
    "dropout_rate_is_keep_prob": target("dropped_fraction", "layers.Dropout", _DropoutRateIsKeepProb),
    "dropout_rate_5_percent_high": target("dropped_fraction", "layers.Dropout", _DropoutRateFivePercentHigh),
    "dropout_none_entries_as_one": target("dropped_fraction", "layers.Dropout", _DropoutNoneEntriesAsOne),
    "dropout_seed_ignored": target("seeded", "layers.Dropout", _DropoutSeedIgnored),
    "spatial_dropout2d_seed_constant": target("seeded", "layers.SpatialDropout2D", _SpatialDropout2DSeedConstant),
    "dropout_at_inference": target("inference", "layers.Dropout", _DropoutAtInference),
    "spatial_dropout3d_rate0_in_float32": target("inference", "layers.SpatialDropout3D",
                                                 _SpatialDropout3DRate0InFloat32),
    "dropout_rate1_identity": target("rate_edges", "layers.Dropout", _DropoutRate1Identity),
    "spatial_dropout2d_rate1_multiplies": target("rate_edges", "layers.SpatialDropout2D",
                                                 _SpatialDropout2DRate1Multiplies),
    "dropout_keras2_accepts_rate1": target("rate_edges", "layers.Dropout", _DropoutRate1ZerosInEveryEdition,
                                           adapter=Keras2Mutant),
    # values, propagation, rejects, roundtrip
    "dropout_rescales_at_inference": target("values", "layers.Dropout", _DropoutRescalesAtInference),
    "spatial_dropout2d_rescales_at_inference": target("values", "layers.SpatialDropout2D",
                                                      _SpatialDropout2DRescalesAtInference),
    "spatial_dropout2d_drops_mask": target("propagation", "layers.SpatialDropout2D", _SpatialDropout2DDropsMask),
    "dropout_clips_rate": target("rejects", "layers.Dropout", _DropoutClipsRate),
    "dropout_noise_shape_unchecked": target("rejects", "layers.Dropout", _DropoutNoiseShapeUnchecked),
    "spatial_dropout2d_any_rank": target("rejects", "layers.SpatialDropout2D", _SpatialDropout2DAnyRank),
    "dropout_config_drops_noise_shape": target("roundtrip", "layers.Dropout", _DropoutConfigDropsNoiseShape),
    "spatial_dropout2d_config_no_data_format": target("roundtrip", "layers.SpatialDropout2D",
                                                      _SpatialDropout2DConfigNoDataFormat),
}
