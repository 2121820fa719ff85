"""Cropping, zero-padding and up-sampling layers (Cropping1D/2D/3D, ZeroPadding1D/2D/3D,
UpSampling1D/2D/3D): layers that only move data along the spatial axes.

Shared rules:

- Spatial axes: channels_last inputs are (batch, *spatial, channels), channels_first ones
  (batch, channels, *spatial). Cropping1D and UpSampling1D have no data_format (always axis 1);
  ZeroPadding1D has one in Keras 3 (not in Keras 2).
- Values are exact (0 ULP): every output element is a copy of an input element or +0.0
  (NaN, ±inf, -0.0 and subnormals pass through unchanged). The one exception is UpSampling2D
  with interpolation="bilinear", which computes weighted sums.
- None of these layers supports masking (Keras 3 ``Layer`` sets supports_masking only for a layer
  that overrides compute_mask, and none does): an incoming mask is dropped, compute_mask gives None.
- The Keras 3 input spec fixes the rank (3, 4 or 5): the call rejects another rank ("inputs").
  Keras' own compute_output_shape does not check the rank (it indexes the shape); the spec's does.
- Keras 2's compute_output_shape of every one of these layers returns a tf.TensorShape, which
  rejects a negative dimension ("Dimension -1 must be >= 0"): a crop larger than a known input dim,
  or UpSampling1D's negative size on a known length, is rejected there (a result of 0 is not); e.g.
  tf_keras/src/layers/reshaping/cropping2d.py:126, up_sampling1d.py:75.
"""

from __future__ import annotations

import numpy as np

from reference.editions import KERAS2, KERAS3
from reference.errors import SpecError, require
from reference.layers.base import Layer, require_rank, standardize_data_format, standardize_tuple
from reference.registry import feature

ORDINALS = ("1st", "2nd", "3rd")
# Keras 3's ops.image.resize methods (the TensorFlow backend's RESIZE_INTERPOLATIONS): UpSampling2D
# computes "nearest" and "bilinear"; the others are backend-specific (see UpSampling2D).
RESIZE_INTERPOLATIONS = ("bilinear", "nearest", "lanczos3", "lanczos5", "bicubic", "area")
IMPLEMENTATION_DEFINED_INTERPOLATIONS = ("bicubic", "lanczos3", "lanczos5", "area")
# tf-keras image_utils._RESIZE_METHODS (checked by the constructor).
KERAS2_INTERPOLATIONS = ("area", "bicubic", "bilinear", "gaussian", "lanczos3", "lanczos5", "mitchellcubic", "nearest")


class ImplementationDefined(SpecError):
    """What the framework does is implementation-defined (it differs between Keras backends): the
    spec does not compute it. A check that meets it records what the adapter does as information."""

    def __init__(self, argument: str, message: str):
        super().__init__(argument, f"{message} (implementation-defined)")


def _is_int(value) -> bool:
    """Keras' ``isinstance(value, int)``: a Python int or bool, not np.integer."""
    return isinstance(value, int)


def _pair(value, name: str, label: str, *, positive: bool = False) -> tuple[int, ...]:
    """standardize_tuple(value, 2, label, allow_zero=not positive), its SpecError re-named to ``name``."""
    try:
        return standardize_tuple(value, 2, label, allow_zero=not positive)
    except SpecError as e:
        raise SpecError(name, str(e).split(": ", 1)[-1]) from None


def _pairs(value, n: int, name: str, *, negative_int_ok: bool) -> tuple[tuple[int, int], ...]:
    """Cropping2D/3D's and ZeroPadding2D/3D's argument: an int (the same pair on every axis), or n
    entries, each an int (symmetric) or a pair (before, after) of ints >= 0."""
    if _is_int(value):
        require(negative_int_ok or value >= 0, name, f"`{name}` cannot be negative. Received: {name}={value}.")
        return ((int(value), int(value)),) * n
    what = "two" if n == 2 else str(n)
    require(hasattr(value, "__len__") and not isinstance(value, (dict, str)), name,
            f"`{name}` should be either an int, a tuple of {n} ints, or a tuple of {n} tuples of 2 ints. "
            f"Received: {name}={value}.")
    require(len(value) == n, name, f"`{name}` should have {what} elements. Received: {name}={value}.")
    return tuple(_pair(v, name, f"{ORDINALS[i]} entry of {name}") for i, v in enumerate(value))


