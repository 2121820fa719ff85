"""Cases of ``keras.activations`` (reference/activations.py; checks in conformance/test_activations.py)."""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st

from conformance import strategies as cs
from reference.registry import features

ACTIVATIONS = [f.id for f in features("activations")]


@functools.cache
def config_strategy(feature: str, dtype: str, ndim: int):
    """Keyword arguments for ``feature``, representable in ``dtype``; a random subset of them."""
    small = cs.floats(dtype, min_value=-10, max_value=10)
    optional = {
        "activations.relu": {"negative_slope": cs.floats(dtype, min_value=-2, max_value=2),
                             "max_value": cs.floats(dtype, min_value=0, max_value=10), "threshold": small},
        "activations.elu": {"alpha": cs.floats(dtype, min_value=-3, max_value=3)},
        "activations.softmax": {"axis": st.integers(-ndim, ndim - 1)},
    }.get(feature, {})
    return st.fixed_dictionaries({}, optional=optional)


def edge_inputs(feature: str, dtype: str) -> np.ndarray:
    """Every special value of the dtype at once; for softmax, rows [v, 0, -1], so that one special
    value decides each row."""
    x = cs.edge_values(dtype)
    if feature == "activations.softmax":
        x = np.stack([x, np.zeros_like(x), -np.ones_like(x)], axis=1)
    return x


# (config, input shape) pairs the spec rejects in both editions; Keras 2's softmax also rejects a 1-D input.
REJECTED = {
    "activations.softmax": [({"axis": 2}, (2, 3)), ({"axis": -3}, (2, 3))],
}
REJECTED_KERAS2 = {"activations.softmax": [({}, (4,))]}
