"""``--compile-cache`` (conformance/compile_cache.py): where keras-jax keeps the programs JAX compiles."""

from __future__ import annotations

import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters import facts
from adapters.base import COMPILE_CACHE_ENV

ROOT = Path(__file__).resolve().parents[1]
needs_jax = pytest.mark.skipif(importlib.util.find_spec("jax") is None or importlib.util.find_spec("keras") is None,
                               reason="needs jax and keras")
CHECKS = ["conformance/test_layers_merging.py", "-k", "test_values and (Add or Maximum)"]


def _pytest(*args):
    env = {k: v for k, v in os.environ.items() if k != COMPILE_CACHE_ENV and not k.startswith("JAX_COMPILATION")}
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", "-q", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=600, env=env)


def _records(out: Path) -> dict:
    rows = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    return {r["nodeid"]: r for r in rows if "nodeid" in r}


def test_an_unwritable_directory_is_a_usage_error(tmp_path):
    blocker = tmp_path / "file"
    blocker.write_text("")
    proc = _pytest(*CHECKS, "--adapter=reference", f"--compile-cache={blocker}/cache")
    assert proc.returncode == 4
    assert "--compile-cache=" in proc.stderr and "cannot create the directory" in proc.stderr


@needs_jax
def test_without_the_option_nothing_is_cached(tmp_path):
    proc = _pytest(*CHECKS, "--adapter=keras-jax", "--report", str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert json.loads((tmp_path / "run.json").read_text())["compile_cache"] == "none"


@needs_jax
def test_a_kept_cache_makes_the_second_run_warm_with_the_same_records(tmp_path):
    """The second run finds every program compiled (JAX reports no compile) and records the same verdicts,
    examples and metrics; the cache is kept per CPU."""
    cache, first, second = tmp_path / "cache", tmp_path / "first", tmp_path / "second"
    for out in (first, second):
        proc = _pytest(*CHECKS, "--adapter=keras-jax", f"--compile-cache={cache}", "--report", str(out))
        assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    assert [p.name for p in cache.iterdir()] == [f"jax-{facts.host_key()}"]
    a, b = _records(first), _records(second)
    assert a and a.keys() == b.keys()
    same = ("status", "examples", "example", "metrics")
    assert all({k: a[n][k] for k in same} == {k: b[n][k] for k in same} for n in a)
    compiled = [sum(r["compile_s"] for r in rs.values()) for rs in (a, b)]
    assert compiled[0] > 0 and compiled[1] < compiled[0] / 10, compiled
    assert json.loads((second / "run.json").read_text())["compile_cache"] == str(cache)


def test_an_adapter_that_does_not_compile_per_shape_names_no_cache(tmp_path):
    proc = _pytest(*CHECKS, "--adapter=reference", "--report", str(tmp_path))
    assert proc.returncode == 0, proc.stdout[-3000:]
    assert json.loads((tmp_path / "run.json").read_text())["compile_cache"] is None
