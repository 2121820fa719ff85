"""Layer losses (``layer.losses`` after one call): activity regularization and Dense's weight
regularizers, by value and in Keras' order (the convolution families' weight regularizers:
``weight_losses`` in conformance/test_layers_convolution.py and test_layers_convolution_transpose.py).

Keras 3 (``Layer.__call__``, ``Layer.losses``): an activity regularizer adds
regularizer(output) / batch_size (``divide_no_nan``; a rank-0 output is not divided) for each
output during the call; ``layer.losses`` lists those first, then one penalty per trainable
weight with a regularizer, in weight order (Dense: kernel, then bias). tf-keras (Keras 2) has
the same division (``_handle_activity_regularization``) and the same order (eager losses, then
the callable weight losses added by ``add_weight``). Each regularizer casts its factor to the
weight's (or output's) dtype, as reference/regularizers.py models.
"""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES, finfo, to_dtype
from conformance import strategies as cs
from conformance.check import assert_losses, run_both
from conformance.cases.regularizers import config_strategy, identifiers
from conformance.tolerance import reduction_ulps


@st.composite
def activity_regularization_case(draw, dtype):
    """Inputs of rank 1-3 (batch 1-4, a side may be 0: an empty input gives 0) with zeros and
    magnitudes in [2**-6, 16] (no overflow in float16), and random factors l1, l2 (each left at
    its default 0.0, or in [smallest normal, 1])."""
    x = draw(cs.arrays(dtype, cs.shapes(1, 3, min_side=0, max_side=4), magnitudes=cs.FINITE), label="x")
    config = draw(config_strategy("regularizers.L1L2", dtype), label="config")
    return Case("layers.ActivityRegularization", "call", config, (x,), dtype=dtype)


@st.composite
def dense_case(draw, dtype):
    """Dense with kernel/bias/activity regularizers (each maybe None), linear or relu activation
    (relu makes the output differ from the pre-activation), use_bias either way (no bias, no bias
    penalty), inputs of rank 2-3 and weights on the exact grid of :func:`strategies.grid`."""
    shape = draw(cs.shapes(2, 3, min_side=1, max_side=4), label="shape")
    units = draw(st.integers(1, 4), label="units")
    config = {"units": units, "use_bias": draw(st.booleans(), label="use_bias"),
              "activation": draw(st.sampled_from(("linear", "relu")), label="activation")}
    for name in ("kernel_regularizer", "bias_regularizer", "activity_regularizer"):
        reg = draw(identifiers(dtype), label=name)
        if reg is not None:
            config[name] = reg
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="values_seed"))
    weights = {"kernel": cs.grid(rng, (shape[-1], units), dtype)}
    if config["use_bias"]:
        weights["bias"] = cs.grid(rng, (units,), dtype)
    return Case("layers.Dense", "call", config, (cs.grid(rng, shape, dtype),), dtype=dtype, weights=weights)


STRATEGIES = {"layers.ActivityRegularization": activity_regularization_case, "layers.Dense": dense_case}

def summed_elements(case) -> int:
    """The longest sum behind any one loss: the output (an activity loss), the kernel or the bias."""
    x = case.inputs[0]
    if case.feature == "layers.ActivityRegularization":
        return x.size
    units = case.config["units"]
    return max(x.size // x.shape[-1] * units, x.shape[-1] * units, units)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(STRATEGIES))
@given(data=st.data())
def test_losses(spec, adapter, feature, dtype, data):
    """layer.losses after a call, by value and order. ActivityRegularization(l1, l2):
    [(l1 * sum|x| + l2 * sum x^2) / batch_size]. Dense: [activity_regularizer(output) /
    batch_size] (if set), then kernel_regularizer(kernel), then bias_regularizer(bias) (if set
    and use_bias), for string and {"class_name", "config"} regularizers."""
    case = data.draw(STRATEGIES[feature](dtype), label="case")
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_losses(actual, expected, case, adapter, ulps=reduction_ulps(summed_elements(case)))


def edge_cases(feature, dtype):
    """ActivityRegularization: ±inf and NaN inputs with each factor zero in turn (a zero factor
    skips its term: inf with l2 = 0 gives inf, not NaN), an empty batch (divide_no_nan: 0), and
    inputs whose sum of squares (or of magnitudes) overflows the dtype (inf, as Keras sums in the
    layer's dtype). Dense: an inf input (an inf output under the activity regularizer), a NaN bias,
    and a kernel and a bias whose penalties overflow the dtype."""
    big = float(finfo(dtype).max) / 2
    arr = lambda rows: to_dtype(np.array(rows, np.float64), dtype)  # noqa: E731
    if feature == "layers.ActivityRegularization":
        inputs = [arr([[np.inf, 1.0], [2.0, -3.0]]), arr([[-np.inf, 0.0], [1.0, 1.0]]), arr([[np.nan, 1.0], [1.0, 2.0]]),
                  arr(np.zeros((0, 3))), arr(np.zeros((3, 2))), arr([[1.0, -2.0], [3.0, 4.0]])]
        inputs += [arr(np.full((2, 4), big)), arr(np.full((4, 3), np.sqrt(big)))]
        configs = [{"l1": 0.01}, {"l2": 0.01}, {"l1": 0.5, "l2": 0.25}]
        return [Case(feature, "call", c, (x,), dtype=dtype) for c in configs for x in inputs]
    ones = arr(np.ones((2, 3)))
    regs = {"kernel_regularizer": "l2", "bias_regularizer": "l1", "activity_regularizer": "l1"}
    out = [Case(feature, "call", {"units": 2, "activity_regularizer": {"class_name": "L1L2", "config": {"l1": 0.5}}},
                (arr([[np.inf, 1.0, 0.5], [1.0, 2.0, 0.0]]),), dtype=dtype,
                weights={"kernel": arr(np.ones((3, 2))), "bias": arr([1.0, 0.0])}),
           Case(feature, "call", {"units": 2, **regs}, (ones,), dtype=dtype,
                weights={"kernel": arr(np.ones((3, 2))), "bias": arr([np.nan, 1.0])})]
    out += [Case(feature, "call", {"units": 2, **regs}, (ones,), dtype=dtype,
                 weights={"kernel": arr(np.ones((3, 2))), "bias": arr([big, -big])}),
            Case(feature, "call", {"units": 2, "kernel_regularizer": {"class_name": "L1L2", "config": {"l1": 0.5}}},
                 (ones,), dtype=dtype, weights={"kernel": arr(np.full((3, 2), big)), "bias": arr([1.0, 0.0])})]
    return out


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(STRATEGIES))
def test_losses_edges(spec, adapter, feature, dtype):
    """layer.losses for special values: ±inf and NaN inputs and weights, a zero factor beside an inf
    (inf, not NaN), an empty batch (0), and penalties whose sums overflow the dtype (inf)."""
    for case in edge_cases(feature, dtype):
        result = run_both(spec, adapter, case)
        if result is not None:
            expected, actual = result
            assert_losses(actual, expected, case, adapter, ulps=reduction_ulps(summed_elements(case)))
