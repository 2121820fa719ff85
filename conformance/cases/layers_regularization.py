"""Cases of the ActivityRegularization layer (reference/layers/regularization.py; checks in
conformance/test_layers_regularization.py).

``CASES``: the call cases the values, shapes, mask propagation and round-trip checks share
(finite inputs, a few factors). The losses checks draw ``activity_regularization_losses`` (random
factors, empty inputs) and take the special values of ``loss_edges``.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import finfo, to_dtype
from conformance import strategies as cs
from conformance.cases.regularizers import config_strategy
from conformance.strategies import KERAS3_ONLY, Reject


@functools.cache
@st.composite
def activity_regularization(draw, dtype):
    x = draw(cs.arrays(dtype, cs.shapes(1, 3, max_side=4), magnitudes=cs.FINITE))
    config = {"l1": draw(st.sampled_from((0.0, 0.01, 0.5))), "l2": draw(st.sampled_from((0.0, 0.01, 0.25)))}
    return Case("layers.ActivityRegularization", "call", config, (x,), dtype=dtype)


# The call cases, by feature: a function of the dtype (cached: Hypothesis validates each new strategy).
CASES = {"layers.ActivityRegularization": activity_regularization}

REJECTED = {
    "layers.ActivityRegularization": {
        "l1 = -1": Reject({"l1": -1.0}, x=(2, 3), editions=KERAS3_ONLY),
        "l2 = NaN": Reject({"l2": math.nan}, x=(2, 3)),
        "l2 = inf": Reject({"l2": math.inf}, x=(2, 3)),
        "l1 = 'a'": Reject({"l1": "a"}, x=(2, 3)),
    },
}

VARIANTS = {"generated": cs.roundtrip_variant()}
ROUNDTRIP = [("layers.ActivityRegularization", "generated")]


# --- losses ---------------------------------------------------------------------------------------
@st.composite
def activity_regularization_losses(draw, dtype):
    """Inputs of rank 1-3 (batch 1-4, a side may be 0: an empty input gives 0) with zeros and
    magnitudes in [2**-6, 16] (no overflow in float16), and random factors l1, l2 (each left at
    its default 0.0, or in [smallest normal, 1])."""
    x = draw(cs.arrays(dtype, cs.shapes(1, 3, min_side=0, max_side=4), magnitudes=cs.FINITE), label="x")
    config = draw(config_strategy("regularizers.L1L2", dtype), label="config")
    return Case("layers.ActivityRegularization", "call", config, (x,), dtype=dtype)


def loss_edges(dtype):
    """±inf and NaN inputs with each factor zero in turn (a zero factor skips its term: inf with
    l2 = 0 gives inf, not NaN), an empty batch (divide_no_nan: 0), and inputs whose sum of squares
    (or of magnitudes) overflows the dtype (inf, as Keras sums in the layer's dtype)."""
    big = float(finfo(dtype).max) / 2
    arr = lambda rows: to_dtype(np.array(rows, np.float64), dtype)  # noqa: E731
    inputs = [arr([[np.inf, 1.0], [2.0, -3.0]]), arr([[-np.inf, 0.0], [1.0, 1.0]]), arr([[np.nan, 1.0], [1.0, 2.0]]),
              arr(np.zeros((0, 3))), arr(np.zeros((3, 2))), arr([[1.0, -2.0], [3.0, 4.0]])]
    inputs += [arr(np.full((2, 4), big)), arr(np.full((4, 3), np.sqrt(big)))]
    configs = [{"l1": 0.01}, {"l2": 0.01}, {"l1": 0.5, "l2": 0.25}]
    return [Case("layers.ActivityRegularization", "call", c, (x,), dtype=dtype) for c in configs for x in inputs]


LOSS_CASES = {"layers.ActivityRegularization": activity_regularization_losses}
LOSS_EDGES = {"layers.ActivityRegularization": loss_edges}


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
GRADIENT_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.differentiable(CASES[f](dtype))) for f in CASES}

# The saved-model check's (float32): a call case, with a regularizer and a constraint drawn for each weight.
SAVED_CASES = {f: functools.cache(lambda edition, f=f: cs.savable(CASES[f]("float32"))) for f in CASES}
