"""VJP of ActivityRegularization (reference/layers/regularization.py) through the training loss.

The layer is the identity, and adds (l1 * sum|x| + l2 * sum x²) / N (N the batch size) to
``layer.losses``; so ``activity_regularization(layer, x, g)`` returns the gradient of
``sum(g * y) + sum(layer.losses)``:
    {"inputs": [g + penalty'(x) / N]},
penalty' the regularizer's gradient (reference/gradients/regularizers.py; kink at x = 0 under l1).
A rank-0 input is not divided; an empty batch adds nothing.
"""

from __future__ import annotations

import numpy as np

from reference.gradients import regularizers


def activity_regularization(layer, x, g) -> dict:
    x = np.asarray(x)
    batch = x.shape[0] if x.ndim else 1
    extra = regularizers.penalty(layer.activity_regularizer, x) / batch if batch else 0.0
    return {"inputs": [np.asarray(g, np.float64) + extra]}
