"""Output shapes of the core layers (``keras.layers``): symbolic, actual, and the two agreeing.

``shapes``: generated cases of every layer (conformance/layer_cases.py); the symbolic shape
(``compute_output_shape`` with a None batch and, at random, unknown non-batch dims), the shapes
a call actually gives, and the adapter's own symbolic shape agreeing with its own call.
``input``: ``keras.Input``'s batch shape and dtype. ``seed_page``: the shapes the seed page
(../shared/seeds/001) states, literally.
"""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from conformance.check import assert_equal, label, run_both
from conformance.divergence import Divergence
from conformance.layer_cases import CASES, cases
from conformance.summary import case_dict
from reference import KERAS2


def norm(shape):
    """A shape, or a list of shapes (several outputs), as plain tuples of int/None."""
    if isinstance(shape, (list, tuple)) and shape and all(isinstance(s, (list, tuple)) for s in shape):
        return [norm(s) for s in shape]
    return tuple(None if d is None else int(d) for d in shape)


def as_shapes(shape) -> list:
    """Always a list of shapes (a single-output layer has one)."""
    shape = norm(shape)
    return shape if isinstance(shape, list) else [shape]


def input_shape(case):
    """The call case's input shape: a tuple, or a list of tuples for several inputs."""
    shapes = [tuple(x.shape) for x in case.inputs]
    return shapes if len(shapes) > 1 else shapes[0]


def agree(symbolic, concrete) -> bool:
    """Whether a symbolic shape list admits the concrete one (None matches any size)."""
    return len(symbolic) == len(concrete) and all(
        len(s) == len(c) and all(a is None or a == b for a, b in zip(s, c)) for s, c in zip(symbolic, concrete))


def with_minus_one(case, at):
    """The Reshape case with its target_shape's entry ``at`` made -1 (any entry can be: the sizes divide)."""
    target = list(case.config["target_shape"])
    if not 0 <= at < len(target) or -1 in target:
        return case
    target[at] = -1
    return dataclasses.replace(case, config={**case.config, "target_shape": tuple(target)})


@st.composite
def unknown_dims(draw, case, edition):
    """The case's input shape with the batch None and some non-batch dims None, where the layer allows
    it: everywhere, except Dense's last dim in Keras 2 (its compute_output_shape needs it) and a
    multi-input Lambda, whose inputs get the same unknown dims (the hadamard product needs equal shapes)."""
    shapes = [tuple(x.shape) for x in case.inputs]
    rank = len(shapes[0])
    free = list(range(1, rank - 1 if case.feature == "layers.Dense" and edition == KERAS2 else rank))
    unknown = set(draw(st.lists(st.sampled_from(free), unique=True, max_size=len(free)))) if free else set()
    out = [tuple(None if i == 0 or i in unknown else d for i, d in enumerate(s)) for s in shapes]
    return out if len(out) > 1 else out[0]


@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """Generated configs and inputs: (1) compute_output_shape for the input shape with a None batch
    (and some unknown dims) equals the spec's; (2) the outputs of a call have the spec's shapes;
    (3) the adapter's own compute_output_shape for the concrete input shape agrees with the shapes
    its call gives (None matches any size) and equals the spec's. Covers Reshape's -1, Permute's
    1-indexed dims, Flatten (both data formats, rank-1 input -> (N, 1)), RepeatVector,
    Dense on ranks 2-4, Lambda's output_shape as a tuple, a function, and a list (two outputs)."""
    call = data.draw(cases(feature, "float32"), label="case")
    if feature == "layers.Reshape":  # more -1s than layer_cases draws, anywhere in the target shape
        call = with_minus_one(call, data.draw(st.integers(-1, 2), label="-1 at"))
    sym = data.draw(unknown_dims(call, spec.edition), label="symbolic input shape")

    # (1) symbolic, with unknown dims
    case = Case(feature, "shape", call.config, shape=sym)
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_equal(norm(actual), norm(expected), case, adapter, "compute_output_shape")

    # (2) the actual shapes of a call
    result = run_both(spec, adapter, call)
    if result is None:
        return
    expected, actual = result
    got = [tuple(o.shape) for o in actual.outputs]
    assert_equal(got, [tuple(o.shape) for o in expected.outputs], call, adapter, "output shapes")

    # (3) the adapter's compute_output_shape for the concrete shape agrees with its own call
    concrete = Case(feature, "shape", call.config, shape=input_shape(call))
    result = run_both(spec, adapter, concrete)
    if result is not None:
        expected_sym, actual_sym = as_shapes(result[0]), as_shapes(result[1])
        if not agree(actual_sym, got):
            raise Divergence(f"compute_output_shape={actual_sym!r}, but the adapter's own call gives outputs of "
                             f"shapes {got!r} [{label(concrete)}]",
                             {"case": case_dict(concrete), "snippet": adapter.snippet(call),
                              "mismatches": [{"actual": repr(actual_sym), "expected": repr(got)}]})
        assert_equal(actual_sym, expected_sym, concrete, adapter, "compute_output_shape")


DTYPES = ("float32", "float16", "float64", "bfloat16", "int8", "int16", "int32", "int64", "uint8", "uint16",
          "bool", "complex64", "string")


