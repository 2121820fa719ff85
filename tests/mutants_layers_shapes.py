"""Mutants of the core layers' shapes and configs (conformance/test_layers_shapes.py and
conformance/test_layers_config.py): each is one way a port gets a shape, a validation or a
config wrong."""

from __future__ import annotations

import math

import numpy as np

from reference.layers import core, dropout, masking, reshaping
from tests.mutants import Mutant


# --- shapes ------------------------------------------------------------------------------------
class _ReshapeInfersLast(reshaping.Reshape):
    """Puts the inferred -1 dimension last, wherever the -1 was: (-1, 2) on 12 gives (2, 6)."""

    def _resolve(self, s):
        t = super()._resolve(s)
        if -1 not in self.target_shape or None in t:
            return t
        i = list(self.target_shape).index(-1)
        return (*t[:i], *t[i + 1:], t[i])


class _ReshapeCountsBatch(reshaping.Reshape):
    """Counts a known batch size in the -1 inference of compute_output_shape (the call is right):
    only a concrete input shape shows it, where compute_output_shape and the call disagree."""

    def compute_output_shape(self, input_shape):
        out = super().compute_output_shape(input_shape)
        if input_shape[0] is None or -1 not in self.target_shape:
            return out
        i = list(self.target_shape).index(-1) + 1
        return (*out[:i], None if out[i] is None else out[i] * input_shape[0], *out[i + 1:])


class _PermuteShapeInverted(reshaping.Permute):
    """compute_output_shape with the inverse permutation (the call is right): differs for 3-cycles."""

    def compute_output_shape(self, input_shape):
        inverse = tuple(int(i) + 1 for i in np.argsort(self.dims))
        return (input_shape[0], *(input_shape[d] for d in inverse))


class _PermuteZeroIndexed(reshaping.Permute):
    """Reads dims as 0-based indices into the non-batch axes (wrapping): (2, 1) keeps (10, 64)."""

    def compute_output_shape(self, input_shape):
        rest = tuple(input_shape)[1:]
        return (input_shape[0], *(rest[d % len(rest)] for d in self.dims))


class _FlattenNoneAsOne(reshaping.Flatten):
    """Multiplies the known dims only: (None, 3, None) gives (None, 3) instead of (None, None)."""

    def compute_output_shape(self, input_shape):
        rest = [d for d in tuple(input_shape)[1:] if d is not None]
        return (input_shape[0], math.prod(rest)) if len(input_shape) > 1 else (input_shape[0], 1)


class _FlattenRank1Vector(reshaping.Flatten):
    """A rank-1 (batch only) input stays (N,) instead of becoming (N, 1), in shape and call."""

    def compute_output_shape(self, input_shape):
        return tuple(input_shape) if len(input_shape) == 1 else super().compute_output_shape(input_shape)

    def call(self, x, *, weights, training, mask, rng):
        return x.copy() if x.ndim == 1 else super().call(x, weights=weights, training=training, mask=mask, rng=rng)


class _FlattenChannelsFirstSpatialOnly(reshaping.Flatten):
    """channels_first: flattens only the spatial axes' size (drops the channels from the product)."""

    def compute_output_shape(self, input_shape):
        if self.data_format == "channels_first" and len(input_shape) > 2 and None not in input_shape[2:]:
            return (input_shape[0], math.prod(input_shape[2:]))
        return super().compute_output_shape(input_shape)


class _RepeatVectorWrongAxis(reshaping.RepeatVector):
    """(batch, features) -> (batch, features, n), in shape and call."""

    def compute_output_shape(self, input_shape):
        return (input_shape[0], input_shape[1], self.n)

    def call(self, x, *, weights, training, mask, rng):
        return np.repeat(x[:, :, None], self.n, axis=2)


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