class _Spatial(Layer):
    """rank spatial axes; ``has_data_format`` False: always channels_last (Cropping1D, UpSampling1D)."""

    rank = 1
    has_data_format = True

    def _init_data_format(self, data_format):
        self.data_format = standardize_data_format(data_format) if self.has_data_format else "channels_last"

    def _axes(self) -> list[int]:
        first = 2 if self.data_format == "channels_first" else 1
        return list(range(first, first + self.rank))

    def _config_format(self) -> dict:
        return {"data_format": self.data_format} if self.has_data_format else {}

    def _check_rank(self, shape):
        require_rank(shape, ndim=self.rank + 2)

    def _map_shape(self, input_shape, fn):
        """input_shape with each spatial dim d (known) replaced by fn(i, d); None stays None. Keras 2
        returns the result as a tf.TensorShape, which rejects a negative dimension."""
        self._check_rank(input_shape)
        out = list(input_shape)
        for i, a in enumerate(self._axes()):
            if out[a] is not None:
                out[a] = fn(i, out[a])
        if self.edition == KERAS2:
            bad = [d for d in out if d is not None and d < 0]
            require(not bad, "inputs", f"Dimension {bad[0] if bad else 0} must be >= 0 (the output shape "
                                       f"{tuple(out)} of input shape {tuple(input_shape)})")
        return tuple(out)


# --- Cropping ----------------------------------------------------------------------------------
class _Cropping(_Spatial):
    def _too_large(self, shape) -> bool:
        return any(d is not None and c0 + c1 >= d for (c0, c1), d in zip(self.cropping, [shape[a] for a in self._axes()]))

    def _reject_too_large(self, shape):
        require(not self._too_large(shape), "cropping",
                f"Values in `cropping` argument should be smaller than the corresponding spatial dimension of the "
                f"input. Received: input_shape={tuple(shape)}, cropping={self.cropping}")

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        if self.edition == KERAS3:
            self._reject_too_large(input_shape)
        return self._map_shape(input_shape, self._cropped_length)

    def _cropped_length(self, i, d):
        c0, c1 = self.cropping[i]
        if self.edition == KERAS2 and self.rank == 2 and d == 0:
            return None  # tf-keras Cropping2D tests the dim for truth: 0 gives None
        return d - c0 - c1

    def call(self, x, *, weights, training, mask, rng):
        self._check_rank(x.shape)
        if self.edition == KERAS3 or self.rank < 3:  # tf-keras Cropping3D.call has no check
            self._reject_too_large(x.shape)
        index = [slice(None)] * x.ndim
        for (c0, c1), a in zip(self.cropping, self._axes()):
            # Keras' own slice, x[c0:-c1] (x[c0:] when c1 == 0), with Python's slice semantics.
            index[a] = slice(c0, -c1 if c1 else None)
        return x[tuple(index)].copy()

    def get_config(self):
        return {"cropping": self.cropping, **self._config_format()}


@feature("layers", seed_page="000")
class Cropping1D(_Cropping):
    """Crops the time axis (axis 1) of a (batch, steps, features) input.

    Formula: cropping = (c0, c1): y = x[:, c0 : steps - c1, :]; output shape (batch, steps - c0 - c1,
        features) (None stays None). Values are copied exactly (NaN, ±inf, -0.0 included).
        E.g. cropping=1 on (2, 3, 2) arange gives [[[2, 3]], [[8, 9]]].
    Defaults: cropping=(1, 1); an int c means (c, c). get_config() == {"cropping": (c0, c1)}.
        supports_masking: False (an incoming mask is dropped).
    Errors: cropping not an int or 2 ints, or negative ("cropping": standardize_tuple with
        allow_zero); c0 + c1 >= steps (an empty or negative output) in compute_output_shape and the
        call ("cropping": must be smaller than the input length) — an error, never an empty output;
        an input rank other than 3 ("inputs": expected ndim=3).
    Editions: Keras 2's compute_output_shape does not check the cropping (it gives steps - c0 - c1,
        possibly 0; a negative length is rejected by its tf.TensorShape, tf_keras/src/layers/reshaping/
        cropping1d.py:71-77); its call rejects c0 + c1 >= steps as Keras 3 does. Otherwise the same.
    Source: keras/src/layers/reshaping/cropping1d.py Cropping1D (Keras 3.15.1);
        tf_keras/layers/reshaping/cropping1d.py; seed page 000.
    """

    has_data_format = False

    def __init__(self, cropping=(1, 1), *, edition=KERAS3):
        super().__init__(edition=edition)
        self._init_data_format(None)
        c = standardize_tuple(cropping, 2, "cropping", allow_zero=True)
        self.cropping = (c,)

    def get_config(self):
        return {"cropping": self.cropping[0]}


