"""Mutants of the core layers' forward values (conformance/test_layers_values.py)."""

from __future__ import annotations

import math

import numpy as np

from reference import activations as A
from reference.layers import core, dropout, masking, regularization, reshaping
from tests.mutants import Mutant


class _DenseFlattens(core.Dense):
    """The seed page's erratum: flatten a rank > 2 input, then apply the kernel to its first row-block."""

    def call(self, x, *, weights, training, mask, rng):
        if x.ndim > 2:
            x = x.reshape(x.shape[0], -1)[:, : weights["kernel"].shape[0]]
            return super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _DenseNoBias(core.Dense):
    def call(self, x, *, weights, training, mask, rng):
        return f64act(self, x @ np.asarray(weights["kernel"], np.float64))


def f64act(layer, y):
    return np.asarray(layer.activation(y), np.float64)


class _DenseActivationFirst(core.Dense):
    """activation(x) @ kernel + bias: the activation on the wrong side of the product."""

    def call(self, x, *, weights, training, mask, rng):
        y = f64act(self, x) @ np.asarray(weights["kernel"], np.float64)
        return y + np.asarray(weights["bias"], np.float64) if self.use_bias else y


class _ActivationKeras2(core.Activation):
    """Resolves the activation in the other edition (hard_sigmoid's slope, relu's argument)."""

    def call(self, x, *, weights, training, mask, rng):
        fn = getattr(A, self.activation_name)
        return np.asarray(fn(x, edition="keras2") if self.activation_name != "softmax" or x.ndim > 1
                          else fn(x), np.float64)


class _FlattenIgnoresChannelsFirst(reshaping.Flatten):
    def call(self, x, *, weights, training, mask, rng):
        return np.reshape(x, (x.shape[0], math.prod(x.shape[1:])))


class _ReshapeColumnMajor(reshaping.Reshape):
    def call(self, x, *, weights, training, mask, rng):
        out = super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        return np.stack([np.reshape(np.ravel(v, order="F"), out.shape[1:], order="F") for v in x])


class _PermuteZeroIndexed(reshaping.Permute):
    """dims read as 0-based over the non-batch axes' positions, i.e. the permutation inverted."""

    def call(self, x, *, weights, training, mask, rng):
        inverse = tuple(int(i) + 1 for i in np.argsort(self.dims))
        return np.transpose(x, (0, *inverse))


class _RepeatVectorElementwise(reshaping.RepeatVector):
    """np.repeat on the feature axis, then reshaped: [x0, x0, x1, x1] instead of [x, x]."""

    def call(self, x, *, weights, training, mask, rng):
        return np.repeat(x, self.n, axis=1).reshape(x.shape[0], self.n, x.shape[1])


class _MaskingMultiplies(masking.Masking):
    """Keras 2's x * mask in Keras 3: a masked inf timestep gives NaN instead of 0."""

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        keep = self._keep(x, keepdims=True)
        with np.errstate(invalid="ignore"):
            return np.asarray(x, np.float64) * keep


class _LambdaIgnoresArguments(core.Lambda):
    def __init__(self, function, output_shape=None, mask=None, arguments=None, *, edition="keras3"):
        super().__init__(function, output_shape, mask, None, edition=edition)


class _ActivityRegularizationScales(regularization.ActivityRegularization):
    """Applies the penalty to the output (x * (1 - l1)) instead of only adding a loss."""

    def call(self, x, *, weights, training, mask, rng):
        return x * (1.0 - self.l1)


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


class _DenseDefaultHeUniform(core.Dense):
    """A default kernel initializer with the wrong fan: he_uniform (fan_in only) for glorot_uniform."""

    def __init__(self, units, kernel_initializer="he_uniform", **kwargs):
        super().__init__(units, kernel_initializer=kernel_initializer, **kwargs)


class _DenseDefaultBiasOnes(core.Dense):
    def __init__(self, units, bias_initializer="ones", **kwargs):
        super().__init__(units, bias_initializer=bias_initializer, **kwargs)


def _values(name, cls, feature):
    return name, (Mutant, {feature: cls}, "layers_values", "values", feature)


MUTANTS = dict([
    _values("dense_flattens_input", _DenseFlattens, "layers.Dense"),
    _values("dense_ignores_bias", _DenseNoBias, "layers.Dense"),
    _values("dense_activation_before_kernel", _DenseActivationFirst, "layers.Dense"),
    _values("activation_layer_keras2", _ActivationKeras2, "layers.Activation"),
    _values("flatten_ignores_channels_first", _FlattenIgnoresChannelsFirst, "layers.Flatten"),
    _values("reshape_column_major", _ReshapeColumnMajor, "layers.Reshape"),
    _values("permute_inverted", _PermuteZeroIndexed, "layers.Permute"),
    _values("repeat_vector_elementwise", _RepeatVectorElementwise, "layers.RepeatVector"),
    _values("masking_multiplies", _MaskingMultiplies, "layers.Masking"),
    _values("lambda_ignores_arguments", _LambdaIgnoresArguments, "layers.Lambda"),
    _values("activity_regularization_scales_output", _ActivityRegularizationScales, "layers.ActivityRegularization"),
    _values("dropout_rescales_at_inference", _DropoutRescalesAtInference, "layers.Dropout"),
    _values("spatial_dropout2d_rescales_at_inference", _SpatialDropout2DRescalesAtInference, "layers.SpatialDropout2D"),
    ("dense_default_he_uniform", (Mutant, {"layers.Dense": _DenseDefaultHeUniform}, "layers_values", "default_weights",
                                  "layers.Dense")),
    ("dense_default_bias_ones", (Mutant, {"layers.Dense": _DenseDefaultBiasOnes}, "layers_values", "default_weights",
                                 "layers.Dense")),
])
