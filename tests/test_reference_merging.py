"""The merge layers and Embedding of the reference: golden values worked out by hand, every error, masks."""

from __future__ import annotations

import numpy as np
import pytest

import reference.layers  # noqa: F401  (registers the other layer features)
from reference.errors import SpecError
from reference.layers import embedding, merging  # noqa: F401  (registers these features)
from reference.layers.embedding import Embedding, OutOfRange
from reference.layers.merging import Add, Average, Concatenate, Dot, Maximum, Minimum, Multiply, Subtract
from reference.registry import SECTIONS, get_feature

K2 = "keras2"
A = np.array([[1.0, 2.0], [3.0, 4.0]])
B = np.array([[10.0, 20.0], [30.0, 40.0]])
# Rank 3: one sample, 3 timesteps, 2 features; masks mark the kept timesteps.
X1 = np.array([[[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]])
X2 = np.array([[[10.0, -20.0], [30.0, -40.0], [50.0, -60.0]]])
M1, M2 = np.array([[True, False, False]]), np.array([[False, True, False]])


def rejects(argument, fn, *args, **kwargs):
    with pytest.raises(SpecError) as info:
        fn(*args, **kwargs)
    assert info.value.argument == argument, info.value
    return info.value


@pytest.mark.parametrize("name", ["Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum", "Concatenate",
                                  "Dot", "Embedding"])
def test_registered_with_every_section(name):
    f = get_feature(f"layers.{name}")
    assert f.seed_page == "000"
    assert all(f"{s}:" in f.doc for s in SECTIONS)


def test_elementwise_golden():
    np.testing.assert_array_equal(Add()([A, B, B]), [[21, 42], [63, 84]])
    np.testing.assert_array_equal(Subtract()([A, B]), [[-9, -18], [-27, -36]])
    np.testing.assert_array_equal(Multiply()([A, B]), [[10, 40], [90, 160]])
    np.testing.assert_array_equal(Average()([A, B, B]), [[7, 14], [21, 28]])
    np.testing.assert_array_equal(Maximum()([A, -B, B * 0]), [[1, 2], [3, 4]])
    np.testing.assert_array_equal(Minimum()([A, -B]), [[-10, -20], [-30, -40]])
    np.testing.assert_array_equal(Add()([A]), A)  # Keras 3: one input is allowed
    assert Add().get_config() == {} and Add().supports_masking


def test_elementwise_broadcasting_and_shapes():
    # (2, 1) + (2, 2, 3): the lower-rank input is expanded at axis 1 -> (2, 1, 1).
    y = Add()([np.array([[1.0], [2.0]]), np.zeros((2, 2, 3))])
    assert y.shape == (2, 2, 3) and (y[0] == 1).all() and (y[1] == 2).all()
    assert Multiply()([np.ones((2, 1)), np.ones((2, 4))]).shape == (2, 4)
    assert Add().compute_output_shape([(None, 3), (4, 1)]) == (4, 3)
    assert Add().compute_output_shape([(None, None, 3), (4, 5, 1)]) == (4, None, 3)
    assert Add().compute_output_shape([(None, 3), (None, 2, 1)]) == (None, 2, 3)


def test_elementwise_errors():
    rejects("inputs", Add(), A)  # not a list
    rejects("inputs", Add(), [])
    rejects("inputs", Add(edition=K2), [A])  # tf-keras needs 2
    rejects("inputs", Add(), [A[:1], B])  # batch 1 vs 2 does not broadcast
    rejects("inputs", Add().compute_output_shape, [(2, 3), (4, 3)])
    rejects("inputs", Add(), [np.ones((2, 3)), np.ones((2, 4))])
    rejects("inputs", Subtract(), [A])
    rejects("inputs", Subtract(), [A, A, A])
    rejects("inputs", Subtract().compute_output_shape, [(None, 3)] * 3)
    rejects("mask", Add().compute_mask, [A, B], M1)  # not a list
    rejects("mask", Add().compute_mask, [A, B], [M1])  # wrong length


def test_elementwise_output_mask_is_or_and_none_when_one_is_missing():
    for cls in (Add, Subtract, Multiply, Average, Maximum, Minimum):
        np.testing.assert_array_equal(cls().compute_mask([X1, X2], [M1, M2]), [[True, True, False]])
        assert cls().compute_mask([X1, X2], [M1, None]) is None
        assert cls().compute_mask([X1, X2], None) is None
        # tf-keras: the AND of the masks present
        np.testing.assert_array_equal(cls(edition=K2).compute_mask([X1, X2], [M1, M2]), [[False, False, False]])
        np.testing.assert_array_equal(cls(edition=K2).compute_mask([X1, X2], [M1, None]), M1)
    np.testing.assert_array_equal(Add().compute_mask([X1], [M1]), M1)


def test_masks_do_not_change_sums():
    np.testing.assert_array_equal(Add()([X1, X2], mask=[M1, M2]), X1 + X2)
    np.testing.assert_array_equal(Subtract()([X1, X2], mask=[M1, M2]), X1 - X2)
    np.testing.assert_array_equal(Average()([X1, X2], mask=[M1, None]), (X1 + X2) / 2)


def test_maximum_minimum_with_masks_golden():
    # Both masked: a row masked in one operand takes the other's value; row 2 (masked in both) keeps x1.
    np.testing.assert_array_equal(Maximum()([X1, X2], mask=[M1, M2]), [[[1, 2], [30, -40], [5, 6]]])
    np.testing.assert_array_equal(Minimum()([X1, X2], mask=[M1, M2]), [[[1, 2], [30, -40], [5, 6]]])
    # Only the first masked: its masked rows become x2's, then max with x2.
    np.testing.assert_array_equal(Maximum()([X1, X2], mask=[M1, None]), [[[10, 2], [30, -40], [50, -60]]])
    np.testing.assert_array_equal(Minimum()([X1, X2], mask=[M1, None]), [[[1, -20], [30, -40], [50, -60]]])
    # Only the second masked: its masked rows become x1's.
    np.testing.assert_array_equal(Maximum()([X1, X2], mask=[None, M2]), [[[1, 2], [30, 4], [5, 6]]])
    np.testing.assert_array_equal(Minimum()([X1, X2], mask=[None, M2]), [[[1, 2], [3, -40], [5, 6]]])
    # Three inputs, the third unmasked: the or-mask is dropped after the second fold.
    np.testing.assert_array_equal(Maximum()([X1, X2, X1 * 100], mask=[M1, M2, None]),
                                  [[[100, 200], [300, 400], [500, 600]]])
    # A lower-rank input loses its mask for the values (Keras expands it into a new tensor).
    y = Maximum()([X1[:, :2], np.array([[0.0, 9.0]])], mask=[np.array([[True, False]]), np.array([False])])
    np.testing.assert_array_equal(y, [[[1, 9], [0, 9]]])
    # tf-keras ignores masks in the values
    np.testing.assert_array_equal(Maximum(edition=K2)([X1, X2], mask=[M1, None]), np.maximum(X1, X2))


def test_multiply_with_masks_golden():
    np.testing.assert_array_equal(Multiply()([X1, X2], mask=[M1, M2]), [[[1, 2], [30, -40], [0, 0]]])
    np.testing.assert_array_equal(Multiply()([X1, X2], mask=[M1, None]), [[[10, -40], [30, -40], [50, -60]]])
    np.testing.assert_array_equal(Multiply()([X1, X2], mask=[None, M2]), [[[1, 2], [90, -160], [5, 6]]])
    np.testing.assert_array_equal(Multiply()([X1, X2, X1 * 100], mask=[M1, M2, np.array([[False, False, True]])]),
                                  [[[1, 2], [30, -40], [500, 600]]])
    np.testing.assert_array_equal(Multiply(edition=K2)([X1, X2], mask=[M1, M2]), X1 * X2)
    rejects("mask", Multiply(), [X1, X2], mask=[np.ones((1, 5), bool), None])


def test_concatenate_golden_and_shapes():
    c1, c2 = np.array([[[1.0], [2.0]]]), np.array([[[3.0], [4.0], [5.0]]])
    np.testing.assert_array_equal(Concatenate(axis=1)([c1, c2]), [[[1], [2], [3], [4], [5]]])
    np.testing.assert_array_equal(Concatenate()([A, B]), [[1, 2, 10, 20], [3, 4, 30, 40]])
    np.testing.assert_array_equal(Concatenate(axis=0)([A, B[:1]]), [[1, 2], [3, 4], [10, 20]])
    assert Concatenate(axis=-2)([np.ones((2, 3, 4)), np.ones((2, 5, 4))]).shape == (2, 8, 4)
    assert Concatenate().get_config() == {"axis": -1}
    cos = Concatenate(axis=1).compute_output_shape
    assert cos([(None, 2, 3), (None, 4, 3), (None, None, 3)]) == (None, None, 3)
    assert cos([(None, 1, 3), (5, 4, 3)]) == (None, 5, 3)  # the non-axis dims are the first input's
    assert cos([(None, 2, None), (None, 4, 3)]) == (None, 6, None)
    np.testing.assert_array_equal(Concatenate()([A]), A)


def test_concatenate_errors():
    rejects("inputs", Concatenate(), A)
    rejects("inputs", Concatenate(), [])
    rejects("inputs", Concatenate(axis=1), [np.ones((2, 2, 3)), np.ones((2, 4, 5))])
    rejects("inputs", Concatenate(), [np.ones((2, 2, 3)), np.ones((2, 3))])
    rejects("inputs", Concatenate(), [np.ones((2, 3)), np.ones((4, 3))])  # the batch dim must match too
    rejects("inputs", Concatenate(axis=1), [np.ones((2, 2, 1)), np.ones((2, 4, 3))])  # no broadcasting
    rejects("inputs", Concatenate().compute_output_shape, [(None, 2, None), (None, 4, 3)])
    rejects("axis", Concatenate(axis=2), [A, B])
    rejects("axis", Concatenate(axis=-3), [A, B])
    rejects("axis", Concatenate(axis="1"), [A, B])
    rejects("mask", Concatenate().compute_mask, [A, B], M1)


def test_concatenate_masks():
    c1, c2 = np.array([[[1.0], [2.0]]]), np.array([[[3.0], [4.0], [5.0]]])
    m1, m2 = np.array([[True, False]]), np.array([[False, True, True]])
    np.testing.assert_array_equal(Concatenate(axis=1).compute_mask([c1, c2], [m1, m2]), [[1, 0, 0, 1, 1]])
    np.testing.assert_array_equal(Concatenate(axis=1).compute_mask([c1, c2], [m1, None]), [[1, 0, 1, 1, 1]])
    assert Concatenate(axis=1).compute_mask([c1, c2], [None, None]) is None
    assert Concatenate(axis=1).compute_mask([c1, c2], None) is None
    # axis=-1 on (b, T, D) inputs: the OR of the masks; a missing one counts as all kept.
    np.testing.assert_array_equal(Concatenate().compute_mask([X1, X2], [M1, M2]), [[True, True, False]])
    np.testing.assert_array_equal(Concatenate().compute_mask([X1, X2], [M1, None]), [[True, True, True]])
    # A mask of the input's own rank is concatenated as is, then any(-1).
    np.testing.assert_array_equal(
        Concatenate().compute_mask([A, B[:, :1]], [np.array([[True, False], [False, False]]), np.array([[0], [0]])]),
        [True, False])
    # tf-keras: all(-1) instead of any
    np.testing.assert_array_equal(Concatenate(edition=K2).compute_mask([X1, X2], [M1, M2]), [[False, False, False]])
    np.testing.assert_array_equal(Concatenate(edition=K2).compute_mask([X1, X2], [M1, None]), M1)


def test_dot_golden():
    a, b = np.array([[3.0, 4.0], [1.0, 0.0]]), np.array([[1.0, 2.0], [0.0, 5.0]])
    np.testing.assert_array_equal(Dot(axes=1)([a, b]), [[11], [0]])  # rank 2 -> (b, 1)
    np.testing.assert_array_equal(Dot(axes=-1)([a, b]), [[11], [0]])
    np.testing.assert_array_equal(Dot(axes=-3)([a, b]), [[11], [0]])  # a negative int wraps modulo the rank
    # normalize: [3,4]/5 . [1,2]/sqrt(5) = 11 / (5 sqrt 5); a zero row stays zero
    np.testing.assert_allclose(Dot(axes=1, normalize=True)([a, b]), [[11 / (5 * np.sqrt(5))], [0]])
    np.testing.assert_array_equal(Dot(axes=1, normalize=True)([np.zeros((1, 2)), b[:1]]), [[0]])
    # axes (1, 2): x (1, 2, 1) along axis 1, y (1, 1, 2) along axis 2: [3,4]/5 . [0,2]/2 = 0.8
    y = Dot(axes=(1, 2), normalize=True)([np.array([[[3.0], [4.0]]]), np.array([[[0.0, 2.0]]])])
    np.testing.assert_allclose(y, [[[0.8]]])
    x = np.arange(24.0).reshape(2, 3, 4)
    v = np.arange(8.0).reshape(2, 4)
    np.testing.assert_array_equal(Dot(axes=(2, 1))([x, v]), [[14, 38, 62], [302, 390, 478]])
    np.testing.assert_array_equal(Dot(axes=(1, 1))([v, np.arange(24.0).reshape(2, 4, 3)]),
                                  [[42, 48, 54], [378, 400, 422]])
    assert Dot(axes=(2, 1))([np.ones((2, 3, 4, 5)), np.ones((2, 4, 6))]).shape == (2, 3, 5, 6)
    assert Dot(axes=(1, 2)).compute_output_shape([(None, 5, 2), (None, 2, 5)]) == (None, 2, 2)
    assert Dot(axes=1).compute_output_shape([(None, 5), (None, 5)]) == (None, 1)
    assert Dot(axes=(1, 2)).get_config() == {"axes": (1, 2), "normalize": False}
    assert Dot(axes=1).compute_mask([a, b], [np.array([True, False]), None]) is None


def test_dot_normalize_cap_per_edition():
    tiny = np.array([[1e-8, 0.0]])  # norm 1e-8: capped at 1e7 (Keras 3) or 1e6 (Keras 2)
    one = np.array([[1.0, 0.0]])
    np.testing.assert_allclose(Dot(axes=1, normalize=True)([tiny, one]), [[0.1]])
    np.testing.assert_allclose(Dot(axes=1, normalize=True, edition=K2)([tiny, one]), [[0.01]])


def test_dot_errors():
    a = np.ones((2, 3))
    rejects("axes", Dot, axes="1")
    rejects("axes", Dot, axes=1.0)
    rejects("axes", Dot, axes=np.int64(1))
    rejects("axes", Dot, axes=(1, 1, 1))
    rejects("axes", Dot, axes=(1.0, 1))
    rejects("inputs", Dot(axes=1), [a, a, a])
    rejects("inputs", Dot(axes=1), [a])
    rejects("inputs", Dot(axes=1), a)
    rejects("axes", Dot(axes=0), [a, a])  # the batch axis
    rejects("axes", Dot(axes=(-2, -2)), [a, a])
    rejects("axes", Dot(axes=2), [a, a])
    rejects("axes", Dot(axes=(-3, 1)), [a, a])
    rejects("inputs", Dot(axes=1), [a, np.ones((2, 4))])
    rejects("inputs", Dot(axes=1).compute_output_shape, [(None, None), (None, 4)])  # None != 4, as Keras' build
    rejects("inputs", Dot(axes=1), [a, np.ones((1, 3))])
    rejects("inputs", Dot(axes=0), [np.ones(3), np.ones(3)])  # rank < 2


W = np.arange(8.0).reshape(4, 2)
WEIGHTS = {"embeddings": W}


def test_embedding_lookup_golden():
    e = Embedding(4, 2)
    np.testing.assert_array_equal(e(np.array([[0, 3], [1, 2]]), weights=WEIGHTS), [[[0, 1], [6, 7]], [[2, 3], [4, 5]]])
    x3 = np.array([[[1, 2], [3, 0]]])  # rank-3 indices
    y = e(x3, weights=WEIGHTS)
    assert y.shape == (1, 2, 2, 2) == e.compute_output_shape(x3.shape)
    np.testing.assert_array_equal(y[0, 1, 0], [6, 7])
    np.testing.assert_array_equal(e(np.array(3), weights=WEIGHTS), [6, 7])
    assert e.compute_output_shape((None, 3, None)) == (None, 3, None, 2)
    assert e.weight_shapes((None, 5)) == {"embeddings": (4, 2)}


def test_embedding_float_indices_truncate_and_negatives_wrap():
    e = Embedding(4, 2)
    y = e(np.array([[0.9, 2.7, -0.5, 1.5, -0.9]], dtype=np.float32), weights=WEIGHTS)
    np.testing.assert_array_equal(y, [[[0, 1], [4, 5], [0, 1], [2, 3], [0, 1]]])
    # Keras 3: -1 is the last row, -4 the first; -1.5 truncates to -1
    np.testing.assert_array_equal(e(np.array([-1, -4]), weights=WEIGHTS), [[6, 7], [0, 1]])
    np.testing.assert_array_equal(e(np.array([-1.5]), weights=WEIGHTS), [[6, 7]])
    np.testing.assert_array_equal(e(np.array([[True]]), weights=WEIGHTS), [[[2, 3]]])
    np.testing.assert_array_equal(e(np.array([[3]], dtype=np.uint8), weights=WEIGHTS), [[[6, 7]]])


def test_embedding_out_of_range_is_implementation_defined():
    e = Embedding(4, 2)
    np.testing.assert_array_equal(e.in_range(np.array([4, -5, 3, -4, 0])), [False, False, True, True, True])
    assert not e.in_range(np.array([np.nan, np.inf, 4.5])).any()
    for bad in ([[4]], [[-5]], [[np.nan]]):
        with pytest.raises(OutOfRange) as info:
            e(np.array(bad), weights=WEIGHTS)
        assert isinstance(info.value, SpecError) and info.value.argument == "inputs"
    k2 = Embedding(4, 2, edition=K2)  # tf-keras does not wrap negatives
    assert not k2.in_range(np.array([-1])).any()
    with pytest.raises(OutOfRange):
        k2(np.array([-1]), weights=WEIGHTS)


def test_embedding_mask_zero():
    e = Embedding(4, 2, mask_zero=True)
    assert e.supports_masking and not Embedding(4, 2).supports_masking
    np.testing.assert_array_equal(e.compute_mask(np.array([[0, 1, 2, 0]])), [[False, True, True, False]])
    # on the input before the cast: 0.5 looks up row 0 but is kept
    np.testing.assert_array_equal(e.compute_mask(np.array([[0.5, 1.0, 0.0]])), [[True, True, False]])
    np.testing.assert_array_equal(e(np.array([[0.5]]), weights=WEIGHTS), [[[0, 1]]])
    # the incoming mask is ignored / dropped
    np.testing.assert_array_equal(e.compute_mask(np.array([[1, 0]]), np.array([[False, True]])), [[True, False]])
    assert Embedding(4, 2).compute_mask(np.array([[1, 0]]), np.array([[False, True]])) is None


def test_embedding_config_weights_losses():
    e = Embedding(4, 2)
    assert e.get_config() == {
        "input_dim": 4, "output_dim": 2,
        "embeddings_initializer": {"class_name": "RandomUniform",
                                   "config": {"minval": -0.05, "maxval": 0.05, "seed": None}},
        "embeddings_regularizer": None, "activity_regularizer": None, "embeddings_constraint": None,
        "mask_zero": False, "quantization_config": None}
    k2 = Embedding(4, 2, edition=K2).get_config()
    assert k2["input_length"] is None and "quantization_config" not in k2
    w = e.init_weights((None, 3), np.random.default_rng(0))["embeddings"]
    assert w.shape == (4, 2) and (np.abs(w) <= 0.05).all()
    # constructor weights are the initial embeddings
    np.testing.assert_array_equal(Embedding(4, 2, weights=W)(np.array([[1]])), [[[2, 3]]])
    np.testing.assert_array_equal(Embedding(4, 2, weights=[W]).init_weights(None, None)["embeddings"], W)
    # activity l1: 0.01 * (5 + 9 + 13 + 13) / batch 2 = 0.2; embeddings l2: 0.01 * sum(0..7 ** 2) = 1.4
    r = Embedding(4, 2, embeddings_regularizer="l2", activity_regularizer="l1")
    np.testing.assert_allclose(r.losses(np.array([[1, 2], [3, 3]]), WEIGHTS), [0.2, 1.4])


def test_embedding_errors():
    for bad in (0, -1, 4.0, True, np.int64(4), "4"):
        rejects("input_dim", Embedding, bad, 2)
        rejects("output_dim", Embedding, 4, bad)
    rejects("input_dim", Embedding, 0, 2, edition=K2)
    # Keras 2 checks only `<= 0` (embedding.py:137); compute_output_shape rejects a float output_dim,
    # building the table a float or bool in either
    assert Embedding(5.0, 2, edition=K2).compute_output_shape((2, 3)) == (2, 3, 2)
    assert Embedding(4, True, edition=K2).compute_output_shape((2, 3)) == (2, 3, 1)
    rejects("output_dim", Embedding(4, 3.0, edition=K2).compute_output_shape, (2, 3))
    rejects("input_dim", Embedding(True, 2, edition=K2).weight_shapes, (2, 3))
    rejects("output_dim", Embedding(4, 2.0, edition=K2).weight_shapes, (2, 3))
    rejects("lora_rank", Embedding, 4, 2, lora_rank=2)
    rejects("quantization_config", Embedding, 4, 2, quantization_config="int8")
    rejects("embeddings_initializer", Embedding, 4, 2, embeddings_initializer="nope")
    rejects("embeddings_regularizer", Embedding, 4, 2, embeddings_regularizer="nope")
    rejects("embeddings_constraint", Embedding, 4, 2, embeddings_constraint="nope")
    rejects("weights", Embedding, 4, 2, weights=np.ones((3, 2)))
    rejects("weights", Embedding(4, 2), np.array([[1]]), weights={"embeddings": np.ones((4, 3))})
    rejects("weights", Embedding(4, 2), np.array([[1]]))