@feature("layers", seed_page="000")
class Cropping2D(_Cropping):
    """Crops the height and width axes of a rank-4 input.

    Formula: cropping = ((top, bottom), (left, right)): channels_last
        y = x[:, top : H - bottom, left : W - right, :], channels_first y = x[:, :, top : H - bottom,
        left : W - right]; output shape H - top - bottom, W - left - right on the spatial axes (None
        stays None). Values are copied exactly.
    Defaults: cropping=((0, 0), (0, 0)) (the identity), data_format=None ("channels_last"). An int c
        means ((c, c), (c, c)); a pair (a, b) of ints means ((a, a), (b, b)); a pair of pairs is taken
        as is. get_config() == {"cropping": ((top, bottom), (left, right)), "data_format"}.
        supports_masking: False.
    Errors: a negative int ("cropping": cannot be negative); a sequence of another length than 2, or
        not an int nor a sequence ("cropping"); an entry that is not an int or 2 ints >= 0 ("cropping",
        Keras names it "1st/2nd entry of cropping"); top + bottom >= H or left + right >= W (known
        dims) in compute_output_shape and the call ("cropping": should be smaller than the spatial
        dimension) — an error, never an empty output; rank other than 4 ("inputs"); a bad data_format.
    Editions: Keras 2 does not reject a negative int (its call then slices x[c:-c] literally:
        cropping=-1 takes x[-1:1]); its compute_output_shape does not check the cropping and gives
        None for a spatial dim of 0 (it tests the dim for truth); a crop larger than a known dim gives a
        negative dim, which its tf.TensorShape rejects (tf_keras/src/layers/reshaping/cropping2d.py:126),
        a crop equal to it gives 0. Its call checks as Keras 3.
    Source: keras/src/layers/reshaping/cropping2d.py Cropping2D (Keras 3.15.1);
        tf_keras/layers/reshaping/cropping2d.py; seed page 000.
    """

    rank = 2

    def __init__(self, cropping=((0, 0), (0, 0)), data_format=None, *, edition=KERAS3):
        super().__init__(edition=edition)
        self._init_data_format(data_format)
        self.cropping = _pairs(cropping, 2, "cropping", negative_int_ok=edition == KERAS2)


@feature("layers", seed_page="000")
class Cropping3D(_Cropping):
    """Crops the three spatial axes of a rank-5 input.

    Formula: cropping = ((a0, a1), (b0, b1), (c0, c1)): channels_last
        y = x[:, a0 : D1 - a1, b0 : D2 - b1, c0 : D3 - c1, :] (channels_first: the same on axes 2-4);
        output spatial dims Di - (before + after) (None stays None). Values are copied exactly.
    Defaults: cropping=((1, 1), (1, 1), (1, 1)), data_format=None ("channels_last"). An int c means
        ((c, c),) * 3; three ints mean symmetric pairs; three pairs are taken as is.
        get_config() == {"cropping": ((a0, a1), (b0, b1), (c0, c1)), "data_format"}. supports_masking: False.
    Errors: a negative int; a sequence of another length than 3, an entry that is not an int or 2 ints
        >= 0 ("cropping"); before + after >= Di for a known dim, in compute_output_shape and the call
        ("cropping") — an error, never an empty output; rank other than 5 ("inputs"); a bad data_format.
    Editions: Keras 2 does not reject a negative int; neither its compute_output_shape nor its call
        checks the cropping against the input: the call slices literally, so a cropping >= the dim
        gives an empty axis (Keras 3 rejects it), and compute_output_shape gives Di - before - after
        (a negative result is rejected by its tf.TensorShape, tf_keras/src/layers/reshaping/cropping3d.py:121-166).
    Source: keras/src/layers/reshaping/cropping3d.py Cropping3D (Keras 3.15.1);
        tf_keras/layers/reshaping/cropping3d.py; seed page 000.
    """

    rank = 3

    def __init__(self, cropping=((1, 1), (1, 1), (1, 1)), data_format=None, *, edition=KERAS3):
        super().__init__(edition=edition)
        self._init_data_format(data_format)
        self.cropping = _pairs(cropping, 3, "cropping", negative_int_ok=edition == KERAS2)


