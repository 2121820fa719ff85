"""VJPs of the layers whose every output is the largest or smallest of some inputs: MaxPooling,
GlobalMaxPooling (reference/layers/pooling.py), Maximum and Minimum (reference/layers/merging.py).

``routed(forward, xs, g)`` returns ``{"inputs": [dx, ...], "kinks": ties, "undefined": [u, ...]}`` for ``forward`` (the
layer's own call on a list of input arrays):
    dx[i] = sum of g[o] over every output o whose value is input element i (the window's or the
    inputs' maximum, or minimum),
so the gradient flows to the winning element only, and an element that wins several windows (an
overlapping pool, a broadcast input) receives the sum. ``routed`` finds the winner of each output
by running the forward pass on the inputs' ranks (1..N, which orders as the values do): the
output's rank names its element.
Kinks: an output whose maximum (or minimum) is attained by several elements (a tie) is not
differentiable; ``kinks`` marks it. There the returned VJP routes to one of the tied elements
(for a maximum the first in row-major order, TensorFlow's MaxPoolGrad convention; for a minimum
the last); frameworks pick either or split the gradient: implementation-defined, and ``undefined``
marks, per input, the elements where routing to the first and to the last winner differ. NaN
inputs are outside this VJP.
"""

from __future__ import annotations

import numpy as np


def routed(forward, xs, g) -> dict:
    xs = [np.asarray(x, np.float64) for x in xs]
    flat = np.concatenate([x.ravel() for x in xs])
    position = np.arange(flat.size)
    winners = []
    for later_wins in (False, True):  # ties broken toward the first element, then toward the last
        order = np.lexsort((position if later_wins else -position, flat))  # ascending value
        rank = np.empty(flat.size)
        rank[order] = np.arange(1, flat.size + 1)
        parts = np.split(rank, np.cumsum([x.size for x in xs])[:-1])
        out = np.asarray(forward([p.reshape(x.shape) for p, x in zip(parts, xs)]))
        winners.append(order[out.astype(np.int64).ravel() - 1])
    first, last = winners
    shape, g = np.shape(g), np.asarray(g, np.float64).ravel()
    dx, dx_last = (np.bincount(w, weights=g, minlength=flat.size) for w in (first, last))
    cuts = np.cumsum([x.size for x in xs])[:-1]
    split = lambda v: [p.reshape(x.shape) for p, x in zip(np.split(v, cuts), xs)]  # noqa: E731
    return {"inputs": split(dx), "kinks": (first != last).reshape(shape),
            "undefined": split(dx != dx_last)}
