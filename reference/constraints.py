"""Weight constraints (``keras.constraints``), in float64.

A constraint is a class whose ``__call__(w)`` returns the projected weights.
``axis`` is an int or a tuple of ints; norms are taken over it with keepdims.

Keras computes in the weight's dtype. The spec computes in float64, except where
that dtype decides the value beyond rounding: an intermediate that overflows the
weight's dtype is ±inf there (a sum of squares beyond float16's 65504 gives an
infinite norm), and epsilon is ``cast(1e-7, dtype)`` (1.19e-7 in float16).
"""

from __future__ import annotations

import numpy as np

from reference.dtypes import overflow_in, weight_dtype
from reference.editions import KERAS2, KERAS3
from reference.errors import SpecError, require
from reference.registry import feature

EPSILON = 1e-7  # keras.backend.epsilon()


def _epsilon(dtype) -> float:
    return float(np.asarray(EPSILON).astype(dtype).astype(np.float64))


def _norms(w, axis, dtype=np.float64):
    """sqrt(sum(w², axis, keepdims)); the sum of squares is inf where it overflows ``dtype``."""
    axis = tuple(axis) if isinstance(axis, (list, tuple)) else axis
    for a in np.atleast_1d(axis):
        require(-w.ndim <= a < w.ndim, "axis", f"axis {a} is out of bounds for a weight of rank {w.ndim}")
    with np.errstate(over="ignore"):
        return np.sqrt(overflow_in(np.sum(np.square(w), axis=axis, keepdims=True), dtype))


class Constraint:
    edition = KERAS3

    def get_config(self) -> dict:
        return {}


