"""The pooling layers of the reference: golden values worked out by hand, every error, editions, docstrings."""

from __future__ import annotations

import numpy as np
import pytest

import reference.layers  # noqa: F401  (registers the layer features)
from reference.errors import SpecError
from reference.layers.pooling import (AveragePooling1D, AveragePooling2D, AveragePooling3D, GlobalAveragePooling1D,
                                      GlobalAveragePooling2D, GlobalAveragePooling3D, GlobalMaxPooling1D,
                                      GlobalMaxPooling2D, GlobalMaxPooling3D, MaxPooling1D, MaxPooling2D, MaxPooling3D)
from reference.registry import SECTIONS, get_feature

K2 = "keras2"
NAMES = ["MaxPooling1D", "MaxPooling2D", "MaxPooling3D", "AveragePooling1D", "AveragePooling2D", "AveragePooling3D",
         "GlobalMaxPooling1D", "GlobalMaxPooling2D", "GlobalMaxPooling3D", "GlobalAveragePooling1D",
         "GlobalAveragePooling2D", "GlobalAveragePooling3D"]


def seq(*values):
    """A (1, steps, 1) input."""
    return np.array(values, np.float64).reshape(1, -1, 1)


def rejects(argument, fn, *args, **kwargs):
    with pytest.raises(SpecError) as info:
        fn(*args, **kwargs)
    assert info.value.argument == argument, info.value
    return info.value


@pytest.mark.parametrize("name", NAMES)
def test_registered_with_every_section(name):
    f = get_feature(f"layers.{name}")
    assert f.seed_page == "000"
    assert all(f"{s}:" in f.doc for s in SECTIONS), f.doc


# --- windowed pooling: golden values -----------------------------------------------------------------
def test_max_pooling_1d_valid_and_same():
    x = seq(1, 3, 2, 5, 4)
    np.testing.assert_array_equal(MaxPooling1D()(x).ravel(), [3, 5])  # pool 2, strides 2: [1 3] [2 5]
    # same: ceil(5/2) = 3 windows, total padding 1 goes after: [1 3] [2 5] [4 pad]
    np.testing.assert_array_equal(MaxPooling1D(padding="same")(x).ravel(), [3, 5, 4])
    np.testing.assert_array_equal(MaxPooling1D(3, strides=1)(x).ravel(), [3, 5, 5])
    np.testing.assert_array_equal(MaxPooling1D(2, strides=3)(x).ravel(), [3, 5])  # [1 3] [5 4]


def test_max_pooling_never_lets_padding_win():
    x = seq(-1, -2, -3, -4, -5)
    # pool 3, stride 1: total 2 = 1 before + 1 after
    np.testing.assert_array_equal(MaxPooling1D(3, strides=1, padding="same")(x).ravel(), [-1, -1, -2, -3, -4])
    np.testing.assert_array_equal(MaxPooling1D(2, padding="same")(x).ravel(), [-1, -3, -5])
    # windows of -inf only give -inf, not the lowest finite number
    y = MaxPooling1D(2, padding="same")(seq(-np.inf, -np.inf, 1.0, -np.inf, -np.inf))
    np.testing.assert_array_equal(y.ravel(), [-np.inf, 1.0, -np.inf])


def test_average_pooling_excludes_padding_from_the_count():
    x = seq(1, 2, 3, 4, 5)
    np.testing.assert_array_equal(AveragePooling1D(2, strides=1, padding="same")(x).ravel(), [1.5, 2.5, 3.5, 4.5, 5])
    np.testing.assert_array_equal(AveragePooling1D(3, strides=1, padding="same")(x).ravel(), [1.5, 2, 3, 4, 4.5])
    np.testing.assert_array_equal(AveragePooling1D(2)(x).ravel(), [1.5, 3.5])
    # a pool larger than the input with "same": one window holding all 5 real cells
    np.testing.assert_array_equal(AveragePooling1D(6, padding="same")(x).ravel(), [3.0])


def test_same_padding_is_clamped_at_zero():
    # n=3, pool 1, stride 3: one output; the padding (0 - 2) is clamped at 0, so the window is x[0]
    np.testing.assert_array_equal(MaxPooling1D(1, strides=3, padding="same")(seq(1, 2, 3)).ravel(), [1])
    np.testing.assert_array_equal(AveragePooling1D(1, strides=4, padding="same")(seq(*range(1, 8))).ravel(), [1, 5])


