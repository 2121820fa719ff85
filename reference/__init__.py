"""keras-conformance's executable spec: Keras semantics in pure NumPy.

Importing the package registers every feature; see ``reference.registry``.
"""

from reference import activations, constraints, initializers, layers, regularizers  # noqa: F401  (registers features)
from reference.editions import EDITIONS, KERAS2, KERAS3  # noqa: F401
from reference.errors import SpecError  # noqa: F401
from reference.registry import FEATURES, features, get_feature  # noqa: F401
