"""Pooling layers: MaxPooling1D/2D/3D, AveragePooling1D/2D/3D (windowed), GlobalMaxPooling1D/2D/3D,
GlobalAveragePooling1D/2D/3D (over every spatial axis).

Windowed pooling is computed channels_last on :func:`reference.layers.windows.windows` (a strided
view, no Python loop over output positions). Per spatial axis of size n, pool k, stride s (Keras 3
``compute_pooling_output_shape``, the same as ``windows.output_length``):

- ``valid``: out = floor((n - k) / s) + 1, which must be >= 1;
- ``same``: out = ceil(n / s) = floor((n - 1) / s) + 1; padding total = max((out - 1) * s + k - n, 0),
  total // 2 before and the rest (the extra cell) after. No window is padding only.

Padded cells never take part: max pooling pads with -inf (so a padded cell never wins, even where
every real value is negative), average pooling divides each window's sum by its number of real
cells (TensorFlow's AvgPool, cuDNN's "exclude padding", ``count_include_pad=False``).
"""

from __future__ import annotations

import math

import numpy as np

from reference.editions import KERAS2, KERAS3
from reference.errors import require
from reference.layers.base import (Layer, f64, require_rank, standardize_data_format, standardize_padding,
                                   standardize_tuple)
from reference.layers.windows import from_channels_last, output_length, to_channels_last, windows
from reference.registry import feature
from reference.signatures import documented

_REQUIRED = object()  # AveragePooling's pool_size has no default in Keras 3


def _spatial(shape, data_format):
    return tuple(shape[1:-1]) if data_format == "channels_last" else tuple(shape[2:])


