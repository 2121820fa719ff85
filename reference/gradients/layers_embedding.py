"""VJP of Embedding (reference/layers/embedding.py) with respect to its table.

``embedding(layer, x, weights, g)`` returns ``{"inputs": [None], "embeddings": dE}``: the indices
carry no gradient (integers), and
    dE[r] = sum of g[p] over every position p whose index resolves to row r,
a scatter-add: a row looked up k times receives the sum of its k cotangent rows, not the last
one written (``np.add.at``; tf.IndexedSlices summed, jax's ``.at[].add``). A negative index in
[-input_dim, 0) resolves to index + input_dim, as in the forward pass.
"""

from __future__ import annotations

import numpy as np


def embedding(layer, x, weights, g) -> dict:
    table = np.asarray(weights["embeddings"], np.float64)
    i = layer.indices(x).astype(np.int64)
    rows = np.where(i < 0, i + layer.input_dim, i).reshape(-1)
    grad = np.zeros_like(table)
    np.add.at(grad, rows, np.asarray(g, np.float64).reshape(rows.size, table.shape[1]))
    return {"inputs": [None], "embeddings": grad}
