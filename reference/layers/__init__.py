"""Layers (``keras.layers``): importing this package registers every layer feature.

See ``reference.layers.base`` for the interface every layer class follows.
"""

from reference.layers import (convolution, convolution_transpose, core, dropout,  # noqa: F401  (registers features)
                              embedding, locally_connected, masking, merging, pooling, regularization, reshaping,
                              spatial)
from reference.layers.base import Layer  # noqa: F401
