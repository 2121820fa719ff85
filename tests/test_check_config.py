"""conformance.check's config comparison: exact, field by field, the first difference named in full precision."""

from __future__ import annotations

import math

import numpy as np
import pytest

from adapters.base import Case
from conformance import check
from conformance.divergence import Divergence


class _Adapter:
    def snippet(self, case):
        return ""


CASE = Case("regularizers.L2", "roundtrip", {"l2": 0.01})

SAME = [
    ({"l2": 0.01}, {"l2": 0.01}),
    ({"x": math.nan}, {"x": math.nan}),
    ({"x": np.float64(0.5)}, {"x": 0.5}),  # a float subclass with the same bits
    ({"k": (1, 2), "p": "same", "s": None, "b": True}, {"k": (1, 2), "p": "same", "s": None, "b": True}),
    ({"init": {"class_name": "Zeros", "config": {}}}, {"init": {"class_name": "Zeros", "config": {}}}),
]

DIFFERENT = [
    ({"l2": float(np.float32(0.01))}, {"l2": 0.01},
     "get_config()['l2']=0.009999999776482582, but should be 0.01"),
    ({"x": -0.0}, {"x": 0.0}, "get_config()['x']=-0.0, but should be 0.0"),
    ({"x": 2}, {"x": 2.0}, "get_config()['x']=2, but should be 2.0"),
    ({"x": 1}, {"x": True}, "get_config()['x']=1, but should be True"),
    ({"x": np.float32(0.5)}, {"x": 0.5}, "get_config()['x']=np.float32(0.5), but should be 0.5"),
    ({"k": [1, 2]}, {"k": (1, 2)}, "get_config()['k']=[1, 2], but should be (1, 2) (a list, but should be a tuple)"),
    ({"c": ((1, 1), [2, 2])}, {"c": ((1, 1), (2, 2))}, "get_config()['c'][1]=[2, 2], but should be (2, 2)"),
    ({"p": "same"}, {"p": "same", "s": (2,)}, "get_config()['s'] is missing, but should be (2,)"),
    ({"p": "same", "z": 1}, {"p": "same"}, "get_config()['z']=1, but the spec's config has no such key"),
    ({"i": {"class_name": "RandomNormal", "config": {"stddev": 0.05000000074505806}}},
     {"i": {"class_name": "RandomNormal", "config": {"stddev": 0.05}}},
     "get_config()['i']['config']['stddev']=0.05000000074505806, but should be 0.05"),
]


@pytest.mark.parametrize("actual,expected", SAME)
def test_same_configs_pass(actual, expected):
    check.assert_config(actual, expected, CASE, _Adapter())
    check.assert_equal(actual, expected, CASE, _Adapter(), "get_config()")


@pytest.mark.parametrize("actual,expected,message", DIFFERENT)
def test_first_difference_is_named(actual, expected, message):
    for assert_ in (check.assert_config, lambda *a: check.assert_equal(*a, "get_config()")):
        with pytest.raises(Divergence) as e:
            assert_(actual, expected, CASE, _Adapter())
        assert message in str(e.value), str(e.value)


def test_first_field_in_spec_order():
    with pytest.raises(Divergence, match=r"\['a'\]=1\.5"):
        check.assert_config({"a": 1.5, "b": 3}, {"a": 2.5, "b": 4}, CASE, _Adapter())


def test_shapes_stay_lenient_on_sequence_type():
    """assert_equal's shapes: a list equals a tuple of the same dims, but the dims are exact."""
    check.assert_equal([(None, 3)], [(None, 3)], CASE, _Adapter(), "shape")
    check.assert_equal([None, 3], (None, 3), CASE, _Adapter(), "shape")
    with pytest.raises(Divergence):
        check.assert_equal((1.0000001,), (1.0,), CASE, _Adapter(), "shape")
