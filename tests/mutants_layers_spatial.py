"""Mutants of the cropping, zero-padding and up-sampling layers (conformance/test_layers_spatial.py):
each a reference layer with one semantic broken the way a port could get it wrong."""

from __future__ import annotations

import numpy as np

from reference.layers import spatial as S
from tests.mutants import target


class _CroppingSwapped(S.Cropping2D):
    """(top, bottom) read as (bottom, top): x[bottom : H - top]."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.cropping = tuple((b, a) for a, b in self.cropping)

    def get_config(self):
        return {"cropping": tuple((b, a) for a, b in self.cropping), "data_format": self.data_format}


class _Cropping1DNegativeZeroEnd(S.Cropping1D):
    """The naive slice x[:, c0:-c1] without Keras' c1 == 0 special case: x[c0:-0] is x[c0:0], empty."""

    def call(self, x, *, weights, training, mask, rng):
        self._check_rank(x.shape)
        self._reject_too_large(x.shape)
        (c0, c1), = self.cropping
        return x[:, c0:-c1].copy()


class _Cropping3DNoCheck(S.Cropping3D):
    """A crop as large as the input gives an empty axis (tf-keras' Cropping3D) instead of an error."""

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        return self._map_shape(input_shape, lambda i, d: max(d - sum(self.cropping[i]), 0))

    def call(self, x, *, weights, training, mask, rng):
        self._check_rank(x.shape)
        index = [slice(None)] * x.ndim
        for (c0, c1), a in zip(self.cropping, self._axes()):
            index[a] = slice(c0, x.shape[a] - c1)
        return x[tuple(index)].copy()


class _CroppingNegativeAccepted(S.Cropping2D):
    """A negative int cropping silently taken as its absolute value."""

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, *, edition="keras3"):
        super().__init__(abs(cropping) if isinstance(cropping, int) else cropping, data_format, edition=edition)


class _ZeroPaddingChannelsFirstIgnored(S.ZeroPadding2D):
    """Pads axes 1, 2 whatever the data_format (the channels_first mix-up)."""

    def _axes(self):
        return [1, 2]


class _ZeroPaddingValueNotZero(S.ZeroPadding3D):
    """Pads with the edge values (mode="edge") instead of zeros."""

    def call(self, x, *, weights, training, mask, rng):
        self._check_rank(x.shape)
        widths = [(0, 0)] * x.ndim
        for pair, a in zip(self.padding, self._axes()):
            widths[a] = pair
        return np.pad(x, widths, mode="edge") if x.size else np.pad(x, widths)


class _ZeroPaddingNegativeZero(S.ZeroPadding1D):
    """Pads with -0.0 (a port that builds the padding as -0.0 * ones)."""

    def call(self, x, *, weights, training, mask, rng):
        y = super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        keep = np.zeros(y.shape, bool)
        index = [slice(None)] * y.ndim
        for (p0, _), a in zip(self.padding, self._axes()):
            index[a] = slice(p0, p0 + x.shape[a])
        keep[tuple(index)] = True
        return np.where(keep, y, -0.0)


class _ZeroPaddingNegativeClamped(S.ZeroPadding2D):
    """A negative int padding clamped to 0 (the call pads nothing) instead of being handed to ops.pad."""

    def call(self, x, *, weights, training, mask, rng):
        self.padding, saved = tuple((max(a, 0), max(b, 0)) for a, b in self.padding), self.padding
        try:
            return super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        finally:
            self.padding = saved


class _ZeroPadding1DSwappedAxis(S.ZeroPadding1D):
    """channels_first pads the channel axis (axis 1) instead of the steps (axis 2)."""

    def _axes(self):
        return [1]

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        out = list(input_shape)
        if out[1] is not None:
            out[1] += sum(self.padding[0])
        return tuple(out)


class _UpSamplingTile(S.UpSampling1D):
    """np.tile: the whole sequence repeated (a b a b) instead of each step (a a b b)."""

    def call(self, x, *, weights, training, mask, rng):
        self._check_rank(x.shape)
        return np.tile(x, (1, self.size[0], 1))


class _UpSampling3DSizeReversed(S.UpSampling3D):
    """size (s1, s2, s3) applied to the spatial axes in reverse order."""

    def _axes(self):
        return super()._axes()[::-1]


