"""Weight regularizers (``keras.regularizers``), in float64.

A regularizer's ``__call__(x)`` returns the scalar penalty that Keras adds to
the layer's losses.

Keras computes the penalty in x's dtype: each factor is cast to it
(``ops.cast(l2, x.dtype)``), and each sum is a tensor of that dtype. The spec
computes in float64 from the cast factor, except that a sum which overflows
x's dtype is inf, as it is there (float16 [65504, 65504] has sum(|x|) = inf, so
L1 gives inf, not 1310.08).
"""

from __future__ import annotations

import math

import numpy as np

from reference.dtypes import overflow_in, weight_dtype
from reference.editions import KERAS2, KERAS3
from reference.errors import SpecError, require
from reference.registry import feature

FLOATX = np.float32  # keras.config.floatx(): what a Python float becomes in ops.convert_to_tensor


def _factor(value, name, edition):
    """Keras 3 accepts only finite, non-negative numbers; Keras 2 accepts any finite number, a negative
    one included (tf_keras/src/regularizers.py:32 _check_penalty_number: an int or float, not inf or
    NaN; a bool is an int there)."""
    if edition == KERAS2:
        require(isinstance(value, (int, float)), name,
                f"Value {value} is not a valid regularization penalty number, expected an int or float value.")
        require(math.isfinite(value), name, f"Value {value} is not a valid regularization penalty number, "
                                            f"an infinite number or NaN are not valid values.")
        return float(value)
    ok = isinstance(value, (int, float)) and not isinstance(value, bool)
    ok = ok and math.isfinite(value) and value >= 0
    require(ok, name, f"Invalid value for argument {name}: expected a non-negative float. Received: {name}={value}")
    return float(value)


def _cast(factor, dtype) -> float:
    """ops.cast(factor, x.dtype): the factor rounded to x's dtype."""
    with np.errstate(over="ignore"):
        return float(np.asarray(factor, np.float64).astype(dtype).astype(np.float64))


def _sum(values, dtype):
    """ops.sum in x's dtype: the float64 sum, inf where it overflows ``dtype``."""
    with np.errstate(over="ignore", invalid="ignore"):
        return overflow_in(np.sum(values), dtype)


class Regularizer:
    edition = KERAS3


@feature("regularizers")
class L1(Regularizer):
    """L1 penalty.

    Formula: cast(float32(l1), x.dtype) * sum(|x|), the sum inf where it overflows x's dtype.
        L1 stores l1 as a tensor of floatx (float32), unlike L2 and L1L2: a float64 penalty uses
        float32(l1) (L1(0.01) on float64 x = [1] gives 0.009999999776).
    Defaults: l1=0.01. get_config() == {"l1": l1}, the number as given: a config holds the arguments
        the user passed, bit for bit. Erratum: Keras 3.15.1 (and tf-keras) give {"l1": float(float32(l1))}
        (0.009999999776482582 for 0.01), the rounded number a saved model then holds: recorded in
        their expectations (condition ``l1_factor_not_float32``).
    Errors: Keras 3 rejects a negative, infinite or NaN l1 (or a non-number).
    Editions: Keras 2 accepts a negative l1 but rejects an infinite or NaN one (or a non-number)
        (_check_penalty_number, tf_keras/src/regularizers.py:32, 282); it stores l1 through floatx too
        (backend.cast_to_floatx).
    Source: keras/src/regularizers/regularizers.py L1 (Keras 3.15.1); seed page 000.
    """

    def __init__(self, l1=0.01, *, edition=KERAS3):
        self.l1, self.edition = _factor(l1, "l1", edition), edition

    def factors(self, dtype) -> tuple[float, float]:
        """(the L1 factor, the L2 factor) as the penalty of an array of ``dtype`` applies them."""
        return _cast(float(FLOATX(self.l1)), dtype), 0.0

    def __call__(self, x):
        dtype = weight_dtype(x)
        return np.float64(self.factors(dtype)[0] * _sum(np.abs(np.asarray(x, np.float64)), dtype))

    def get_config(self):
        return {"l1": self.l1}


