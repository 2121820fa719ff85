"""The Keras 3 adapters' snippets reproduce their case: executed as pasted, ``out`` is what the adapter computed.

A report's snippet is the reproduction a user copies into a bug report, so it must rebuild the
case exactly: the inputs (specials, bfloat16, large arrays packed), the layer's weights, its
mask and training flag.
"""

from __future__ import annotations

import importlib.util
import json
import os
import pickle
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from adapters import snippets
from adapters.base import Case
from tests.snippet_checks import assert_snippet_reproduces, in_dtype

tf_adapter = pytest.importorskip("adapters.tf", reason="needs TensorFlow (pip install -e '.[tf]')")

RNG = np.random.default_rng(7)


CASES = [in_dtype(c) for c in [
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


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.feature}-{c.op}")
def test_snippet_reproduces_the_adapter(case, adapter):
    assert_snippet_reproduces(adapter, case)


def test_saved_model_snippet_reproduces_the_adapter(adapter, tmp_path, monkeypatch):
    """The ``save`` snippet builds the one-layer model, saves it to model.keras in the working
    directory and loads it: ``out`` is (the original's output, the loaded layer's)."""
    monkeypatch.chdir(tmp_path)
    case = in_dtype(Case("layers.Dense", "save", {"units": 2, "kernel_regularizer": "l2"}, (RNG.normal(size=(2, 3)),),
                         weights={"kernel": RNG.normal(size=(3, 2)), "bias": RNG.normal(size=(2,))}))
    assert_snippet_reproduces(adapter, case)
    assert (tmp_path / "model.keras").is_file()


def test_array_keeps_signed_zeros_and_specials():
    x = np.array([0.0, -0.0, np.inf, np.nan])
    back = eval(snippets.array(x, "float32"), {"np": np, "inf": np.inf, "nan": np.nan})  # noqa: S307
    assert np.array_equal(np.signbit(back), np.signbit(x)) and np.isnan(back[3]) and back.dtype == np.float32
    zeros = np.array([0.0, -0.0])
    assert "np.full" not in snippets.array(zeros, "float32")


# The other Keras 3 backends, each in its own process (Keras reads KERAS_BACKEND once, at import):
# the adapter computes the Dense case and writes its snippet; the snippet, run as pasted in a process
# with no KERAS_BACKEND of its own, must pick that backend itself and compute the same numbers.
OTHER_BACKENDS = {"keras-jax": ("jax", "jax"), "keras-torch": ("torch", "torch"), "keras-numpy": ("numpy", "numpy")}
ADAPTER_RUN = """
import json, pickle, sys
import numpy as np
import adapters
case = pickle.load(open(sys.argv[1], "rb"))
adapter = adapters.load(sys.argv[2])
result = adapter.run(case)
print(json.dumps({"snippet": adapter.snippet(case), "out": np.asarray(result.outputs[0], np.float64).tolist()}))
"""
SNIPPET_TAIL = """
import json as _json
print("RESULT", _json.dumps({"backend": keras.backend.backend(),
                             "out": np.asarray(keras.ops.convert_to_numpy(out), np.float64).tolist()}))
"""


def _subprocess(args):
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}  # the in-process tf adapter set one
    done = subprocess.run([sys.executable, *args], cwd=Path(__file__).resolve().parent.parent, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout


@pytest.mark.parametrize("name", [pytest.param(n, id=n, marks=pytest.mark.skipif(
    importlib.util.find_spec(pkg) is None, reason=f"needs {pkg}")) for n, (_, pkg) in OTHER_BACKENDS.items()])
def test_snippet_reproduces_the_adapter_on_other_backends(name, tmp_path):
    backend = OTHER_BACKENDS[name][0]
    case = next(c for c in CASES if c.feature == "layers.Dense" and c.op == "call")
    (tmp_path / "case.pkl").write_bytes(pickle.dumps(case))
    adapter = json.loads(_subprocess(["-c", ADAPTER_RUN, str(tmp_path / "case.pkl"), name])
                         .strip().splitlines()[-1])
    assert f"os.environ['KERAS_BACKEND'] = {backend!r}" in adapter["snippet"]
    (tmp_path / "snippet.py").write_text(adapter["snippet"] + "\n" + SNIPPET_TAIL)
    printed = _subprocess([str(tmp_path / "snippet.py")])
    got = json.loads(next(line for line in printed.splitlines() if line.startswith("RESULT "))[len("RESULT "):])
    assert got["backend"] == backend
    np.testing.assert_array_equal(np.asarray(got["out"]), np.asarray(adapter["out"]))
