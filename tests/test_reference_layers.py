"""The layer reference: golden values worked out by hand, every error, every edition difference."""

from __future__ import annotations

import math

import numpy as np
import pytest

import reference
import reference.layers  # noqa: F401  (registers the layer features)
from reference import initializers as I
from reference import regularizers as R
from reference.errors import SpecError
from reference.layers.core import Activation, Dense, Input, Lambda
from reference.layers.dropout import Dropout, SpatialDropout1D, SpatialDropout2D, SpatialDropout3D
from reference.layers.masking import Masking
from reference.layers.regularization import ActivityRegularization
from reference.layers.reshaping import Flatten, Permute, RepeatVector, Reshape
from reference.registry import SECTIONS, features

K2 = "keras2"


def rejects(argument, fn, *args, **kwargs):
    with pytest.raises(SpecError) as info:
        fn(*args, **kwargs)
    assert info.value.argument == argument, info.value
    return info.value


LAYERS = ["Dense", "Activation", "Dropout", "Flatten", "Input", "Reshape", "Permute", "RepeatVector", "Lambda",
          "ActivityRegularization", "Masking", "SpatialDropout1D", "SpatialDropout2D", "SpatialDropout3D"]


def test_every_seed_layer_is_registered_with_complete_docs():
    ids = {f.id for f in features("layers") if f.seed_page == "001"}
    assert ids == {f"layers.{n}" for n in LAYERS}
    for f in features("layers"):
        missing = [s for s in SECTIONS if f"{s}:" not in f.doc]
        assert not missing, (f.id, missing)
    assert "Distribution:" in reference.get_feature("layers.Dropout").doc


# --- Dense -------------------------------------------------------------------------------------

W = {"kernel": np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]), "bias": np.array([0.5, -1.0])}


def test_dense_golden_2d_and_3d():
    x = np.array([[1.0, 0.0, -1.0]])
    # [1-5, 2-6] + [0.5, -1] = [-3.5, -5]
    np.testing.assert_array_equal(Dense(2)(x, weights=W), [[-3.5, -5.0]])
    np.testing.assert_array_equal(Dense(2, activation="relu")(x, weights=W), [[0.0, 0.0]])
    # rank 3: the kernel acts on the last axis (the seed page's "flatten first" is wrong)
    x3 = np.array([[[1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]])
    y = Dense(2)(x3, weights=W)
    np.testing.assert_array_equal(y, [[[1.5, 1.0], [8.5, 9.0]]])
    assert Dense(2).compute_output_shape((None, 4, 3)) == (None, 4, 2)
    assert Dense(2).weight_shapes((None, 4, 3)) == {"kernel": (3, 2), "bias": (2,)}
    assert Dense(2, use_bias=False).weight_shapes((None, 3)) == {"kernel": (3, 2)}
    np.testing.assert_array_equal(Dense(2, use_bias=False)(x, weights={"kernel": W["kernel"]}), [[-4.0, -4.0]])


def test_dense_defaults_and_config():
    d = Dense(3)
    assert isinstance(d.kernel_initializer, I.GlorotUniform) and isinstance(d.bias_initializer, I.Zeros)
    assert d.kernel_initializer.distribution((4, 3)).high == pytest.approx(math.sqrt(6 / 7))
    assert d.supports_masking
    assert d.get_config() == {
        "units": 3, "activation": "linear", "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform",
                               "config": {"seed": None, "input_axes": None, "output_axes": None}},
        "bias_initializer": {"class_name": "Zeros", "config": {}},
        "kernel_regularizer": None, "bias_regularizer": None, "kernel_constraint": None, "bias_constraint": None,
        "quantization_config": None}
    k2 = Dense(3, edition=K2).get_config()
    assert "quantization_config" not in k2 and k2["activity_regularizer"] is None
    assert k2["kernel_initializer"] == {"class_name": "GlorotUniform", "config": {"seed": None}}
    cfg = Dense(3, activity_regularizer="l2", kernel_constraint="max_norm").get_config()
    assert cfg["activity_regularizer"] == {"class_name": "L2", "config": {"l2": 0.01}}
    assert cfg["kernel_constraint"] == {"class_name": "MaxNorm", "config": {"max_value": 2, "axis": 0}}
    w = Dense(3).init_weights((None, 4), np.random.default_rng(0))
    assert w["kernel"].shape == (4, 3) and np.all(np.abs(w["kernel"]) <= math.sqrt(6 / 7))
    np.testing.assert_array_equal(w["bias"], np.zeros(3))


