"""Dropout layers: Dropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D."""

from __future__ import annotations

import numbers

import numpy as np

from reference.editions import KERAS2, KERAS3
from reference.errors import SpecError, require
from reference.layers.base import Layer, require_rank, standardize_data_format
from reference.registry import feature


def _validate_noise_shape(noise_shape):
    """Keras 3 Dropout._validate_noise_shape: a tuple/list (any non-str iterable) of positive ints or None."""
    if noise_shape is None:
        return None
    require(not isinstance(noise_shape, str), "noise_shape",
            f"Expected a tuple or list of integers. Received: noise_shape={noise_shape}")
    try:
        noise_shape = tuple(noise_shape)
    except TypeError:
        raise SpecError("noise_shape", f"Expected an iterable of integers. Received: noise_shape={noise_shape}") from None
    for i, d in enumerate(noise_shape):
        if d is not None:
            require(isinstance(d, int), "noise_shape",
                    f"Expected all elements to be integers or None. Received element at index {i}: {d} "
                    f"(type: {type(d).__name__})")
            require(d > 0, "noise_shape", f"Expected all dimensions to be positive integers or None. "
                                          f"Received negative or zero value at index {i}: {d}")
    return noise_shape


@feature("layers", seed_page="001")
class Dropout(Layer):
    """Randomly zeroes inputs at training time and scales the kept ones up by 1/(1 - rate).

    Formula: training=False, or rate == 0: y = x (unchanged).
        training=True: n = resolved_noise_shape(x.shape) (each None entry of noise_shape taken from
        the input dim at the same index; noise_shape=None gives x.shape); keep ~ Bernoulli(1 - rate)
        independently per cell of n, broadcast to x.shape (NumPy rules); y = x / (1 - rate) where
        kept, else 0 (a dropped inf or NaN gives 0). rate == 1 gives zeros (Keras 3).
        E[y] = x; the sum is unchanged only in expectation.
    Distribution: keep mask ~ Bernoulli(1 - rate) per noise-shape cell, i.i.d.; each output element
        is x/(1-rate) with probability 1-rate and 0 with probability rate; elements sharing a
        noise cell (a noise_shape entry of 1) are dropped together.
    Defaults: noise_shape=None, seed=None. get_config() == {"rate", "seed", "noise_shape"}.
        call(inputs, training=False) (keras/src/layers/regularization/dropout.py:100; Keras 2:
        training=None, tf_keras/src/layers/regularization/dropout.py:108).
        supports_masking: True (the mask passes through).
    Errors: rate not a number in [0, 1] (NaN included) ("rate"); Keras 3: noise_shape a str, not
        iterable, or with an entry that is not a Python int or None (an np.int64 entry, hence any
        NumPy array, is rejected) or not positive ("noise_shape"); with rate > 0 a seed that is not
        an int or None ("seed"). At call in training: no rng given ("rng"); a resolved noise shape
        longer than the input rank or not broadcastable to the input shape ("noise_shape").
    Editions: Keras 2 accepts rate == 1 at construction but tf.nn.dropout rejects it when called
        in training ("rate": must be in [0, 1)); Keras 3 returns zeros. Keras 2 does not validate
        noise_shape or seed at construction (a NumPy array noise_shape works); only the call
        checks the noise shape.
    Seed page: rate is the fraction dropped; noise_shape=(batch_size, 1, features) shares the
        mask across timesteps; seed is a Python int.
    Erratum: noise_shape is documented (page and Keras) as a "1D integer tensor"; Keras 3 rejects
        tensors and arrays.
    Implementation-defined: the values drawn for a seed differ between backends. A noise shape longer
        than the input rank is rejected here (and by the NumPy backend), while the TensorFlow backend
        broadcasts the *output* up to the larger shape.
    Source: keras/src/layers/regularization/dropout.py Dropout (Keras 3.15.1); keras/src/backend/*/random.py dropout; tf_keras/layers/regularization/dropout.py; seed page 001.
    """

    supports_masking = True
    call_signature = "inputs, training=False"
    edition_signatures = {"keras2": {"call": "inputs, training=None"}}

    def __init__(self, rate, noise_shape=None, seed=None, *, edition=KERAS3):
        super().__init__(edition=edition)
        require(isinstance(rate, numbers.Real) and 0 <= rate <= 1, "rate",
                f"Invalid value received for argument `rate`. Expected a float value between 0 and 1. "
                f"Received: rate={rate}")
        if edition == KERAS3:
            noise_shape = _validate_noise_shape(noise_shape)
            if rate > 0:
                require(seed is None or isinstance(seed, int), "seed",
                        f"Argument `seed` must be an integer. Received: seed={seed}")
        self.rate, self.noise_shape, self.seed = rate, noise_shape, seed

    def get_config(self):
        return {"rate": self.rate, "seed": self.seed, "noise_shape": self.noise_shape}

    def resolved_noise_shape(self, input_shape) -> tuple:
        """The concrete noise shape for an input: None entries taken from the input (by index)."""
        input_shape = tuple(input_shape)
        if self.noise_shape is None:
            return input_shape
        ns = tuple(self.noise_shape)
        require(len(ns) <= len(input_shape), "noise_shape",
                f"noise_shape {ns} has more dimensions than the input {input_shape}")
        ns = tuple(input_shape[i] if d is None else int(d) for i, d in enumerate(ns))
        for n, d in zip(reversed(ns), reversed(input_shape)):
            require(n == 1 or n == d or d is None, "noise_shape",
                    f"noise_shape {ns} is not broadcastable to the input shape {input_shape}")
        return ns

    def call(self, x, *, weights, training, mask, rng):
        if not training or self.rate == 0:
            return x.copy()
        if self.rate == 1:
            require(self.edition == KERAS3, "rate", "tf.nn.dropout: rate must be a scalar tensor or a float "
                                                    "in the range [0, 1), got 1")
            return np.zeros_like(x)
        require(rng is not None, "rng", "training=True needs a numpy Generator rng")
        keep = rng.uniform(size=self.resolved_noise_shape(x.shape)) < 1.0 - self.rate
        with np.errstate(over="ignore"):
            return np.where(np.broadcast_to(keep, x.shape), x / (1.0 - self.rate), 0.0)


