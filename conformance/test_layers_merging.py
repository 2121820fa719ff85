"""The merge layers (``keras.layers`` Add, Subtract, Multiply, Average, Maximum, Minimum,
Concatenate, Dot) against reference/layers/merging.py.

- ``values``: generated 2-4 inputs (Subtract and Dot: 2) of equal or broadcast-compatible shapes
  (size-1 dims, and lower-rank inputs that Keras expands at axis 1), Concatenate on a random valid
  axis, Dot with int or pair axes (positive or negative) and normalize True/False.
- ``masks``: per-input masks (some None): the output mask exactly, and the masked values (Maximum,
  Minimum and Multiply use the masks in their values; Concatenate combines them per axis; Dot drops them).
- ``shapes``: the symbolic compute_output_shape of input shapes with None batch and dims equals the
  spec's, and the adapter's own compute_output_shape of the concrete shapes equals its output's shape.
- ``rejects``: a table of invalid inputs and configs both must reject.
- ``roundtrip``: get_config/from_config (Concatenate's axis, Dot's axes and normalize).

Tolerances (conformance/tolerance.py): Add of k inputs sums k terms: reduction_ulps(k) with scale
sum |x_i| (the sum may cancel); Subtract: ELEMENTWISE_ULPS with scale |a| + |b|; Average: the sum of
k, then one division: reduction_ulps(k) with scale sum |x_i| / k; Multiply: ELEMENTWISE_ULPS, scale 0
(k - 1 <= 3 roundings, each relative); Maximum, Minimum, Concatenate: exact (0 ULP), which is why they
also get every special value. Dot: a reduction of n products, reduction_ulps(n) with scale
sum |a_i b_i|; with normalize each operand first carries the error of its norm (a sum of n squares:
n/2 ULP after the square root, plus the square root, its reciprocal and the product: 3 more), so each
product a_i b_i is off relatively by up to n + 6 ULP more: reduction_ulps(n) + n + 6, with the scale
taken on the normalized operands.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import strategies as cs
from conformance import check
from conformance.check import assert_equal, assert_masks, assert_outputs, expect_rejection, run_both
from conformance.divergence import recorder
from conformance.tolerance import ELEMENTWISE_ULPS, reduction_ulps

ELEMENTWISE = ("layers.Add", "layers.Subtract", "layers.Multiply", "layers.Average", "layers.Maximum",
               "layers.Minimum")
FEATURES = ELEMENTWISE + ("layers.Concatenate", "layers.Dot")
EXACT = ("layers.Maximum", "layers.Minimum", "layers.Concatenate")  # they only select or move values
FINITE = (2.0**-6, 16.0)
# Multiply of up to 4 inputs: 2**-3..8 keeps every partial product a normal float16 (>= 2**-12) and
# below its 65504; with 2**-6 a float16 partial product would round as a subnormal (beyond 4 ULP).
PRODUCT = (2.0**-3, 8.0)


def _rng(draw):
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


def _elementwise_shapes(rng, feature, *, masked=False):
    """Input shapes (b, ...) that broadcast: size-1 dims, and (unless masked) lower-rank inputs."""
    n = 2 if feature == "layers.Subtract" else int(rng.integers(2, 5))
    b = int(rng.integers(1, 4))
    dims = [int(d) for d in rng.integers(1, 5, size=int(rng.integers(1, 4)))]
    shapes = []
    for _ in range(n):
        s = [1 if rng.random() < 0.25 else d for d in dims]
        drop = int(rng.integers(1, len(dims))) if len(dims) > 1 and not masked and rng.random() < 0.3 else 0
        shapes.append((b, *s[drop:]))
    return shapes


def _dot_config(rng, r0, r1):
    """(axes, resolved (a0, a1)) for ranks r0, r1 >= 2: an int where both resolve alike, else a pair."""
    a0, a1 = int(rng.integers(1, r0)), int(rng.integers(1, r1))
    forms = [[a0 if rng.random() < 0.5 else a0 - r0, a1 if rng.random() < 0.5 else a1 - r1]]
    if a0 == a1:
        forms.append(a0)
    if r0 - a0 == r1 - a1:
        forms.append(a0 - r0)
    return forms[int(rng.integers(len(forms)))], (a0, a1)


@st.composite
def merge_cases(draw, feature, dtype, masked=False):
    """A ``call`` case of a merge layer; masked=True adds one mask (or None) per input."""
    rng = _rng(draw)
    config = {}
    if feature in ELEMENTWISE:
        shapes = _elementwise_shapes(rng, feature, masked=masked)
    elif feature == "layers.Concatenate":
        n, b = int(rng.integers(2, 5)), int(rng.integers(1, 4))
        base = [b, *(int(d) for d in rng.integers(1, 5, size=int(rng.integers(1, 4))))]
        axis = int(rng.integers(1, len(base)))
        shapes = [tuple(int(rng.integers(1, 5)) if i == axis else d for i, d in enumerate(base)) for _ in range(n)]
        config = {"axis": axis if rng.random() < 0.5 else axis - len(base)}
    else:
        b = int(rng.integers(1, 4))
        s0 = [b, *(int(d) for d in rng.integers(1, 5, size=int(rng.integers(1, 3))))]
        s1 = [b, *(int(d) for d in rng.integers(1, 5, size=int(rng.integers(1, 3))))]
        axes, (a0, a1) = _dot_config(rng, len(s0), len(s1))
        s1[a1] = s0[a0]
        shapes = [tuple(s0), tuple(s1)]
        config = {"axes": axes, "normalize": bool(rng.random() < 0.5)}
    special = feature in EXACT and not masked and draw(st.booleans())
    mags = None if special else PRODUCT if feature == "layers.Multiply" else FINITE
    inputs = tuple(draw(cs.arrays(dtype, s, magnitudes=mags)) for s in shapes)
    mask = None
    if masked:
        mask = [None if rng.random() < 0.25 else rng.random(s[:-1]) < 0.6 for s in shapes]
    return Case(feature, "call", config, inputs, dtype=dtype, mask=mask)


def _expanded(case):
    """The inputs in float64 as Keras merges them: lower ranks expanded at axis 1, then broadcast."""
    xs = [np.asarray(x, np.float64) for x in case.inputs]
    rank = max(x.ndim for x in xs)
    xs = [x.reshape(x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:]) for x in xs]
    return np.broadcast_arrays(*xs)


def _normalized(x, axis):
    with np.errstate(divide="ignore", invalid="ignore"):
        return x * np.minimum(1.0 / np.sqrt(np.sum(x * x, axis=axis, keepdims=True)), 1e7)


def tolerance_for(case, expected):
    """(ulps, scales) of the module docstring's policy."""
    f = case.feature
    if f in EXACT:
        return 0, None
    if f == "layers.Dot":
        x0, x1 = (np.asarray(x, np.float64) for x in case.inputs)
        axes = case.config["axes"]
        a0, a1 = (axes, axes) if isinstance(axes, int) else axes
        a0, a1 = a0 % x0.ndim, a1 % x1.ndim
        n = x0.shape[a0]
        ulps = reduction_ulps(n)
        if case.config["normalize"]:
            x0, x1 = _normalized(x0, a0), _normalized(x1, a1)
            ulps += n + 6
        b = x0.shape[0]
        scale = np.abs(np.moveaxis(x0, a0, -1).reshape(b, -1, n)) @ np.abs(np.moveaxis(x1, a1, 1).reshape(b, n, -1))
        return ulps, [np.reshape(scale, expected.outputs[0].shape)]
    xs = _expanded(case)
    total = np.sum([np.abs(x) for x in xs], axis=0)
    if f == "layers.Add":
        return reduction_ulps(len(xs)), [total]
    if f == "layers.Average":
        return reduction_ulps(len(xs)), [total / len(xs)]
    if f == "layers.Subtract":
        return ELEMENTWISE_ULPS, [total]
    return ELEMENTWISE_ULPS, None  # Multiply


