"""The run's compile cache (``--compile-cache``): where an adapter whose framework compiles a program per
op and shape (keras-jax: JAX's persistent compilation cache) keeps its compiled programs.

- ``run`` (default): a temporary directory that every process of the run shares, removed at its end. The
  xdist workers and their adapter processes would otherwise each compile the same programs; with it each
  program is compiled once per run. The run is still cold: nothing is kept from an earlier one.
- ``DIR``: kept between runs. The ``ci`` profile is derandomized, so a second run of the same suite version
  draws the same cases and finds their programs compiled (a warm run; the README has the figures).
- ``none``: no cache.

A cached program is the one the framework compiled (JAX keys it by the program, the compile options, the
XLA flags and the JAX version): the verdicts are the same with or without it. The directory reaches the
adapter in the environment (``adapters.base.COMPILE_CACHE_ENV``), which its child processes inherit; an
xdist worker is given its controller's (``pytest_configure_node`` in conformance/plugin.py).
"""

from __future__ import annotations

import os
import shutil
import tempfile

import pytest

from adapters.base import COMPILE_CACHE_ENV

WORKER_KEY = "keras_conformance_compile_cache"


def open_for(config) -> str:
    """The directory this process's adapters cache in ('' for none), exported in COMPILE_CACHE_ENV; a ``run``
    directory this process made is removed when pytest ends."""
    value = config.getoption("--compile-cache")
    worker = getattr(config, "workerinput", None)
    if worker is not None and WORKER_KEY in worker:
        path = worker[WORKER_KEY]
    elif value == "none":
        path = ""
    elif value == "run":
        path = tempfile.mkdtemp(prefix="keras-conformance-compile-")
        config.add_cleanup(lambda: shutil.rmtree(path, ignore_errors=True))
    else:
        path = os.path.abspath(os.path.expanduser(value))
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as e:
            raise pytest.UsageError(f"--compile-cache={value}: cannot create the directory ({e}); give a writable "
                                    "directory, run (a temporary one for this run, the default) or none") from None
    before = os.environ.get(COMPILE_CACHE_ENV)
    os.environ[COMPILE_CACHE_ENV] = path
    # Restored when pytest ends, so that a later run in the same process (pytest.main) starts from the same state.
    config.add_cleanup(lambda: os.environ.pop(COMPILE_CACHE_ENV) if before is None else
                       os.environ.__setitem__(COMPILE_CACHE_ENV, before))
    return path


def describe(value: str, path: str, adapter) -> str | None:
    """The run header's and run.json's words for the cache; None where the adapter does not compile per shape."""
    if not adapter.compiles_per_shape:
        return None
    return {"none": "none", "run": f"this run's, {path}, removed at its end"}.get(value, path)
