"""The ActivityRegularization layer."""

from __future__ import annotations

from reference import regularizers
from reference.editions import KERAS3
from reference.layers.base import Layer
from reference.registry import feature


@feature("layers", seed_page="001")
class ActivityRegularization(Layer):
    """The identity, adding an L1/L2 penalty on its output to the layer's losses.

    Formula: y = x; losses == [(l1 * sum|x| + l2 * sum x²) / N] with N = x.shape[0] (divide_no_nan:
        an empty batch gives 0; a rank-0 input is not divided). A zero factor skips its term
        (regularizers.L1L2), so an inf input with l2 = 0 gives inf, not NaN.
        E.g. x = [[1, -2], [3, 4]], l1 = 0.5, l2 = 0.25: (0.5*10 + 0.25*30) / 2 = 6.25.
    Defaults: l1=0.0, l2=0.0 (no penalty, the loss is 0.0). get_config() == {"l1": l1, "l2": l2}.
        supports_masking: True (the mask passes through).
    Errors: Keras 3 rejects a negative, infinite or NaN l1 or l2, or a non-number ("l1"/"l2", from L1L2).
    Editions: Keras 2 accepts a negative factor (a negative loss) but, like Keras 3, rejects an infinite or
        NaN one or a non-number at construction (its regularizers.L1L2(l1=l1, l2=l2) runs
        _check_penalty_number: tf_keras/src/layers/regularization/activity_regularization.py:44,
        tf_keras/src/regularizers.py:32, 240-241); both editions divide by the batch size. Keras 2's
        ActivityRegularization has no call of its own: call(inputs, *args, **kwargs), the base Layer's
        (tf_keras/src/engine/base_layer.py:498).
    Seed page: l1, l2 are positive float factors; output shape = input shape.
    Erratum: the page spells the layer "ActivityRegulification" and writes the defaults "0,0" (decimal
        commas); it is keras.layers.ActivityRegularization(l1=0.0, l2=0.0).
    Source: keras/src/layers/regularization/activity_regularization.py (Keras 3.15.1); keras/src/layers/layer.py Layer.__call__ (the division by the batch size); tf_keras/engine/base_layer.py _handle_activity_regularization; seed page 001.
    """

    supports_masking = True
    edition_signatures = {"keras2": {"call": "inputs, *args, **kwargs"}}

    def __init__(self, l1=0.0, l2=0.0, *, edition=KERAS3):
        super().__init__(edition=edition)
        self.activity_regularizer = regularizers.L1L2(l1, l2, edition=edition)
        self.l1, self.l2 = l1, l2

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}