class _SpatialDropout(Dropout):
    NDIM = 3

    def __init__(self, rate, data_format=None, seed=None, *, edition=KERAS3, **kwargs):
        # Keras 2's config holds Dropout's "noise_shape": None, which its constructor takes and ignores.
        require(edition == KERAS2 and set(kwargs) <= {"noise_shape"} or not kwargs, "kwargs",
                f"unexpected keyword arguments {sorted(kwargs)}")
        super().__init__(rate, seed=seed, edition=edition)
        self.data_format = standardize_data_format(data_format, lower=edition == KERAS3)

    def get_config(self):
        if self.edition == KERAS2:  # tf-keras SpatialDropout* inherit Dropout.get_config (no data_format)
            return {"rate": self.rate, "noise_shape": None, "seed": self.seed}
        return {"rate": self.rate, "seed": self.seed, "data_format": self.data_format}

    def compute_output_shape(self, input_shape):
        require_rank(input_shape, ndim=self.NDIM)
        return tuple(input_shape)

    def resolved_noise_shape(self, input_shape):
        require_rank(input_shape, ndim=self.NDIM)
        ones = (1,) * (self.NDIM - 2)
        if self.data_format == "channels_first":
            return (input_shape[0], input_shape[1], *ones)
        return (input_shape[0], *ones, input_shape[-1])

    def call(self, x, *, weights, training, mask, rng):
        require_rank(x.shape, ndim=self.NDIM)
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)


