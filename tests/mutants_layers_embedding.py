"""Mutants of the Embedding layer (conformance/test_layers_embedding.py).

Each is the reference Embedding with one semantic broken the way a port could break it.
"""

from __future__ import annotations

import numpy as np

from reference import initializers
from reference.layers import embedding
from tests.mutants import target

F = "layers.Embedding"


def _lookup(layer, x, weights, index):
    """table[index(i)] with the spec's weights and indices; no range check."""
    table = layer._weights(weights)["embeddings"]
    return table[index(layer.indices(x).astype(np.int64), layer.input_dim)]


def _wrap(i, n):
    return np.where(i < 0, i + n, i)


# --- values ------------------------------------------------------------------------------------
class _EmbeddingOffByOne(embedding.Embedding):
    """Looks up row idx - 1 (a 1-based index base)."""

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        return _lookup(self, x, weights, lambda i, n: _wrap(i, n) - 1)


class _EmbeddingRoundsFloats(embedding.Embedding):
    """Float indices rounded to the nearest integer instead of truncated toward zero."""

    @staticmethod
    def indices(x):
        x = np.asarray(x)
        if x.dtype in (np.int32, np.int64):
            return x.astype(np.float64)
        return np.round(x.astype(np.float64))


class _EmbeddingMaskInverted(embedding.Embedding):
    """mask_zero masks the nonzero indices instead of the zeros."""

    def compute_mask(self, x, mask=None):
        m = super().compute_mask(x, mask)
        return None if m is None else ~m


class _EmbeddingMaskAfterCast(embedding.Embedding):
    """The mask is taken on the cast indices: a float 0.5 (row 0) is masked."""

    def compute_mask(self, x, mask=None):
        if not self.mask_zero:
            return None
        return self.indices(x) != 0


# --- out_of_range ------------------------------------------------------------------------------
class _EmbeddingClampsNegatives(embedding.Embedding):
    """Every index clamped into [0, input_dim): negative in-range ones become row 0 instead of
    wrapping (and out-of-range ones no longer fail)."""

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        i = np.nan_to_num(self.indices(x), nan=0.0)
        table = self._weights(weights)["embeddings"]
        return table[np.clip(i, 0, self.input_dim - 1).astype(np.int64)]


# --- shapes ------------------------------------------------------------------------------------
class _EmbeddingShapeDropsRank(embedding.Embedding):
    """compute_output_shape replaces the last input dim by output_dim instead of appending it."""

    def compute_output_shape(self, input_shape):
        return (*tuple(input_shape)[:-1], self.output_dim)


# --- default_weights ---------------------------------------------------------------------------
class _EmbeddingWideDefaultInit(embedding.Embedding):
    """The default "uniform" initializer is RandomUniform(-0.5, 0.5), not (-0.05, 0.05)."""

    def __init__(self, input_dim, output_dim, embeddings_initializer="uniform", *args, edition="keras3", **kwargs):
        super().__init__(input_dim, output_dim, embeddings_initializer, *args, edition=edition, **kwargs)
        if embeddings_initializer == "uniform":
            self.embeddings_initializer = initializers.RandomUniform(-0.5, 0.5, edition=edition)


# --- rejects -----------------------------------------------------------------------------------
class _EmbeddingAcceptsZeroInputDim(embedding.Embedding):
    """input_dim=0 is accepted (an empty table) instead of rejected."""

    def __init__(self, input_dim, output_dim, *args, edition="keras3", **kwargs):
        super().__init__(input_dim or 1, output_dim, *args, edition=edition, **kwargs)
        self.input_dim = input_dim


# --- roundtrip ---------------------------------------------------------------------------------
class _EmbeddingConfigWithoutMaskZero(embedding.Embedding):
    """get_config() leaves out mask_zero: a clone of mask_zero=True has no mask."""

    def get_config(self):
        return {k: v for k, v in super().get_config().items() if k != "mask_zero"}


MUTANTS = {
    "embedding_off_by_one": target("values", F, _EmbeddingOffByOne),
    "embedding_rounds_float_indices": target("values", F, _EmbeddingRoundsFloats),
    "embedding_mask_inverted": target("values", F, _EmbeddingMaskInverted),
    "embedding_mask_after_cast": target("values", F, _EmbeddingMaskAfterCast),
    "embedding_clamps_negative_indices": target("out_of_range", F, _EmbeddingClampsNegatives),
    "embedding_shape_drops_rank": target("shapes", F, _EmbeddingShapeDropsRank),
    "embedding_default_init_wide": target("default_weights", F, _EmbeddingWideDefaultInit),
    "embedding_accepts_zero_input_dim": target("rejects", F, _EmbeddingAcceptsZeroInputDim),
    "embedding_config_without_mask_zero": target("roundtrip", F, _EmbeddingConfigWithoutMaskZero),
}
