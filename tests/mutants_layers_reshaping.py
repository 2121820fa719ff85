"""Mutants of Flatten, Reshape, Permute and RepeatVector (conformance/test_layers_reshaping.py): each a
reference layer with one semantic broken, as a port could get it wrong."""

from __future__ import annotations

import math

import numpy as np

from reference.layers import reshaping
from tests.mutants import target


# --- values ------------------------------------------------------------------------------------
class _FlattenIgnoresChannelsFirst(reshaping.Flatten):
    def call(self, x, *, weights, training, mask, rng):
        return np.reshape(x, (x.shape[0], math.prod(x.shape[1:])))


class _ReshapeColumnMajor(reshaping.Reshape):
    def call(self, x, *, weights, training, mask, rng):
        out = super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        return np.stack([np.reshape(np.ravel(v, order="F"), out.shape[1:], order="F") for v in x])


class _PermuteInverted(reshaping.Permute):
    """dims read as 0-based over the non-batch axes' positions, i.e. the permutation inverted."""

    def call(self, x, *, weights, training, mask, rng):
        inverse = tuple(int(i) + 1 for i in np.argsort(self.dims))
        return np.transpose(x, (0, *inverse))


class _RepeatVectorElementwise(reshaping.RepeatVector):
    """np.repeat on the feature axis, then reshaped: [x0, x0, x1, x1] instead of [x, x]."""

    def call(self, x, *, weights, training, mask, rng):
        return np.repeat(x, self.n, axis=1).reshape(x.shape[0], self.n, x.shape[1])


# --- shapes, seed_page -------------------------------------------------------------------------
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


# --- propagation -------------------------------------------------------------------------------
class _FlattenPassesMask(reshaping.Flatten):
    supports_masking = True


class _ReshapePassesMask(reshaping.Reshape):
    supports_masking = True


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


class _FlattenAnyDataFormat(reshaping.Flatten):
    """Any data_format other than channels_first is taken as channels_last."""

    def __init__(self, data_format=None, *, edition="keras3"):
        df = str(data_format).lower() if data_format is not None else None
        super().__init__(df if df == "channels_first" else None, edition=edition)


# --- roundtrip ---------------------------------------------------------------------------------
class _ReshapeConfigDropsMinusOne(reshaping.Reshape):
    """get_config gives the target shape with its -1 resolved for the last input seen... here 1."""

    def get_config(self):
        return {"target_shape": tuple(1 if d == -1 else d for d in self.target_shape)}


MUTANTS = {
    # values
    "flatten_ignores_channels_first": target("values", "layers.Flatten", _FlattenIgnoresChannelsFirst),
    "reshape_column_major": target("values", "layers.Reshape", _ReshapeColumnMajor),
    "permute_inverted": target("values", "layers.Permute", _PermuteInverted),
    "repeat_vector_elementwise": target("values", "layers.RepeatVector", _RepeatVectorElementwise),
    # shapes
    "reshape_infers_last": target("shapes", "layers.Reshape", _ReshapeInfersLast),
    "reshape_shape_counts_batch": target("shapes", "layers.Reshape", _ReshapeCountsBatch),
    "permute_shape_inverted": target("shapes", "layers.Permute", _PermuteShapeInverted),
    "flatten_none_as_one": target("shapes", "layers.Flatten", _FlattenNoneAsOne),
    "flatten_rank1_vector": target("shapes", "layers.Flatten", _FlattenRank1Vector),
    "repeat_vector_wrong_axis": target("shapes", "layers.RepeatVector", _RepeatVectorWrongAxis),
    # seed_page
    "seed_page_permute_zero_indexed": target("seed_page", "layers.Permute", _PermuteZeroIndexed),
    "seed_page_flatten_channels_first_spatial": target("seed_page", "layers.Flatten", _FlattenChannelsFirstSpatialOnly),
    "seed_page_reshape_infers_last": target("seed_page", "layers.Reshape", _ReshapeInfersLast),
    # propagation
    "flatten_passes_mask": target("propagation", "layers.Flatten", _FlattenPassesMask),
    "reshape_passes_mask": target("propagation", "layers.Reshape", _ReshapePassesMask),
    # rejects
    "reshape_accepts_two_minus_ones": target("rejects", "layers.Reshape", _ReshapeTwoMinusOnes),
    "reshape_floor_division": target("rejects", "layers.Reshape", _ReshapeFloorDivision),
    "permute_accepts_zero_indexed": target("rejects", "layers.Permute", _PermuteAcceptsZeroIndexed),
    "repeat_vector_any_rank": target("rejects", "layers.RepeatVector", _RepeatVectorAnyRank),
    "flatten_any_data_format": target("rejects", "layers.Flatten", _FlattenAnyDataFormat),
    # roundtrip
    "reshape_config_drops_minus_one": target("roundtrip", "layers.Reshape", _ReshapeConfigDropsMinusOne),
}
