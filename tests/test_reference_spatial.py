"""Cropping, zero-padding and up-sampling layers of the reference: golden values worked out by hand,
every error, the editions, the docstring sections."""

from __future__ import annotations

import numpy as np
import pytest

import reference.layers  # noqa: F401  (registers the layer features)
from reference.errors import SpecError
from reference.layers.spatial import (Cropping1D, Cropping2D, Cropping3D, ImplementationDefined, UpSampling1D,
                                      UpSampling2D, UpSampling3D, ZeroPadding1D, ZeroPadding2D, ZeroPadding3D)
from reference.registry import SECTIONS, get_feature

K2 = "keras2"
NAMES = ["Cropping1D", "Cropping2D", "Cropping3D", "ZeroPadding1D", "ZeroPadding2D", "ZeroPadding3D",
         "UpSampling1D", "UpSampling2D", "UpSampling3D"]


def rejects(argument, fn, *args, **kwargs):
    with pytest.raises(SpecError) as info:
        fn(*args, **kwargs)
    assert info.value.argument == argument, info.value
    return info.value


def grid(*shape):
    return np.arange(np.prod(shape), dtype=np.float64).reshape(shape)


@pytest.mark.parametrize("name", NAMES)
def test_registered_with_every_section(name):
    f = get_feature(f"layers.{name}")
    assert f.seed_page == "000"
    assert all(f"{s}:" in f.doc for s in SECTIONS)
    assert not f.obj.supports_masking


def test_cropping1d_golden():
    # Keras' docstring example: (2, 3, 2) arange, cropping=1 -> [[[2, 3]], [[8, 9]]]
    np.testing.assert_array_equal(Cropping1D(1)(grid(2, 3, 2)), [[[2, 3]], [[8, 9]]])
    x = grid(1, 5, 1)
    np.testing.assert_array_equal(Cropping1D((2, 0))(x)[0, :, 0], [2, 3, 4])  # c1 = 0 keeps the end
    np.testing.assert_array_equal(Cropping1D((0, 3))(x)[0, :, 0], [0, 1])
    np.testing.assert_array_equal(Cropping1D([1, 2])(x)[0, :, 0], [1, 2])
    assert Cropping1D().cropping == ((1, 1),) and Cropping1D().get_config() == {"cropping": (1, 1)}
    assert Cropping1D((1, 2)).compute_output_shape((None, None, 3)) == (None, None, 3)
    assert Cropping1D((1, 2)).compute_output_shape((4, 7, 3)) == (4, 4, 3)


def test_cropping2d_golden_both_formats():
    x = grid(1, 4, 5, 1)  # x[0, h, w, 0] = 5h + w
    y = Cropping2D(((1, 2), (0, 3)))(x)
    np.testing.assert_array_equal(y[0, :, :, 0], [[5, 6]])  # rows 1..1, cols 0..1
    np.testing.assert_array_equal(Cropping2D((1, 2))(x)[0, :, :, 0], [[7], [12]])  # symmetric per axis
    np.testing.assert_array_equal(Cropping2D(1)(x)[0, :, :, 0], [[6, 7, 8], [11, 12, 13]])
    xf = np.moveaxis(x, -1, 1)  # (1, 1, 4, 5)
    np.testing.assert_array_equal(Cropping2D(((1, 2), (0, 3)), "channels_first")(xf)[0, 0], [[5, 6]])
    assert Cropping2D().get_config() == {"cropping": ((0, 0), (0, 0)), "data_format": "channels_last"}
    assert Cropping2D(1, "Channels_First").data_format == "channels_first"
    assert Cropping2D(((1, 2), (3, 4))).compute_output_shape((None, 10, None, 2)) == (None, 7, None, 2)
    assert Cropping2D(((1, 2), (3, 4)), "channels_first").compute_output_shape((2, 3, 10, 8)) == (2, 3, 7, 1)


def test_cropping3d_golden():
    x = grid(1, 3, 4, 5, 2)
    y = Cropping3D(((1, 1), (0, 2), (2, 1)))(x)
    np.testing.assert_array_equal(y, x[:, 1:2, 0:2, 2:4, :])
    assert Cropping3D().cropping == ((1, 1),) * 3
    xf = grid(1, 2, 3, 4, 5)
    np.testing.assert_array_equal(Cropping3D((0, 1, 2), "channels_first")(xf), xf[:, :, :, 1:3, 2:3])
    assert Cropping3D(1).compute_output_shape((None, 3, None, 5, 2)) == (None, 1, None, 3, 2)