def test_2d_and_3d_golden():
    x = np.arange(1.0, 17.0).reshape(1, 4, 4, 1)  # rows [1..4], [5..8], ...
    np.testing.assert_array_equal(MaxPooling2D()(x)[0, :, :, 0], [[6, 8], [14, 16]])
    np.testing.assert_array_equal(AveragePooling2D(2)(x)[0, :, :, 0], [[3.5, 5.5], [11.5, 13.5]])
    # (3, 1) windows, strides (1, 2): column pairs collapse to the first column of each
    np.testing.assert_array_equal(MaxPooling2D((3, 1), strides=(1, 2))(x)[0, :, :, 0], [[9, 11], [13, 15]])
    # same, pool (2, 2), stride 3: ceil(4/3) = 2 per axis, total (2-1)*3 + 2 - 4 = 1 after
    np.testing.assert_array_equal(AveragePooling2D(2, strides=3, padding="same")(x)[0, :, :, 0],
                                  [[3.5, 6.0], [13.5, 16.0]])
    c = np.arange(1.0, 9.0).reshape(1, 2, 2, 2, 1)
    assert MaxPooling3D()(c).ravel().tolist() == [8.0]
    assert AveragePooling3D(2)(c).ravel().tolist() == [4.5]
    np.testing.assert_array_equal(AveragePooling3D((1, 2, 2))(c).ravel(), [2.5, 6.5])


def test_channels_first_pools_the_trailing_axes():
    x = np.random.default_rng(0).normal(size=(2, 5, 4, 3))
    for layer_cls in (MaxPooling2D, AveragePooling2D):
        last = layer_cls((2, 3), strides=(1, 2), padding="same")(x)
        first = layer_cls((2, 3), strides=(1, 2), padding="same", data_format="Channels_First")(
            np.moveaxis(x, -1, 1))
        np.testing.assert_array_equal(np.moveaxis(first, 1, -1), last)
        assert last.shape == (2, 5, 2, 3)


def test_nan_in_a_max_window_propagates_and_is_implementation_defined():
    x = seq(1, np.nan, 3, 4)
    layer = MaxPooling1D()
    np.testing.assert_array_equal(layer(x).ravel(), [np.nan, 4])
    np.testing.assert_array_equal(layer.defined(x).ravel(), [False, True])
    assert AveragePooling1D(2).defined(x).all()
    np.testing.assert_array_equal(AveragePooling1D(2)(x).ravel(), [np.nan, 3.5])


def test_masks_are_ignored_by_windowed_pooling():
    x = seq(1, 2, 3, 4)
    m = np.array([[True, False, False, True]])
    np.testing.assert_array_equal(MaxPooling1D()(x, mask=m).ravel(), [2, 4])
    assert MaxPooling1D().compute_mask(x, m) is None
    assert AveragePooling1D(2).compute_mask(x, m) is None


# --- windowed pooling: config, shapes, errors ----------------------------------------------------------
def test_defaults_and_config():
    assert MaxPooling1D().get_config() == {"pool_size": (2,), "padding": "valid", "strides": (2,),
                                           "data_format": "channels_last"}
    assert MaxPooling2D().get_config()["pool_size"] == (2, 2)
    assert MaxPooling3D().get_config()["strides"] == (2, 2, 2)
    assert AveragePooling2D(3, strides=(1, 2)).get_config()["strides"] == (1, 2)
    # Keras 3 keeps padding as given; data_format is lower-cased
    config = MaxPooling2D(padding="SAME", data_format="CHANNELS_FIRST").get_config()
    assert config["padding"] == "SAME" and config["data_format"] == "channels_first"
    assert MaxPooling2D(padding="SAME", edition=K2).get_config()["padding"] == "same"
    # AveragePooling has no default pool_size in Keras 3; Keras 2's is 2
    rejects("pool_size", AveragePooling1D)
    assert AveragePooling3D(edition=K2).pool_size == (2, 2, 2)
    assert MaxPooling1D(True).pool_size == (1,)  # a bool is an int to Keras' check