# --- ZeroPadding -------------------------------------------------------------------------------
class _ZeroPadding(_Spatial):
    def compute_output_shape(self, input_shape):
        return self._map_shape(input_shape, lambda i, d: d + self.padding[i][0] + self.padding[i][1])

    def call(self, x, *, weights, training, mask, rng):
        self._check_rank(x.shape)
        if any(p < 0 for pair in self.padding for p in pair):
            raise ImplementationDefined("padding", f"negative padding {self.padding}: ops.pad with negative widths "
                                                   f"is rejected by TensorFlow and NumPy, crops on torch")
        widths = [(0, 0)] * x.ndim
        for pair, a in zip(self.padding, self._axes()):
            widths[a] = pair
        return np.pad(x, widths, mode="constant", constant_values=0.0)

    def get_config(self):
        return {"padding": self.padding, **self._config_format()}


@feature("layers", seed_page="000")
class ZeroPadding1D(_ZeroPadding):
    """Pads the time axis of a rank-3 input with zeros.

    Formula: padding = (p0, p1): channels_last y has shape (batch, steps + p0 + p1, features) with
        y[:, p0 : p0 + steps, :] = x and +0.0 elsewhere (channels_first: the same on axis 2). Values are
        copied exactly; the padding is +0.0 (not -0.0) in every dtype.
    Defaults: padding=1 ((1, 1)); an int p means (p, p); data_format=None ("channels_last").
        get_config() == {"padding": (p0, p1), "data_format"}. supports_masking: False.
    Errors: padding not an int or 2 ints, or negative ("padding": standardize_tuple with allow_zero);
        rank other than 3 ("inputs"); a bad data_format ("data_format").
    Editions: Keras 2's ZeroPadding1D has no data_format (always channels_last; passing one is a
        TypeError there, rejected as "data_format"), and get_config() == {"padding": (p0, p1)}; its
        signature is ZeroPadding1D(padding=1, **kwargs) (tf_keras/src/layers/reshaping/zero_padding1d.py).
    Source: keras/src/layers/reshaping/zero_padding1d.py ZeroPadding1D (Keras 3.15.1);
        tf_keras/layers/reshaping/zero_padding1d.py; seed page 000.
    """

    edition_signatures = {"keras2": {"init": "padding=1, **kwargs"}}

    def __init__(self, padding=1, data_format=None, *, edition=KERAS3):
        super().__init__(edition=edition)
        if edition == KERAS2:
            require(data_format is None, "data_format", "Keras 2's ZeroPadding1D has no `data_format` argument")
            self.has_data_format = False
        self._init_data_format(data_format)
        self.padding = (standardize_tuple(padding, 2, "padding", allow_zero=True),)

    def get_config(self):
        return {"padding": self.padding[0], **self._config_format()}