_SPATIAL_DOC = """Dropout of whole {k}D feature maps: one keep/drop draw per (sample, channel).

    Formula: as Dropout with the noise shape {shapes}; every element of a dropped feature map is 0,
        every kept one is x / (1 - rate). training=False or rate == 0 gives x.
    Distribution: keep ~ Bernoulli(1 - rate) per (sample, channel), i.i.d., shared along the
        {k} spatial axes.
    Defaults: {defaults} get_config() == {config}. Signature: {signature} (no **kwargs:
        SpatialDropout{k}D(rate, trainable=False) is a TypeError), call(inputs, training=False)
        (keras/src/layers/regularization/spatial_dropout.py).
        supports_masking: True (inherited from Dropout: the mask passes through).
    Errors: rate not a number in [0, 1] ("rate"); an input whose rank is not {ndim} ("inputs":
        expected ndim={ndim}){df_error}; with rate > 0 a non-int seed ("seed"); training without rng ("rng").
    Editions: Keras 2's signature is {k2_signature} (seed only through **kwargs) and call(inputs,
        training=None). Keras 2 rejects rate == 1 when called in training, and its get_config is Dropout's
        {{"rate", "noise_shape": None, "seed"}}{k2_df}.
    Seed page: {page}
    Source: keras/src/layers/regularization/spatial_dropout.py SpatialDropout{k}D (Keras 3.15.1); tf_keras/layers/regularization/spatial_dropout{k}d.py; seed page 001.
    """


@feature("layers", seed_page="001")
class SpatialDropout1D(_SpatialDropout):
    __doc__ = _SPATIAL_DOC.format(
        k=1, ndim=3, shapes="(N, 1, C) for an input (N, T, C) (channels always last)",
        defaults="seed=None (no data_format argument).", config='{"rate", "seed"}', df_error="",
        k2_df="", signature="SpatialDropout1D(rate, seed=None, name=None, dtype=None)",
        k2_signature="SpatialDropout1D(rate, **kwargs)",
        page="input (samples, timesteps, channels); drops whole 1D feature maps instead of elements.")
    NDIM = 3
    init_signature = "rate, seed=None, name=None, dtype=None"
    edition_signatures = {"keras2": {"init": "rate, **kwargs", "call": "inputs, training=None"}}

    def __init__(self, rate, seed=None, *, edition=KERAS3, **kwargs):
        super().__init__(rate, data_format=None, seed=seed, edition=edition, **kwargs)

    def get_config(self):
        config = super().get_config()
        config.pop("data_format", None)
        return config


_DF_ERROR = ('; a data_format other than "channels_first"/"channels_last" ("data_format"; Keras 3 '
             'lower-cases it first, so "Channels_First" is accepted)')
_K2_DF = ('; it does not lower-case data_format (Keras 2 rejects "Channels_First"), and since data_format '
          'is not in its config a from_config clone falls back to channels_last')


@feature("layers", seed_page="001")
class SpatialDropout2D(_SpatialDropout):
    __doc__ = _SPATIAL_DOC.format(
        k=2, ndim=4, shapes="(N, 1, 1, C) for channels_last (N, H, W, C), (N, C, 1, 1) for channels_first",
        defaults='data_format=None ("channels_last", image_data_format()), seed=None.',
        config='{"rate", "seed", "data_format"}', df_error=_DF_ERROR, k2_df=_K2_DF,
        signature="SpatialDropout2D(rate, data_format=None, seed=None, name=None, dtype=None)",
        k2_signature="SpatialDropout2D(rate, data_format=None, **kwargs)",
        page="channels_first (samples, channels, rows, cols) or channels_last (samples, rows, cols, channels).")
    NDIM = 4
    init_signature = "rate, data_format=None, seed=None, name=None, dtype=None"
    edition_signatures = {"keras2": {"init": "rate, data_format=None, **kwargs", "call": "inputs, training=None"}}


@feature("layers", seed_page="001")
class SpatialDropout3D(_SpatialDropout):
    __doc__ = _SPATIAL_DOC.format(
        k=3, ndim=5, shapes="(N, 1, 1, 1, C) for channels_last, (N, C, 1, 1, 1) for channels_first",
        defaults='data_format=None ("channels_last", image_data_format()), seed=None.',
        config='{"rate", "seed", "data_format"}', df_error=_DF_ERROR, k2_df=_K2_DF,
        signature="SpatialDropout3D(rate, data_format=None, seed=None, name=None, dtype=None)",
        k2_signature="SpatialDropout3D(rate, data_format=None, **kwargs)",
        page="5D input, channels at index 1 (channels_first) or 4 (channels_last).")
    NDIM = 5
    init_signature = "rate, data_format=None, seed=None, name=None, dtype=None"
    edition_signatures = {"keras2": {"init": "rate, data_format=None, **kwargs", "call": "inputs, training=None"}}