class _Pooling(Layer):
    """Max and average pooling over windows (not a feature itself)."""

    rank = 1
    mode = "max"
    default_pool = 2

    def __init__(self, pool_size=_REQUIRED, strides=None, padding="valid", data_format=None, *, edition=KERAS3):
        super().__init__(edition=edition)
        if pool_size is _REQUIRED:
            require(self.mode == "max" or edition == KERAS2, "pool_size",
                    f"{type(self).__name__}.__init__() missing 1 required positional argument: 'pool_size'")
            pool_size = self.default_pool
        self.pool_size = standardize_tuple(pool_size, self.rank, "pool_size")
        self.strides = standardize_tuple(pool_size if strides is None else strides, self.rank, "strides",
                                         allow_zero=True)
        if edition == KERAS2:  # tf-keras conv_utils.normalize_padding: lower-cased and checked here
            require(isinstance(padding, str), "padding",
                    f"The `padding` argument must be a string. Received: {padding}")
            self.padding = standardize_padding(padding, allow_causal=True)
        else:  # Keras 3 stores it as given: checked (and lower-cased) only when called
            self.padding = padding
        self.data_format = standardize_data_format(data_format)

    def get_config(self):
        return {"pool_size": self.pool_size, "padding": self.padding, "strides": self.strides,
                "data_format": self.data_format}

    # --- the padding a call uses, and the one compute_output_shape accepts --------------------------
    def call_padding(self) -> str:
        """ops.max_pool/average_pool lower-case the padding; TensorFlow knows only VALID and SAME."""
        require(isinstance(padding := self.padding, str), "padding",
                f"padding must be a string. Received: padding={padding!r}")
        value = padding.lower()
        require(value in ("valid", "same"), "padding",
                f"Value for attr 'padding' of {padding.upper()!r} is not in the list of allowed values: "
                f"'SAME', 'VALID'")
        return value

    def shape_padding(self) -> str:
        """Keras 3's compute_output_shape compares the stored padding as is: case-sensitive (Erratum)."""
        if self.edition == KERAS2:
            return "same" if self.padding == "causal" else self.padding  # conv_output_length
        require(self.padding in ("valid", "same"), "padding",
                f"Argument `padding` must be either 'valid' or 'same'. Received: padding={self.padding}")
        return self.padding

    def _check_strides(self):
        require(all(s > 0 for s in self.strides), "strides",
                f"strides={self.strides}: a stride of 0 divides by zero (accepted by the constructor, "
                f"rejected when the output shape is computed)")

    def _lengths(self, spatial, padding, *, reject_empty=True):
        out = []
        for n, k, s in zip(spatial, self.pool_size, self.strides):
            if n is None:
                out.append(None)
                continue
            length = output_length(n, k, s, padding) if self.edition == KERAS3 or padding != "valid" \
                else (n - k + s) // s  # tf-keras conv_output_length: the same for n >= k
            if reject_empty:
                require(length > 0, "inputs",
                        f"Computed output size would be zero or negative. Received: spatial shape {tuple(spatial)}, "
                        f"pool_size={self.pool_size}, strides={self.strides}, padding={padding}")
            out.append(length)
        return tuple(out)

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        require_rank(shape, ndim=self.rank + 2)
        padding = self.shape_padding()
        self._check_strides()
        lengths = self._lengths(_spatial(shape, self.data_format), padding, reject_empty=self.edition == KERAS3)
        if self.data_format == "channels_last":
            return (shape[0], *lengths, shape[-1])
        return (shape[0], shape[1], *lengths)

    # --- values -------------------------------------------------------------------------------------
    def _windows(self, x, padding, value):
        """The windows (b, *out, c, *pool) of channels_last x, padded with ``value``."""
        return windows(x, self.pool_size, self.strides, padding, value=value)

    def _prepare(self, x):
        require_rank(x.shape, ndim=self.rank + 2)
        padding = self.call_padding()
        self._check_strides()
        self._lengths(_spatial(x.shape, self.data_format), padding)
        return to_channels_last(x, self.data_format), padding

    def call(self, x, *, weights, training, mask, rng):
        xl, padding = self._prepare(x)
        taps = tuple(range(-self.rank, 0))
        with np.errstate(invalid="ignore", over="ignore"):
            if self.mode == "max":
                y = np.max(self._windows(xl, padding, -np.inf), axis=taps)
            else:
                ones = np.ones((1, *xl.shape[1:-1], 1))
                count = np.sum(self._windows(ones, padding, 0.0), axis=taps)  # real cells per window
                y = np.sum(self._windows(xl, padding, 0.0), axis=taps) / count
        return from_channels_last(y, self.data_format)

    def defined(self, x):
        """Where the output is defined (bool, the output's shape): max pooling of a window that holds a
        NaN is implementation-defined (see the docstrings); everything else is defined."""
        xl, padding = self._prepare(f64(x))
        if self.mode != "max":
            return np.ones(self(x).shape, bool)
        nan = np.any(np.isnan(self._windows(xl, padding, -np.inf)), axis=tuple(range(-self.rank, 0)))
        return from_channels_last(~nan, self.data_format)


class _GlobalPooling(Layer):
    """Max and average over every spatial axis (not a feature itself)."""

    rank = 1
    mode = "max"

    def __init__(self, data_format=None, keepdims=False, *, edition=KERAS3):
        super().__init__(edition=edition)
        self.data_format = standardize_data_format(data_format)
        self.keepdims = keepdims  # stored as given; its truth value is used

    def get_config(self):
        return {"data_format": self.data_format, "keepdims": self.keepdims}

    def _axes(self):
        return tuple(range(1, self.rank + 1)) if self.data_format == "channels_last" else \
            tuple(range(2, self.rank + 2))

    def compute_output_shape(self, input_shape):
        shape = tuple(input_shape)
        require_rank(shape, ndim=self.rank + 2)
        channels = shape[-1] if self.data_format == "channels_last" else shape[1]
        if not self.keepdims:
            return (shape[0], channels)
        ones = (1,) * self.rank
        return (shape[0], *ones, channels) if self.data_format == "channels_last" else (shape[0], channels, *ones)

    def _check_input(self, x):
        require_rank(x.shape, ndim=self.rank + 2)
        empty = [a for a in self._axes() if x.shape[a] == 0]
        if self.edition == KERAS2:  # tf-keras GlobalPooling*D.build
            require(not empty, "inputs", f"Incorrect input shape {x.shape} with dimension 0 at reduction axis {empty}.")
        elif self.mode == "max":  # Keras 3 ops.max asserts a non-empty tensor
            require(x.size > 0, "inputs", "Cannot compute the max of an empty tensor.")

    def call(self, x, *, weights, training, mask, rng):
        self._check_input(x)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            if self.mode == "max":
                return np.max(x, axis=self._axes(), keepdims=bool(self.keepdims))
            count = math.prod(x.shape[a] for a in self._axes())  # 0 cells: 0 / 0 = NaN
            return np.sum(x, axis=self._axes(), keepdims=bool(self.keepdims)) / np.float64(count)


