"""The Keras 3 adapters on JAX, PyTorch and NumPy load, report themselves and refuse what they cannot do.

Keras reads ``KERAS_BACKEND`` once, at its first import, so each check runs in a fresh
subprocess. No GPU is needed: on a machine without one, ``--device=gpu`` must be a usage error
naming the missing GPU (never a silent CPU run).
"""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# adapter name -> (KERAS_BACKEND, the backend's framework package)
BACKENDS = {"keras-jax": ("jax", "jax"), "keras-torch": ("torch", "torch"), "keras-numpy": ("numpy", "numpy")}


def _needs(package: str):
    return pytest.mark.skipif(importlib.util.find_spec(package) is None or importlib.util.find_spec("keras") is None,
                              reason=f"needs {package} and keras")


def _params(names):
    return [pytest.param(n, marks=_needs(BACKENDS[n][1]), id=n) for n in names]


def _env() -> dict:
    """The environment without a KERAS_BACKEND (an in-process tf adapter sets one): each adapter picks its own."""
    env = {k: v for k, v in os.environ.items() if k != "KERAS_BACKEND"}
    env["TF_CPP_MIN_LOG_LEVEL"] = "2"
    return env


def _python(code: str, timeout=300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=_env(), capture_output=True, text=True,
                          timeout=timeout)


def _printed(code: str) -> str:
    """The last line ``code`` prints, in a fresh Python that must exit 0."""
    done = _python(code)
    assert done.returncode == 0, done.stderr[-3000:]
    return done.stdout.strip().splitlines()[-1]


@pytest.mark.parametrize("name", _params(BACKENDS))
def test_adapter_loads_and_reports_itself(name):
    backend, package = BACKENDS[name]
    code = (
        f"import json, adapters\na = adapters.load({name!r})\n"
        "import keras\n"
        "print(json.dumps({'name': a.name, 'edition': a.edition, 'versions': a.versions, 'version': a.version,\n"
        "                  'backend': keras.backend.backend(), 'devices': list(a.devices), 'device': a.device}))\n")
    got = json.loads(_printed(code))
    assert got["name"] == name and got["edition"] == "keras3" and got["device"] == "cpu"
    assert got["backend"] == backend
    assert list(got["versions"]) == ["keras", package] and all(got["versions"].values())
    assert got["devices"] == (["cpu"] if name == "keras-numpy" else ["cpu", "gpu"])


def _has_gpu(name: str) -> bool:
    probe = {"keras-jax": "import jax\ntry:\n    print(bool(jax.devices('gpu')))\nexcept RuntimeError:\n    print(False)",
             "keras-torch": "import torch; print(torch.cuda.is_available())"}[name]
    return _python(probe).stdout.strip().endswith("True")


@pytest.mark.parametrize("name", _params(["keras-jax", "keras-torch"]))
def test_gpu_without_a_gpu_is_a_usage_error(name):
    if _has_gpu(name):
        pytest.skip("this machine has a GPU the framework sees")
    done = subprocess.run([sys.executable, "-m", "pytest", "conformance/test_activations.py", "-k", "relu",
                           f"--adapter={name}", "--device=gpu", "-p", "no:cacheprovider", "-q"],
                          cwd=ROOT, env=_env(), capture_output=True, text=True, timeout=300)
    assert done.returncode == 4, done.stdout[-2000:] + done.stderr[-2000:]
    assert "--device=gpu" in done.stderr and "sees no GPU" in done.stderr, done.stderr[-2000:]


@pytest.mark.parametrize("name", _params(["keras-numpy"]))
def test_numpy_backend_has_no_gpu_device(name):
    done = _python(f"import adapters\nadapters.load({name!r}, device='gpu')")
    assert done.returncode != 0 and "AdapterUnavailable" in done.stderr
    assert "cannot run on device 'gpu'; it supports: cpu" in done.stderr


