"""VJPs of Dense (reference/layers/core.py): with respect to its input and to each weight.

``dense(layer, x, weights, g)`` returns ``{"inputs": [dx], "kernel": dK, "bias": db}`` (no bias
entry when ``use_bias`` is False), for the cotangent ``g`` of the output:
    z = x @ kernel + bias,  y = activation(z),  dz = activation's VJP at z (reference/gradients/activations.py),
    dx = dz @ kernel.T,  dK = sum over every leading axis of x[..., :, None] * dz[..., None, :],
    db = dz summed over every axis but the last.
A leading axis of x (rank > 2) shares the kernel, so its terms add into dK and db. The kinks are
the activation's, at z.
"""

from __future__ import annotations

import numpy as np

from reference.gradients import activations as G


def dense(layer, x, weights, g) -> dict:
    x, g = np.asarray(x, np.float64), np.asarray(g, np.float64)
    kernel = np.asarray(weights["kernel"], np.float64)
    z = x @ kernel + (np.asarray(weights["bias"], np.float64) if layer.use_bias else 0.0)
    dz = G.VJPS[layer.activation_name](z, g, edition=layer.edition)
    rows_x, rows_dz = x.reshape(-1, x.shape[-1]), dz.reshape(-1, dz.shape[-1])
    out = {"inputs": [dz @ kernel.T], "kernel": rows_x.T @ rows_dz}
    if layer.use_bias:
        out["bias"] = rows_dz.sum(axis=0)
    return out
