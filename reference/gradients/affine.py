"""VJPs of the layers whose output before the activation is affine in the input and in each weight
(the others fixed): the convolutions (plain, depthwise, separable, transposed), LocallyConnected
(Keras 2), Dense, average pooling (global included, "same" padding's excluded cells too) and
bilinear up-sampling.

``layer_vjp(layer, x, weights, g)`` returns ``{"inputs": [dx], <weight name>: dW, ...}``:
    z = the layer's output with its activation replaced by the identity,
    dz = the activation's VJP at z (reference/gradients/activations.py),
    d/da = J_a^T dz for a = x and each weight, J_a the Jacobian of z in a with the rest fixed.
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


def layer_vjp(layer, x, weights, g) -> dict:
    weights = dict(weights or {})
    pre = copy.copy(layer)
    name = getattr(layer, "activation_name", "linear")
    if hasattr(layer, "activation"):
        pre.activation = A.linear
    x, g = np.asarray(x, np.float64), np.asarray(g, np.float64)
    z = pre(x, weights=weights or None)
    dz = G.VJPS[name](z, g, edition=layer.edition)
    out = {"inputs": [adjoint(lambda v: pre(v, weights=weights or None), x, dz)]}
    for w in weights:
        out[w] = adjoint(lambda v, w=w: pre(x, weights={**weights, w: v}), np.asarray(weights[w], np.float64), dz)
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