# --- windowed pooling ------------------------------------------------------------------------------
_POOL_FORMULA = """Formula: per spatial axis (n, pool k, stride s) the output length is floor((n - k) / s) + 1 for
        "valid" and ceil(n / s) for "same", whose padding is total = max((out - 1) * s + k - n, 0) cells,
        total // 2 before and the rest after (see the module docstring). The input is (batch, *spatial,
        channels) for channels_last, (batch, channels, *spatial) for channels_first; channels pass through.
        {what}
        Masks: not supported: an incoming mask is ignored and the output carries none (Keras 3 warns)."""
_POOL_ERRORS = """Errors: pool_size not an int or a tuple of {n} ints > 0 ("pool_size"); strides not an int or a
        tuple of {n} ints >= 0 ("strides"); data_format other than channels_first/channels_last in any case
        ("data_format"); an input of rank other than {r} ("inputs": expected ndim={r}). Keras 3 accepts any
        padding and strides 0 in the constructor and rejects them when called (ops.max_pool: TensorFlow
        knows only VALID and SAME; a stride of 0 is an InvalidArgumentError) and in compute_output_shape
        ("padding": must be 'valid' or 'same'; "strides": an OverflowError): "causal", "full", ... are
        rejected. A "valid" output length <= 0 (a pool larger than the input): compute_output_shape
        rejects it ("inputs": Computed output size would be zero or negative)."""
_POOL_EDITIONS = """Editions: Keras 2 (tf-keras Pooling{n}D) lower-cases and checks padding in the constructor
        (valid/same/causal: "causal" passes there and fails in the call, TensorFlow's pooling has no
        CAUSAL; compute_output_shape treats it as "same"), so get_config has it lower-cased; its
        compute_output_shape does not reject a "valid" length <= 0 ((n - k + s) // s); {edition_extra}
        Values and output shapes the same."""
_POOL_IMPL = """Implementation-defined: a call whose "valid" output length would be <= 0: TensorFlow returns an
        empty output (length 0), torch raises; the reference rejects it as compute_output_shape does.
        Keras 3's compute_output_shape does not check the rank (only the call's InputSpec does); the
        reference rejects a shape of another rank there too."""


_MAX_WHAT = """y[b, *o, c] = max over the window's real cells of x: padding never wins, even where every
        real value is negative (a window of -inf only gives -inf). No rounding: the result is one of the
        inputs, exactly."""
_MAX_IMPL = """Implementation-defined: a window that holds a NaN. The reference propagates it (NaN), as
        Keras on JAX (lax.reduce_window max), torch (max_pool) and NumPy do; TensorFlow's CPU MaxPool
        (1D/2D) skips NaN (a window of NaN only gives the lowest finite number) and MaxPool3D propagates
        a NaN or not depending on its position. ``defined(x)`` tells where the output is defined.
        Also: a call whose "valid" output length would be <= 0 (TensorFlow returns an empty output,
        torch raises; the reference rejects it as compute_output_shape does), and a shape of another
        rank given to compute_output_shape (Keras 3 does not check it; the reference rejects it)."""
