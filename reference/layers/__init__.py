"""Layers (``keras.layers``): importing this package registers every layer feature.

See ``reference.layers.base`` for the interface every layer class follows.
"""

from reference.layers import (core, dropout, embedding, masking, merging, regularization,  # noqa: F401  (registers features)
                              reshaping)
from reference.layers.base import Layer  # noqa: F401