def test_cropping_special_values_pass_through():
    x = np.array([[[np.nan], [-0.0], [np.inf], [-np.inf], [5e-324]]])
    y = Cropping1D((1, 0))(x)
    assert np.signbit(y[0, 0, 0]) and y[0, 0, 0] == 0 and np.isinf(y[0, 1:3, 0]).all() and y[0, 3, 0] == 5e-324


def test_cropping_errors():
    rejects("cropping", Cropping1D, -1)
    rejects("cropping", Cropping1D, (1, -1))
    rejects("cropping", Cropping1D, (1, 1, 1))
    rejects("cropping", Cropping1D, (1.0, 1))
    rejects("cropping", Cropping1D((2, 2)), grid(1, 4, 1))  # crop = length: an error, not an empty output
    rejects("cropping", Cropping1D((2, 2)).compute_output_shape, (None, 4, 1))
    rejects("inputs", Cropping1D(1), grid(1, 4, 1, 1))
    rejects("cropping", Cropping2D, -1)
    rejects("cropping", Cropping2D, (1, 1, 1))
    rejects("cropping", Cropping2D, ((1, 1, 1), (0, 0)))
    rejects("cropping", Cropping2D, ((1, -1), (0, 0)))
    rejects("cropping", Cropping2D, 1.5)
    rejects("cropping", Cropping2D, "ab")
    rejects("cropping", Cropping2D(((0, 0), (1, 2)), "channels_first"), grid(1, 2, 5, 3))
    Cropping2D(((0, 0), (1, 2)))(grid(1, 2, 5, 3))  # channels_last: W = 5 > 3 is fine
    rejects("cropping", Cropping2D(((2, 2), (0, 0))).compute_output_shape, (None, 4, None, 1))
    rejects("inputs", Cropping2D(1), grid(1, 4, 4))
    rejects("inputs", Cropping2D(1).compute_output_shape, (None, 4, 4))
    rejects("data_format", Cropping2D, 1, "channels_middle")
    rejects("cropping", Cropping3D, -2)
    rejects("cropping", Cropping3D, ((1, 1), (1, 1)))
    rejects("cropping", Cropping3D(((0, 0), (0, 0), (2, 2))), grid(1, 3, 3, 3, 1))
    rejects("inputs", Cropping3D(1), grid(1, 4, 4, 4))


def test_cropping_keras2():
    # compute_output_shape does not check; Cropping2D gives None for a 0 dim.
    assert Cropping1D((3, 1), edition=K2).compute_output_shape((None, 4, 2)) == (None, 0, 2)
    assert Cropping2D(1, edition=K2).compute_output_shape((None, 0, 5, 1)) == (None, None, 3, 1)
    rejects("cropping", Cropping1D((2, 2), edition=K2), grid(1, 4, 1))  # the call still checks
    # A negative int passes; the call slices literally: x[-1:1] on both axes.
    x = grid(1, 4, 4, 1)
    np.testing.assert_array_equal(Cropping2D(-1, edition=K2)(x), x[:, -1:1, -1:1, :])
    # Cropping3D's call does not check: an empty axis.
    assert Cropping3D(((2, 2), (0, 0), (0, 0)), edition=K2)(grid(1, 3, 3, 3, 1)).shape == (1, 0, 3, 3, 1)
    # ... but every compute_output_shape returns a tf.TensorShape: a negative dim is rejected (cropping2d.py:126)
    rejects("inputs", Cropping2D(((0, 0), (5, 1)), edition=K2).compute_output_shape, (None, None, 5, 2))
    rejects("inputs", Cropping1D((4, 1), edition=K2).compute_output_shape, (None, 4, 2))
    assert Cropping3D(1, edition=K2).compute_output_shape((None, None, 2, None, 1)) == (None, None, 0, None, 1)


