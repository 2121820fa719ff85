"""VJP of Masking (reference/layers/masking.py).

``masking(layer, x, g)`` returns ``{"inputs": [g * keep]}``: a timestep whose features all equal
``mask_value`` is zeroed in the forward pass and carries no gradient; the others pass ``g``
through. The keep mask is piecewise constant in x, so it adds no term away from its boundary.
A masked timestep sits on that boundary (moving any of its features unmasks it), so its
derivative is one-sided; Keras' backward pass treats the mask as a constant (y = x * keep,
``any(x != mask_value)`` has no gradient) and gives it 0: that is the spec.
"""

from __future__ import annotations

import numpy as np


def masking(layer, x, g) -> dict:
    keep = np.asarray(layer.compute_mask(x), bool)[..., None]
    return {"inputs": [np.where(keep, np.asarray(g, np.float64), 0.0)]}