_AVG_WHAT = """y[b, *o, c] = (sum of x over the window's real cells) / (their number): padded cells are
        neither summed nor counted (TensorFlow AvgPool)."""
_ERRATUM = """Erratum: Keras 3's docstring calls padding case-insensitive; the call is ("SAME" pools as
        "same"), but compute_output_shape compares the stored value as is and rejects "SAME", and
        get_config returns it as given."""


def pool_signatures(rank, mode):
    """(init_signature, edition_signatures) of a pooling layer: Keras 3's MaxPooling{rank}D defaults
    pool_size, AveragePooling{rank}D requires it, and both name ``name=None``
    (keras/src/layers/pooling/max_pooling{rank}d.py, average_pooling{rank}d.py); Keras 2 defaults
    pool_size in both, has no ``name`` and a 1D data_format='channels_last'
    (tf_keras/src/layers/pooling/max_pooling{rank}d.py, average_pooling{rank}d.py)."""
    pool = {1: "2", 2: "(2, 2)", 3: "(2, 2, 2)"}[rank]
    keras3 = f"pool_size{'=' + pool if mode == 'max' else ''}, strides=None, padding='valid', data_format=None, name=None, **kwargs"
    data_format = "'channels_last'" if rank == 1 else "None"
    keras2 = f"pool_size={pool}, strides=None, padding='valid', data_format={data_format}, **kwargs"
    return keras3, {"keras2": {"init": keras2}}


def _pool_doc(name, rank, mode):
    what = _MAX_WHAT if mode == "max" else _AVG_WHAT
    pool = {1: "2", 2: "(2, 2)", 3: "(2, 2, 2)"}[rank]
    default = (f"pool_size={pool}" if mode == "max"
               else "pool_size required (Keras 3: a TypeError without it)")
    edition_extra = ("the same defaults." if mode == "max"
                     else f"pool_size defaults to {pool} there.")
    keras3, keras2 = pool_signatures(rank, mode)
    return documented(f"""{'Max' if mode == 'max' else 'Average'} pooling over {rank}-D windows.

    {_POOL_FORMULA.format(what=what)}
    Defaults: {default}, strides=None (= pool_size), padding="valid" (stored as given),
        data_format=None (channels_last; lower-cased). get_config() == {{"pool_size": tuple, "padding",
        "strides": tuple, "data_format"}}. No weights.
    {_POOL_ERRORS.format(n=rank, r=rank + 2)}
    {_POOL_EDITIONS.format(n=rank, edition_extra=edition_extra)}
    {_MAX_IMPL if mode == 'max' else _POOL_IMPL}
    {_ERRATUM}
    Source: keras/src/layers/pooling/base_pooling.py, {name.lower().replace('pooling', '_pooling')}.py;
        keras/src/ops/nn.py max_pool/average_pool; keras/src/backend/tensorflow/nn.py;
        keras/src/ops/operation_utils.py compute_pooling_output_shape (Keras 3.15.1);
        tf_keras/layers/pooling/base_pooling{rank}d.py; seed page 000.
    """, f"{name}({keras3}); Keras 2: {name}({keras2['keras2']['init']})")


@feature("layers", seed_page="000")
class MaxPooling1D(_Pooling):
    rank, mode, default_pool = 1, "max", 2
    __doc__ = _pool_doc("MaxPooling1D", 1, "max")
    init_signature, edition_signatures = pool_signatures(1, "max")


@feature("layers", seed_page="000")
class MaxPooling2D(_Pooling):
    rank, mode, default_pool = 2, "max", (2, 2)
    __doc__ = _pool_doc("MaxPooling2D", 2, "max")
    init_signature, edition_signatures = pool_signatures(2, "max")