def test_dense_losses_order_and_batch_division():
    # Keras 3.15.1 [ran]: x=[[1,-2],[3,4]], ones kernel -> y=[[-1,-1],[7,7]];
    # losses == [L1(.5)(y)/2, L2(.1)(kernel), L1(1)(bias)] == [4.0, 0.4, 0.0]
    d = Dense(2, activity_regularizer=R.L1(0.5), kernel_regularizer=R.L2(0.1), bias_regularizer=R.L1(1.0))
    w = {"kernel": np.ones((2, 2)), "bias": np.zeros(2)}
    x = np.array([[1.0, -2.0], [3.0, 4.0]])
    np.testing.assert_array_equal(d(x, weights=w), [[-1.0, -1.0], [7.0, 7.0]])
    assert d.losses(x, weights=w) == pytest.approx([4.0, 0.4, 0.0], rel=1e-7)
    assert Dense(2).losses(x, weights=w) == []


def test_dense_errors_and_editions():
    for bad in (0, -1, 2.0, "3", None):
        rejects("units", Dense, bad)
    assert Dense(2.7, edition=K2).units == 2 and Dense("3", edition=K2).units == 3
    # Keras 2 rejects only units < 0 (tf_keras dense.py:119-120): Dense(0) gives an empty output
    d0 = Dense(0, edition=K2)
    assert d0.compute_output_shape((2, 4)) == (2, 0)
    assert d0(np.ones((2, 4)), weights={"kernel": np.ones((4, 0)), "bias": np.zeros(0)}).shape == (2, 0)
    rejects("units", Dense, -1, edition=K2)
    rejects("units", Dense, "x", edition=K2)
    rejects("units", Dense(True, edition=K2).weight_shapes, (2, 4))  # a bool units fails in build
    rejects("activation", Dense, 2, activation="nope")
    rejects("kernel_initializer", Dense, 2, kernel_initializer="nope")
    rejects("kernel_regularizer", Dense, 2, kernel_regularizer="l1_l2")
    assert Dense(2, kernel_regularizer="l1_l2", edition=K2).kernel_regularizer.l1 == 0.01
    rejects("bias_constraint", Dense, 2, bias_constraint="nope")
    rejects("inputs", Dense(2).compute_output_shape, (3,))
    rejects("inputs", Dense(2), np.ones(3), weights=W)
    rejects("inputs", Dense(2).weight_shapes, (None, None))
    assert Dense(2).compute_output_shape((None, None)) == (None, 2)
    rejects("inputs", Dense(2, edition=K2).compute_output_shape, (None, None))
    rejects("weights", Dense(2), np.ones((1, 4)), weights=W)
    rejects("weights", Dense(2), np.ones((1, 3)))


def test_dense_mask_passes_through():
    mask = np.array([[True, False]])
    np.testing.assert_array_equal(Dense(2).compute_mask(np.ones((1, 2, 3)), mask), mask)


# --- Activation --------------------------------------------------------------------------------

def test_activation_golden_and_editions():
    x = np.array([-3.0, -1.0, 0.0, 2.0])
    np.testing.assert_array_equal(Activation("relu")(x), [0.0, 0.0, 0.0, 2.0])
    np.testing.assert_array_equal(Activation(None)(x), x)
    assert Activation(None).get_config() == {"activation": "linear"}
    np.testing.assert_allclose(Activation("hard_sigmoid")([-1.0, 0.0, 1.0]), [1 / 3, 0.5, 2 / 3])
    np.testing.assert_allclose(Activation("hard_sigmoid", edition=K2)([-1.0, 0.0, 1.0]), [0.3, 0.5, 0.7])
    assert Activation("tanh").compute_output_shape((None, 5, 2)) == (None, 5, 2)
    assert Activation("tanh").supports_masking
    rejects("activation", Activation, "nope")


# --- Dropout -----------------------------------------------------------------------------------

class FixedUniform:
    """A stand-in Generator whose uniform() returns fixed values (broadcast to the size)."""

    def __init__(self, values):
        self.values = np.asarray(values, dtype=np.float64)

    def uniform(self, size=None):
        assert tuple(size) == self.values.shape, (size, self.values.shape)
        return self.values


