"""``--compile-cache DIR``: a directory, kept between runs, where an adapter whose framework compiles a program
per op and shape (keras-jax: JAX's persistent compilation cache) keeps its compiled programs.

The ``ci`` profile is derandomized, so a second run of the same suite version draws the same cases and finds
their programs compiled: a warm run (keras-jax's whole suite: 842 s cold, 274 s warm; the README has the
figures). A cached program is the one the framework compiled (JAX keys it by the program, the compile options,
the XLA flags and the JAX version): the records are the same with or without it. Without the option nothing is
cached, and every run is cold. A directory shared only by one run's processes was measured too: no faster cold
(the xdist workers compile few of the same programs), so it is not offered.

The directory reaches the adapter in the environment (``adapters.base.COMPILE_CACHE_ENV``), which the
xdist workers and the adapter processes inherit.
"""

from __future__ import annotations

import os

import pytest

from adapters.base import COMPILE_CACHE_ENV


def open_for(config) -> str:
    """The directory this run's adapters cache in ('' for none), made if missing and exported in
    COMPILE_CACHE_ENV (restored when pytest ends, so that a later run in the same process starts as this one did)."""
    value = config.getoption("--compile-cache")
    path = os.path.abspath(os.path.expanduser(value)) if value else ""
    if path:
        try:
            os.makedirs(path, exist_ok=True)
        except OSError as e:
            raise pytest.UsageError(f"--compile-cache={value}: cannot create the directory ({e}); give a writable "
                                    "directory") from None
    before = os.environ.get(COMPILE_CACHE_ENV)
    os.environ[COMPILE_CACHE_ENV] = path
    config.add_cleanup(lambda: os.environ.pop(COMPILE_CACHE_ENV) if before is None else
                       os.environ.__setitem__(COMPILE_CACHE_ENV, before))
    return path


def describe(path: str, adapter) -> str | None:
    """The run header's and run.json's words for the cache; None where the adapter does not compile per shape."""
    if not adapter.compiles_per_shape:
        return None
    return path or "none"