@feature("layers", seed_page="000")
class MaxPooling3D(_Pooling):
    rank, mode, default_pool = 3, "max", (2, 2, 2)
    __doc__ = _pool_doc("MaxPooling3D", 3, "max")
    init_signature, edition_signatures = pool_signatures(3, "max")


@feature("layers", seed_page="000")
class AveragePooling1D(_Pooling):
    rank, mode, default_pool = 1, "average", 2
    __doc__ = _pool_doc("AveragePooling1D", 1, "average")
    init_signature, edition_signatures = pool_signatures(1, "average")


@feature("layers", seed_page="000")
class AveragePooling2D(_Pooling):
    rank, mode, default_pool = 2, "average", (2, 2)
    __doc__ = _pool_doc("AveragePooling2D", 2, "average")
    init_signature, edition_signatures = pool_signatures(2, "average")


@feature("layers", seed_page="000")
class AveragePooling3D(_Pooling):
    rank, mode, default_pool = 3, "average", (2, 2, 2)
    __doc__ = _pool_doc("AveragePooling3D", 3, "average")
    init_signature, edition_signatures = pool_signatures(3, "average")


# --- global pooling --------------------------------------------------------------------------------
def _global_doc(name, rank, mode, formula_extra, editions_extra):
    axes = {1: "steps", 2: "rows and cols", 3: "the three spatial axes"}[rank]
    op = "max" if mode == "max" else "mean"
    module = f"global_{'max' if mode == 'max' else 'average'}_pooling{rank}d"
    return f"""The {op} over every spatial axis ({axes}).

    Formula: y[b, c] = {op} of x[b, ..., c] over axes {tuple(range(1, rank + 1))} (channels_last) or
        {tuple(range(2, rank + 2))} (channels_first). keepdims (its truth value): the reduced axes stay
        with length 1: (batch, {', '.join(['1'] * rank)}, channels) or (batch, channels, {', '.join(['1'] * rank)});
        else (batch, channels). {formula_extra}
    Defaults: data_format=None (channels_last; lower-cased), keepdims=False (stored as given: 1, "yes"
        and None are kept in get_config and used for their truth value). get_config() == {{"data_format",
        "keepdims"}}. No weights.
    Errors: data_format other than channels_first/channels_last in any case ("data_format"); an input of
        rank other than {rank + 2} ("inputs": expected ndim={rank + 2}).
    Editions: Keras 2 (tf-keras GlobalPooling{rank}D) rejects in build a spatial axis of length 0 ("inputs":
        Incorrect input shape ... with dimension 0 at reduction axis). {editions_extra}
    Implementation-defined: Keras 3's compute_output_shape does not check the rank; the reference rejects
        a shape of another rank there too.
    Source: keras/src/layers/pooling/base_global_pooling.py, {module}.py (Keras 3.15.1);
        tf_keras/layers/pooling/base_global_pooling{rank}d.py, {module}.py; seed page 000.
    """


_GMAX_EXTRA = """NaN propagates (ops.max: tf.reduce_max, jnp.max, torch.amax all do); exact
        (0 ULP). An empty tensor (a spatial axis of length 0) is rejected ("inputs": Cannot compute the
        max of an empty tensor). Masks: not supported: an incoming mask is ignored (the max takes every
        step, masked or not) and the output carries none."""
_GAVG_EXTRA = """An empty spatial axis gives NaN (0 / 0). Masks: not supported: an incoming
        mask is ignored and the output carries none."""


class _GlobalMax(_GlobalPooling):
    mode = "max"


class _GlobalAverage(_GlobalPooling):
    mode = "average"


@feature("layers", seed_page="000")
class GlobalMaxPooling1D(_GlobalMax):
    rank = 1
    __doc__ = _global_doc("GlobalMaxPooling1D", 1, "max", _GMAX_EXTRA,
                          "No mask support either (tf-keras drops an incoming mask). Values the same. Keras 2's "
                          "signature: GlobalMaxPooling1D(data_format='channels_last', keepdims=False, **kwargs) "
                          "(tf_keras/src/layers/pooling/global_max_pooling1d.py).")
    edition_signatures = {"keras2": {"init": "data_format='channels_last', keepdims=False, **kwargs"}}