@feature("layers", seed_page="000")
class ZeroPadding2D(_ZeroPadding):
    """Pads the height and width axes of a rank-4 input with zeros.

    Formula: padding = ((top, bottom), (left, right)): the output has H + top + bottom rows and
        W + left + right columns (on axes 1, 2 channels_last; 2, 3 channels_first), x at
        [top : top + H, left : left + W] and +0.0 elsewhere. Values are copied exactly.
    Defaults: padding=(1, 1) (((1, 1), (1, 1))); an int p means ((p, p), (p, p)); a pair (a, b) of
        ints means ((a, a), (b, b)); data_format=None ("channels_last").
        get_config() == {"padding": ((top, bottom), (left, right)), "data_format"}. supports_masking: False.
    Errors: a sequence of another length than 2, or neither an int nor a sequence (an np.int64 too:
        Keras tests isinstance(padding, int)) ("padding"); an entry that is not an int or 2 ints >= 0
        ("padding", Keras names it "1st/2nd entry of padding"); rank other than 4 ("inputs"); a bad
        data_format.
    Implementation-defined: a negative int padding passes the constructor (only the entries of a
        sequence are checked) and compute_output_shape gives H + 2p; the call hands negative widths to
        ops.pad, which TensorFlow (InvalidArgumentError) and NumPy reject and torch turns into a crop.
        The spec raises :class:`ImplementationDefined` ("padding") there.
    Editions: the same in Keras 2 (tf-keras spatial_2d_padding; a negative int passes its
        constructor too), except that its compute_output_shape rejects a negative result (H + 2p < 0:
        tf.TensorShape, tf_keras/src/layers/reshaping/zero_padding2d.py compute_output_shape).
    Source: keras/src/layers/reshaping/zero_padding2d.py ZeroPadding2D (Keras 3.15.1);
        tf_keras/layers/reshaping/zero_padding2d.py; seed page 000.
    """

    rank = 2

    def __init__(self, padding=(1, 1), data_format=None, *, edition=KERAS3):
        super().__init__(edition=edition)
        self._init_data_format(data_format)
        self.padding = _pairs(padding, 2, "padding", negative_int_ok=True)


@feature("layers", seed_page="000")
class ZeroPadding3D(_ZeroPadding):
    """Pads the three spatial axes of a rank-5 input with zeros.

    Formula: padding = ((a0, a1), (b0, b1), (c0, c1)): spatial dims D1 + a0 + a1, D2 + b0 + b1,
        D3 + c0 + c1 (axes 1-3 channels_last, 2-4 channels_first), x at [a0 : a0 + D1, b0 : b0 + D2,
        c0 : c0 + D3] and +0.0 elsewhere. Values are copied exactly.
    Defaults: padding=((1, 1), (1, 1), (1, 1)); an int p means ((p, p),) * 3; three ints mean
        symmetric pairs; data_format=None ("channels_last"). get_config() == {"padding", "data_format"}.
        supports_masking: False.
    Errors: a sequence of another length than 3, neither an int nor a sequence, or an entry that is
        not an int or 2 ints >= 0 ("padding"); rank other than 5 ("inputs"); a bad data_format.
    Implementation-defined: a negative int padding, as ZeroPadding2D (the constructor accepts it, the
        call's ops.pad is backend-specific); the spec raises :class:`ImplementationDefined`.
    Editions: the same in Keras 2, except that its compute_output_shape rejects a negative result
        (tf.TensorShape, tf_keras/src/layers/reshaping/zero_padding3d.py compute_output_shape), and its
        padding defaults to (1, 1, 1) (the same padding, spelled as three symmetric ints).
    Source: keras/src/layers/reshaping/zero_padding3d.py ZeroPadding3D (Keras 3.15.1);
        tf_keras/layers/reshaping/zero_padding3d.py; seed page 000.
    """

    rank = 3
    edition_signatures = {"keras2": {"init": "padding=(1, 1, 1), data_format=None, **kwargs"}}

    def __init__(self, padding=((1, 1), (1, 1), (1, 1)), data_format=None, *, edition=KERAS3):
        super().__init__(edition=edition)
        self._init_data_format(data_format)
        self.padding = _pairs(padding, 3, "padding", negative_int_ok=True)


# --- UpSampling --------------------------------------------------------------------------------
def bilinear_axis(x, axis: int, s: int):
    """Linear interpolation of x along ``axis`` to s times its length with half-pixel centers: output
    i samples the input at u = clip((i + 0.5) / s - 0.5, 0, n - 1), y_i = (1 - w) x[k] + w x[k + 1]
    with k = floor(u), w = u - k (x[k + 1] clamped to x[n - 1])."""
    n = x.shape[axis]
    if n == 0:
        return np.repeat(x, s, axis=axis)
    u = np.clip((np.arange(n * s) + 0.5) / s - 0.5, 0.0, n - 1)
    lo = np.floor(u).astype(int)
    hi = np.minimum(lo + 1, n - 1)
    w = (u - lo).reshape((-1,) + (1,) * (x.ndim - axis - 1))
    with np.errstate(invalid="ignore", over="ignore"):
        return np.take(x, lo, axis=axis) * (1.0 - w) + np.take(x, hi, axis=axis) * w


