"""One training step of plain SGD on a layer's weights: what ``fit`` does to them (issue 16).

``sgd_step(layer, weights, grads, learning_rate)`` returns the weights after one step:
    w' = constraint(w - lr * dL/dw),   L = sum(g * y) + sum(layer.losses),
so dL/dw is the VJP of the output (reference/gradients/) plus the weight regularizer's gradient
(reference/gradients/regularizers.py ``penalty``): the regularizer is added to the loss per layer,
and the constraint is a projection applied *after* the update, in the variable's dtype (the update
rounded to it first). SGD without momentum or weight decay, as ``keras.optimizers.SGD(lr)``. The
learning rate is an optimizer variable of dtype floatx (float32) cast to each weight's dtype: a
float64 weight steps by float32(0.01) = 0.009999999776, a float16 one by float16(float32(0.01)).
Sources: keras/src/optimizers/base_optimizer.py (``learning_rate`` a floatx Variable; ``apply``: the update, then
``_apply_weight_constraints``) and sgd.py (``variable.assign_sub(lr * gradient)``), Keras 3.15.1;
tf_keras/src/optimizers/optimizer.py (the same order in Keras 2). Regularizers on the output
(``activity_regularizer``) are outside this step's cases.
"""

from __future__ import annotations

import numpy as np

from reference.gradients import regularizers


def regularizer_of(layer, name):
    """The regularizer of weight ``name`` (a convolution's kernel takes ``depthwise_regularizer``...)."""
    return layer.weight_regularizers().get(name)


def constraint_of(layer, name):
    """The constraint of weight ``name``: the attribute named like its regularizer's."""
    reg = next((r for n, _, r in getattr(layer, "kernel_weights", ()) if n == name), f"{name}_regularizer")
    return getattr(layer, reg.replace("_regularizer", "_constraint"), None)


def penalties(layer, weights) -> dict:
    """{weight: d penalty / dw} for each weight with a regularizer (``weights`` in their own dtype,
    whose factors' rounding the penalty follows)."""
    return {k: regularizers.penalty(r, weights[k]) for k, r in layer.weight_regularizers().items()
            if r is not None and k in weights}


def sgd_step(layer, weights, grads, learning_rate) -> dict:
    """The weights after one step: ``grads`` already hold the penalties (the grad operation's)."""
    out = {}
    for k, w in weights.items():
        dtype = np.asarray(w).dtype
        lr = float(np.asarray(np.float32(learning_rate)).astype(dtype))
        updated = (np.asarray(w, np.float64) - lr * np.asarray(grads[k], np.float64)).astype(dtype)
        c = constraint_of(layer, k)
        out[k] = np.asarray(c(updated) if c is not None else updated, np.float64)
    return out