@feature("layers", seed_page="000")
class GlobalMaxPooling2D(_GlobalMax):
    rank = 2
    __doc__ = _global_doc("GlobalMaxPooling2D", 2, "max", _GMAX_EXTRA, "Values the same.")


@feature("layers", seed_page="000")
class GlobalMaxPooling3D(_GlobalMax):
    rank = 3
    __doc__ = _global_doc("GlobalMaxPooling3D", 3, "max", _GMAX_EXTRA, "Values the same.")


@feature("layers", seed_page="000")
class GlobalAveragePooling1D(_GlobalAverage):
    rank = 1
    supports_masking = True
    __doc__ = _global_doc(
        "GlobalAveragePooling1D", 1, "average",
        """An empty steps axis gives NaN (0 / 0).
        Mask (batch, steps), True = kept (supports_masking): y[b, c] = sum over kept steps of x[b, t, c]
        / (number of kept steps): masked steps are excluded, whatever they hold (Keras 3 selects with
        ops.where(mask, x, 0), so a NaN or inf in a masked step does not reach the output); a row with
        every step masked gives 0 / 0 = NaN. The output carries no mask (compute_mask returns None).
        A mask of another shape than (batch, steps) is rejected ("mask"; TensorFlow broadcasts a
        broadcastable one).""",
        """With a mask it multiplies x by the mask (inputs *= mask) instead of selecting: a NaN or
        inf in a masked step makes the output NaN. Otherwise the same (NaN for an all-masked row, no
        output mask). Keras 2's signature: GlobalAveragePooling1D(data_format='channels_last', **kwargs)
        (keepdims only through **kwargs; tf_keras/src/layers/pooling/global_average_pooling1d.py).""")
    __doc__ = documented(__doc__, "call(inputs, mask=None) in both editions "
                                  "(keras/src/layers/pooling/global_average_pooling1d.py:70)")
    call_signature = "inputs, mask=None"
    edition_signatures = {"keras2": {"init": "data_format='channels_last', **kwargs"}}

    def call(self, x, *, weights, training, mask, rng):
        if mask is None:
            return super().call(x, weights=weights, training=training, mask=mask, rng=rng)
        self._check_input(x)
        m = np.asarray(mask, dtype=bool)
        require(m.shape == (x.shape[0], x.shape[self._axes()[0]]), "mask",
                f"the mask has shape {m.shape}, expected (batch, steps) = {(x.shape[0], x.shape[self._axes()[0]])}")
        m = m[:, :, None] if self.data_format == "channels_last" else m[:, None, :]
        axis, keep = self._axes()[0], bool(self.keepdims)
        with np.errstate(invalid="ignore", over="ignore", divide="ignore"):
            kept = x * m if self.edition == KERAS2 else np.where(m, x, 0.0)
            return np.sum(kept, axis=axis, keepdims=keep) / np.sum(m.astype(np.float64), axis=axis, keepdims=keep)

    def compute_mask(self, x, mask=None):
        return None


@feature("layers", seed_page="000")
class GlobalAveragePooling2D(_GlobalAverage):
    rank = 2
    __doc__ = _global_doc("GlobalAveragePooling2D", 2, "average", _GAVG_EXTRA, "Values the same.")


@feature("layers", seed_page="000")
class GlobalAveragePooling3D(_GlobalAverage):
    rank = 3
    __doc__ = _global_doc("GlobalAveragePooling3D", 3, "average", _GAVG_EXTRA, "Values the same.")


__all__ = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D",
           "AveragePooling3D", "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D",
           "GlobalAveragePooling1D", "GlobalAveragePooling2D", "GlobalAveragePooling3D"]
