"""Mutants of Dropout's training-time semantics (conformance/test_layers_dropout.py).

Each broken layer draws its randomness from the ``rng`` the reference adapter passes
(seeded from config["seed"]), except the seed mutants, which ignore it.
"""

from __future__ import annotations

import numpy as np

from reference.layers import dropout
from tests.mutants import Mutant


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


class _Keras2Mutant(Mutant):
    """A mutant checked against the Keras 2 edition (the plugin's spec takes the adapter's edition)."""

    def __init__(self, name, patches, device="cpu", edition=None):
        super().__init__(name, patches, device=device, edition=edition or "keras2")


def _m(name, cls, feature, check, adapter=Mutant):
    return name, (adapter, {feature: cls}, "layers_dropout", check, feature)


MUTANTS = dict([
    _m("dropout_no_rescale", _DropoutNoRescale, "layers.Dropout", "training_values"),
    _m("spatial_dropout1d_scales_by_keep_prob", _SpatialDropout1DScalesByKeepProb, "layers.SpatialDropout1D",
       "training_values"),
    _m("dropout_noise_shape_ignored", _DropoutNoiseShapeIgnored, "layers.Dropout", "training_values"),
    _m("dropout_multiplies_mask", _DropoutMultipliesMask, "layers.Dropout", "training_values"),
    _m("spatial_dropout1d_drops_timesteps", _SpatialDropout1DDropsTimesteps, "layers.SpatialDropout1D",
       "training_values"),
    _m("spatial_dropout2d_channels_first_last_axis", _SpatialDropout2DChannelsFirstLastAxis,
       "layers.SpatialDropout2D", "training_values"),
    _m("spatial_dropout3d_elementwise", _SpatialDropout3DElementwise, "layers.SpatialDropout3D", "training_values"),
    _m("spatial_dropout3d_ignores_data_format", _SpatialDropout3DIgnoresDataFormat, "layers.SpatialDropout3D",
       "training_values"),
    _m("dropout_rate_is_keep_prob", _DropoutRateIsKeepProb, "layers.Dropout", "dropped_fraction"),
    _m("dropout_rate_5_percent_high", _DropoutRateFivePercentHigh, "layers.Dropout", "dropped_fraction"),
    _m("dropout_none_entries_as_one", _DropoutNoneEntriesAsOne, "layers.Dropout", "dropped_fraction"),
    _m("dropout_seed_ignored", _DropoutSeedIgnored, "layers.Dropout", "seeded"),
    _m("spatial_dropout2d_seed_constant", _SpatialDropout2DSeedConstant, "layers.SpatialDropout2D", "seeded"),
    _m("dropout_at_inference", _DropoutAtInference, "layers.Dropout", "inference"),
    _m("spatial_dropout3d_rate0_in_float32", _SpatialDropout3DRate0InFloat32, "layers.SpatialDropout3D", "inference"),
    _m("dropout_rate1_identity", _DropoutRate1Identity, "layers.Dropout", "rate_edges"),
    _m("spatial_dropout2d_rate1_multiplies", _SpatialDropout2DRate1Multiplies, "layers.SpatialDropout2D",
       "rate_edges"),
    _m("dropout_keras2_accepts_rate1", _DropoutRate1ZerosInEveryEdition, "layers.Dropout", "rate_edges",
       adapter=_Keras2Mutant),
])
