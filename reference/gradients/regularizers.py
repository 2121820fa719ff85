"""Gradients of the weight penalties (reference/regularizers.py), which a training step adds to
the loss's gradient (issue 16: w' = constraint(w - lr * (dL/dw + d penalty/dw))).

``penalty(regularizer, w)`` returns d penalty / dw for the weight ``w``, in float64:
    c1 * sign(w) + 2 * c2 * w,
with (c1, c2) the factors as the penalty applies them to an array of w's dtype
(``regularizer.factors``: L1's rounded through float32, each cast to w's dtype).
Kink: w = 0 under an L1 factor (left derivative -c1, right +c1); TensorFlow's and JAX's abs
gradient is sign(w), 0 at 0, which the formula above gives.
"""

from __future__ import annotations

import numpy as np

from reference.dtypes import weight_dtype


def penalty(regularizer, w) -> np.ndarray:
    c1, c2 = regularizer.factors(weight_dtype(w))
    w = np.asarray(w, np.float64)
    return c1 * np.sign(w) + 2.0 * c2 * w


def kinks(regularizer, w) -> np.ndarray:
    """Where the penalty is not differentiable: w = 0 under a non-zero L1 factor."""
    return (np.asarray(w) == 0) & bool(regularizer.factors(weight_dtype(w))[0])