def test_zero_padding_golden():
    x = np.array([[[1.0, 2.0], [3.0, 4.0]]])  # (1, 2, 2)
    y = ZeroPadding1D((1, 2))(x)
    np.testing.assert_array_equal(y, [[[0, 0], [1, 2], [3, 4], [0, 0], [0, 0]]])
    assert not np.signbit(y).any()  # +0.0 padding
    np.testing.assert_array_equal(ZeroPadding1D(1, "channels_first")(x), [[[0, 1, 2, 0], [0, 3, 4, 0]]])
    assert ZeroPadding1D().get_config() == {"padding": (1, 1), "data_format": "channels_last"}
    x2 = np.ones((1, 2, 2, 1))
    np.testing.assert_array_equal(ZeroPadding2D(((1, 0), (0, 2)))(x2)[0, :, :, 0],
                                  [[0, 0, 0, 0], [1, 1, 0, 0], [1, 1, 0, 0]])
    np.testing.assert_array_equal(ZeroPadding2D((1, 0))(x2)[0, :, :, 0], [[0, 0], [1, 1], [1, 1], [0, 0]])
    assert ZeroPadding2D(2, "channels_first").compute_output_shape((None, 3, 4, None)) == (None, 3, 8, None)
    assert ZeroPadding2D().padding == ((1, 1), (1, 1))
    y3 = ZeroPadding3D(((1, 0), (0, 0), (0, 1)))(np.full((1, 1, 1, 1, 1), -0.0))
    assert y3.shape == (1, 2, 1, 2, 1) and np.signbit(y3[0, 1, 0, 0, 0]) and not np.signbit(y3[0, 0, 0, 0, 0])
    assert ZeroPadding3D(1).compute_output_shape((2, 1, None, 3, 4)) == (2, 3, None, 5, 4)


def test_zero_padding_errors_and_implementation_defined():
    rejects("padding", ZeroPadding1D, -1)
    rejects("padding", ZeroPadding1D, (1, -2))
    rejects("padding", ZeroPadding1D, (1, 2, 3))
    rejects("inputs", ZeroPadding1D(1), grid(2, 4))
    rejects("data_format", ZeroPadding1D, 1, "channels_middle")
    rejects("padding", ZeroPadding2D, ((1, -1), (0, 0)))
    rejects("padding", ZeroPadding2D, (1, -1))
    rejects("padding", ZeroPadding2D, (1, 1, 1))
    rejects("padding", ZeroPadding2D, 1.5)
    rejects("padding", ZeroPadding2D, np.int64(2))  # not a Python int, no __len__
    rejects("inputs", ZeroPadding2D(1), grid(1, 2, 2, 2, 1))
    rejects("padding", ZeroPadding3D, (1, 1))
    rejects("padding", ZeroPadding3D, ((1,), (1, 1), (1, 1)))
    rejects("inputs", ZeroPadding3D(1), grid(1, 3, 3, 3))
    # A negative int passes the constructor; the call is implementation-defined.
    layer = ZeroPadding2D(-1)
    assert layer.compute_output_shape((None, 4, 5, 2)) == (None, 2, 3, 2)
    with pytest.raises(ImplementationDefined) as info:
        layer(grid(1, 4, 5, 2))
    assert info.value.argument == "padding" and "implementation-defined" in str(info.value)
    with pytest.raises(ImplementationDefined):
        ZeroPadding3D(-1)(grid(1, 3, 3, 3, 1))


def test_zero_padding_keras2():
    assert ZeroPadding1D(2, edition=K2).get_config() == {"padding": (2, 2)}
    rejects("data_format", ZeroPadding1D, 1, "channels_last", edition=K2)
    np.testing.assert_array_equal(ZeroPadding1D(1, edition=K2)(np.ones((1, 1, 2))), [[[0, 0], [1, 1], [0, 0]]])


def test_upsampling_nearest_golden():
    x = np.array([[[1.0], [2.0]]])
    np.testing.assert_array_equal(UpSampling1D(3)(x)[0, :, 0], [1, 1, 1, 2, 2, 2])  # each step, not tiled
    assert UpSampling1D().get_config() == {"size": 2}
    assert UpSampling1D(3).compute_output_shape((None, None, 4)) == (None, None, 4)
    assert UpSampling1D(3).compute_output_shape((2, 5, 4)) == (2, 15, 4)
    x2 = np.array([[[[1.0], [2.0]], [[3.0], [4.0]]]])  # (1, 2, 2, 1)
    np.testing.assert_array_equal(UpSampling2D((1, 2))(x2)[0, :, :, 0], [[1, 1, 2, 2], [3, 3, 4, 4]])
    np.testing.assert_array_equal(UpSampling2D((2, 1), "channels_first")(np.moveaxis(x2, -1, 1))[0, 0],
                                  [[1, 2], [1, 2], [3, 4], [3, 4]])
    assert UpSampling2D().get_config() == {"size": (2, 2), "data_format": "channels_last",
                                           "interpolation": "nearest"}
    assert UpSampling2D(interpolation="BILINEAR").interpolation == "bilinear"
    assert UpSampling2D((2, 3), "channels_first").compute_output_shape((None, 3, 4, None)) == (None, 3, 8, None)
    x3 = grid(1, 1, 2, 1, 1)
    np.testing.assert_array_equal(UpSampling3D((2, 1, 3))(x3)[0, :, :, :, 0],
                                  [[[0, 0, 0], [1, 1, 1]], [[0, 0, 0], [1, 1, 1]]])
    assert UpSampling3D(2, "channels_first").compute_output_shape((1, 2, 3, None, 4)) == (1, 2, 6, None, 8)
    y = UpSampling1D(2)(np.array([[[np.nan], [-0.0]]]))
    assert np.isnan(y[0, :2, 0]).all() and np.signbit(y[0, 2:, 0]).all()