class _UpSampling(_Spatial):
    def compute_output_shape(self, input_shape):
        return self._map_shape(input_shape, lambda i, d: d * self.size[i])

    def _check_size(self):
        pass

    def call(self, x, *, weights, training, mask, rng):
        self._check_rank(x.shape)
        self._check_size()
        for s, a in zip(self.size, self._axes()):
            x = np.repeat(x, s, axis=a)  # each element s times in a row (not the whole block: np.tile)
        return x


@feature("layers", seed_page="000")
class UpSampling1D(_UpSampling):
    """Repeats each time step of a (batch, steps, features) input ``size`` times.

    Formula: y[:, t, :] = x[:, t // size, :] for t < steps * size (np.repeat along axis 1, each step
        repeated in place, not the whole sequence tiled); output shape (batch, steps * size, features).
        Values are copied exactly. E.g. size=2: [a, b] -> [a, a, b, b].
    Defaults: size=2. get_config() == {"size": size}. supports_masking: False.
    Errors: size not a Python int, or a bool ("size": Keras raises TypeError "Expected an integer
        value for `size`"); size <= 0 ("size": should be a positive integer); rank other than 3 ("inputs").
    Editions: Keras 2 takes int(size) (a float truncates: 2.7 -> 2; a bool is 0/1) and does not check
        it in the constructor; its compute_output_shape gives steps * size, which its tf.TensorShape
        rejects when negative (a negative size on a known length; tf_keras/src/layers/reshaping/
        up_sampling1d.py:70-75); its call (backend.repeat_elements) fails for size <= 0, which the spec
        rejects in the call ("size").
    Source: keras/src/layers/reshaping/up_sampling1d.py UpSampling1D (Keras 3.15.1);
        tf_keras/layers/reshaping/up_sampling1d.py; seed page 000.
    """

    has_data_format = False

    def __init__(self, size=2, *, edition=KERAS3):
        super().__init__(edition=edition)
        self._init_data_format(None)
        if edition == KERAS2:
            try:
                size = int(size)
            except (TypeError, ValueError):
                raise SpecError("size", f"int(size) failed. Received: size={size!r}") from None
        else:
            require(isinstance(size, int) and not isinstance(size, bool), "size",
                    f"Expected an integer value for `size`, got {type(size)}.")
            require(size > 0, "size", f"Argument `size` should be a positive integer. Received: size={size}")
        self.size = (size,)

    def _check_size(self):
        require(self.size[0] > 0, "size", f"repeat_elements needs a positive size. Received: size={self.size[0]}")

    def get_config(self):
        return {"size": self.size[0]}