def _compare(spec, adapter, case):
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        ulps, scales = tolerance_for(case, expected)
        assert_outputs(actual, expected, case, adapter, ulps=ulps, scales=scales)
    return result


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The merged outputs of generated inputs (broadcast shapes, lower-rank inputs, Concatenate's axis,
    Dot's axes and normalize) under the module docstring's tolerances; Maximum, Minimum and Concatenate
    exactly, with every special value as well."""
    _compare(spec, adapter, data.draw(merge_cases(feature, dtype), label="case"))


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_masks(spec, adapter, feature, data):
    """With one mask (or None) per input: the output mask (the OR of the masks, None if one is
    missing; Concatenate's per-axis combination; Dot: none) exactly, and the values, which Maximum,
    Minimum and Multiply compute from the masks (a masked-out row takes the other operand's value or 1)."""
    case = data.draw(merge_cases(feature, "float32", masked=True), label="case")
    result = _compare(spec, adapter, case)
    if result is not None:
        assert_masks(result[1], result[0], case, adapter)


def _symbolic(rng, shapes, config):
    """The shapes with the batch (mostly) and some other dims unknown (None); Dot's axis dims stay
    known (None against a known axis dim is a rejection: see REJECTED)."""
    keep = [()] * len(shapes)
    if "axes" in config:
        axes = config["axes"]
        keep = [{(axes if isinstance(axes, int) else axes[i]) % len(s)} for i, s in enumerate(shapes)]
    return [tuple(None if (i == 0 and rng.random() < 0.8) or (i and i not in k and rng.random() < 0.25) else d
                  for i, d in enumerate(s)) for s, k in zip(shapes, keep)]


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape of the input shapes with None batch and dims equals the spec's (or both
    reject them); the adapter's compute_output_shape of the concrete shapes equals the shape of its output."""
    call = data.draw(merge_cases(feature, "float32"), label="case")
    rng = _rng(data.draw)
    concrete = [tuple(np.shape(x)) for x in call.inputs]
    symbolic = Case(feature, "shape", call.config, shape=_symbolic(rng, concrete, call.config))
    result = run_both(spec, adapter, symbolic)
    if result is not None:
        assert_equal(tuple(result[1]), tuple(result[0]), symbolic, adapter, "compute_output_shape")
    exact = Case(feature, "shape", call.config, shape=concrete)
    result = run_both(spec, adapter, exact)
    assert result is not None, "the spec rejects the shapes of a valid case"
    assert_equal(tuple(result[1]), tuple(result[0]), exact, adapter, "compute_output_shape")
    actual = run_both(spec, adapter, call)[1]
    recorder().last_case = call
    assert_equal(tuple(np.shape(actual.outputs[0])), tuple(result[1]), call, adapter, "output shape")


def _call(feature, config, *shapes):
    xs = tuple(np.linspace(-1, 1, math.prod(s), dtype=np.float32).reshape(s) for s in shapes)
    return Case(feature, "call", config, xs)


def _shape(feature, config, *shapes):
    return Case(feature, "shape", config, shape=list(shapes))


REJECTED = {
    "layers.Add": {
        "mismatched dims": _call("layers.Add", {}, (2, 3), (2, 4)),
        "mismatched dims, symbolic": _shape("layers.Add", {}, (None, 3, 4), (None, 3, 5)),
        "different batch sizes": _call("layers.Add", {}, (2, 3), (3, 3)),
        "batch of 1 does not broadcast": _call("layers.Add", {}, (1, 3), (2, 3)),
    },
    "layers.Subtract": {
        "3 inputs": _call("layers.Subtract", {}, (2, 3), (2, 3), (2, 3)),
        "3 inputs, symbolic": _shape("layers.Subtract", {}, (None, 3), (None, 3), (None, 3)),
        "mismatched dims": _call("layers.Subtract", {}, (2, 3), (2, 2)),
    },
    "layers.Multiply": {"mismatched dims": _call("layers.Multiply", {}, (2, 3, 2), (2, 4, 2))},
    "layers.Average": {"mismatched dims, symbolic": _shape("layers.Average", {}, (None, 2), (None, 3))},
    "layers.Maximum": {"mismatched dims": _call("layers.Maximum", {}, (2, 3), (2, 3), (2, 5))},
    "layers.Minimum": {"mismatched lower-rank input": _call("layers.Minimum", {}, (2, 3, 4), (2, 3))},
    "layers.Concatenate": {
        "mismatched non-axis dim": _call("layers.Concatenate", {"axis": -1}, (2, 3, 4), (2, 5, 4)),
        "mismatched non-axis dim, symbolic": _shape("layers.Concatenate", {"axis": 1}, (None, 3, 4), (None, 3, 5)),
        "size-1 non-axis dim (no broadcasting)": _call("layers.Concatenate", {"axis": -1}, (2, 1, 4), (2, 3, 4)),
        "different ranks": _call("layers.Concatenate", {"axis": -1}, (2, 3, 4), (2, 4)),
        "different batch sizes": _call("layers.Concatenate", {"axis": -1}, (2, 3), (3, 3)),
        "axis = 3 for rank 3": _call("layers.Concatenate", {"axis": 3}, (2, 3, 4), (2, 3, 4)),
        "axis = -4 for rank 3, symbolic": _shape("layers.Concatenate", {"axis": -4}, (None, 3, 4), (None, 3, 4)),
    },
    "layers.Dot": {
        "3 inputs": _call("layers.Dot", {"axes": -1}, (2, 3), (2, 3), (2, 3)),
        "3 inputs, symbolic": _shape("layers.Dot", {"axes": -1}, (None, 3), (None, 3), (None, 3)),
        "axes = 0": _call("layers.Dot", {"axes": 0}, (2, 3), (2, 3)),
        "axes = (0, 1)": _call("layers.Dot", {"axes": (0, 1)}, (2, 2), (2, 2)),
        "axes = 3 for rank 3": _call("layers.Dot", {"axes": 3}, (2, 3, 4), (2, 3, 4)),
        "axes = (1, 5)": _call("layers.Dot", {"axes": (1, 5)}, (2, 3, 4), (2, 3, 4)),
        "axes = (1, -4), symbolic": _shape("layers.Dot", {"axes": (1, -4)}, (None, 3, 4), (None, 3, 4)),
        "axes with three entries": _call("layers.Dot", {"axes": (1, 1, 1)}, (2, 3), (2, 3)),
        "mismatched axis dims": _call("layers.Dot", {"axes": -1}, (2, 3), (2, 4)),
        "mismatched axis dims, pair": _call("layers.Dot", {"axes": (1, 2)}, (2, 3, 4), (2, 3, 4)),
        "different batch sizes": _call("layers.Dot", {"axes": -1}, (2, 3), (3, 3)),
        "unknown vs known axis dim, symbolic": _shape("layers.Dot", {"axes": (-2, -1)}, (None, None, 2), (None, 3)),
    },
}


@pytest.mark.parametrize("feature, reject", [(f, name) for f, rows in REJECTED.items() for name in rows])
def test_rejects(spec, adapter, feature, reject):
    """An invalid input or config (the row's name says which; "symbolic" rows go through
    compute_output_shape, the others through a call): the adapter rejects it as the spec does."""
    expect_rejection(spec, adapter, REJECTED[feature][reject])


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, data):
    """from_config(get_config()) of generated configs (Concatenate's axis, Dot's int or pair axes and
    normalize): both configs equal the spec's and the clone gives exactly the original's outputs and masks."""
    call = data.draw(merge_cases(feature, "float32", masked=data.draw(st.booleans())), label="case")
    check.assert_layer_roundtrip(spec, adapter, Case(feature, "roundtrip", call.config, call.inputs, mask=call.mask))