def test_compute_output_shape():
    assert MaxPooling1D().compute_output_shape((None, 5, 3)) == (None, 2, 3)
    assert MaxPooling1D(padding="same").compute_output_shape((4, 5, 3)) == (4, 3, 3)
    assert AveragePooling2D(3, strides=2, data_format="channels_first").compute_output_shape((None, 3, 7, None)) == \
        (None, 3, 3, None)
    assert MaxPooling3D((2, 1, 3), strides=(1, 1, 2), padding="same").compute_output_shape((1, 3, 2, 5, 4)) == \
        (1, 3, 2, 3, 4)
    # a None spatial dim is never rejected, even with a pool that a known dim could not hold
    assert MaxPooling1D(9).compute_output_shape((None, None, 2)) == (None, None, 2)


def test_pooling_errors():
    for bad in (0, -1, 2.0, (2, 2), (2,) * 0, "2"):
        rejects("pool_size", MaxPooling1D, bad)
    rejects("pool_size", MaxPooling2D, (2, 0))
    rejects("strides", MaxPooling2D, 2, strides=-1)
    rejects("strides", MaxPooling2D, 2, strides=(1, 1, 1))
    rejects("data_format", MaxPooling1D, data_format="channels_middle")
    x = seq(1, 2, 3, 4)
    # strides 0: accepted by the constructor, rejected when used
    layer = MaxPooling1D(2, strides=0)
    assert layer.get_config()["strides"] == (0,)
    rejects("strides", layer, x)
    rejects("strides", layer.compute_output_shape, (None, 4, 1))
    # Keras 3 checks padding only when used; the call is case-insensitive, compute_output_shape is not
    for padding in ("causal", "full", "", None):
        layer = AveragePooling1D(2, padding=padding)
        rejects("padding", layer, x)
        rejects("padding", layer.compute_output_shape, (None, 4, 1))
    np.testing.assert_array_equal(MaxPooling1D(padding="SAME")(x).ravel(), [2, 4])
    rejects("padding", MaxPooling1D(padding="SAME").compute_output_shape, (None, 4, 1))
    # a "valid" output length <= 0
    rejects("inputs", MaxPooling1D(5).compute_output_shape, (None, 4, 1))
    rejects("inputs", MaxPooling1D(5), x)
    rejects("inputs", MaxPooling2D((1, 3), strides=1).compute_output_shape, (None, 4, 2, 1))
    # rank
    rejects("inputs", MaxPooling1D(), np.zeros((1, 4, 4, 1)))
    rejects("inputs", MaxPooling2D(), np.zeros((1, 4, 1)))
    rejects("inputs", AveragePooling3D(2).compute_output_shape, (None, 4, 4, 1))


def test_pooling_keras2_edition():
    rejects("padding", MaxPooling1D, padding="full", edition=K2)
    rejects("padding", MaxPooling1D, padding=None, edition=K2)
    layer = MaxPooling1D(padding="causal", edition=K2)  # accepted here, fails in the call
    assert layer.compute_output_shape((None, 5, 1)) == (None, 3, 1)  # as "same"
    rejects("padding", layer, seq(1, 2, 3))
    # compute_output_shape does not reject a "valid" length <= 0: (n - k + s) // s
    assert MaxPooling1D(5, edition=K2).compute_output_shape((None, 4, 1)) == (None, 0, 1)
    assert MaxPooling1D(6, strides=1, edition=K2).compute_output_shape((None, 4, 1)) == (None, -1, 1)
    np.testing.assert_array_equal(AveragePooling1D(edition=K2)(seq(1, 2, 3, 4)).ravel(), [1.5, 3.5])


# --- global pooling ----------------------------------------------------------------------------------
def test_global_golden_and_keepdims():
    x = np.arange(1.0, 13.0).reshape(1, 2, 2, 3)  # 4 positions of 3 channels
    np.testing.assert_array_equal(GlobalAveragePooling2D()(x), [[5.5, 6.5, 7.5]])
    np.testing.assert_array_equal(GlobalMaxPooling2D()(x), [[10, 11, 12]])
    assert GlobalMaxPooling2D(keepdims=True)(x).shape == (1, 1, 1, 3)
    # channels_first: (1, 2, 2, 3) is 2 channels of 2x3
    np.testing.assert_array_equal(GlobalAveragePooling2D(data_format="channels_first")(x), [[3.5, 9.5]])
    assert GlobalAveragePooling2D(data_format="channels_first", keepdims=1)(x).shape == (1, 2, 1, 1)
    np.testing.assert_array_equal(GlobalMaxPooling1D()(seq(1, np.nan, 3)), [[np.nan]])  # NaN propagates
    np.testing.assert_array_equal(GlobalMaxPooling1D()(seq(-np.inf, -np.inf)), [[-np.inf]])
    c = np.arange(8.0).reshape(1, 2, 2, 2, 1)
    assert GlobalAveragePooling3D()(c).tolist() == [[3.5]] and GlobalMaxPooling3D()(c).tolist() == [[7.0]]


