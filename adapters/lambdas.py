"""The functions a ``layers.Lambda`` case may name, in NumPy (for the reference) and in
``keras.ops`` (for every Keras 3 adapter).

A case's config names them (``{"function": "hadamard_product_sum"}``) so it stays
plain data; each adapter turns the name into its framework's function. A third-party
adapter implements ``CATALOG`` in its own ops. ``ops`` below is ``numpy`` or
``keras.ops``: the two spell these functions the same way.
"""

from __future__ import annotations

import numpy as np


def square(ops):
    return lambda x: x**2


def scale_shift(ops):
    """The ``arguments`` example: function(x, factor, shift)."""
    return lambda x, factor=1.0, shift=0.0: x * factor + shift


def antirectifier(ops):
    """After the seed page's example: centre, scale by 1 / (1 + L2 norm) (the page's l2_normalize
    divides 0 by 0 on a constant row, which no dtype-independent epsilon avoids), then
    [relu(x), relu(-x)] on the last axis."""

    # Lambdas, not a nested def: Keras serializes a named function by name, and from_config
    # could not find it again.
    centre = lambda x: x - ops.mean(x, axis=-1, keepdims=True)  # noqa: E731
    scale = lambda c: c / (ops.sqrt(ops.sum(c * c, axis=-1, keepdims=True)) + 1.0)  # noqa: E731
    split = lambda y: ops.concatenate([ops.maximum(y, 0), ops.maximum(-y, 0)], axis=-1)  # noqa: E731
    return lambda x: split(scale(centre(x)))


def antirectifier_output_shape(ops):
    return lambda s: (*s[:-1], None if s[-1] is None else 2 * s[-1])


def hadamard_product_sum(ops):
    """The seed page's two-input, two-output example."""
    return lambda t: [t[0] * t[1], ops.sum(t[0] * t[1], axis=-1)]


def hadamard_product_sum_output_shape(ops):
    return lambda shapes: [tuple(shapes[0]), tuple(shapes[1][:-1])]


def mask_positive(ops):
    """A mask function: a timestep is kept where its first feature is positive."""
    return lambda x, mask=None: x[..., 0] > 0


CATALOG = {f.__name__: f for f in (square, scale_shift, antirectifier, antirectifier_output_shape,
                                   hadamard_product_sum, hadamard_product_sum_output_shape, mask_positive)}
CALLABLE_KEYS = ("function", "output_shape", "mask")  # Lambda config keys that may name a function


def resolve(config: dict, ops=np) -> dict:
    """``config`` with every named function replaced by its ``ops`` implementation."""
    out = dict(config)
    for key in CALLABLE_KEYS:
        if isinstance(out.get(key), str):
            if out[key] not in CATALOG:
                raise KeyError(f"Lambda {key} {out[key]!r} is not in adapters/lambdas.py: {sorted(CATALOG)}")
            out[key] = CATALOG[out[key]](ops)
    return out


def closes_over_ops(config: dict) -> bool:
    """Whether ``config`` names a catalog function that closes over its ``ops`` module: a ``.keras``
    file cannot hold one (Keras serializes a Lambda's function with its closure, and pickles no
    module), whatever the framework."""
    return any(isinstance(config.get(k), str) and CATALOG[config[k]](np).__code__.co_freevars
               for k in CALLABLE_KEYS)


def name_of(value):
    """The catalog name of a function made by :func:`resolve`, else ``value`` itself."""
    qual = getattr(value, "__qualname__", "")
    return qual.split(".", 1)[0] if callable(value) and qual.split(".", 1)[0] in CATALOG else value
