"""Cases of the merge layers (reference/layers/merging.py; checks in conformance/test_layers_merging.py).

:func:`merge_cases` draws 2-4 inputs (Subtract and Dot: 2) of equal or broadcast-compatible shapes
(size-1 dims, and lower-rank inputs that Keras expands at axis 1), Concatenate on a random valid axis,
Dot with int or pair axes (positive or negative) and normalize True/False; with ``masked``, one mask
(or None) per input. Inputs have finite magnitudes (strategies.FINITE; Multiply: PRODUCT), except
that the layers compared exactly (tolerance.LAYERS_MERGING_EXACT) also get every special value.
:func:`symbolic` hides dims of the input shapes for compute_output_shape; REJECTED is the table of
invalid inputs and configs.
"""

from __future__ import annotations

import functools
import math

import numpy as np
from hypothesis import strategies as st

from adapters.base import Case
from conformance import strategies as cs
from conformance.tolerance import LAYERS_MERGING_EXACT

ELEMENTWISE = ("layers.Add", "layers.Subtract", "layers.Multiply", "layers.Average", "layers.Maximum",
               "layers.Minimum")
FEATURES = ELEMENTWISE + ("layers.Concatenate", "layers.Dot")
# Multiply of up to 4 inputs: 2**-3..8 keeps every partial product a normal float16 (>= 2**-12) and
# below its 65504; with 2**-6 a float16 partial product would round as a subnormal (beyond 4 ULP).
PRODUCT = (2.0**-3, 8.0)


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
    rng = cs.rng(draw)
    sizes = cs.shape_rng(rng)
    config = {}
    if feature in ELEMENTWISE:
        shapes = _elementwise_shapes(sizes, feature, masked=masked)
    elif feature == "layers.Concatenate":
        n, b = int(sizes.integers(2, 5)), int(sizes.integers(1, 4))
        base = [b, *(int(d) for d in sizes.integers(1, 5, size=int(sizes.integers(1, 4))))]
        axis = int(sizes.integers(1, len(base)))
        shapes = [tuple(int(sizes.integers(1, 5)) if i == axis else d for i, d in enumerate(base)) for _ in range(n)]
        r = rng.random()
        # On the last axis, a third of the time by the default axis=-1 (unpassed): rank >= 3 shows a wrong default.
        config = {} if axis == len(base) - 1 and r < 0.33 else {"axis": axis if r < 0.66 else axis - len(base)}
    else:
        b = int(sizes.integers(1, 4))
        s0 = [b, *(int(d) for d in sizes.integers(1, 5, size=int(sizes.integers(1, 3))))]
        s1 = [b, *(int(d) for d in sizes.integers(1, 5, size=int(sizes.integers(1, 3))))]
        axes, (a0, a1) = _dot_config(sizes, len(s0), len(s1))
        s1[a1] = s0[a0]
        shapes = [tuple(s0), tuple(s1)]
        config = {"axes": axes, "normalize": bool(rng.random() < 0.5)}
    special = feature in LAYERS_MERGING_EXACT and not masked and draw(st.booleans())
    mags = None if special else PRODUCT if feature == "layers.Multiply" else cs.FINITE
    inputs = tuple(draw(cs.arrays(dtype, s, magnitudes=mags)) for s in shapes)
    mask = None
    if masked:
        mask = [None if rng.random() < 0.25 else rng.random(s[:-1]) < 0.6 for s in shapes]
    return Case(feature, "call", config, inputs, dtype=dtype, mask=mask)


def symbolic(rng, shapes, config):
    """The shapes with the batch (mostly) and some other dims unknown (None); Dot's axis dims stay
    known (None against a known axis dim is a rejection: see REJECTED)."""
    keep = [()] * len(shapes)
    if "axes" in config:
        axes = config["axes"]
        keep = [{(axes if isinstance(axes, int) else axes[i]) % len(s)} for i, s in enumerate(shapes)]
    return [tuple(None if (i == 0 and rng.random() < 0.8) or (i and i not in k and rng.random() < 0.25) else d
                  for i, d in enumerate(s)) for s, k in zip(shapes, keep)]


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


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
# Dot(normalize=True) is left out: its VJP is not in the spec yet (reference/gradients/__init__.py).
GRADIENT_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.differentiable(
    merge_cases(f, dtype).filter(lambda c: not c.config.get("normalize")))) for f in FEATURES}

# The saved-model check's (float32): a call case, with a regularizer and a constraint drawn for each weight.
SAVED_CASES = {f: functools.cache(lambda edition, f=f: cs.savable(merge_cases(f, "float32"))) for f in FEATURES}