@feature("constraints")
class MaxNorm(Constraint):
    """Rescale each slice whose L2 norm over ``axis`` exceeds ``max_value``.

    Formula: n = sqrt(sum(w², axis, keepdims)); w' = w * clip(n, 0, max_value) / (1e-7 + n).
        This is not the identity for n <= max_value: a norm-1 column becomes 1/(1+1e-7) of itself.
        In w's dtype (see the module docstring): a sum of squares that overflows makes n inf, so the
        slice becomes 0 (NaN where w is ±inf): float32 [3.4e38, 1, 0] gives [0, 0, 0], not [2, ~0, 0].
    Defaults: max_value=2, axis=0.
    Errors: an axis outside the weight's rank is rejected.
    Editions: the same in Keras 2 and Keras 3.
    Seed page: the first example passes ``kernel_constraint='MaxNorm'``: the string resolves to
        MaxNorm() with the defaults in both editions.
    Source: keras/src/constraints/constraints.py MaxNorm (Keras 3.15.1); seed page 000.
    """

    def __init__(self, max_value=2, axis=0, *, edition=KERAS3):
        self.max_value, self.axis, self.edition = max_value, axis, edition

    def __call__(self, w):
        dtype = weight_dtype(w)
        w = np.asarray(w, np.float64)
        n = _norms(w, self.axis, dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            return w * overflow_in(np.clip(n, 0, self.max_value) / (_epsilon(dtype) + n), dtype)

    def get_config(self):
        return {"max_value": self.max_value, "axis": self.axis}


@feature("constraints")
class UnitNorm(Constraint):
    """Scale each slice to unit L2 norm over ``axis``.

    Formula: w' = w / (1e-7 + sqrt(sum(w², axis, keepdims))); a zero slice stays zero.
        In w's dtype (see the module docstring): a sum of squares that overflows makes the norm inf,
        so the slice becomes 0 (NaN where w is ±inf).
    Defaults: axis=0.
    Errors: an axis outside the weight's rank is rejected.
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/constraints/constraints.py UnitNorm (Keras 3.15.1); seed page 000.
    """

    def __init__(self, axis=0, *, edition=KERAS3):
        self.axis, self.edition = axis, edition

    def __call__(self, w):
        dtype = weight_dtype(w)
        w = np.asarray(w, np.float64)
        n = _norms(w, self.axis, dtype)
        with np.errstate(invalid="ignore"):
            return w / (_epsilon(dtype) + n)

    def get_config(self):
        return {"axis": self.axis}


@feature("constraints")
class MinMaxNorm(Constraint):
    """Move each slice's L2 norm over ``axis`` into [min_value, max_value], at ``rate``.

    Formula: n = sqrt(sum(w², axis, keepdims));
        w' = w * (rate * clip(n, min_value, max_value) + (1 - rate) * n) / (1e-7 + n)
        In w's dtype (see the module docstring): a sum of squares that overflows makes n inf, and
        then (1 - rate) * n is NaN for rate=1 (0 * inf), so the slice becomes NaN; the scale
        desired / (1e-7 + n) is inf where it overflows, so a zero slice becomes NaN (0 * inf) when
        rate * min_value / cast(1e-7) overflows: in float16, rate * min_value > about 0.0078.
    Defaults: min_value=0.0, max_value=1.0, rate=1.0, axis=0.
    Errors: an axis outside the weight's rank is rejected.
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/constraints/constraints.py MinMaxNorm (Keras 3.15.1); seed page 000.
    """

    def __init__(self, min_value=0.0, max_value=1.0, rate=1.0, axis=0, *, edition=KERAS3):
        self.min_value, self.max_value, self.rate, self.axis = min_value, max_value, rate, axis
        self.edition = edition

    def __call__(self, w):
        dtype = weight_dtype(w)
        w = np.asarray(w, np.float64)
        n = _norms(w, self.axis, dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            desired = self.rate * np.clip(n, self.min_value, self.max_value) + (1 - self.rate) * n
            return w * overflow_in(desired / (_epsilon(dtype) + n), dtype)

    def get_config(self):
        return {"min_value": self.min_value, "max_value": self.max_value, "rate": self.rate, "axis": self.axis}


@feature("constraints")
class NonNeg(Constraint):
    """Clamp negative weights to zero.

    Formula: Keras 3: w' = maximum(w, 0); NaN stays NaN, -inf becomes 0, -0.0 handling follows maximum.
    Defaults: none. get_config() == {}.
    Errors: none.
    Editions: Keras 2 computes w * cast(w >= 0): negative weights become -0.0, and -inf becomes
        NaN (-inf * 0); Keras 3 gives +0 for both.
    Seed page: the NonNeg sample shows an ``Identity`` initializer, not the constraint.
    Source: keras/src/constraints/constraints.py NonNeg (Keras 3.15.1); tf_keras/constraints.py NonNeg; seed page 000.
    """

    def __init__(self, *, edition=KERAS3):
        self.edition = edition

    def __call__(self, w):
        w = np.asarray(w, np.float64)
        with np.errstate(invalid="ignore"):
            if self.edition == KERAS2:
                return w * (w >= 0)
            return np.where(np.isnan(w), w, np.maximum(w, 0.0))


_SNAKE = {"max_norm": "MaxNorm", "unit_norm": "UnitNorm", "min_max_norm": "MinMaxNorm", "non_neg": "NonNeg"}
_KERAS2_EXTRA = {"maxnorm": "MaxNorm", "unitnorm": "UnitNorm", "nonneg": "NonNeg"}


def get(identifier: str, *, edition=KERAS3) -> tuple[str, dict]:
    """Resolve a constraint string to (feature id, arguments): the constraint of that name with its
    defaults (no arguments).

    Names: the class name or its snake_case; Keras 2 also accepts maxnorm, unitnorm, nonneg.
    Errors: an unknown name is rejected.
    """
    table = {**_SNAKE, **(_KERAS2_EXTRA if edition == KERAS2 else {})}
    name = table.get(identifier, identifier)
    if name not in _SNAKE.values():
        raise SpecError("identifier", f"Could not interpret constraint identifier: {identifier}")
    return f"constraints.{name}", {}