def test_upsampling_bilinear_golden():
    # s = 2 along [a, b]: samples at -0.25 (clamped to 0), 0.25, 0.75, 1.25 (clamped to 1).
    x = np.array([[[[0.0], [4.0]]]])  # (1, 1, 2, 1): H = 1, W = 2
    np.testing.assert_array_equal(UpSampling2D((1, 2), interpolation="bilinear")(x)[0, 0, :, 0], [0, 1, 3, 4])
    # s = 3 along [0, 3]: u = -1/3, 0, 1/3, 2/3, 1, 4/3 -> 0, 0, 1, 2, 3, 3
    x = np.array([[[[0.0]], [[3.0]]]])  # (1, 2, 1, 1)
    np.testing.assert_allclose(UpSampling2D((3, 1), interpolation="bilinear")(x)[0, :, 0, 0], [0, 0, 1, 2, 3, 3],
                               rtol=0, atol=1e-15)
    # separable: the 2x2 centre of a 2x2 image up-sampled by 2 is the bilinear mix
    x = np.array([[[[0.0], [4.0]], [[8.0], [12.0]]]])
    y = UpSampling2D(2, interpolation="bilinear")(x)[0, :, :, 0]
    assert y[1, 1] == 0.75 * (0.75 * 0 + 0.25 * 4) + 0.25 * (0.75 * 8 + 0.25 * 12) == 3.0
    np.testing.assert_array_equal(UpSampling2D(1, interpolation="bilinear")(x), x)  # size 1: the identity


def test_upsampling_errors_and_implementation_defined():
    for bad in (0, -2):
        rejects("size", UpSampling1D, bad)
    for bad in (2.0, True, (2,), "2"):
        rejects("size", UpSampling1D, bad)
    rejects("inputs", UpSampling1D(2), grid(1, 2, 2, 1))
    rejects("size", UpSampling2D, 0)
    rejects("size", UpSampling2D, (2, 0))
    rejects("size", UpSampling2D, (2, 2, 2))
    rejects("interpolation", UpSampling2D, 2, None, None)
    layer = UpSampling2D(interpolation="linear")  # the constructor accepts any string
    rejects("interpolation", layer, grid(1, 2, 2, 1))
    assert layer.compute_output_shape((None, 2, 3, 1)) == (None, 4, 6, 1)
    rejects("interpolation", UpSampling2D(interpolation="gaussian"), grid(1, 2, 2, 1))
    rejects("inputs", UpSampling2D(2), grid(1, 2, 2))
    rejects("data_format", UpSampling2D, 2, "channels_middle")
    rejects("size", UpSampling3D, (2, 2))
    rejects("size", UpSampling3D, (1, 0, 1))
    rejects("inputs", UpSampling3D(2), grid(1, 2, 2, 1))
    for m in ("bicubic", "lanczos3", "lanczos5", "area"):
        with pytest.raises(ImplementationDefined):
            UpSampling2D(interpolation=m)(grid(1, 2, 2, 1))
    with pytest.raises(ImplementationDefined):
        UpSampling2D(interpolation="bilinear")(np.array([[[[np.inf]]]]))


def test_upsampling_keras2():
    assert UpSampling1D(2.7, edition=K2).size == (2,)  # int(size)
    layer = UpSampling1D(0, edition=K2)  # no check in the constructor
    rejects("size", layer, grid(1, 2, 1))  # repeat_elements fails
    assert layer.compute_output_shape((None, 4, 2)) == (None, 0, 2)
    # a negative size: a negative length on a known dim is rejected by tf.TensorShape (up_sampling1d.py:75)
    rejects("inputs", UpSampling1D(-2, edition=K2).compute_output_shape, (None, 4, 2))
    assert UpSampling1D(-2, edition=K2).compute_output_shape((None, None, 2)) == (None, None, 2)
    rejects("interpolation", UpSampling2D, interpolation="linear", edition=K2)  # checked in the constructor
    with pytest.raises(ImplementationDefined):
        UpSampling2D(interpolation="gaussian", edition=K2)(grid(1, 2, 2, 1))
    np.testing.assert_array_equal(UpSampling2D(2, edition=K2)(grid(1, 1, 1, 1)), np.zeros((1, 2, 2, 1)))