def test_dropout_golden():
    x = np.array([[1.0, 2.0, 3.0, 4.0]])
    d = Dropout(0.5)
    np.testing.assert_array_equal(d(x), x)  # training=False
    np.testing.assert_array_equal(d(x, training=False, rng=FixedUniform([[0.9, 0.9, 0.9, 0.9]])), x)
    # keep where u < 1 - rate = 0.5; kept values scaled by 1 / 0.5
    y = d(x, training=True, rng=FixedUniform([[0.1, 0.7, 0.49, 0.5]]))
    np.testing.assert_array_equal(y, [[2.0, 0.0, 6.0, 0.0]])
    # a dropped inf or NaN gives 0
    y = d(np.array([[np.inf, np.nan]]), training=True, rng=FixedUniform([[0.9, 0.9]]))
    np.testing.assert_array_equal(y, [[0.0, 0.0]])
    np.testing.assert_array_equal(Dropout(0.0)(x, training=True), x)
    np.testing.assert_array_equal(Dropout(1.0)(x, training=True), np.zeros_like(x))
    assert Dropout(0.5).get_config() == {"rate": 0.5, "seed": None, "noise_shape": None}
    assert Dropout(0.5).supports_masking


def test_dropout_noise_shape():
    x = np.arange(1.0, 7.0).reshape(1, 3, 2)  # (batch, timesteps, features)
    d = Dropout(0.5, noise_shape=(None, 1, None))
    assert d.resolved_noise_shape((4, 3, 2)) == (4, 1, 2)
    y = d(x, training=True, rng=FixedUniform([[[0.1, 0.9]]]))  # feature 0 kept in every timestep
    np.testing.assert_array_equal(y, [[[2.0, 0.0], [6.0, 0.0], [10.0, 0.0]]])
    # a shorter noise shape broadcasts from the right (Keras 3 [ran])
    assert Dropout(0.5, noise_shape=(1, 2)).resolved_noise_shape((2, 3, 2)) == (1, 2)
    rejects("noise_shape", Dropout(0.5, noise_shape=(2, 2)).resolved_noise_shape, (2, 3))
    rejects("noise_shape", Dropout(0.5, noise_shape=(2,)).resolved_noise_shape, (2, 3))
    rejects("noise_shape", Dropout(0.5, noise_shape=(2, 1, 1)).resolved_noise_shape, (2, 3))
    rejects("noise_shape", Dropout(0.5, noise_shape=(2, 2)), np.ones((2, 3)), training=True,
            rng=np.random.default_rng(0))


def test_dropout_statistics():
    rng = np.random.default_rng(1)
    y = Dropout(0.25)(np.ones((200, 500)), training=True, rng=rng)
    assert set(np.unique(y)) == {0.0, 4 / 3}
    assert np.mean(y == 0) == pytest.approx(0.25, abs=0.01)
    assert np.mean(y) == pytest.approx(1.0, abs=0.02)


def test_dropout_errors_and_editions():
    for bad in (-0.1, 1.5, float("nan"), "0.5", None):
        rejects("rate", Dropout, bad)
    for bad in (np.array([2, 1]), (np.int64(2), 1), (2.0, 1), (2, 0), (-1,), "ab", 3):
        rejects("noise_shape", Dropout, 0.5, noise_shape=bad)
    assert Dropout(0.5, noise_shape=[2, None]).noise_shape == (2, None)
    rejects("seed", Dropout, 0.5, seed=1.5)
    assert Dropout(0.0, seed=1.5).seed == 1.5  # no SeedGenerator when rate == 0
    rejects("rng", Dropout(0.5), np.ones(3), training=True)
    # Keras 2: no construction-time checks of noise_shape/seed; rate 1 fails only in training
    k2 = Dropout(0.5, noise_shape=np.array([1, 2]), edition=K2)
    assert k2.resolved_noise_shape((3, 2)) == (1, 2)
    one = Dropout(1.0, edition=K2)
    np.testing.assert_array_equal(one(np.ones(2)), np.ones(2))
    rejects("rate", one, np.ones(2), training=True)
    rejects("rate", Dropout, 1.5, edition=K2)


