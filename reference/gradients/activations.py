"""VJPs of the activations (``keras.activations``; forward pass in reference/activations.py).

Each ``<name>(x, g, **config, edition=...)`` takes the input ``x`` and a cotangent ``g`` of the
same shape and returns ``d sum(g * f(x)) / dx`` in float64: ``g * f'(x)`` elementwise, except
softmax, whose VJP mixes its axis. ``kinks(name, x, **config, edition=...)`` is True where ``f``
is not differentiable; there the value returned is one convention (TensorFlow's, stated in each
docstring) and frameworks may legitimately give another.
Source: the derivatives of the formulas in reference/activations.py; the kink conventions from
TensorFlow 2.21's gradient kernels (ReluGrad, EluGrad, SeluGrad, Relu6Grad) and Keras 3.15.1's ops.
"""

from __future__ import annotations

import numpy as np

from reference import activations as A
from reference.editions import KERAS2, KERAS3


def _f64(x):
    return np.asarray(x, np.float64)


def linear(x, g, *, edition=KERAS3):
    """Formula: g. No kinks."""
    return _f64(g).copy()


def elu(x, g, alpha=1.0, *, edition=KERAS3):
    """Formula: g where x > 0, else g * alpha * exp(x).
    Kink: x = 0 when alpha != 1 (left derivative alpha, right 1); TensorFlow's EluGrad gives g there."""
    x, g = _f64(x), _f64(g)
    with np.errstate(over="ignore", invalid="ignore"):
        return np.where(x > 0, g, g * alpha * np.exp(np.minimum(x, 0)))


def selu(x, g, *, edition=KERAS3):
    """Formula: g * scale where x > 0, else g * scale * alpha * exp(x) (A.SELU_SCALE, A.SELU_ALPHA).
    Kink: x = 0 (left derivative scale * alpha = 1.7581, right scale = 1.0507); SeluGrad gives g * scale."""
    return A.SELU_SCALE * elu(x, g, A.SELU_ALPHA, edition=edition)


def relu(x, g, negative_slope=0.0, max_value=None, threshold=0.0, *, edition=KERAS3):
    """Formula: with t = threshold, m = max_value, s = negative_slope, the forward pass is
    clip(x if x > t else 0, 0, m) - s * max(t - x, 0), so f'(x) = [x > t and (m is None or 0 < x < m)]
    + s * [x < t]. The same in both editions away from the kinks.
    Kinks: x = t, and with a max_value x = m and x = 0 (the clip's corners). TensorFlow's ReluGrad
    gives 0 at x = 0 (the gradient flows only where x > 0); Relu6Grad gives 0 at both corners."""
    x, g = _f64(x), _f64(g)
    passes = x > threshold
    if max_value is not None:
        passes &= (x > 0) & (x < max_value)
    return g * (passes + negative_slope * (x < threshold))


def softmax(x, g, axis=-1, *, edition=KERAS3):
    """Formula: y * (g - sum(g * y, axis)) with y = softmax(x, axis) (the sum kept along ``axis``).
    No kinks where the forward pass is defined (reference/activations.py softmax_defined)."""
    y, g = A.softmax(x, axis, edition=edition), _f64(g)
    axes = tuple(axis) if isinstance(axis, (tuple, list)) else axis
    return y * (g - np.sum(g * y, axis=axes, keepdims=True))


def softplus(x, g, *, edition=KERAS3):
    """Formula: g * sigmoid(x). No kinks."""
    return _f64(g) * A.sigmoid(x, edition=edition)


def softsign(x, g, *, edition=KERAS3):
    """Formula: g / (1 + |x|)^2. No kinks (the derivative is continuous at 0)."""
    return _f64(g) / (1.0 + np.abs(_f64(x))) ** 2


def tanh(x, g, *, edition=KERAS3):
    """Formula: g * (1 - tanh(x)^2). No kinks."""
    return _f64(g) * (1.0 - np.tanh(_f64(x)) ** 2)


def sigmoid(x, g, *, edition=KERAS3):
    """Formula: g * s * (1 - s) with s = sigmoid(x). No kinks."""
    s = A.sigmoid(x, edition=edition)
    return _f64(g) * s * (1.0 - s)


def hard_sigmoid(x, g, *, edition=KERAS3):
    """Formula: Keras 3: g / 6 where -3 < x < 3, else 0; Keras 2: g * 0.2 where -2.5 < x < 2.5, else 0.
    Kinks: the corners x = ±3 (Keras 3) or ±2.5 (Keras 2); Keras 3's relu6(x + 3) / 6 on TensorFlow
    gives 0 there (Relu6Grad)."""
    x, g = _f64(x), _f64(g)
    slope, corner = (0.2, 2.5) if edition == KERAS2 else (1.0 / 6.0, 3.0)
    return g * slope * (np.abs(x) < corner)


def exponential(x, g, *, edition=KERAS3):
    """Formula: g * exp(x). No kinks."""
    with np.errstate(over="ignore"):
        return _f64(g) * np.exp(_f64(x))


def kinks(name: str, x, *, edition=KERAS3, **config) -> np.ndarray:
    """Where activation ``name`` with ``config`` is not differentiable at ``x`` (see each VJP)."""
    x = _f64(x)
    points: list[float] = []
    if name == "elu" and config.get("alpha", 1.0) != 1.0 or name == "selu":
        points = [0.0]
    elif name == "relu":
        points = [config.get("threshold", 0.0)]
        if config.get("max_value") is not None:
            points += [0.0, config["max_value"]]
    elif name == "hard_sigmoid":
        points = [-2.5, 2.5] if edition == KERAS2 else [-3.0, 3.0]
    return np.isin(x, points)


VJPS = {f.__name__: f for f in (linear, elu, selu, relu, softmax, softplus, softsign, tanh, sigmoid, hard_sigmoid,
                                exponential)}
