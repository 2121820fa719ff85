"""The tf adapter's snippets reproduce their case: executed as pasted, ``out`` is what the adapter computed.

A report's snippet is the reproduction a user copies into a bug report, so it must rebuild the
case exactly: the inputs (specials, bfloat16, large arrays packed), the layer's weights, its
mask and training flag.
"""

from __future__ import annotations

import contextlib
import io

import numpy as np
import pytest

from adapters import snippets
from adapters.base import Case
from adapters.dtypes import np_dtype

tf_adapter = pytest.importorskip("adapters.tf", reason="needs TensorFlow (pip install -e '.[tf]')")

RNG = np.random.default_rng(7)


def _cast(case: Case) -> Case:
    """Float inputs and weights in the case's dtype, as the suite's strategies make them."""
    def cast(x):
        x = np.asarray(x)
        return x.astype(np_dtype(case.dtype)) if x.dtype.kind == "f" else x

    return Case(case.feature, case.op, case.config, tuple(cast(x) for x in case.inputs), case.shape, case.dtype,
                case.identifier, case.weights and {k: cast(w) for k, w in case.weights.items()}, case.training,
                case.mask)


CASES = [_cast(c) for c in [
    Case("activations.elu", "call", {"alpha": 0.5}, (np.array([-np.inf, -1.0, -0.0, 0.0, 2.0, np.inf, np.nan]),),
         dtype="float16"),
    Case("activations.relu", "call", {}, (RNG.normal(size=(40, 40)),), dtype="bfloat16"),  # packed: > LITERAL_MAX
    Case("layers.Dense", "call", {"units": 3, "activation": "tanh"}, (RNG.normal(size=(2, 4)),), dtype="float32",
         weights={"kernel": RNG.normal(size=(4, 3)), "bias": RNG.normal(size=(3,))}),
    Case("layers.Conv1D", "call", {"filters": 2, "kernel_size": 3, "padding": "same"}, (RNG.normal(size=(1, 5, 2)),),
         dtype="float64", weights={"kernel": RNG.normal(size=(3, 2, 2)), "bias": np.zeros(2)}),
    Case("layers.Embedding", "call", {"input_dim": 5, "output_dim": 2}, (np.array([[0, 4, 2]], np.int32),),
         weights={"embeddings": RNG.normal(size=(5, 2))}),
    Case("layers.Dropout", "call", {"rate": 0.5, "seed": 3}, (np.ones((4, 300)),), training=True),
    Case("layers.Add", "call", {}, (RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))), dtype="float64",
         mask=[np.array([True, False]), None]),
    Case("layers.Reshape", "shape", {"target_shape": (3, 2)}, shape=(None, 6)),
    Case("initializers.GlorotUniform", "sample", {"seed": 1}, shape=(3, 4)),
    Case("layers.Dense", "sample", {"units": 2, "kernel_initializer": {"class_name": "Ones", "config": {}}},
         shape=(None, 3)),
    Case("constraints.MaxNorm", "call", {"max_value": 1.5, "axis": 0}, (RNG.normal(size=(3, 2)),), dtype="float64"),
]]


@pytest.fixture(scope="module")
def adapter():
    return tf_adapter.TFAdapter()


def _run_snippet(text: str):
    namespace = {}
    with contextlib.redirect_stdout(io.StringIO()):
        exec(compile(text, "<snippet>", "exec"), namespace)  # noqa: S102  (the point of the test)
    return namespace["out"]


def _plain(v):
    if hasattr(v, "numpy"):
        return v.numpy()
    if isinstance(v, dict):
        return {k.rsplit("/", 1)[-1]: _plain(x) for k, x in v.items()}
    return v


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.feature}-{c.op}")
def test_snippet_reproduces_the_adapter(case, adapter):
    got = _plain(_run_snippet(adapter.snippet(case)))
    want = adapter.run(case)
    if case.op == "shape":
        assert tuple(got) == tuple(want[0] if isinstance(want, tuple) and isinstance(want[1], str) else want)
        return
    if case.area == "layers" and case.op == "call":
        want = want.outputs[0]
    if isinstance(want, dict):
        assert got.keys() == want.keys()
        for k in want:
            np.testing.assert_array_equal(np.asarray(got[k]), np.asarray(want[k]))
        return
    np.testing.assert_array_equal(np.asarray(got, np.float64), np.asarray(want, np.float64))


def test_array_keeps_signed_zeros_and_specials():
    x = np.array([0.0, -0.0, np.inf, np.nan])
    back = eval(snippets.array(x, "float32"), {"np": np, "inf": np.inf, "nan": np.nan})  # noqa: S307
    assert np.array_equal(np.signbit(back), np.signbit(x)) and np.isnan(back[3]) and back.dtype == np.float32
    zeros = np.array([0.0, -0.0])
    assert "np.full" not in snippets.array(zeros, "float32")
