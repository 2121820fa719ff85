"""The Embedding layer, and :class:`OutOfRange`, the marker for an index outside its table."""

from __future__ import annotations

import numpy as np

from reference import initializers
from reference.editions import KERAS2, KERAS3
from reference.errors import SpecError, require
from reference.layers.base import Layer, serialize
from reference.registry import feature

# Keras' initializers.get also knows these short aliases (ALL_OBJECTS_DICT); "uniform" is Embedding's default.
_ALIASES = {"uniform": initializers.RandomUniform, "normal": initializers.RandomNormal}


class OutOfRange(SpecError):
    """An Embedding index outside its table: the result is implementation-defined.

    A check that meets it records what the framework did (an error, zeros, NaN, a clamp or a wrap) as
    information, never as a failure. It is a :class:`SpecError` on argument "inputs"; ``indices`` holds
    the offending (cast) index values.
    """

    def __init__(self, indices, input_dim):
        self.indices = indices
        super().__init__("inputs", f"indices {indices} are not in the table of input_dim={input_dim} "
                                   f"(implementation-defined)")


def _positive_dim(value, argument, edition):
    """Keras 3: a positive Python int (not a bool). Keras 2's constructor only tests ``value <= 0``
    (tf_keras/src/layers/core/embedding.py:137): a float or bool passes it (see _table_dim)."""
    if edition == KERAS2:
        try:
            ok = not value <= 0
        except TypeError:  # a value that does not compare with 0 (a string): the test itself fails
            ok = False
        require(ok, argument, f"Both `input_dim` and `output_dim` should be positive, Received {argument} = {value}")
        return
    ok = isinstance(value, int) and not isinstance(value, bool) and value > 0
    require(ok, argument, f"`{argument}` must be a positive integer. Received: {argument}={value} "
                          f"(of type {type(value).__name__}).")


def _table_dim(value, argument):
    """Keras 2's build: add_weight((input_dim, output_dim)) needs int dimensions (a float is a TypeError,
    a bool is rejected by the shape proto or the tensor conversion)."""
    require(isinstance(value, (int, np.integer)) and not isinstance(value, bool), argument,
            f"Dimension value must be integer. Received: {argument}={value!r} (of type {type(value).__name__})")