@pytest.mark.parametrize("name", _params(["keras-jax"]))
@pytest.mark.skipif(importlib.util.find_spec("tensorflow") is None, reason="needs tensorflow")
def test_keras_already_imported_with_another_backend_is_a_clear_error(name):
    code = ("import os\nos.environ['KERAS_BACKEND'] = 'tensorflow'\nimport keras\nimport adapters\n"
            "try:\n    adapters.load(%r)\nexcept adapters.AdapterUnavailable as e:\n    print('UNAVAILABLE:', e)\n" % name)
    message = _printed(code)
    assert message.startswith("UNAVAILABLE:"), message
    assert "KERAS_BACKEND=jax" in message and "'tensorflow'" in message and "its own process" in message


@pytest.mark.parametrize("name", _params(["keras-numpy"]))
def test_config_types_are_the_spec_s(name):
    """Keras 3 stores each argument of tests/config_types.py's table in the type the spec's get_config
    gives (an int stays an int, a list Keras normalizes becomes a tuple, a float stays that float),
    except what conformance/expectations/*.toml record: Identity's missing get_config and L1's factor,
    which Keras 3 rounds through float32 (0.01 saved as 0.009999999776482582)."""
    backend, _ = BACKENDS[name]
    code = ("import json, os\nos.environ['KERAS_BACKEND'] = " + repr(backend) + "\n"
            "from tests.config_types import differences\n"
            f"print(json.dumps([[f, repr(c), w, repr(d)] for f, c, w, d in differences({name!r})]))\n")
    found = json.loads(_printed(code))
    unexpected = [d for d in found if d[0] != "initializers.Identity" and "['l1']" not in d[3]]
    assert not unexpected and {f for f, *_ in found} >= {"initializers.Identity"}, found


@pytest.mark.parametrize("name", _params(["keras-torch"]))
def test_missing_cpu_kernel_follows_the_compute_dtype(name):
    """torch has no CPU avg_pool3d in float16: unsupported for float16 cases, and under mixed_float16 for
    every AveragePooling3D case (its layers compute in float16 whatever the case's dtype), not a divergence."""
    code = ("import adapters\n"
            f"a, m = adapters.load({name!r}), adapters.load({name!r}, dtype_policy='mixed_float16')\n"
            "f = 'layers.AveragePooling3D'\n"
            "print([bool(a.supports(f, 'float16')), bool(a.supports(f, None)), bool(a.supports(f, 'float32')),\n"
            "       bool(m.supports(f, None)), bool(m.supports(f, 'float16')), bool(m.supports('layers.Dense', None))])")
    assert _printed(code) == "[True, False, False, True, True, False]"


@pytest.mark.parametrize("name", _params(["keras-jax"]))
def test_jax_compile_time_is_counted_in_every_mode(name):
    """benchmarks/gate.py's compile time: JAX compiles each eager op per shape, so an eager call on a new shape
    counts compile time and the same call again counts none; under jit the compiled call's trace and compile are
    timed whole, and the XLA compile inside that window is not counted a second time; an adapter counts only the
    compiles of its own calls, not those of another loaded in the same process (--isolation=none, several modes)."""
    code = ("import numpy as np, adapters\n"
            "from adapters.base import Case\n"
            "def case(n):\n"
            "    return Case('activations.softplus', 'call', {}, (np.linspace(-2, 2, n).astype(np.float32),))\n"
            "out = []\n"
            "for mode in ('eager', 'jit'):\n"
            "    a = adapters.load(" + repr(name) + ", mode=mode)\n"
            "    a.run(case(7)); c0, f0 = a.compile_seconds, a.framework_seconds\n"
            "    a.run(case(11)); c1, f1 = a.compile_seconds, a.framework_seconds\n"
            "    a.run(case(11)) if mode == 'eager' else None; c2 = a.compile_seconds\n"
            "    out.append([c1 - c0 > 0, c1 - c0 <= f1 - f0, c2 == c1])\n"
            "    eager = eager if mode == 'jit' else (a, a.compile_seconds)\n"
            "print(out + [eager[0].compile_seconds == eager[1]])")
    assert _printed(code) == "[[True, True, True], [True, True, True], True]"
