"""VJPs of the layers whose output before the activation is affine in each input and each weight
(the others fixed): the convolutions (plain, depthwise, separable, transposed), LocallyConnected
(Keras 2), Dense, average pooling (global included, "same" padding's excluded cells too),
bilinear up-sampling, the merge layers but Maximum, Minimum and a normalizing Dot (Add,
Subtract, Multiply, Average, Concatenate, Dot), and Dropout and SpatialDropout for a given mask.

``layer_vjp(layer, x, weights, g)`` returns ``{"inputs": [dx, ...], <weight name>: dW, ...}``:
    z = the layer's output with its activation replaced by the identity,
    dz = the activation's VJP at z (reference/gradients/activations.py),
    d/da = J_a^T dz for a = each input and each weight, J_a the Jacobian of z in a with the rest fixed.
J_a is read off the layer's own forward pass, which is affine in a: column i is z(e_i) - z(0),
e_i the i-th unit array of a's shape. So the VJP is the forward pass's exact adjoint (no finite
differences, no second formula to drift from the first): the backward pass of a convolution is
the transposed convolution of dz with the kernel (and of x with dz for the kernel), of average
pooling dz spread evenly over each window's counted cells, whatever padding the forward pass
uses. Its kinks are the activation's, at z. It costs one forward pass per element of x and of
each weight: meant for the suite's small cases.
"""

from __future__ import annotations

import copy

import numpy as np

from reference import activations as A
from reference.gradients import activations as G


def layer_vjp(layer, x, weights, g, *, training=False, seed=None) -> dict:
    """``x``: one array, or a list of them (the merge layers: one ``dx`` each). ``training`` and
    ``seed`` are the call's: a dropout layer in training draws its mask from
    ``np.random.default_rng(seed)`` on every forward pass, so the VJP reuses the forward pass's
    mask, as a backward pass must (dx = g * keep / (1 - rate))."""
    weights = dict(weights or {})
    several = isinstance(x, (list, tuple))
    xs = [np.asarray(v, np.float64) for v in (x if several else [x])]
    pre = copy.copy(layer)
    name = getattr(layer, "activation_name", "linear")
    if hasattr(layer, "activation"):
        pre.activation = A.linear

    def run(inputs, ws):
        rng = None if seed is None else np.random.default_rng(seed)
        return pre(list(inputs) if several else inputs[0], weights=ws or None, training=training, rng=rng)

    z = run(xs, weights)
    dz = G.VJPS[name](z, np.asarray(g, np.float64), edition=layer.edition)
    # The bias does not enter any other Jacobian: zeroed there, so z(e_i) - z(0) is not rounded at its scale.
    unbiased = {k: np.zeros_like(np.asarray(v, np.float64)) if k == "bias" else v for k, v in weights.items()}
    out = {"inputs": [adjoint(lambda v, i=i: run(xs[:i] + [v] + xs[i + 1:], unbiased), xs[i], dz)
                      for i in range(len(xs))]}
    for w in weights:
        out[w] = adjoint(lambda v, w=w: run(xs, {**unbiased, w: v}), np.asarray(weights[w], np.float64), dz)
    return out


def adjoint(f, a, dz) -> np.ndarray:
    """J^T dz for ``f`` affine in ``a``: element i is sum(dz * (f(e_i) - f(0)))."""
    base = f(np.zeros_like(a))
    out = np.empty(a.shape)
    for i in np.ndindex(a.shape):
        e = np.zeros_like(a)
        e[i] = 1.0
        out[i] = np.sum(dz * (f(e) - base))
    return out