@feature("layers", seed_page="000")
class UpSampling2D(_UpSampling):
    """Up-samples the height and width axes of a rank-4 input by integer factors.

    Formula: size = (sh, sw). interpolation="nearest": y[h, w] = x[h // sh, w // sw] (each row
        repeated sh times in place, then each column sw times; exact copies, special values included).
        interpolation="bilinear" (ops.image.resize to (H*sh, W*sw), antialias=False, no crop or pad):
        separable linear interpolation with half-pixel centers, each axis of length n and factor s
        sampled at u_i = clip((i + 0.5)/s - 0.5, 0, n - 1), y_i = (1 - w) x[k] + w x[min(k + 1, n - 1)]
        with k = floor(u_i), w = u_i - k: an output whose u falls outside [0, n - 1] copies the edge
        element (clamping). E.g. s = 2 along [a, b]: [a, 3a/4 + b/4, a/4 + 3b/4, b].
        antialias only matters when down-sampling, so it plays no part. Output shape
        (H*sh, W*sw) on the spatial axes (None stays None).
    Defaults: size=(2, 2) (an int s means (s, s)), data_format=None ("channels_last"),
        interpolation="nearest" (lower-cased by the constructor: "BILINEAR" is "bilinear").
        get_config() == {"size": (sh, sw), "data_format", "interpolation"}. supports_masking: False.
    Errors: size not an int or 2 ints > 0 ("size"); interpolation not a string ("interpolation":
        Keras calls .lower() on it); an interpolation outside ops.image.resize's methods ("linear",
        "gaussian", ...) is accepted by the constructor and rejected by the call ("interpolation");
        rank other than 4 ("inputs"); a bad data_format.
    Implementation-defined: interpolation "bicubic", "lanczos3", "lanczos5" and "area" go to the
        backend's resize, whose kernels differ (bicubic's a is -0.5 on TensorFlow and JAX, -0.75 on
        torch; torch has no lanczos, only TensorFlow has "area"); the spec raises
        :class:`ImplementationDefined` ("interpolation") for their values. So do non-finite inputs to
        "bilinear": TensorFlow computes a + (b - a) * w, which gives NaN where a weighted sum gives inf.
        The precision of "bilinear": TensorFlow computes it in float32 whatever the dtype (the
        checks bound it; see conformance/test_layers_spatial.py).
    Editions: Keras 2 checks the interpolation in the constructor against its 8 resize methods (area,
        bicubic, bilinear, gaussian, lanczos3, lanczos5, mitchellcubic, nearest; another one is a
        NotImplementedError there, rejected as "interpolation"); gaussian and mitchellcubic are
        implementation-defined there. nearest and bilinear give the same values in both editions.
    Source: keras/src/layers/reshaping/up_sampling2d.py UpSampling2D; keras/src/backend/tensorflow/
        image.py resize; tensorflow/core/kernels/image/resize_bilinear_op.cc (half_pixel_centers)
        (Keras 3.15.1); tf_keras/layers/reshaping/up_sampling2d.py; seed page 000.
    """

    rank = 2

    def __init__(self, size=(2, 2), data_format=None, interpolation="nearest", *, edition=KERAS3):
        super().__init__(edition=edition)
        self._init_data_format(data_format)
        self.size = standardize_tuple(size, 2, "size")
        require(isinstance(interpolation, str), "interpolation",
                f"`interpolation` must be a string (Keras calls interpolation.lower()). Received: {interpolation!r}")
        self.interpolation = interpolation.lower()
        if edition == KERAS2:
            require(self.interpolation in KERAS2_INTERPOLATIONS, "interpolation",
                    f"Value not recognized for `interpolation`: {self.interpolation}. Supported values are: "
                    f"{KERAS2_INTERPOLATIONS}")

    def call(self, x, *, weights, training, mask, rng):
        if self.interpolation == "nearest":
            return super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        self._check_rank(x.shape)
        if self.interpolation != "bilinear":
            require(self.edition == KERAS2 or self.interpolation in RESIZE_INTERPOLATIONS, "interpolation",
                    f"Invalid value for argument `interpolation`. Expected of one {RESIZE_INTERPOLATIONS}. "
                    f"Received: interpolation={self.interpolation}")
            raise ImplementationDefined("interpolation", f"resize with interpolation={self.interpolation!r} "
                                                         f"is backend-specific")
        if not np.isfinite(x).all():
            raise ImplementationDefined("inputs", "bilinear up-sampling of non-finite values")
        for s, a in zip(self.size, self._axes()):
            x = bilinear_axis(x, a, s)
        return x

    def get_config(self):
        return {"size": self.size, "data_format": self.data_format, "interpolation": self.interpolation}


@feature("layers", seed_page="000")
class UpSampling3D(_UpSampling):
    """Repeats each element of the three spatial axes of a rank-5 input by integer factors.

    Formula: size = (s1, s2, s3): y[d, h, w] = x[d // s1, h // s2, w // s3] on the spatial axes
        (1-3 channels_last, 2-4 channels_first): np.repeat along each axis in turn (each element
        repeated in place). Output spatial dims (D1*s1, D2*s2, D3*s3). Values are copied exactly.
    Defaults: size=(2, 2, 2) (an int s means (s, s, s)), data_format=None ("channels_last").
        get_config() == {"size": (s1, s2, s3), "data_format"}. supports_masking: False.
    Errors: size not an int or 3 ints > 0 ("size"); rank other than 5 ("inputs"); a bad data_format.
    Editions: the same in Keras 2 (backend.resize_volumes: repeat_elements on each axis).
    Source: keras/src/layers/reshaping/up_sampling3d.py UpSampling3D (Keras 3.15.1);
        tf_keras/layers/reshaping/up_sampling3d.py; seed page 000.
    """

    rank = 3

    def __init__(self, size=(2, 2, 2), data_format=None, *, edition=KERAS3):
        super().__init__(edition=edition)
        self._init_data_format(data_format)
        self.size = standardize_tuple(size, 3, "size")

    def get_config(self):
        return {"size": self.size, "data_format": self.data_format}
