"""Mutants of Dense, Activation, Lambda and keras.Input (conformance/test_layers_core.py): each a
reference layer with one semantic broken, as a port could get it wrong."""

from __future__ import annotations

import numpy as np

from reference import activations as A
from reference import regularizers as R
from reference.layers import core
from reference.layers.base import activity_loss, f64
from tests.mutants import target
from tests.mutants_layers_regularization import _L1L2AbsForL2, _L2Abs


# --- values ------------------------------------------------------------------------------------
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


class _LambdaIgnoresArguments(core.Lambda):
    def __init__(self, function, output_shape=None, mask=None, arguments=None, *, edition="keras3"):
        super().__init__(function, output_shape, mask, None, edition=edition)


# --- default_weights ---------------------------------------------------------------------------
class _DenseDefaultHeUniform(core.Dense):
    """A default kernel initializer with the wrong fan: he_uniform (fan_in only) for glorot_uniform."""

    def __init__(self, units, kernel_initializer="he_uniform", **kwargs):
        super().__init__(units, kernel_initializer=kernel_initializer, **kwargs)


class _DenseDefaultBiasOnes(core.Dense):
    def __init__(self, units, bias_initializer="ones", **kwargs):
        super().__init__(units, bias_initializer=bias_initializer, **kwargs)


# --- shapes, input, seed_page ------------------------------------------------------------------
class _DenseShapeFlattens(core.Dense):
    """The seed page's erratum in compute_output_shape: a rank > 2 input is flattened, (b, units)."""

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.units)


class _DenseShapeKeepsInput(core.Dense):
    """compute_output_shape of an identity layer: the last dim stays the input's, not units."""

    def compute_output_shape(self, input_shape):
        return tuple(input_shape)


class _LambdaTupleNoBatch(core.Lambda):
    """A tuple output_shape used as the whole shape, without the batch dim."""

    def compute_output_shape(self, input_shape):
        if self.output_shape is not None and not callable(self.output_shape):
            return tuple(self.output_shape)
        return super().compute_output_shape(input_shape)


class _LambdaShapeFunctionFirstOnly(core.Lambda):
    """A function output_shape giving several shapes: only the first one kept (one output)."""

    def compute_output_shape(self, input_shape):
        out = super().compute_output_shape(input_shape)
        return out[0] if callable(self.output_shape) and isinstance(out, list) else out


class _InputDefaultFloat64(core.Input):
    def __init__(self, shape=None, batch_size=None, dtype=None, *args, **kwargs):
        super().__init__(shape, batch_size, "float64" if dtype is None else dtype, *args, **kwargs)


class _InputBatchSizeIgnored(core.Input):
    def __init__(self, shape=None, batch_size=None, *args, **kwargs):
        super().__init__(shape, None, *args, **kwargs)