def test_spatial_dropout_golden():
    x = np.arange(1.0, 13.0).reshape(1, 2, 2, 3)  # channels_last (N, H, W, C)
    d = SpatialDropout2D(0.5)
    assert d.resolved_noise_shape(x.shape) == (1, 1, 1, 3)
    y = d(x, training=True, rng=FixedUniform(np.array([0.1, 0.9, 0.2]).reshape(1, 1, 1, 3)))
    np.testing.assert_array_equal(y, 2 * x * np.array([1.0, 0.0, 1.0]))
    cf = SpatialDropout2D(0.5, data_format="Channels_First")
    assert cf.data_format == "channels_first" and cf.resolved_noise_shape((2, 3, 4, 5)) == (2, 3, 1, 1)
    assert SpatialDropout1D(0.5).resolved_noise_shape((2, 7, 3)) == (2, 1, 3)
    assert SpatialDropout3D(0.5).resolved_noise_shape((2, 4, 5, 6, 3)) == (2, 1, 1, 1, 3)
    assert SpatialDropout3D(0.5, "channels_first").resolved_noise_shape((2, 3, 4, 5, 6)) == (2, 3, 1, 1, 1)
    np.testing.assert_array_equal(SpatialDropout1D(0.5)(np.ones((1, 2, 3))), np.ones((1, 2, 3)))
    assert SpatialDropout1D(0.5).supports_masking


def test_spatial_dropout_config_errors_and_editions():
    assert SpatialDropout1D(0.5).get_config() == {"rate": 0.5, "seed": None}
    assert SpatialDropout2D(0.5).get_config() == {"rate": 0.5, "seed": None, "data_format": "channels_last"}
    assert SpatialDropout3D(0.5, edition=K2).get_config() == {"rate": 0.5, "noise_shape": None, "seed": None}
    rejects("data_format", SpatialDropout2D, 0.5, data_format="nchw")
    rejects("data_format", SpatialDropout3D, 0.5, data_format="Channels_First", edition=K2)
    rejects("rate", SpatialDropout1D, 2.0)
    rejects("inputs", SpatialDropout1D(0.5), np.ones((1, 2, 3, 4)))
    rejects("inputs", SpatialDropout2D(0.5).compute_output_shape, (None, 3, 4))
    rejects("inputs", SpatialDropout3D(0.5), np.ones((1, 2, 3, 4)), training=True, rng=np.random.default_rng(0))
    rejects("rate", SpatialDropout2D(1.0, edition=K2), np.ones((1, 2, 2, 1)), training=True)


# --- Flatten -----------------------------------------------------------------------------------

def test_flatten_golden():
    x = np.arange(12.0).reshape(1, 3, 2, 2)
    np.testing.assert_array_equal(Flatten()(x), [np.arange(12.0)])
    # channels_first: axis 1 moves last first (Keras 3 [ran])
    np.testing.assert_array_equal(Flatten(data_format="channels_first")(x), [[0, 4, 8, 1, 5, 9, 2, 6, 10, 3, 7, 11]])
    np.testing.assert_array_equal(Flatten()(np.array([1.0, 2.0])), [[1.0], [2.0]])
    np.testing.assert_array_equal(Flatten("channels_first")(np.arange(6.0).reshape(2, 3)), np.arange(6.0).reshape(2, 3))
    assert Flatten()(np.ones((0, 3, 2))).shape == (0, 6)
    assert Flatten().compute_output_shape((None, 3, 2, 2)) == (None, 12)
    assert Flatten().compute_output_shape((None,)) == (None, 1)
    assert Flatten().compute_output_shape((None, 3, None)) == (None, None)
    assert Flatten().compute_output_shape((2, 0, 3)) == (2, 0)
    assert Flatten(edition=K2).compute_output_shape((2, 0, 3)) == (2, None)
    # the seed page's example only holds with channels_first: 64 * 32 * 32
    assert Flatten().compute_output_shape((None, 64, 32, 32)) == (None, 65536)
    assert Flatten().get_config() == {"data_format": "channels_last"}
    assert not Flatten().supports_masking and Flatten().compute_mask(x, np.ones((1, 3), bool)) is None
    rejects("data_format", Flatten, "channels_middle")
    rejects("inputs", Flatten().compute_output_shape, ())


# --- Input -------------------------------------------------------------------------------------

