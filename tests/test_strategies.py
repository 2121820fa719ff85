"""Shape pools (conformance/strategies.py): pooled draws come from a few fixed shapes, drawn ones from
the whole range, unchanged by the pools' existence; the plugin's ``--shapes`` picks them."""

from __future__ import annotations

import json

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conformance import strategies as cs
from tests.test_plugin import _pytest


@pytest.fixture
def pooled():
    cs.pool_shapes(True)
    yield
    cs.pool_shapes(False)


def _all(strategy, n=300):
    seen = []

    @settings(max_examples=n, database=None, derandomize=True)
    @given(strategy)
    def collect(v):
        seen.append(v)

    collect()
    return seen


def test_drawn_shapes_cover_the_range_and_shrink_to_the_smallest():
    seen = set(_all(cs.shapes(1, 2, min_side=1, max_side=5)))
    assert len({s for s in seen if len(s) == 2}) > 10 and (1,) in seen
    assert {d for s in seen for d in s} == {1, 2, 3, 4, 5}


def test_pooled_shapes_are_a_few_per_rank_from_the_smallest_to_the_largest(pooled):
    seen = set(_all(cs.shapes(1, 3, min_side=1, max_side=5)))
    for rank in (1, 2, 3):
        of_rank = {s for s in seen if len(s) == rank}
        assert len(of_rank) <= cs.POOL_SIZE and (1,) * rank in of_rank and (5,) * rank in of_rank, of_rank


def test_shape_rng_is_the_case_rng_unless_pooled():
    rng = np.random.default_rng(7)
    assert cs.shape_rng(rng) is rng
    cs.pool_shapes(True)
    try:
        firsts = {tuple(cs.shape_rng(np.random.default_rng(seed)).integers(1, 9, 3)) for seed in range(200)}
    finally:
        cs.pool_shapes(False)
    assert len(firsts) <= cs.POOL_SIZE


def test_values_stay_drawn_under_pooled_shapes(pooled):
    xs = _all(cs.arrays("float32", cs.shapes(1, 1, max_side=3)), n=50)
    assert len({x.shape for x in xs}) <= cs.POOL_SIZE and len({x.tobytes() for x in xs}) > 40


@pytest.mark.parametrize("shapes, expected", [(None, "drawn"), ("pooled", "pooled")])
def test_the_run_records_its_shapes_and_the_repro_repeats_them(shapes, expected, tmp_path):
    """``--shapes=auto`` (the default) draws for an adapter that does not compile per shape (the
    reference); a pooled run says so in run.json, its header and every repro command."""
    args = [f"--shapes={shapes}"] if shapes else []
    proc = _pytest("conformance/test_activations.py", "-k", "test_values and relu", "--adapter=reference", *args,
                   "--report", str(tmp_path), "-q")
    assert proc.returncode == 0, proc.stdout[-2000:]
    assert json.loads((tmp_path / "run.json").read_text())["shapes"] == expected
    records = [json.loads(line) for line in (tmp_path / "results.jsonl").read_text().splitlines()]
    assert records and all(("--shapes=pooled" in r["repro"]) == (expected == "pooled") for r in records)


def test_an_unknown_shapes_choice_is_a_usage_error():
    proc = _pytest("conformance/test_activations.py", "--adapter=reference", "--shapes=some", "-q", "--collect-only")
    assert proc.returncode == 4 and "invalid choice" in proc.stderr