@feature("layers", seed_page="000")
class Embedding(Layer):
    """Turns integer indices into rows of a (input_dim, output_dim) table.

    Formula: indices: an int32/int64 input is used as is; any other dtype is cast to int32 (floats
        truncate toward zero: 2.7 -> 2, -0.9 -> 0, -1.5 -> -1; bool -> 0/1). y = embeddings[indices]:
        output shape (*input_shape, output_dim) for an input of any rank (rank 0 gives (output_dim,)).
        Keras 3 wraps a negative index i in [-input_dim, 0) to i + input_dim on every backend (ops.take:
        tf.where(i < 0, i + n, i) on TensorFlow and torch, jnp.take / np.take on JAX and NumPy), so -1
        is the last row. ``in_range(x)`` tells which indices look up a row.
        Mask: mask_zero=True: compute_mask(x) = (x != 0) on the input before the cast (a float 0.5 looks
        up row 0 but is not masked); the incoming mask is ignored. mask_zero=False: no mask
        (supports_masking is False: an incoming mask is dropped).
    Defaults: embeddings_initializer="uniform" (RandomUniform(-0.05, 0.05)), embeddings_regularizer=None,
        embeddings_constraint=None, mask_zero=False, weights=None (initial embeddings: init_weights
        returns them, and a call without weights= uses them), lora_rank=None, lora_alpha=None,
        quantization_config=None, activity_regularizer=None. get_config() == {"input_dim", "output_dim",
        "embeddings_initializer", "embeddings_regularizer", "activity_regularizer" (always, None when
        unset), "embeddings_constraint", "mask_zero", "quantization_config": None}.
        losses: [activity loss / batch size] (if any), then the embeddings regularizer penalty.
        Signature: Embedding(input_dim, output_dim, embeddings_initializer='uniform', embeddings_regularizer=None,
        embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
        quantization_config=None, **kwargs) (keras/src/layers/core/embedding.py:87-99): activity_regularizer
        goes through **kwargs to Layer, input_length is popped from it.
    Errors: input_dim or output_dim not a positive Python int (a bool, a float such as 4.0, or an
        np.int64 is rejected) ("input_dim"/"output_dim": must be a positive integer); an unknown
        initializer/regularizer/constraint (named by its argument); weights (constructor or call) not of
        shape (input_dim, output_dim) ("weights"); lora_rank or quantization_config set ("lora_rank",
        "quantization_config": outside the spec).
    Editions: Keras 2 (tf-keras) checks only ``input_dim <= 0 or output_dim <= 0`` in the constructor
        (tf_keras/src/layers/core/embedding.py:137): a float or bool input_dim/output_dim constructs;
        compute_output_shape (a TensorShape, embedding.py:195-198) rejects a float output_dim only (a
        bool one is 1 there) and ignores input_dim; build (add_weight of (input_dim, output_dim),
        embedding.py:179-187) rejects a float or bool in either (TypeError/ValueError). It looks up with tf.nn.embedding_lookup, which does not wrap negative
        indices (out of range there, see Implementation-defined); get_config has "input_length" and no
        "quantization_config". Casting, output shape and the mask are the same. Keras 2's signature:
        Embedding(input_dim, output_dim, embeddings_initializer='uniform', embeddings_regularizer=None,
        activity_regularizer=None, embeddings_constraint=None, mask_zero=False, input_length=None,
        sparse=False, **kwargs) (tf_keras/src/layers/core/embedding.py; weights through **kwargs).
    Implementation-defined: an index outside the table (>= input_dim, < -input_dim in Keras 3, < 0 in
        Keras 2), and a float index that is NaN, infinite or outside int32 before the cast. TensorFlow
        raises InvalidArgumentError on CPU and returns zero rows on GPU; JAX's jnp.take fills NaN rows
        (mode "fill"); torch raises (an IndexError, or a device assert on CUDA); the NumPy backend
        raises IndexError. The reference raises :class:`OutOfRange` (a SpecError on "inputs").
    Source: keras/src/layers/core/embedding.py Embedding; keras/src/backend/*/numpy.py take (Keras 3.15.1);
        tf_keras/layers/core/embedding.py; seed page 000.
    """

    init_signature = ("input_dim, output_dim, embeddings_initializer='uniform', embeddings_regularizer=None, "
                      "embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None, "
                      "quantization_config=None, **kwargs")
    edition_signatures = {"keras2": {"init": "input_dim, output_dim, embeddings_initializer='uniform', "
                                             "embeddings_regularizer=None, activity_regularizer=None, "
                                             "embeddings_constraint=None, mask_zero=False, input_length=None, "
                                             "sparse=False, **kwargs"}}

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", embeddings_regularizer=None,
                 embeddings_constraint=None, mask_zero=False, weights=None, lora_rank=None, lora_alpha=None,
                 quantization_config=None, activity_regularizer=None, input_length=None, *, edition=KERAS3):
        # input_length: Keras 2's config has it; Keras 3 pops it with a deprecation warning. Ignored.
        super().__init__(edition=edition)
        _positive_dim(input_dim, "input_dim", edition)
        _positive_dim(output_dim, "output_dim", edition)
        require(lora_rank is None and lora_alpha is None, "lora_rank", "the spec covers Embedding without LoRA only")
        require(quantization_config is None, "quantization_config", "the spec covers unquantized Embedding only")
        self.input_dim, self.output_dim, self.mask_zero = input_dim, output_dim, mask_zero
        if isinstance(embeddings_initializer, str) and embeddings_initializer in _ALIASES:
            embeddings_initializer = _ALIASES[embeddings_initializer](edition=edition)
        self.resolve_options(locals(), ("embeddings",))
        self.initial_weights = None
        if weights is not None:
            if isinstance(weights, list) and len(weights) == 1:
                weights = weights[0]
            self.initial_weights = self._weights({"embeddings": weights})

    @property
    def supports_masking(self):
        return bool(self.mask_zero)

    def get_config(self):
        config = {"input_dim": self.input_dim, "output_dim": self.output_dim,
                  "embeddings_initializer": serialize(self.embeddings_initializer),
                  "embeddings_regularizer": serialize(self.embeddings_regularizer),
                  "activity_regularizer": serialize(self.activity_regularizer),
                  "embeddings_constraint": serialize(self.embeddings_constraint),
                  "mask_zero": self.mask_zero}
        if self.edition == KERAS2:
            config["input_length"] = None
        else:
            config["quantization_config"] = None
        return config

    def weight_shapes(self, input_shape=None):
        if self.edition == KERAS2:
            _table_dim(self.input_dim, "input_dim")
            _table_dim(self.output_dim, "output_dim")
        return {"embeddings": (self.input_dim, self.output_dim)}

    def weight_initializers(self):
        return {"embeddings": self.embeddings_initializer}

    def init_weights(self, input_shape, rng):
        if self.initial_weights is not None:
            return {k: v.copy() for k, v in self.initial_weights.items()}
        return super().init_weights(input_shape, rng)

    def compute_output_shape(self, input_shape):
        if self.edition == KERAS2:  # shape_type_conversion makes a TensorShape: an int (a bool too) only
            require(isinstance(self.output_dim, (int, np.integer)), "output_dim",
                    f"Received non-atomic and non-sequence element: {self.output_dim!r}")
        return (*tuple(input_shape), self.output_dim)

    def _weights(self, weights, input_shape=None):
        """The supplied table, or the one given to the constructor (``weights=``)."""
        return super()._weights(self.initial_weights if weights is None else weights, input_shape)

    @staticmethod
    def indices(x):
        """The indices Keras looks up, as float64: int32/int64 as they are, other dtypes cast to int32
        (floats truncate toward zero). A value whose cast is undefined (NaN, inf, outside int32) is NaN.
        """
        x = np.asarray(x)
        if x.dtype in (np.int32, np.int64):
            return x.astype(np.float64)
        with np.errstate(invalid="ignore"):
            t = np.trunc(x.astype(np.float64))
        return np.where(np.isfinite(t) & (t >= -2**31) & (t < 2**31), t, np.nan)

    def in_range(self, x):
        """True where the index looks up a row; False where the result is implementation-defined."""
        i = self.indices(x)
        low = 0 if self.edition == KERAS2 else -self.input_dim
        with np.errstate(invalid="ignore"):
            return (i >= low) & (i < self.input_dim)

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        table = self._weights(weights)["embeddings"]
        ok = self.in_range(x)
        if not np.all(ok):
            raise OutOfRange(np.asarray(x)[~ok].tolist(), self.input_dim)
        i = self.indices(x).astype(np.int64)
        return table[np.where(i < 0, i + self.input_dim, i)]

    def compute_mask(self, x, mask=None):
        if not self.mask_zero:
            return None
        return np.asarray(x) != 0

    def weight_regularizers(self):
        return {"embeddings": self.embeddings_regularizer}

    def weight_losses(self, weights):
        return super().weight_losses(self.initial_weights if weights is None else weights)
