"""Layers (``keras.layers``): importing this package registers every layer feature.

See ``reference.layers.base`` for the interface every layer class follows.
"""

from reference.layers import core, dropout, masking, regularization, reshaping  # noqa: F401  (registers features)
from reference.layers.base import Layer  # noqa: F401
