"""Cases of ``keras.activations`` (reference/activations.py; checks in conformance/test_activations.py)."""

from __future__ import annotations

import functools

import numpy as np
from hypothesis import strategies as st

from adapters.base import Case
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


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
@functools.cache
def gradient_cases(feature: str, dtype: str, edition: str):
    """Inputs of rank 1-3 far into the tails (strategies.GRADIENT_WIDE: up to 100, where exp overflows
    and the stable formulas of softplus, sigmoid and elu matter) with drawn keyword arguments."""
    @st.composite
    def call(draw):
        x = draw(cs.arrays(dtype, cs.shapes(1, 3)), label="x")
        return Case(feature, "call", draw(config_strategy(feature, dtype, x.ndim), label="config"), (x,), dtype=dtype)

    return cs.differentiable(call(), inputs=cs.GRADIENT_WIDE)


GRADIENT_CASES = {f: functools.partial(gradient_cases, f) for f in ACTIVATIONS}

# The kinks of each activation (reference/gradients/activations.py kinks): (config, the points), where the
# derivative is implementation-defined; the gradient check there records the framework's value as information.
KINKS = {"activations.relu": [({}, (0.0,)), ({"max_value": 2.0}, (0.0, 2.0)), ({"threshold": 1.0}, (1.0,)),
                              ({"negative_slope": 0.25, "max_value": 3.0, "threshold": -1.0}, (-1.0, 0.0, 3.0))],
         "activations.hard_sigmoid": [({}, (-3.0, 3.0, -2.5, 2.5))],
         "activations.elu": [({"alpha": 0.5}, (0.0,))],
         "activations.selu": [({}, (0.0,))]}
