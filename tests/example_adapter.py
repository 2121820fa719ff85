"""A minimal third-party adapter: the worked example of docs/ADAPTERS.md.

"tinyact" is a pretend framework: four Keras activations written in NumPy, computing in the
input's own dtype (as a framework's kernels do). The adapter declares everything else
unsupported, turns the framework's argument errors into ``Rejected``, and writes a standalone
snippet. Run it with ``pytest conformance/ --adapter=tests.example_adapter:make`` or, installed
with its entry point, ``--adapter=tinyact``; its known divergences are in
``tests/example_adapter.toml`` (tinyact 0.1 names relu's slope ``alpha``).
"""

from __future__ import annotations

import numpy as np

from adapters import snippets
from adapters.base import Adapter, Rejected, Resolved, RoundTrip

# --- the "framework" -------------------------------------------------------------------------


def relu(x, alpha=0.0, max_value=None, threshold=0.0):
    """tinyact 0.1 still calls the slope ``alpha``, as Keras 2 did (Keras 3: ``negative_slope``)."""
    negative_slope = alpha
    y = np.where(x > threshold, x, np.zeros_like(x)) if threshold else np.maximum(x, np.zeros_like(x))
    if max_value is not None:
        y = np.clip(y, 0, max_value).astype(x.dtype)
    if negative_slope:
        y = (y - x.dtype.type(negative_slope) * np.maximum(x.dtype.type(threshold) - x, 0)).astype(x.dtype)
    return y


def sigmoid(x):
    with np.errstate(over="ignore"):
        return (1 / (1 + np.exp(-x))).astype(x.dtype)


def softsign(x):
    return (x / (1 + np.abs(x))).astype(x.dtype)


FUNCTIONS = {"relu": relu, "sigmoid": sigmoid, "softsign": softsign, "tanh": np.tanh}


def get(name):
    if name not in FUNCTIONS:
        raise ValueError(f"Unknown activation: {name}")
    return FUNCTIONS[name]


# --- the adapter -----------------------------------------------------------------------------


class TinyActAdapter(Adapter):
    name = "tinyact"
    edition = "keras3"
    framework = "tinyact"
    version = "tinyact 0.1"
    versions = {"tinyact": "0.1"}
    devices = ("cpu",)

    def supports(self, feature, dtype=None):
        area, _, name = feature.partition(".")
        if area != "activations" or name not in FUNCTIONS:
            return f"tinyact implements only the activations {', '.join(sorted(FUNCTIONS))}"
        if dtype == "bfloat16":
            return "tinyact has no bfloat16 kernels"
        return None

    def _framework(self, fn):
        """Run ``fn``; the framework's argument errors are rejections (anything else is a crash)."""
        try:
            return fn()
        except (ValueError, TypeError) as e:
            raise Rejected(f"{type(e).__name__}: {e}", type(e).__name__) from None

    def call(self, case):
        return self._framework(lambda: get(case.name)(np.asarray(case.inputs[0]), **case.config))

    def sample(self, case):
        raise NotImplementedError("tinyact has no initializers (declared unsupported)")

    def roundtrip(self, case):
        def run():
            fn = get(case.name)
            clone = get(fn.__name__)  # tinyact serializes a function by its name
            x = np.asarray(case.inputs[0])
            return RoundTrip({"name": fn.__name__}, {"name": clone.__name__}, fn(x), clone(x))

        return self._framework(run)

    def resolve(self, case):
        return self._framework(lambda: Resolved(f"activations.{get(case.identifier).__name__}", {}))

    def snippet(self, case):
        body = [f"x = {snippets.array(case.inputs[0], case.dtype)}" if case.inputs else "",
                f"out = tests.example_adapter.get({case.name!r})(x, **{dict(case.config)!r})", "print(out)"]
        return snippets.program(["import tests.example_adapter  # the tinyact 'framework'"], body)


def make(device="cpu", edition=None):
    return TinyActAdapter(device=device)
