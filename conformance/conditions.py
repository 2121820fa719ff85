"""Conditions on a case that an expectation's ``when`` can name: a divergence described by its cause.

An entry with ``when = ["broadcast"]`` covers a divergence in every case that meets all its
conditions, in any draw of any profile: such a case's divergence is known (the check goes on
drawing, and the record is ``xfail``), and a divergence in a case that does not meet them is new.
Each condition is a predicate on the :class:`adapters.base.Case` the check ran last, defined once
here, its docstring what the report and the README say it means.
"""

from __future__ import annotations

import numpy as np

from conformance import tolerance


def broadcast(case) -> bool:
    """The case has two or more inputs, not all of the same shape (a merge layer broadcasts them)."""
    shapes = {np.shape(x) for x in case.inputs}
    return len(case.inputs) > 1 and len(shapes) > 1


def subnormal(case) -> bool:
    """Some floating-point input, or a number in the config, is subnormal: nonzero and smaller in
    magnitude than its dtype's smallest normal (a CPU may flush it to zero: conformance/tolerance.py)."""
    return tolerance.flush_subnormals(case) is not None


def unequal_strides(case) -> bool:
    """The layer's ``strides`` differ between its spatial axes (e.g. ``(3, 1, 3)``)."""
    strides = case.config.get("strides")
    return isinstance(strides, (tuple, list)) and len(set(strides)) > 1


CONDITIONS = {f.__name__: f for f in (broadcast, subnormal, unequal_strides)}


def hold(names, case) -> bool:
    """Whether ``case`` meets every condition named (an unknown name is rejected when the file loads)."""
    return case is not None and all(CONDITIONS[n](case) for n in names)


def describe(names) -> str:
    return " and ".join(names)
