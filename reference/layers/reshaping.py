"""Reshaping layers: Flatten, Reshape, Permute, RepeatVector.

None of them supports masking: an incoming mask is dropped (Keras 3 warns; tf-keras drops it
silently), so ``compute_mask`` gives None.
"""

from __future__ import annotations

import math

import numpy as np

from reference.editions import KERAS2, KERAS3
from reference.errors import SpecError, require
from reference.layers.base import Layer, require_rank, standardize_data_format
from reference.registry import feature


@feature("layers", seed_page="001")
class Flatten(Layer):
    """Flattens every non-batch axis into one, keeping the batch axis.

    Formula: channels_first and rank > 1: first move axis 1 to the end (transpose
        (0, 2, ..., rank-1, 1)); then y = reshape(x, (N, prod(x.shape[1:]))). A rank-1 input (batch
        only) gives (N, 1). E.g. channels_first (1, 3, 2, 2) arange gives [0, 4, 8, 1, 5, 9, ...].
        Output shape (N, prod(non-batch dims)); (N, 1) for rank 1; (N, None) if any non-batch dim is None.
    Defaults: data_format=None ("channels_last", image_data_format()). get_config() == {"data_format"}.
        supports_masking: False (an incoming mask is dropped).
    Errors: a rank-0 input ("inputs": expected min_ndim=1); a data_format other than
        channels_first/channels_last after lower-casing ("data_format").
    Editions: Keras 2's compute_output_shape gives None for the flattened dim when a non-batch dim is
        0 (np.all of the dims), Keras 3 gives 0: (2, 0, 3) -> (2, None) vs (2, 0). Otherwise the same.
    Seed page: keeps the batch axis; Conv2D(64, (3, 3), input_shape=(3, 32, 32), padding='same')
        then Flatten gives (None, 65536).
    Erratum: the page's example claims output (None, 64, 32, 32) for the Conv2D; with the default
        channels_last that input is 3 rows x 32 cols x 32 channels and the Conv2D output is
        (None, 3, 32, 64) (Flatten: 6144). The numbers hold only with channels_first. The page also
        spells the values "channel_last"/"channel_first" (they are "channels_last"/"channels_first").
    Source: keras/src/layers/reshaping/flatten.py Flatten (Keras 3.15.1); tf_keras/layers/reshaping/flatten.py; seed page 001.
    """

    def __init__(self, data_format=None, *, edition=KERAS3):
        super().__init__(edition=edition)
        self.data_format = standardize_data_format(data_format)

    def get_config(self):
        return {"data_format": self.data_format}

    def compute_output_shape(self, input_shape):
        require_rank(input_shape, min_ndim=1)
        rest = tuple(input_shape)[1:]
        if not rest:
            return (input_shape[0], 1)
        if any(d is None for d in rest) or (self.edition == KERAS2 and 0 in rest):
            return (input_shape[0], None)
        return (input_shape[0], math.prod(rest))

    def call(self, x, *, weights, training, mask, rng):
        require_rank(x.shape, min_ndim=1)
        if self.data_format == "channels_first" and x.ndim > 1:
            x = np.moveaxis(x, 1, -1)
        return np.reshape(x, (x.shape[0], math.prod(x.shape[1:])))


