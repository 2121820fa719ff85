"""What the snippet tests of every Keras adapter share: cases in their dtype, running a snippet as
pasted, and comparing its ``out`` with what the adapter computed (tests/test_snippets.py for
Keras 3, tests/test_tf_keras_adapter.py for Keras 2)."""

from __future__ import annotations

import contextlib
import io

import numpy as np

from adapters.base import Case
from adapters.dtypes import np_dtype


def in_dtype(case: Case) -> Case:
    """Float inputs and weights in the case's dtype, as the suite's strategies make them."""
    def cast(x):
        x = np.asarray(x)
        return x.astype(np_dtype(case.dtype)) if x.dtype.kind == "f" else x

    return Case(case.feature, case.op, case.config, tuple(cast(x) for x in case.inputs), case.shape, case.dtype,
                case.identifier, case.weights and {k: cast(w) for k, w in case.weights.items()}, case.training,
                case.mask)


def run_snippet(text: str):
    """Execute a snippet as a user would paste it; its ``out``."""
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(text, "<snippet>", "exec"), namespace)  # noqa: S102  (the point of the test)
    return namespace["out"]


def _plain(v):
    if hasattr(v, "numpy"):
        return v.numpy()
    if isinstance(v, dict):  # weights by short name: Keras 3 "dense/kernel", Keras 2 "dense/kernel:0" -> "kernel"
        return {k.rsplit("/", 1)[-1].split(":", 1)[0]: _plain(x) for k, x in v.items()}
    return v


def assert_snippet_reproduces(adapter, case: Case):
    """``adapter.snippet(case)``, executed, gives exactly what ``adapter.run(case)`` gave."""
    got = _plain(run_snippet(adapter.snippet(case)))
    want = adapter.run(case)
    if case.op == "shape":
        if isinstance(want, tuple) and len(want) == 2 and isinstance(want[1], str):
            want = want[0]  # Input: (shape, dtype)
        if isinstance(want, list):
            assert [tuple(s) for s in got] == want
        else:
            assert tuple(got) == tuple(want)
        return
    if case.area == "layers" and case.op == "call":
        want = want.outputs[0]
    if case.op == "save":  # out: (the original's output, the loaded layer's)
        for g, w in zip(got, (want.original.outputs[0], want.clone.outputs[0])):
            np.testing.assert_array_equal(np.asarray(_plain(g)), np.asarray(w))
        return
    if isinstance(want, dict):
        assert got.keys() == want.keys()
        for k in want:
            np.testing.assert_array_equal(np.asarray(got[k]), np.asarray(want[k]))
        return
    np.testing.assert_array_equal(np.asarray(got, np.float64), np.asarray(want, np.float64))
