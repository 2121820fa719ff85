"""Activation functions (``keras.activations``), in float64.

Each function takes the input as any array-like, computes in float64 and
returns a float64 array. ``edition`` selects Keras 3 (default) or Keras 2.
"""

from __future__ import annotations

import numpy as np

from reference.editions import KERAS2, KERAS3
from reference.errors import SpecError, require
from reference.registry import feature


def _f64(x):
    return np.asarray(x, dtype=np.float64)


@feature("activations")
def linear(x, *, edition=KERAS3):
    """The identity.

    Formula: y = x
    Defaults: none.
    Errors: none.
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/activations/activations.py (Keras 3.15.1); seed page 000.
    """
    return _f64(x).copy()


@feature("activations")
def elu(x, alpha=1.0, *, edition=KERAS3):
    """Exponential linear unit.

    Formula: y = x if x > 0 else alpha * expm1(x)
    Defaults: alpha=1.0.
    Errors: none (any alpha is accepted, including negative).
    Editions: the same in Keras 2 and Keras 3 (both use tf.nn.elu, scaled by alpha where x <= 0).
    Source: keras/src/backend/tensorflow/nn.py elu (Keras 3.15.1); tf_keras/backend.py elu; seed page 000.
    """
    x = _f64(x)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(x > 0, x, alpha * np.expm1(np.minimum(x, 0)))


SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


@feature("activations")
def selu(x, *, edition=KERAS3):
    """Scaled exponential linear unit.

    Formula: y = scale * elu(x, alpha) with alpha = 1.6732632423543772, scale = 1.0507009873554805
    Defaults: none (the constants are fixed).
    Errors: none.
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/activations/activations.py selu (Keras 3.15.1); seed page 000.
    """
    with np.errstate(over="ignore"):
        return SELU_SCALE * elu(x, SELU_ALPHA)


@feature("activations")
def relu(x, negative_slope=0.0, max_value=None, threshold=0.0, *, edition=KERAS3):
    """Rectified linear unit with optional slope, saturation and threshold.

    Formula: with t = threshold, m = max_value, s = negative_slope:
        y = x if x > t else 0;  y = clip(y, 0, m) if m is given;  y = y - s * max(t - x, 0)
        e.g. x=[-10,-5,0,5,10], s=.5, m=5, t=5 gives [-7.5,-5,-2.5,0,5].
    Defaults: negative_slope=0.0, max_value=None, threshold=0.0.
    Errors: none: the function accepts negative max_value, slope or threshold (the ReLU *layer* rejects them).
    Editions: Keras 2 names the slope ``alpha`` (relu(x, alpha=0.0, max_value=None, threshold=0.0),
        tf_keras/src/activations.py) and, when threshold != 0, computes
        x * cast(x > t) instead of where(x > t, x, 0): -inf below the threshold gives NaN
        (-inf * 0), and NaN stays NaN, where Keras 3 gives 0; negative inputs give -0.0.
        With threshold == 0 both editions use relu, max(x, 0), which propagates NaN.
    Source: keras/src/activations/activations.py ReLU.static_call (Keras 3.15.1); tf_keras/backend.py relu; seed page 000.
    """
    x = _f64(x)
    with np.errstate(invalid="ignore"):
        if threshold == 0:
            y = np.maximum(x, 0.0)  # NaN propagates, as tf.nn.relu
        elif edition == KERAS2:
            y = x * (x > threshold)
        else:
            y = np.where(x > threshold, x, 0.0)  # NaN > t is False: NaN becomes 0
        if max_value is not None:
            y = np.clip(y, 0.0, max_value)
        if negative_slope != 0:
            y = y - negative_slope * np.maximum(threshold - x, 0.0)
    return y


relu.edition_signatures = {"keras2": {"init": "alpha=0.0, max_value=None, threshold=0.0"}}


@feature("activations")
def softmax(x, axis=-1, *, edition=KERAS3):
    """Softmax along one axis (or a tuple of axes).

    Formula: y = exp(x - max(x)) / sum(exp(x - max(x))), max and sum over ``axis``. A -inf
        among finite values gives 0 there. The formula is the spec only in a slice where
        x - max(x) is a number everywhere: see Implementation-defined for the others.
    Defaults: axis=-1.
    Errors: an axis outside [-rank, rank) is rejected.
    Editions: Keras 3 accepts any rank >= 1 and a tuple of axes; Keras 2 rejects a 1-D input
        ("Cannot apply softmax to a tensor that is 1D").
    Implementation-defined: a slice holding a NaN or a +inf, or only -inf (``softmax_defined``
        is False there). Its limit is not what the formula computes, and implementations differ:
        IEEE arithmetic of the formula makes the whole slice NaN (Keras 3's NumPy, JAX and torch
        backends; TensorFlow's Eigen kernel), while TensorFlow's oneDNN kernel (TF_ENABLE_ONEDNN_OPTS=1)
        gives NaN only at the NaN and +inf inputs and 0 elsewhere (softmax([[-6, inf]]) = [[0, nan]],
        softmax([[nan, 0]]) = [[nan, 0]]). The spec bounds such a slice: each output is NaN or in
        [0, 1], and NaN wherever the input is NaN. The reference returns the formula's IEEE value
        (all NaN); the checks report a framework's other values there as information.
    Source: keras/src/ops/nn.py softmax (Keras 3.15.1); tf_keras/activations.py softmax; TensorFlow
        2.21 with and without oneDNN, measured; seed page 000.
    """
    x = _f64(x)
    require(x.ndim >= 1, "x", "softmax needs an input of rank >= 1")
    if edition == KERAS2:
        require(x.ndim > 1, "x", "Cannot apply softmax to a tensor that is 1D")
    axes = axis if isinstance(axis, tuple) else (axis,)
    for a in axes:
        require(-x.ndim <= a < x.ndim, "axis", f"axis {a} is out of range for an input of rank {x.ndim}")
    with np.errstate(invalid="ignore", over="ignore"):
        e = np.exp(x - np.max(x, axis=axes, keepdims=True))
        return e / np.sum(e, axis=axes, keepdims=True)