def test_input_golden_and_errors():
    assert Input(shape=(32,)).shape == (None, 32) and Input(shape=(32,)).dtype == "float32"
    assert Input(batch_shape=(10, 32)).shape == (10, 32)
    assert Input(batch_shape=(None, 32)).shape == (None, 32)
    assert Input(shape=[3], batch_size=4).shape == (4, 3)
    assert Input(shape=(2,), dtype="int32").dtype == "int32"
    assert Input(shape=(2,), dtype=int).dtype == "int64"
    assert Input(shape=(2,), dtype=np.float64).dtype == "float64"
    assert Input(shape=(None, 5)).get_config() == {"batch_shape": (None, None, 5), "dtype": "float32",
                                                   "sparse": False, "ragged": False, "name": None, "optional": False}
    rejects("shape", Input, shape=(3,), batch_shape=(2, 3))
    rejects("shape", Input)
    rejects("batch_size", Input, batch_size=2, batch_shape=(2, 3))
    assert Input(batch_size=2, batch_shape=(5, 3), edition=K2).shape == (5, 3)
    rejects("shape", Input, shape=3)
    assert Input(shape=32, edition=K2).shape == (None, 32)  # Keras 2: an int shape is a 1-tuple
    rejects("shape", Input, shape=(-1,))
    rejects("shape", Input, shape=(2.0,))
    rejects("batch_size", Input, shape=(2,), batch_size=2.0)
    rejects("dtype", Input, shape=(2,), dtype="float128")


# --- Reshape -----------------------------------------------------------------------------------

def test_reshape_golden():
    x = np.arange(24.0).reshape(2, 12)
    y = Reshape((3, 4))(x)
    assert y.shape == (2, 3, 4) and y[1, 2, 3] == 23.0
    assert Reshape((3, 4)).compute_output_shape((None, 12)) == (None, 3, 4)
    assert Reshape((6, 2)).compute_output_shape((None, 3, 4)) == (None, 6, 2)
    assert Reshape((-1, 2, 2)).compute_output_shape((None, 6, 2)) == (None, 3, 2, 2)  # seed page chain
    assert Reshape((-1, 2)).compute_output_shape((None, None, 2)) == (None, None, 2)
    assert Reshape((-1, 2, 2))(x).shape == (2, 3, 2, 2)
    assert Reshape([3, 4]).get_config() == {"target_shape": (3, 4)}
    assert Reshape((2.0, 3)).compute_output_shape((None, 6)) == (None, None, 3)  # Keras 3 [ran]
    assert Reshape((2.0, 3))(np.ones((2, 6))).shape == (2, 2, 3)
    assert Reshape((-1,))(np.ones((3, 0))).shape == (3, 0)  # the known product 1 divides 0
    assert not Reshape((2,)).supports_masking


def test_reshape_errors_and_editions():
    rejects("target_shape", Reshape, (-1, -1))
    rejects("target_shape", Reshape, (-2, 3))
    rejects("target_shape", Reshape, 4)
    rejects("target_shape", Reshape((5,)).compute_output_shape, (None, 12))
    rejects("target_shape", Reshape((-1, 5)), np.ones((1, 12)))
    rejects("target_shape", Reshape((0, -1)).compute_output_shape, (None, 0))
    rejects("target_shape", Reshape((2.0, -1)), np.ones((2, 6)))
    # Keras 2: nothing checked at construction; negatives are unknown dims in compute_output_shape
    k2 = Reshape((-1, -1), edition=K2)
    rejects("target_shape", k2.compute_output_shape, (None, 4))
    assert Reshape((-2, 3), edition=K2).compute_output_shape((None, 6)) == (None, 2, 3)
    rejects("target_shape", Reshape((-2, 3), edition=K2), np.ones((1, 6)))
    rejects("target_shape", Reshape((-1, 5), edition=K2), np.ones((1, 12)))
    rejects("target_shape", Reshape((2.0, 3), edition=K2), np.ones((2, 6)))


# --- Permute, RepeatVector ---------------------------------------------------------------------

def test_permute_golden_and_errors():
    x = np.arange(6.0).reshape(1, 2, 3)
    np.testing.assert_array_equal(Permute((2, 1))(x), [[[0.0, 3.0], [1.0, 4.0], [2.0, 5.0]]])
    assert Permute((2, 1)).compute_output_shape((None, 10, 64)) == (None, 64, 10)
    assert Permute((3, 1, 2)).compute_output_shape((None, 4, 5, 6)) == (None, 6, 4, 5)
    assert Permute([2, 1]).get_config() == {"dims": (2, 1)}
    for bad in ((0, 1), (1, 1), (1, 3), (2,), 5):
        rejects("dims", Permute, bad)
    rejects("inputs", Permute((2, 1)), np.ones((2, 3)))
    rejects("inputs", Permute((2, 1)).compute_output_shape, (None, 3))
    assert not Permute((1,)).supports_masking


