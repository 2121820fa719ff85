"""VJPs of the layers that only move elements: Flatten, Reshape, Permute, RepeatVector
(reference/layers/reshaping.py) and Cropping, ZeroPadding, nearest UpSampling (reference/layers/spatial.py).

Each output element of such a layer is one input element (or a padded zero), so the VJP is the
adjoint of that gather:
    dx[i] = sum of g[o] over every output position o that reads input position i,
a scatter-add: RepeatVector and UpSampling, which read an element several times, sum its
cotangents; Cropping leaves the cropped elements a zero gradient; ZeroPadding's padded positions
read no input, so their cotangents are dropped. ``moved`` finds which input each output reads by
running the layer's own forward pass on the positions 1..N (exact in float64 below 2**53; 0 is
a padded zero), so the VJP is the forward pass's exact adjoint, with no kinks. Bilinear up-sampling
interpolates, and is not one of these.
"""

from __future__ import annotations

import numpy as np

LAYERS = ("Flatten", "Reshape", "Permute", "RepeatVector", "Cropping1D", "Cropping2D", "Cropping3D",
          "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D", "UpSampling1D", "UpSampling2D", "UpSampling3D")


def moved(layer, x, g) -> dict:
    """``{"inputs": [dx]}`` of a layer of LAYERS (UpSampling2D only with interpolation "nearest")."""
    x = np.asarray(x, np.float64)
    source = layer(np.arange(1, x.size + 1, dtype=np.float64).reshape(x.shape)).astype(np.int64).reshape(-1)
    read = source > 0
    dx = np.bincount(source[read] - 1, weights=np.asarray(g, np.float64).reshape(-1)[read], minlength=x.size)
    return {"inputs": [dx.reshape(x.shape)]}