@st.composite
def input_configs(draw):
    """keras.Input keywords: shape (a tuple or a list, with None dims) with or without batch_size, or a
    batch_shape; dtype omitted, None or a name."""
    dims = draw(st.lists(st.one_of(st.none(), st.integers(0, 8)), max_size=4))
    config = {}
    if draw(st.booleans()):
        config["shape"] = tuple(dims) if draw(st.booleans()) else list(dims)
        if draw(st.booleans()):
            config["batch_size"] = draw(st.integers(1, 16))
    else:
        config["batch_shape"] = (draw(st.one_of(st.none(), st.integers(1, 16))), *dims)
    dtype = draw(st.sampled_from((("omit",), None) + DTYPES))
    if dtype != ("omit",):
        config["dtype"] = dtype
    return config


@pytest.mark.parametrize("feature", ["layers.Input"])
@given(data=st.data())
def test_input(spec, adapter, feature, data):
    """keras.Input(shape=..., batch_size=..., batch_shape=..., dtype=...): its shape is the batch shape
    ((batch_size,) + shape, the batch None unless given; or batch_shape) and its dtype the name
    (float32 when omitted or None)."""
    case = Case(feature, "shape", data.draw(input_configs(), label="config"))
    result = run_both(spec, adapter, case)
    if result is not None:
        (e_shape, e_dtype), (a_shape, a_dtype) = result
        assert_equal(norm(a_shape), norm(e_shape), case, adapter, "Input(...).shape")
        assert_equal(str(a_dtype), str(e_dtype), case, adapter, "Input(...).dtype")


@dataclasses.dataclass(frozen=True)
class PageExample:
    feature: str
    config: dict
    shape: object  # the input shape (batch None); a list for several inputs
    page: object  # the output shape the page states

    def case(self):
        return Case(self.feature, "shape", self.config, shape=self.shape)


SEED_PAGE = {
    "Dense(32, input_shape=(16,))": PageExample("layers.Dense", {"units": 32}, (None, 16), (None, 32)),
    "Dense(32) after it": PageExample("layers.Dense", {"units": 32}, (None, 32), (None, 32)),
    "RepeatVector(3) after Dense(32, input_dim=32)": PageExample("layers.RepeatVector", {"n": 3}, (None, 32),
                                                                (None, 3, 32)),
    "Reshape((3, 4), input_shape=(12,))": PageExample("layers.Reshape", {"target_shape": (3, 4)}, (None, 12),
                                                      (None, 3, 4)),
    "Reshape((6, 2)) after it": PageExample("layers.Reshape", {"target_shape": (6, 2)}, (None, 3, 4), (None, 6, 2)),
    "Reshape((-1, 2, 2)) after it": PageExample("layers.Reshape", {"target_shape": (-1, 2, 2)}, (None, 6, 2),
                                                (None, 3, 2, 2)),
    "Permute((2, 1), input_shape=(10, 64))": PageExample("layers.Permute", {"dims": (2, 1)}, (None, 10, 64),
                                                         (None, 64, 10)),
    # The page's Conv2D(64, (3, 3), input_shape=(3, 32, 32), padding='same') gives (None, 64, 32, 32)
    # only with channels_first (see reference/layers/reshaping.py Flatten, Erratum: the page assumes
    # Keras 1's "th" image ordering); both layers are checked in that data format.
    "Conv2D(64, (3, 3), input_shape=(3, 32, 32), padding='same'), channels_first":
        PageExample("layers.Conv2D", {"filters": 64, "kernel_size": (3, 3), "padding": "same",
                                      "data_format": "channels_first"}, (None, 3, 32, 32), (None, 64, 32, 32)),
    "Flatten() after it, channels_first":
        PageExample("layers.Flatten", {"data_format": "channels_first"}, (None, 64, 32, 32), (None, 65536)),
    "Lambda(hadamard_product_sum, hadamard_product_sum_output_shape) on two Dense(32)":
        PageExample("layers.Lambda", {"function": "hadamard_product_sum",
                                      "output_shape": "hadamard_product_sum_output_shape"},
                    [(None, 32), (None, 32)], [(None, 32), (None,)]),
    "Input(shape=(32,))": PageExample("layers.Input", {"shape": (32,)}, None, ((None, 32), "float32")),
}


@pytest.mark.parametrize("feature, example", [(e.feature, name) for name, e in SEED_PAGE.items()])
def test_seed_page(spec, adapter, feature, example):
    """The seed page's shape examples, literally: compute_output_shape of the layer for the page's
    input shape (batch None) equals the spec's and the page's. The page's Conv2D + Flatten example
    states (None, 64, 32, 32) and (None, 65536), which hold only with channels_first (the page's
    erratum, see reference/layers/reshaping.py Flatten), so both run with that data_format."""
    ex = SEED_PAGE[example]
    case = ex.case()
    result = run_both(spec, adapter, case)
    assert result is not None, f"the spec rejects the seed page's example {example}"
    expected, actual = result
    if feature == "layers.Input":
        actual, expected, page = (norm(actual[0]), str(actual[1])), (norm(expected[0]), expected[1]), ex.page
    else:
        actual, expected, page = norm(actual), norm(expected), norm(ex.page)
    assert_equal(actual, expected, case, adapter, "compute_output_shape")
    assert_equal(actual, page, case, adapter, "compute_output_shape (the seed page's)")