@feature("layers", seed_page="001")
class Reshape(Layer):
    """Reshapes the non-batch axes to ``target_shape``; one -1 entry is inferred.

    Formula: y = reshape(x, (N,) + t), t = target_shape with its -1 resolved per call from the
        non-batch input shape s: t[-1] = prod(s) / prod(other entries of t).
        Output shape (N, *t); with a None in s, the -1 stays unknown (None).
    Defaults: none (target_shape is required). get_config() == {"target_shape": tuple(target_shape)}.
        supports_masking: False (an incoming mask is dropped).
    Errors: Keras 3 at construction: target_shape not iterable, an int entry < -1, or more than one -1
        ("target_shape"). For an input: prod(t) != prod(s) without a -1, or with a -1 a known product
        of 0 or one that does not divide prod(s) ("target_shape": The total size of the tensor must be
        unchanged); a rank-0 input ("inputs").
    Editions: Keras 2 validates nothing at construction: its compute_output_shape treats every
        negative entry as unknown (two -> "at most one unknown dimension") and its call (tf.reshape)
        rejects entries < -1; the size errors are the same (an InvalidArgumentError in Keras 2, a
        ValueError in Keras 3). Keras 3 treats a non-int entry (e.g. 2.0) as an unknown dimension
        (like -1); Keras 2 rejects it.
    Seed page: output (batch_size,) + target_shape; Reshape((3, 4), input_shape=(12,)) gives
        (None, 3, 4); then Reshape((6, 2)) gives (None, 6, 2); Reshape((-1, 2, 2)) gives (None, 3, 2, 2).
    Source: keras/src/layers/reshaping/reshape.py Reshape; keras/src/ops/operation_utils.py compute_reshape_output_shape (Keras 3.15.1); tf_keras/layers/reshaping/reshape.py; seed page 001.
    """

    def __init__(self, target_shape, *, edition=KERAS3):
        super().__init__(edition=edition)
        try:
            target_shape = tuple(target_shape)
        except TypeError:
            raise SpecError("target_shape", f"target_shape must be a tuple of ints, got {target_shape!r}") from None
        if edition == KERAS3:
            ints = [d for d in target_shape if isinstance(d, (int, np.integer))]
            require(all(d >= -1 for d in ints), "target_shape",
                    f"Each dimension in `target_shape` must be a non-negative integer, or `-1` for a single "
                    f"unknown dimension. Received: target_shape={target_shape}.")
            require(ints.count(-1) <= 1, "target_shape", f"There must be at most one unknown dimension (-1) in "
                                                         f"`target_shape`. Received: target_shape={target_shape}.")
        self.target_shape = target_shape

    def get_config(self):
        return {"target_shape": self.target_shape}

    def _resolve(self, s):
        """The non-batch output shape for non-batch input shape s (None where unknown)."""
        t = self.target_shape
        if self.edition == KERAS2:
            for d in t:
                require(isinstance(d, (int, np.integer)), "target_shape", f"invalid dimension {d!r}")
            t = tuple(-1 if d < 0 else int(d) for d in t)
        else:
            t = tuple(int(d) if isinstance(d, (int, np.integer)) else None for d in t)
        require(t.count(-1) <= 1, "target_shape", f"There must be at most one unknown dimension in {t}")
        if None in s or None in t:
            return tuple(None if d == -1 else d for d in t)
        size = math.prod(s)
        if -1 not in t:
            require(size == math.prod(t), "target_shape", f"The total size of the tensor must be unchanged. "
                                                          f"Received: input_shape={tuple(s)}, target_shape={t}")
            return t
        known = math.prod(d for d in t if d != -1)
        require(known != 0 and size % known == 0, "target_shape",
                f"The total size of the tensor must be unchanged, however, the input size cannot by divided by "
                f"the specified dimensions in target_shape. Received: input_shape={tuple(s)}, target_shape={t}")
        return tuple(size // known if d == -1 else d for d in t)

    def compute_output_shape(self, input_shape):
        require_rank(input_shape, min_ndim=1)
        return (input_shape[0], *self._resolve(tuple(input_shape)[1:]))

    def call(self, x, *, weights, training, mask, rng):
        require_rank(x.shape, min_ndim=1)
        if self.edition == KERAS2:
            require(all(d >= -1 for d in self.target_shape), "target_shape", "tf.reshape: negative dimension")
        t = tuple(-1 if d is None else d for d in self._resolve(x.shape[1:]))
        require(t.count(-1) <= 1, "target_shape", f"Only one input size may be -1, not {t.count(-1)}")
        return np.reshape(x, (x.shape[0], *t))


@feature("layers", seed_page="001")
class Permute(Layer):
    """Permutes the non-batch axes by a 1-indexed pattern.

    Formula: y = transpose(x, (0,) + dims); output shape (N, *(input_shape[d] for d in dims)).
        E.g. Permute((2, 1)) maps (None, 10, 64) to (None, 64, 10).
    Defaults: none (dims is required). get_config() == {"dims": tuple(dims)}.
        supports_masking: False (an incoming mask is dropped).
    Errors: dims not a permutation of 1..len(dims) (0-indexed dims such as (0, 1) included)
        ("dims": The set of indices in `dims` must be consecutive and start from 1); an input whose
        rank is not len(dims) + 1 ("inputs": expected ndim=...).
    Editions: the same in Keras 2 and Keras 3.
    Seed page: dims is 1-indexed and excludes the batch axis; Permute((2, 1), input_shape=(10, 64))
        gives (None, 64, 10).
    Source: keras/src/layers/reshaping/permute.py Permute (Keras 3.15.1); tf_keras/layers/reshaping/permute.py; seed page 001.
    """

    def __init__(self, dims, *, edition=KERAS3):
        super().__init__(edition=edition)
        try:
            dims = tuple(dims)
            ok = sorted(dims) == list(range(1, len(dims) + 1))
        except TypeError:
            ok = False
        require(ok, "dims", f"Invalid permutation argument `dims` for Permute Layer. The set of indices in "
                            f"`dims` must be consecutive and start from 1. Received dims={dims}")
        self.dims = dims

    def get_config(self):
        return {"dims": self.dims}

    def compute_output_shape(self, input_shape):
        require_rank(input_shape, ndim=len(self.dims) + 1)
        return (input_shape[0], *(input_shape[d] for d in self.dims))

    def call(self, x, *, weights, training, mask, rng):
        require_rank(x.shape, ndim=len(self.dims) + 1)
        return np.transpose(x, (0, *self.dims))


@feature("layers", seed_page="001")
class RepeatVector(Layer):
    """Repeats a 2D input n times along a new axis 1.

    Formula: y[b, i, f] = x[b, f] for i < n; (N, F) -> (N, n, F).
    Defaults: none (n is required). get_config() == {"n": n}.
        supports_masking: False (an incoming mask is dropped).
    Errors: n not an int, or a bool ("n": Expected an integer value for `n`; a TypeError in Keras);
        n <= 0 ("n": should be a positive integer); an input whose rank is not 2 ("inputs": expected ndim=2).
    Editions: Keras 2 accepts a bool n and any int at construction: n = 0 gives an empty (N, 0, F)
        output, and a negative n fails only when used ("n", from tf.tile / TensorShape).
    Seed page: (num_samples, features) -> (num_samples, n, features); after Dense(32, input_dim=32),
        RepeatVector(3) gives (None, 3, 32).
    Source: keras/src/layers/reshaping/repeat_vector.py RepeatVector (Keras 3.15.1); tf_keras/layers/reshaping/repeat_vector.py; seed page 001.
    """

    def __init__(self, n, *, edition=KERAS3):
        super().__init__(edition=edition)
        require(isinstance(n, int) and (edition == KERAS2 or not isinstance(n, bool)), "n",
                f"Expected an integer value for `n`, got {type(n)}.")
        if edition == KERAS3:
            require(n > 0, "n", f"Argument `n` should be a positive integer. Received: n={n}")
        self.n = n

    def get_config(self):
        return {"n": self.n}

    def compute_output_shape(self, input_shape):
        require_rank(input_shape, ndim=2)
        require(self.n >= 0, "n", f"Dimension {self.n} must be >= 0")
        return (input_shape[0], int(self.n), input_shape[1])

    def call(self, x, *, weights, training, mask, rng):
        require_rank(x.shape, ndim=2)
        require(self.n >= 0, "n", f"Dimension {self.n} must be >= 0")
        return np.repeat(x[:, None, :], int(self.n), axis=1)