def test_repeat_vector_golden_and_editions():
    np.testing.assert_array_equal(RepeatVector(3)(np.array([[1.0, 2.0]])), [[[1, 2], [1, 2], [1, 2]]])
    assert RepeatVector(3).compute_output_shape((None, 32)) == (None, 3, 32)
    assert RepeatVector(3).get_config() == {"n": 3}
    for bad in (0, -1):
        rejects("n", RepeatVector, bad)
    for bad in (2.0, True, "2"):
        rejects("n", RepeatVector, bad)
    rejects("inputs", RepeatVector(2), np.ones((1, 2, 3)))
    rejects("inputs", RepeatVector(2).compute_output_shape, (None, 2, 3))
    assert RepeatVector(0, edition=K2)(np.ones((2, 3))).shape == (2, 0, 3)
    rejects("n", RepeatVector(-1, edition=K2), np.ones((2, 3)))
    rejects("n", RepeatVector, 2.0, edition=K2)


# --- Lambda ------------------------------------------------------------------------------------

def test_lambda_golden():
    sq = Lambda(lambda x: x ** 2)
    np.testing.assert_array_equal(sq(np.array([[1.0, -2.0]])), [[1.0, 4.0]])
    assert sq.compute_output_shape((None, 2)) == (None, 2)
    assert sq.get_config().keys() == {"function", "arguments"}
    # Keras 2 always stores output_shape (None when unset; lambda_layer.py:277-289)
    assert Lambda(lambda x: x ** 2, edition=K2).get_config()["output_shape"] is None

    def hadamard_product_sum(tensors):
        out1 = tensors[0] * tensors[1]
        return [out1, np.sum(out1, axis=-1)]

    def hadamard_shape(shapes):
        return [tuple(shapes[0]), tuple(shapes[1][:-1])]

    hp = Lambda(hadamard_product_sum, hadamard_shape)
    a, b = np.array([[1.0, 2.0, 3.0]]), np.array([[4.0, 5.0, 6.0]])
    out1, out2 = hp([a, b])
    np.testing.assert_array_equal(out1, [[4.0, 10.0, 18.0]])
    np.testing.assert_array_equal(out2, [32.0])
    assert hp.compute_output_shape([(None, 3), (None, 3)]) == [(None, 3), (None,)]
    # inferred shapes: a dim that follows the probe size is None
    assert Lambda(hadamard_product_sum).compute_output_shape([(None, 3), (None, 3)]) == [(None, 3), (None,)]
    assert Lambda(lambda x: np.concatenate([x, x], 1)).compute_output_shape((None, 4)) == (None, 8)
    # a tuple output_shape excludes the batch dim (batch from the first input) [ran]
    assert Lambda(lambda x: x, output_shape=(4,)).compute_output_shape((7, 3)) == (7, 4)
    assert Lambda(lambda x: x, output_shape=(4,)).compute_output_shape([(5, 3), (5, 3)]) == (5, 4)


def test_lambda_arguments_mask_training():
    def f(x, mask=None, training=None, k=1):
        return x * k + (0 if mask is None else 100) + (1000 if training else 0)

    lam = Lambda(f, arguments={"k": 3})
    np.testing.assert_array_equal(lam(np.ones((1, 2)), training=True), [[1003.0, 1003.0]])  # Keras 3 [ran]
    np.testing.assert_array_equal(lam(np.ones((1, 2)), mask=np.ones(1, bool)), [[103.0, 103.0]])
    assert lam.get_config()["arguments"] == {"k": 3}
    m = np.array([[True, False]])
    assert not Lambda(lambda x: x).supports_masking and Lambda(lambda x: x).compute_mask(None, m) is None
    assert Lambda(lambda x: x, edition=K2).supports_masking
    assert Lambda(lambda x: x, edition=K2).compute_mask(None, m) is None
    np.testing.assert_array_equal(Lambda(lambda x: x, mask=lambda x, mk: mk).compute_mask(None, m), m)
    fixed = np.array([True])
    assert Lambda(lambda x: x, mask=fixed).compute_mask(None, m) is fixed
    assert "mask" in Lambda(lambda x: x, mask=fixed).get_config()
    rejects("function", Lambda, 3)
    rejects("arguments", Lambda, lambda x: x, arguments=[1])
    rejects("output_shape", Lambda, lambda x: x, output_shape="4")