def softmax_defined(x, axis=-1):
    """Where :func:`softmax` is the formula (True) and where it is implementation-defined (False):
    False over every slice along ``axis`` in which x - max(x) is not a number somewhere (a NaN,
    a +inf, or only -inf)."""
    x = _f64(x)
    axes = axis if isinstance(axis, tuple) else (axis,)
    with np.errstate(invalid="ignore"):
        shifted = x - np.max(x, axis=axes, keepdims=True)
    return np.broadcast_to(~np.any(np.isnan(shifted), axis=axes, keepdims=True), x.shape)


@feature("activations")
def softplus(x, *, edition=KERAS3):
    """Softplus.

    Formula: y = log(1 + exp(x)), computed stably as logaddexp(0, x).
    Defaults: none.
    Errors: none.
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/backend/tensorflow/nn.py softplus (Keras 3.15.1); seed page 000.
    """
    return np.logaddexp(0.0, _f64(x))


@feature("activations")
def softsign(x, *, edition=KERAS3):
    """Softsign.

    Formula: y = x / (1 + |x|), evaluated literally: ±inf gives NaN (inf / inf), as tf.nn.softsign
        and jax.nn.soft_sign do.
    Defaults: none.
    Errors: none.
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/backend/tensorflow/nn.py softsign (tf.nn.softsign) (Keras 3.15.1); seed page 000.
    """
    x = _f64(x)
    with np.errstate(invalid="ignore"):
        return x / (1.0 + np.abs(x))


@feature("activations")
def tanh(x, *, edition=KERAS3):
    """Hyperbolic tangent.

    Formula: y = tanh(x)
    Defaults: none.
    Errors: none.
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/activations/activations.py tanh (Keras 3.15.1); seed page 000.
    """
    return np.tanh(_f64(x))


@feature("activations")
def sigmoid(x, *, edition=KERAS3):
    """Logistic sigmoid.

    Formula: y = 1 / (1 + exp(-x))
    Defaults: none.
    Errors: none.
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/activations/activations.py sigmoid (Keras 3.15.1); seed page 000.
    """
    x = _f64(x)
    with np.errstate(over="ignore"):
        return np.where(x >= 0, 1.0 / (1.0 + np.exp(-np.abs(x))), np.exp(-np.abs(x)) / (1.0 + np.exp(-np.abs(x))))


@feature("activations")
def hard_sigmoid(x, *, edition=KERAS3):
    """Piecewise-linear approximation of the sigmoid.

    Formula: Keras 3: y = relu6(x + 3) / 6 = clip(x/6 + 1/2, 0, 1), so [-1, 0, 1] -> [1/3, 1/2, 2/3].
        Keras 2: y = clip(0.2 x + 0.5, 0, 1), so [-1, 0, 1] -> [0.3, 0.5, 0.7].
    Defaults: none.
    Errors: none.
    Editions: the slope is 1/6 in Keras 3 and 0.2 in Keras 2 (keras-team/keras#19477, tensorflow#65381).
    Erratum: ``keras.ops.hard_sigmoid``'s docstring (Keras 3.15.1) still states 0.2x + 0.5 with
        outputs [0.3, 0.5, 0.7]; the code computes the Keras 3 formula above.
    Source: keras/src/backend/tensorflow/nn.py hard_sigmoid (Keras 3.15.1); tf_keras/backend.py hard_sigmoid; seed page 000.
    """
    x = _f64(x)
    if edition == KERAS2:
        return np.clip(0.2 * x + 0.5, 0.0, 1.0)
    return np.clip(x + 3.0, 0.0, 6.0) / 6.0


@feature("activations")
def exponential(x, *, edition=KERAS3):
    """Exponential.

    Formula: y = exp(x)
    Defaults: none.
    Errors: none.
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/activations/activations.py exponential (Keras 3.15.1); seed page 000.
    """
    with np.errstate(over="ignore"):
        return np.exp(_f64(x))


# String identifiers accepted by ``keras.activations.get``: the function's own name.
def get(identifier: str, *, edition=KERAS3) -> tuple[str, dict]:
    """Resolve an activation string to (feature id, arguments): the function of that name, no arguments.

    Formula: ``get(name)`` returns the function of that name; ``None`` gives linear.
    Errors: an unknown name is rejected ("Could not interpret activation function identifier").
    """
    from reference.registry import features

    if identifier is None:
        return "activations.linear", {}
    names = {f.name for f in features("activations")}
    if identifier not in names:
        raise SpecError("identifier", f"Could not interpret activation function identifier: {identifier}")
    return f"activations.{identifier}", {}