class _UpSampling2DWrongAxis(S.UpSampling2D):
    """The height factor applied to the width and vice versa, in the shape and the values."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.size = self.size[::-1]

    def get_config(self):
        return {**super().get_config(), "size": self.size[::-1]}


class _BilinearAlignCorners(S.UpSampling2D):
    """align_corners=True sampling (u = i (n - 1)/(n s - 1)) instead of half-pixel centers."""

    def call(self, x, *, weights, training, mask, rng):
        if self.interpolation != "bilinear":
            return super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        x = np.asarray(x, np.float64)
        for s, a in zip(self.size, self._axes()):
            n = x.shape[a]
            m = n * s
            u = np.arange(m) * ((n - 1) / (m - 1) if m > 1 else 0.0)
            lo = np.floor(u).astype(int)
            hi = np.minimum(lo + 1, n - 1)
            w = (u - lo).reshape((-1,) + (1,) * (x.ndim - a - 1))
            x = np.take(x, lo, axis=a) * (1 - w) + np.take(x, hi, axis=a) * w
        return x


class _UpSampling1DAcceptsFloat(S.UpSampling1D):
    """size=2.0 accepted (int(size), Keras 2's way) instead of a TypeError."""

    def __init__(self, size=2, *, edition="keras3"):
        super().__init__(int(size) if isinstance(size, float) else size, edition=edition)


class _UpSampling2DInterpolationLost(S.UpSampling2D):
    """get_config drops the interpolation (a clone falls back to nearest)."""

    def get_config(self):
        return {"size": self.size, "data_format": self.data_format}


class _CroppingConfigFlat(S.Cropping3D):
    """get_config gives the constructor's argument unnormalized: an int stays an int."""

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, *, edition="keras3"):
        super().__init__(cropping, data_format, edition=edition)
        self._raw = cropping

    def get_config(self):
        return {"cropping": self._raw, "data_format": self.data_format}


class _MaskPassedThrough(S.Cropping1D):
    """supports_masking: the incoming mask handed on unchanged (not even cropped)."""

    supports_masking = True


class _CroppingNoneSpatialZero(S.Cropping2D):
    """An unknown (None) width comes out as 1 instead of None."""

    def compute_output_shape(self, input_shape):
        out = list(super().compute_output_shape(input_shape))
        a = self._axes()[1]
        if input_shape[a] is None:
            out[a] = 1
        return tuple(out)


class _CroppingConfigDropsCropping(S.Cropping2D):
    """get_config leaves out cropping: the clone crops the default ((0, 0), (0, 0)), another output shape."""

    def get_config(self):
        return {"data_format": self.data_format}


MUTANTS = {
    "spatial_cropping_top_bottom_swapped": target("values", "layers.Cropping2D", _CroppingSwapped),
    "spatial_cropping1d_naive_end_slice": target("values", "layers.Cropping1D", _Cropping1DNegativeZeroEnd),
    "spatial_cropping3d_empty_not_error": target("rejects", "layers.Cropping3D", _Cropping3DNoCheck),
    "spatial_cropping_negative_accepted": target("rejects", "layers.Cropping2D", _CroppingNegativeAccepted),
    "spatial_padding_channels_first_ignored": target("values", "layers.ZeroPadding2D",
                                                     _ZeroPaddingChannelsFirstIgnored),
    "spatial_padding_edge_not_zero": target("values", "layers.ZeroPadding3D", _ZeroPaddingValueNotZero),
    "spatial_padding_negative_zero": target("values", "layers.ZeroPadding1D", _ZeroPaddingNegativeZero),
    "spatial_padding1d_wrong_axis": target("shapes", "layers.ZeroPadding1D", _ZeroPadding1DSwappedAxis),
    "spatial_padding_negative_clamped": target("implementation_defined", "layers.ZeroPadding2D",
                                               _ZeroPaddingNegativeClamped),
    "spatial_upsampling_tile": target("values", "layers.UpSampling1D", _UpSamplingTile),
    "spatial_upsampling3d_size_reversed": target("values", "layers.UpSampling3D", _UpSampling3DSizeReversed),
    "spatial_upsampling2d_size_wrong_axis": target("shapes", "layers.UpSampling2D", _UpSampling2DWrongAxis),
    "spatial_bilinear_align_corners": target("bilinear", "layers.UpSampling2D", _BilinearAlignCorners),
    "spatial_upsampling1d_accepts_float": target("rejects", "layers.UpSampling1D", _UpSampling1DAcceptsFloat),
    "spatial_upsampling2d_config_drops_interpolation": target("roundtrip", "layers.UpSampling2D",
                                                              _UpSampling2DInterpolationLost),
    "spatial_cropping3d_config_unnormalized": target("roundtrip", "layers.Cropping3D", _CroppingConfigFlat),
    "spatial_cropping2d_config_drops_cropping": target("roundtrip", "layers.Cropping2D", _CroppingConfigDropsCropping),
    "spatial_cropping1d_keeps_mask": target("masks", "layers.Cropping1D", _MaskPassedThrough),
    "spatial_cropping2d_unknown_width_known": target("shapes", "layers.Cropping2D", _CroppingNoneSpatialZero),
}