# --- ActivityRegularization --------------------------------------------------------------------

def test_activity_regularization_golden():
    x = np.array([[1.0, -2.0], [3.0, 4.0]])
    a = ActivityRegularization(l1=0.5, l2=0.25)
    np.testing.assert_array_equal(a(x), x)
    assert a.losses(x) == pytest.approx([6.25])  # (0.5*10 + 0.25*30) / 2, Keras 3 [ran]
    assert ActivityRegularization().losses(x) == [0.0]
    assert ActivityRegularization(l1=1.0).losses(np.zeros((0, 2))) == [0.0]  # divide_no_nan
    assert ActivityRegularization(l2=0.1).losses(np.array([[np.inf]])) == [np.inf]
    assert a.get_config() == {"l1": 0.5, "l2": 0.25}
    assert a.compute_output_shape((None, 3)) == (None, 3) and a.supports_masking
    rejects("l1", ActivityRegularization, l1=-1.0)
    rejects("l2", ActivityRegularization, l2=float("nan"))
    assert ActivityRegularization(l1=-1.0, edition=K2).losses(x) == pytest.approx([-5.0])
    rejects("l2", ActivityRegularization, l2=float("nan"), edition=K2)  # Keras 2's L1L2 checks too
    rejects("l2", ActivityRegularization, l2=float("inf"), edition=K2)


# --- Masking -----------------------------------------------------------------------------------

def test_masking_golden():
    x = np.array([[[1.0, 0.0], [0.0, 0.0], [np.nan, 0.0]]])
    m = Masking()
    np.testing.assert_array_equal(m.compute_mask(x), [[True, False, True]])
    np.testing.assert_array_equal(m(x), x)  # the masked row is already 0
    np.testing.assert_array_equal(m.compute_mask(x, np.zeros((1, 3), bool)), [[True, False, True]])
    x = np.array([[[5.0, 5.0], [5.0, 1.0]]])
    np.testing.assert_array_equal(Masking(5.0)(x), [[[0.0, 0.0], [5.0, 1.0]]])
    nan = np.array([[[np.nan, np.nan], [1.0, 2.0]]])
    assert Masking(np.nan).compute_mask(nan).all()
    assert np.isnan(Masking(np.nan)(nan)[0, 0]).all()
    assert Masking().get_config() == {"mask_value": 0.0} and Masking().supports_masking
    # compared in x's dtype: float32 0.1 equals mask_value 0.1 cast to float32 (Keras 3 [ran])
    np.testing.assert_array_equal(Masking(0.1).compute_mask(np.array([[[0.1, 0.1], [1, 2]]], np.float32)),
                                  [[False, True]])


def test_masking_editions():
    neg = np.array([[[-0.0, 0.0], [1.0, 2.0]]])
    assert not np.signbit(Masking()(neg)[0, 0, 0])
    assert np.signbit(Masking(edition=K2)(neg)[0, 0, 0])
    inf = np.array([[[np.inf, np.inf], [1.0, 2.0]]])
    np.testing.assert_array_equal(Masking(np.inf)(inf), [[[0.0, 0.0], [1.0, 2.0]]])
    assert np.isnan(Masking(np.inf, edition=K2)(inf)[0, 0]).all()


def test_mask_propagation_matches_keras3():
    """Keras 3.15.1 [ran]: Masking -> layer; the output mask of each layer."""
    mask = np.array([[True, False]])
    x = np.ones((1, 2, 2))
    for layer in (Dense(2), Activation("relu"), Dropout(0.5), ActivityRegularization(), SpatialDropout1D(0.3)):
        np.testing.assert_array_equal(layer.compute_mask(x, mask), mask)
    for layer in (Flatten(), Reshape((4,)), Permute((2, 1)), RepeatVector(2), Lambda(lambda v: v * 2)):
        assert layer.compute_mask(x, mask) is None
    for layer in (Dense(2), Dropout(0.5)):
        assert layer.compute_mask(x, None) is None