@feature("regularizers")
class L2(Regularizer):
    """L2 penalty.

    Formula: cast(l2, x.dtype) * sum(x²), the sum inf where it overflows x's dtype.
    Defaults: l2=0.01.
    Errors: Keras 3 rejects a negative, infinite or NaN l2 (or a non-number).
    Editions: Keras 2 computes 2 * l2 * tf.nn.l2_loss(x), the same value; it accepts a negative l2 but
        rejects an infinite or NaN one (or a non-number) (_check_penalty_number,
        tf_keras/src/regularizers.py:32, 316).
    Source: keras/src/regularizers/regularizers.py L2 (Keras 3.15.1); seed page 000.
    """

    def __init__(self, l2=0.01, *, edition=KERAS3):
        self.l2, self.edition = _factor(l2, "l2", edition), edition

    def factors(self, dtype) -> tuple[float, float]:
        """(the L1 factor, the L2 factor) as the penalty of an array of ``dtype`` applies them."""
        return 0.0, _cast(self.l2, dtype)

    def __call__(self, x):
        dtype = weight_dtype(x)
        with np.errstate(over="ignore"):
            return np.float64(self.factors(dtype)[1] * _sum(np.square(np.asarray(x, np.float64)), dtype))

    def get_config(self):
        return {"l2": self.l2}


@feature("regularizers")
class L1L2(Regularizer):
    """L1 plus L2 penalty.

    Formula: (cast(l1, x.dtype) * sum(|x|) if l1 else 0) + (cast(l2, x.dtype) * sum(x²) if l2 else 0),
        each sum inf where it overflows x's dtype. A zero factor skips its term entirely, so an inf
        in x gives inf, not NaN (0 * inf), when the other factor is set. The test is on the factor
        itself: a non-zero factor that the cast rounds to 0 keeps its term (0 * inf is NaN).
    Defaults: l1=0.0, l2=0.0 for the class in both editions.
    Errors: Keras 3 rejects a negative, infinite or NaN factor; Keras 2 an infinite or NaN one (its
        _check_penalty_number, tf_keras/src/regularizers.py:32, 240-241; a negative factor passes).
    Editions: ``keras.regularizers.l1_l2`` is the class itself in Keras 3 (defaults 0.0) but a
        function with defaults l1=0.01, l2=0.01 in Keras 2. The string "l1_l2" is rejected in Keras 3
        (its snake_case name is "l1l2", which gives a zero penalty) and gives L1L2(0.01, 0.01) in Keras 2.
    Seed page: lists ``l1_l2`` as a regularizer; the "L1 and L2" sample uses ``l2``.
    Erratum: keras.io and the Keras 2 docs describe l1_l2(l1=0.01, l2=0.01), which is not the Keras 3 default.
    Source: keras/src/regularizers/regularizers.py L1L2 (Keras 3.15.1); tf_keras/regularizers.py; seed page 000.
    """

    def __init__(self, l1=0.0, l2=0.0, *, edition=KERAS3):
        self.l1, self.l2 = _factor(l1, "l1", edition), _factor(l2, "l2", edition)
        self.edition = edition

    def factors(self, dtype) -> tuple[float, float]:
        """(the L1 factor, the L2 factor) as the penalty of an array of ``dtype`` applies them."""
        return _cast(self.l1, dtype), _cast(self.l2, dtype)

    def __call__(self, x):
        dtype = weight_dtype(x)
        x = np.asarray(x, np.float64)
        c1, c2 = self.factors(dtype)
        total = 0.0
        with np.errstate(over="ignore", invalid="ignore"):
            if self.l1:
                total = total + c1 * _sum(np.abs(x), dtype)
            if self.l2:
                total = total + c2 * _sum(np.square(x), dtype)
        return np.float64(total)

    def get_config(self):
        return {"l1": self.l1, "l2": self.l2}


def get(identifier: str, *, edition=KERAS3) -> tuple[str, dict]:
    """Resolve a regularizer string to (feature id, arguments): the regularizer it names, built with
    those arguments.

    Keras 3: "l1"/"L1" -> L1(0.01) (config {"l1": float32(0.01)}), "l2"/"L2" -> L2(0.01),
        "l1l2"/"L1L2" -> L1L2(0, 0); "l1_l2" is rejected.
    Keras 2: "l1" -> L1(0.01), "l2" -> L2(0.01), "l1_l2" -> L1L2(0.01, 0.01), "L1L2" -> L1L2(0, 0).
    Errors: an unknown name is rejected.
    """
    table = {"l1": ("L1", {"l1": 0.01}), "L1": ("L1", {"l1": 0.01}),
             "l2": ("L2", {"l2": 0.01}), "L2": ("L2", {"l2": 0.01}),
             "L1L2": ("L1L2", {"l1": 0.0, "l2": 0.0})}
    if edition == KERAS3:
        table["l1l2"] = ("L1L2", {"l1": 0.0, "l2": 0.0})
    else:
        table["l1_l2"] = ("L1L2", {"l1": 0.01, "l2": 0.01})
    if identifier not in table:
        raise SpecError("identifier", f"Could not interpret regularizer identifier: {identifier}")
    name, arguments = table[identifier]
    return f"regularizers.{name}", arguments