class _InputBatchShapeAsShape(core.Input):
    """batch_shape taken as shape: a None batch is prepended to it."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None, *args,
                 **kwargs):
        if shape is None and batch_shape is not None:
            shape, batch_shape = batch_shape, None
        super().__init__(shape, batch_size, dtype, sparse, ragged, batch_shape, *args, **kwargs)


# --- propagation -------------------------------------------------------------------------------
class _DenseDropsMask(core.Dense):
    supports_masking = False


class _DenseInventsMask(core.Dense):
    """Gives an all-True mask (over x.shape[:-1]) to an input without one."""

    def compute_mask(self, x, mask=None):
        return np.ones(np.shape(x)[:-1], bool) if mask is None else super().compute_mask(x, mask)


class _LambdaIgnoresMaskFn(core.Lambda):
    """Passes the incoming mask through instead of calling its mask function."""

    def compute_mask(self, x, mask=None):
        if callable(self.mask):
            return None if mask is None else np.asarray(mask, bool)
        return self.mask


# --- rejects -----------------------------------------------------------------------------------
class _DenseRank1AsSample(core.Dense):
    """A rank-1 input taken as one sample: x @ kernel + bias of shape (units,)."""

    def weight_shapes(self, input_shape):
        return super().weight_shapes((1, *input_shape) if len(input_shape) == 1 else input_shape)

    def call(self, x, *, weights, training, mask, rng):
        if x.ndim == 1:
            return super().call(x[None], weights=weights, training=training, mask=mask, rng=rng)[0]
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _InputDefaultShape(core.Input):
    """Input() with neither shape nor batch_shape gives a batch of scalars, (None,)."""

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None, *args,
                 **kwargs):
        if shape is None and batch_shape is None:
            shape = ()
        super().__init__(shape, batch_size, dtype, sparse, ragged, batch_shape, *args, **kwargs)


class _LambdaOutputShapeUnchecked(core.Lambda):
    """No validation of a tuple output_shape; compute_output_shape prepends the batch to anything."""

    def __init__(self, function, output_shape=None, mask=None, arguments=None, *, edition="keras3"):
        super().__init__(function, None, mask, arguments, edition=edition)
        self.output_shape = output_shape

    def compute_output_shape(self, input_shape):
        if self.output_shape is not None and not callable(self.output_shape):
            os_ = self.output_shape if isinstance(self.output_shape, (tuple, list)) else (self.output_shape,)
            return (input_shape[0], *os_)
        return super().compute_output_shape(input_shape)


# --- roundtrip ---------------------------------------------------------------------------------
class _DenseConfigDropsUseBias(core.Dense):
    def get_config(self):
        config = super().get_config()
        config.pop("use_bias")
        return config


class _DenseDefaultGlorotNormal(core.Dense):
    """The wrong default kernel_initializer (glorot_normal): the config says so."""

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_normal", *args, **kwargs):
        kwargs.pop("quantization_config", None)
        super().__init__(units, activation, use_bias, kernel_initializer, *args, **kwargs)


class _LambdaConfigDropsArguments(core.Lambda):
    def get_config(self):
        config = super().get_config()
        config.pop("arguments")
        return config


# --- losses ------------------------------------------------------------------------------------
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


MUTANTS = {
    # values
    "dense_flattens_input": target("values", "layers.Dense", _DenseFlattens),
    "dense_ignores_bias": target("values", "layers.Dense", _DenseNoBias),
    "dense_activation_before_kernel": target("values", "layers.Dense", _DenseActivationFirst),
    "activation_layer_keras2": target("values", "layers.Activation", _ActivationKeras2),
    "lambda_ignores_arguments": target("values", "layers.Lambda", _LambdaIgnoresArguments),
    # default_weights
    "dense_default_he_uniform": target("default_weights", "layers.Dense", _DenseDefaultHeUniform),
    "dense_default_bias_ones": target("default_weights", "layers.Dense", _DenseDefaultBiasOnes),
    # shapes
    "dense_shape_flattens": target("shapes", "layers.Dense", _DenseShapeFlattens),
    "lambda_tuple_no_batch": target("shapes", "layers.Lambda", _LambdaTupleNoBatch),
    "lambda_shape_function_first_only": target("shapes", "layers.Lambda", _LambdaShapeFunctionFirstOnly),
    # input
    "input_default_float64": target("input", "layers.Input", _InputDefaultFloat64),
    "input_batch_size_ignored": target("input", "layers.Input", _InputBatchSizeIgnored),
    "input_batch_shape_as_shape": target("input", "layers.Input", _InputBatchShapeAsShape),
    # seed_page
    "seed_page_dense_keeps_input_dim": target("seed_page", "layers.Dense", _DenseShapeKeepsInput),
    "seed_page_input_default_float64": target("seed_page", "layers.Input", _InputDefaultFloat64),
    # propagation
    "dense_drops_mask": target("propagation", "layers.Dense", _DenseDropsMask),
    "dense_invents_mask": target("propagation", "layers.Dense", _DenseInventsMask),
    "lambda_ignores_mask_fn": target("propagation", "layers.Lambda", _LambdaIgnoresMaskFn),
    # rejects
    "dense_rank1_as_sample": target("rejects", "layers.Dense", _DenseRank1AsSample),
    "input_default_shape": target("rejects", "layers.Input", _InputDefaultShape),
    "lambda_output_shape_unchecked": target("rejects", "layers.Lambda", _LambdaOutputShapeUnchecked),
    # roundtrip
    "dense_config_drops_use_bias": target("roundtrip", "layers.Dense", _DenseConfigDropsUseBias),
    "dense_default_glorot_normal": target("roundtrip", "layers.Dense", _DenseDefaultGlorotNormal),
    "lambda_config_drops_arguments": target("roundtrip", "layers.Lambda", _LambdaConfigDropsArguments),
    # losses
    "dense_l2_uses_abs": target("losses", "layers.Dense", _DenseL2Abs),
    "dense_activity_on_input": target("losses", "layers.Dense", _DenseActivityOnInput),
    "dense_weight_losses_first": target("losses", "layers.Dense", _DenseWeightLossesFirst),
    "dense_bias_loss_before_kernel": target("losses", "layers.Dense", _DenseBiasBeforeKernel),
    "dense_bias_regularizer_on_kernel": target("losses", "layers.Dense", _DenseBiasRegularizerOnKernel),
}
