"""The tf-keras adapter (Keras 2): it loads as edition keras2 without Keras 3, declares what tf-keras
lacks, and its snippets reproduce their case: executed as pasted, ``out`` is what the adapter computed.

A report's snippet is the reproduction a user copies into a bug report, so it must rebuild the case
exactly with plain ``tf_keras`` calls: the inputs (specials included), the layer's weights (Keras 2
names them ``dense/kernel:0``), its mask (``tensor._keras_mask``) and training flag.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import adapters
from adapters.base import AdapterUnavailable, Case
from tests.snippet_checks import assert_snippet_reproduces, in_dtype

pytest.importorskip("tf_keras", reason="needs tf-keras (pip install tf-keras==2.21.0)")
tfk_adapter = pytest.importorskip("adapters.tf_keras", reason="needs TensorFlow and tf-keras")

ROOT = Path(__file__).resolve().parents[1]
RNG = np.random.default_rng(11)


SPECIALS = np.array([-np.inf, -1.0, -0.0, 0.0, 2.0, np.inf, np.nan])
CASES = [in_dtype(c) for c in [
    Case("activations.elu", "call", {"alpha": 0.5}, (SPECIALS,), dtype="float16"),
    # Keras 3's negative_slope is Keras 2's alpha: the adapter and its snippet rename it.
    Case("activations.relu", "call", {"negative_slope": 0.25, "threshold": 1.0}, (SPECIALS,), dtype="float32"),
    Case("activations.hard_sigmoid", "call", {}, (RNG.normal(size=(40, 40)),), dtype="float64"),  # packed
    Case("layers.Dense", "call", {"units": 3, "activation": "tanh"}, (RNG.normal(size=(2, 4)),), dtype="float32",
         weights={"kernel": RNG.normal(size=(4, 3)), "bias": RNG.normal(size=(3,))}),
    Case("layers.Embedding", "call", {"input_dim": 5, "output_dim": 2, "mask_zero": True},
         (np.array([[0, 4, 2]], np.int32),), weights={"embeddings": RNG.normal(size=(5, 2))}),
    Case("layers.Add", "call", {}, (RNG.normal(size=(2, 3, 2)), RNG.normal(size=(2, 3, 2))), dtype="float64",
         mask=[np.array([[True, False, True], [False, True, True]]), None]),
    Case("layers.Maximum", "call", {}, (RNG.normal(size=(2, 3)), RNG.normal(size=(2, 3))),
         mask=[np.array([True, False]), np.array([True, True])]),
    Case("initializers.GlorotUniform", "sample", {"seed": 1}, shape=(3, 4)),
    Case("layers.LocallyConnected1D", "call", {"filters": 2, "kernel_size": 2, "strides": 1},
         (RNG.normal(size=(1, 4, 3)),), dtype="float32",
         weights={"kernel": RNG.normal(size=(3, 6, 2)), "bias": RNG.normal(size=(3, 2))}),
    Case("layers.LocallyConnected1D", "call", {"filters": 1, "kernel_size": 2, "implementation": 2},
         (RNG.normal(size=(1, 3, 2)),), dtype="float64",
         weights={"kernel": RNG.normal(size=(3, 2, 2, 1)), "bias": np.zeros((2, 1))}),
    Case("layers.Reshape", "shape", {"target_shape": (3, 2)}, shape=(None, 6)),
    Case("layers.Concatenate", "shape", {"axis": 1}, shape=[(None, 2, 3), (None, 4, 3)]),
    Case("layers.Dense", "sample", {"units": 2, "kernel_initializer": {"class_name": "Ones", "config": {}}},
         shape=(None, 3)),
    Case("layers.Dropout", "call", {"rate": 0.5}, (np.ones((2, 3)),)),  # inference: the input itself
    Case("constraints.MaxNorm", "call", {"max_value": 1.5, "axis": 0}, (RNG.normal(size=(3, 2)),), dtype="float32"),
]]


@pytest.fixture(scope="module")
def adapter():
    return tfk_adapter.TFKerasAdapter()


@pytest.mark.parametrize("case", CASES, ids=lambda c: f"{c.feature}-{c.op}")
def test_snippet_reproduces_the_adapter(case, adapter):
    assert_snippet_reproduces(adapter, case)


def test_masked_call_returns_the_merged_mask(adapter):
    """The input masks reach the layer (as a Masking layer before it would leave them) and the
    output mask comes back: Keras 2's merge layers AND them."""
    case = CASES[6]
    result = adapter.run(case)
    np.testing.assert_array_equal(result.masks[0], [True, False])


def test_loads_as_edition_keras2():
    adapter = adapters.load("tf-keras", edition="keras2")
    assert isinstance(adapter, tfk_adapter.TFKerasAdapter)
    assert (adapter.name, adapter.edition, adapter.framework) == ("tf-keras", "keras2", "tensorflow")
    assert set(adapter.versions) == {"tensorflow", "tf_keras"}
    assert adapter.version.startswith("tensorflow ") and "tf_keras " in adapter.version


def test_declares_what_tf_keras_lacks(adapter):
    assert "Qr" in adapter.supports("initializers.Orthogonal", "bfloat16")
    assert "no tf_keras.layers.NoSuchLayer" in adapter.supports("layers.NoSuchLayer")
    # Keras 3 removed LocallyConnected1D/2D; tf-keras has them, so they run for real.
    assert adapter.supports("layers.LocallyConnected1D") is None
    assert adapter.supports("layers.LocallyConnected2D", "float16") is None


def test_gpu_without_a_gpu_is_unavailable():
    import tensorflow as tf

    if tf.config.list_physical_devices("GPU"):
        pytest.skip("this machine has a GPU")
    with pytest.raises(AdapterUnavailable, match="sees no GPU"):
        tfk_adapter.make(device="gpu")


@pytest.mark.parametrize("backend", ["jax", "torch"])
def test_runs_without_keras_3_whatever_keras_backend_says(backend):
    """In a fresh process with another KERAS_BACKEND: the adapter works and Keras 3 is never imported
    (TensorFlow's own import would load keras.src.optimizers; the adapter keeps it out)."""
    code = ("import sys, numpy as np\n"
            "from adapters.tf_keras import make\n"
            "from adapters.base import Case\n"
            "out = make().run(Case('activations.hard_sigmoid', 'call', {}, (np.array([-1.0, 0.0, 1.0], 'float32'),)))\n"
            "assert np.allclose(out, [0.3, 0.5, 0.7]), out\n"
            "print('keras' in sys.modules)\n")
    env = {**os.environ, "KERAS_BACKEND": backend, "TF_CPP_MIN_LOG_LEVEL": "3"}
    done = subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout.strip().splitlines()[-1] == "False"