# --- rejects -----------------------------------------------------------------------------------
class _ReshapeTwoMinusOnes(reshaping.Reshape):
    """Accepts several -1s: every -1 after the first becomes 1."""

    def __init__(self, target_shape, *, edition="keras3"):
        try:
            t = list(target_shape)
        except TypeError:
            t = target_shape
        if isinstance(t, list) and t.count(-1) > 1:
            first = t.index(-1)
            t = [1 if d == -1 and i != first else d for i, d in enumerate(t)]
        super().__init__(t, edition=edition)


class _ReshapeFloorDivision(reshaping.Reshape):
    """Infers -1 by floor division and drops the remainder elements, instead of rejecting."""

    def _resolve(self, s):
        if None in s or -1 not in self.target_shape:
            return super()._resolve(s)
        known = math.prod(d for d in self.target_shape if d != -1) or 1
        return tuple(math.prod(s) // known if d == -1 else d for d in self.target_shape)

    def call(self, x, *, weights, training, mask, rng):
        if x.ndim == 0:
            return super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        t = self._resolve(x.shape[1:])
        flat = x.reshape(x.shape[0], -1)[:, : math.prod(t)]
        return flat.reshape((x.shape[0], *t))


class _PermuteAcceptsZeroIndexed(reshaping.Permute):
    """0-indexed dims silently shifted to 1-indexed."""

    def __init__(self, dims, *, edition="keras3"):
        try:
            dims = tuple(dims)
            if sorted(dims) == list(range(len(dims))):
                dims = tuple(d + 1 for d in dims)
        except TypeError:
            pass
        super().__init__(dims, edition=edition)


class _RepeatVectorAnyRank(reshaping.RepeatVector):
    """Repeats any input along a new axis 1, without the rank-2 check."""

    def compute_output_shape(self, input_shape):
        return (input_shape[0], self.n, *input_shape[1:])

    def call(self, x, *, weights, training, mask, rng):
        return np.repeat(x[:, None], self.n, axis=1)


class _DenseRank1AsSample(core.Dense):
    """A rank-1 input taken as one sample: x @ kernel + bias of shape (units,)."""

    def weight_shapes(self, input_shape):
        return super().weight_shapes((1, *input_shape) if len(input_shape) == 1 else input_shape)

    def call(self, x, *, weights, training, mask, rng):
        if x.ndim == 1:
            return super().call(x[None], weights=weights, training=training, mask=mask, rng=rng)[0]
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


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


class _FlattenAnyDataFormat(reshaping.Flatten):
    """Any data_format other than channels_first is taken as channels_last."""

    def __init__(self, data_format=None, *, edition="keras3"):
        df = str(data_format).lower() if data_format is not None else None
        super().__init__(df if df == "channels_first" else None, edition=edition)


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


class _MaskingConfigDropsValue(masking.Masking):
    def get_config(self):
        return {}


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


class _LambdaConfigDropsArguments(core.Lambda):
    def get_config(self):
        config = super().get_config()
        config.pop("arguments")
        return config


class _ReshapeConfigDropsMinusOne(reshaping.Reshape):
    """get_config gives the target shape with its -1 resolved for the last input seen... here 1."""

    def get_config(self):
        return {"target_shape": tuple(1 if d == -1 else d for d in self.target_shape)}


def _m(test, check, feature, cls):
    return Mutant, {feature: cls}, test, check, feature


MUTANTS = {
    # shapes
    "reshape_infers_last": _m("layers_shapes", "shapes", "layers.Reshape", _ReshapeInfersLast),
    "reshape_shape_counts_batch": _m("layers_shapes", "shapes", "layers.Reshape", _ReshapeCountsBatch),
    "permute_shape_inverted": _m("layers_shapes", "shapes", "layers.Permute", _PermuteShapeInverted),
    "flatten_none_as_one": _m("layers_shapes", "shapes", "layers.Flatten", _FlattenNoneAsOne),
    "flatten_rank1_vector": _m("layers_shapes", "shapes", "layers.Flatten", _FlattenRank1Vector),
    "repeat_vector_wrong_axis": _m("layers_shapes", "shapes", "layers.RepeatVector", _RepeatVectorWrongAxis),
    "dense_shape_flattens": _m("layers_shapes", "shapes", "layers.Dense", _DenseShapeFlattens),
    "lambda_tuple_no_batch": _m("layers_shapes", "shapes", "layers.Lambda", _LambdaTupleNoBatch),
    "lambda_shape_function_first_only": _m("layers_shapes", "shapes", "layers.Lambda", _LambdaShapeFunctionFirstOnly),
    # input
    "input_default_float64": _m("layers_shapes", "input", "layers.Input", _InputDefaultFloat64),
    "input_batch_size_ignored": _m("layers_shapes", "input", "layers.Input", _InputBatchSizeIgnored),
    "input_batch_shape_as_shape": _m("layers_shapes", "input", "layers.Input", _InputBatchShapeAsShape),
    # seed_page
    "seed_page_permute_zero_indexed": _m("layers_shapes", "seed_page", "layers.Permute", _PermuteZeroIndexed),
    "seed_page_flatten_channels_first_spatial": _m("layers_shapes", "seed_page", "layers.Flatten",
                                                   _FlattenChannelsFirstSpatialOnly),
    "seed_page_reshape_infers_last": _m("layers_shapes", "seed_page", "layers.Reshape", _ReshapeInfersLast),
    "seed_page_dense_keeps_input_dim": _m("layers_shapes", "seed_page", "layers.Dense", _DenseShapeKeepsInput),
    "seed_page_input_default_float64": _m("layers_shapes", "seed_page", "layers.Input", _InputDefaultFloat64),
    # rejects
    "reshape_accepts_two_minus_ones": _m("layers_config", "rejects", "layers.Reshape", _ReshapeTwoMinusOnes),
    "reshape_floor_division": _m("layers_config", "rejects", "layers.Reshape", _ReshapeFloorDivision),
    "permute_accepts_zero_indexed": _m("layers_config", "rejects", "layers.Permute", _PermuteAcceptsZeroIndexed),
    "repeat_vector_any_rank": _m("layers_config", "rejects", "layers.RepeatVector", _RepeatVectorAnyRank),
    "dense_rank1_as_sample": _m("layers_config", "rejects", "layers.Dense", _DenseRank1AsSample),
    "dropout_clips_rate": _m("layers_config", "rejects", "layers.Dropout", _DropoutClipsRate),
    "dropout_noise_shape_unchecked": _m("layers_config", "rejects", "layers.Dropout", _DropoutNoiseShapeUnchecked),
    "spatial_dropout2d_any_rank": _m("layers_config", "rejects", "layers.SpatialDropout2D", _SpatialDropout2DAnyRank),
    "flatten_any_data_format": _m("layers_config", "rejects", "layers.Flatten", _FlattenAnyDataFormat),
    "input_default_shape": _m("layers_config", "rejects", "layers.Input", _InputDefaultShape),
    "lambda_output_shape_unchecked": _m("layers_config", "rejects", "layers.Lambda", _LambdaOutputShapeUnchecked),
    # roundtrip
    "dense_config_drops_use_bias": _m("layers_config", "roundtrip", "layers.Dense", _DenseConfigDropsUseBias),
    "dense_default_glorot_normal": _m("layers_config", "roundtrip", "layers.Dense", _DenseDefaultGlorotNormal),
    "masking_config_drops_mask_value": _m("layers_config", "roundtrip", "layers.Masking", _MaskingConfigDropsValue),
    "dropout_config_drops_noise_shape": _m("layers_config", "roundtrip", "layers.Dropout",
                                           _DropoutConfigDropsNoiseShape),
    "spatial_dropout2d_config_no_data_format": _m("layers_config", "roundtrip", "layers.SpatialDropout2D",
                                                  _SpatialDropout2DConfigNoDataFormat),
    "lambda_config_drops_arguments": _m("layers_config", "roundtrip", "layers.Lambda", _LambdaConfigDropsArguments),
    "reshape_config_drops_minus_one": _m("layers_config", "roundtrip", "layers.Reshape", _ReshapeConfigDropsMinusOne),
}