def test_global_config_and_shapes():
    assert GlobalAveragePooling1D().get_config() == {"data_format": "channels_last", "keepdims": False}
    assert GlobalMaxPooling3D(keepdims="yes").get_config()["keepdims"] == "yes"  # kept as given
    assert GlobalMaxPooling1D().compute_output_shape((None, 5, 3)) == (None, 3)
    assert GlobalMaxPooling1D(keepdims=True).compute_output_shape((None, None, 3)) == (None, 1, 3)
    assert GlobalAveragePooling2D(data_format="channels_first", keepdims=True).compute_output_shape(
        (2, 3, None, 4)) == (2, 3, 1, 1)
    assert GlobalAveragePooling3D(keepdims=None).compute_output_shape((2, 1, 2, 3, 4)) == (2, 4)


def test_global_errors_and_empty_inputs():
    rejects("data_format", GlobalMaxPooling2D, data_format="nchw")
    rejects("inputs", GlobalMaxPooling1D(), np.zeros((1, 3, 3, 1)))
    rejects("inputs", GlobalAveragePooling3D().compute_output_shape, (None, 3, 3, 1))
    rejects("inputs", GlobalMaxPooling1D(), np.zeros((1, 0, 2)))  # Keras 3: max of an empty tensor
    with np.errstate(invalid="ignore"):
        assert np.isnan(GlobalAveragePooling1D()(np.zeros((1, 0, 2)))).all()  # mean of nothing: 0 / 0
    rejects("inputs", GlobalAveragePooling1D(edition=K2), np.zeros((1, 0, 2)))  # tf-keras build


def test_global_average_1d_with_a_mask():
    x = np.array([[[1.0, 10.0], [2.0, 20.0], [3.0, 30.0], [np.nan, np.inf]]])
    m = np.array([[True, False, True, False]])
    layer = GlobalAveragePooling1D()
    np.testing.assert_array_equal(layer(x, mask=m), [[2.0, 20.0]])  # masked steps (NaN, inf too) excluded
    np.testing.assert_array_equal(GlobalAveragePooling1D(keepdims=True)(x, mask=m), [[[2.0, 20.0]]])
    assert layer.compute_mask(x, m) is None and layer.supports_masking
    with np.errstate(invalid="ignore"):
        assert np.isnan(layer(x, mask=np.zeros((1, 4), bool))).all()  # every step masked: 0 / 0
    # channels_first: (batch, features, steps)
    np.testing.assert_array_equal(GlobalAveragePooling1D(data_format="channels_first")(np.moveaxis(x, 1, 2), mask=m),
                                  [[2.0, 20.0]])
    # Keras 2 multiplies by the mask: NaN * 0 and inf * 0 are NaN
    with np.errstate(invalid="ignore"):
        np.testing.assert_array_equal(GlobalAveragePooling1D(edition=K2)(x, mask=m), [[np.nan, np.nan]])
    np.testing.assert_array_equal(GlobalAveragePooling1D(edition=K2)(x[:, :3], mask=m[:, :3]), [[2.0, 20.0]])
    rejects("mask", layer, x, mask=np.array([[True, False, True]]))


def test_global_max_and_2d_3d_ignore_masks():
    x = seq(1, 5, 3)
    m = np.array([[True, False, True]])
    np.testing.assert_array_equal(GlobalMaxPooling1D()(x, mask=m), [[5.0]])  # the masked 5 still counts
    assert not GlobalMaxPooling1D.supports_masking and GlobalMaxPooling1D().compute_mask(x, m) is None
    assert not GlobalAveragePooling2D.supports_masking
