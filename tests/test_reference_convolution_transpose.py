"""The transposed convolutions of the reference: golden values worked out by hand, every error,
the editions, and the docstrings."""

from __future__ import annotations

import numpy as np
import pytest

import reference.layers  # noqa: F401  (registers the layer features)
from reference import initializers
from reference.errors import SpecError
from reference.layers.convolution_transpose import (Conv1DTranspose, Conv2DTranspose, Conv3DTranspose,
                                                    consistent, conv_transpose, output_length)
from reference.registry import SECTIONS, get_feature

K2 = "keras2"
A, B, C, D = 2.0, 3.0, 5.0, 7.0


def rejects(argument, fn, *args, **kwargs):
    with pytest.raises(SpecError) as info:
        fn(*args, **kwargs)
    assert info.value.argument == argument, info.value
    return info.value


def run1d(x, kernel, bias=None, **config):
    """Conv1DTranspose with one input and one output channel on a 1-D list x."""
    kernel = np.asarray(kernel, float).reshape(-1, 1, 1)
    layer = Conv1DTranspose(1, len(kernel), use_bias=bias is not None, **config)
    weights = {"kernel": kernel} | ({"bias": np.array([bias])} if bias is not None else {})
    return layer(np.asarray(x, float).reshape(1, -1, 1), weights=weights)[0, :, 0]


@pytest.mark.parametrize("name", ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose"])
def test_registered_with_every_section(name):
    f = get_feature(f"layers.{name}")
    assert f.seed_page == "000"
    assert all(f"{s}:" in f.doc for s in SECTIONS) and "Implementation-defined:" in f.doc


def test_single_one_reproduces_the_kernel_at_stride_offsets():
    # valid, stride 2: N = (3 - 1) * 2 + max(3, 2) = 7; the 1 at m = 1 lands at 2 + t.
    np.testing.assert_array_equal(run1d([0, 1, 0], [A, B, C], strides=2), [0, 0, A, B, C, 0, 0])
    np.testing.assert_array_equal(run1d([1, 0, 0], [A, B, C], strides=2), [A, B, C, 0, 0, 0, 0])
    np.testing.assert_array_equal(run1d([0, 0, 1], [A, B, C], strides=2), [0, 0, 0, 0, A, B, C])
    # Two inputs overlap and add: x = [1, 2], stride 1 -> N = 4.
    np.testing.assert_array_equal(run1d([1, 2], [1, 10, 100]), [1, 12, 120, 200])
    # Kernel smaller than the stride: N = (2 - 1) * 3 + max(1, 3) = 6, gaps are 0.
    np.testing.assert_array_equal(run1d([1, 2], [A], strides=3), [A, 0, 0, 2 * A, 0, 0])


def test_same_padding_crops_before_floor_half():
    # k=3, s=2: N = 6; crop before = max(2*2 + 3 - 6, 0) // 2 = 0, after = 1.
    np.testing.assert_array_equal(run1d([0, 1, 0], [A, B, C], strides=2, padding="same"), [0, 0, A, B, C, 0])
    # k=4, s=2: N = 6; total = 2*2 + 4 - 6 = 2 -> 1 before: the 1 at m=1 lands at 2 + t - 1.
    np.testing.assert_array_equal(run1d([0, 1, 0], [A, B, C, D], strides=2, padding="same"), [0, A, B, C, D, 0])
    # k=4, s=1: N = 3; total = 3 -> 1 before (the odd cell after): y[o] = sum x[m] k[o - m + 1].
    np.testing.assert_array_equal(run1d([1, 0, 0], [A, B, C, D], padding="same"), [B, C, D])
    np.testing.assert_array_equal(run1d([0, 0, 1], [A, B, C, D], padding="same"), [0, A, B])


def test_output_padding_adds_cells_after():
    # valid k=2 s=3: None -> (2 - 1) * 3 + max(2, 3) = 6; output_padding 0 -> 5; 2 -> 7.
    np.testing.assert_array_equal(run1d([1, 1], [A, B], strides=3), [A, B, 0, A, B, 0])
    np.testing.assert_array_equal(run1d([1, 1], [A, B], strides=3, output_padding=0), [A, B, 0, A, B])
    np.testing.assert_array_equal(run1d([1, 1], [A, B], strides=3, output_padding=2, bias=1.0),
                                  [A + 1, B + 1, 1, A + 1, B + 1, 1, 1])
    # same with output_padding: (n - 1) * s + k % 2 + op; k=3 s=2 op=1: N = 2 + 1 + 1 = 4, crop 0.
    np.testing.assert_array_equal(run1d([1, 1], [A, B, C], strides=2, padding="same", output_padding=1),
                                  [A, B, C + A, B])


def test_dilation_spreads_the_taps():
    # k=2, d=3: k_eff = 4; N = 4.
    np.testing.assert_array_equal(run1d([1], [A, B], dilation_rate=3), [A, 0, 0, B])
    np.testing.assert_array_equal(run1d([1, 10], [A, B], dilation_rate=2), [A, 10 * A, B, 10 * B])
    # same, k_eff = 5, s = 1: N = n = 2, crop (1 + 5 - 2) // 2 = 2.
    np.testing.assert_array_equal(run1d([1, 10], [A, B, C], dilation_rate=2, padding="same"), [B, 10 * B])


def test_inconsistent_same_padding_is_the_jax_padding():
    # same, k=2, output_padding=0, s=1: N = (3 - 1) + 0 + 0 = 2, crop = (2 + 2 - 2) // 2 = 1.
    np.testing.assert_array_equal(run1d([1, 10, 100], [A, B], padding="same", output_padding=0),
                                  [B + 10 * A, 10 * B + 100 * A])
    assert not consistent(3, 2, 1, "same") and consistent(3, 3, 1, "same") and consistent(3, 2, 1, "valid")


def test_channels_filters_bias_activation():
    # 1 input cell, 2 input channels, 3 filters: y[t, f] = sum_c x[c] * kernel[t, f, c] + bias[f].
    x = np.array([[[1.0, -2.0]]])
    kernel = np.arange(2 * 3 * 2, dtype=float).reshape(2, 3, 2)  # (k, filters, in)
    bias = np.array([0.5, -100.0, 0.0])
    y = Conv1DTranspose(3, 2, activation="relu")(x, weights={"kernel": kernel, "bias": bias})
    want = np.maximum(np.einsum("tfc,c->tf", kernel, [1.0, -2.0]) + bias, 0)
    np.testing.assert_array_equal(y[0], want)
    assert y.shape == (1, 2, 3)


def test_2d_and_3d_single_one_and_channels_first():
    k = np.arange(1.0, 7.0).reshape(2, 3, 1, 1)
    x = np.zeros((1, 2, 2, 1))
    x[0, 1, 0, 0] = 1.0
    y = Conv2DTranspose(1, (2, 3), strides=(2, 1), use_bias=False)(x, weights={"kernel": k})
    assert y.shape == (1, 4, 4, 1)  # (2 - 1) * 2 + 2, (2 - 1) * 1 + 3
    want = np.zeros((4, 4))
    want[2:4, 0:3] = k[..., 0, 0]
    np.testing.assert_array_equal(y[0, :, :, 0], want)
    cf = Conv2DTranspose(1, (2, 3), strides=(2, 1), use_bias=False, data_format="channels_first")
    np.testing.assert_array_equal(cf(np.moveaxis(x, -1, 1), weights={"kernel": k}), np.moveaxis(y, -1, 1))
    k3 = np.arange(8.0).reshape(2, 2, 2, 1, 1)
    y3 = Conv3DTranspose(1, 2, strides=2, use_bias=False)(np.ones((1, 1, 1, 1, 1)), weights={"kernel": k3})
    np.testing.assert_array_equal(y3[0, ..., 0], k3[..., 0, 0])


def test_matches_the_scatter_definition():
    rng = np.random.default_rng(0)
    x, kernel = rng.normal(size=(2, 4, 3, 2)), rng.normal(size=(3, 2, 5, 2))
    for padding, strides, op in [("valid", (2, 3), None), ("same", (2, 1), (1, 0)), ("same", (3, 2), None)]:
        y = conv_transpose(x, kernel, strides, padding, op, (1, 1))
        outs = [output_length(n, k, s, padding, None if op is None else o)
                for n, k, s, o in zip((4, 3), (3, 2), strides, op or (0, 0))]
        full = np.zeros((2, 4 * strides[0] + 3, 3 * strides[1] + 2, 5))
        for m0 in range(4):
            for m1 in range(3):
                full[:, m0 * strides[0]:m0 * strides[0] + 3, m1 * strides[1]:m1 * strides[1] + 2] += \
                    np.einsum("bc,ijfc->bijf", x[:, m0, m1], kernel)
        before = [0, 0] if padding == "valid" else [max((n - 1) * s + k - o, 0) // 2 for n, s, k, o in
                                                     zip((4, 3), strides, (3, 2), outs)]
        np.testing.assert_allclose(y, full[:, before[0]:before[0] + outs[0], before[1]:before[1] + outs[1]])


def test_output_shape_and_weights():
    assert Conv2DTranspose(4, 3, strides=2).compute_output_shape((None, 5, None, 3)) == (None, 11, None, 4)
    assert Conv2DTranspose(4, 3, strides=2, padding="same").compute_output_shape((2, 5, 6, 3)) == (2, 10, 12, 4)
    assert Conv1DTranspose(2, 4, strides=3, padding="same", output_padding=2).compute_output_shape((1, 5, 1)) \
        == (1, 4 * 3 + 0 + 2, 2)
    assert Conv3DTranspose(2, 1, data_format="channels_first").compute_output_shape((1, 7, 2, 3, 4)) \
        == (1, 2, 2, 3, 4)
    layer = Conv2DTranspose(4, (3, 2))
    assert layer.weight_shapes((1, 5, 5, 6)) == {"kernel": (3, 2, 4, 6), "bias": (4,)}
    assert Conv2DTranspose(4, (3, 2), use_bias=False).weight_shapes((1, 5, 5, 6)) == {"kernel": (3, 2, 4, 6)}
    # he_uniform on the (*k, filters, in) layout: fan_in = filters * prod(k) = 4 * 6.
    he = Conv2DTranspose(4, (3, 2), kernel_initializer="he_uniform")
    w = he.init_weights((1, 5, 5, 6), np.random.default_rng(0))
    assert np.abs(w["kernel"]).max() <= np.sqrt(6 / 24) and np.abs(w["kernel"]).max() > np.sqrt(6 / 36)
    assert (w["bias"] == 0).all()
    assert initializers.compute_fans((3, 2, 4, 6)) == (24, 36)
    assert layer.get_config() == {
        "filters": 4, "kernel_size": (3, 2), "strides": (1, 1), "padding": "valid", "output_padding": None,
        "data_format": "channels_last", "dilation_rate": (1, 1), "activation": "linear", "use_bias": True,
        "kernel_initializer": {"class_name": "GlorotUniform", "config": layer.kernel_initializer.get_config()},
        "bias_initializer": {"class_name": "Zeros", "config": {}}, "kernel_regularizer": None,
        "bias_regularizer": None, "activity_regularizer": None, "kernel_constraint": None, "bias_constraint": None}
    assert Conv1DTranspose(2, 2, strides=3, output_padding=1, padding="SAME").get_config()["output_padding"] == (1,)


def test_errors():
    rejects("output_padding", Conv1DTranspose, 2, 2, strides=2, output_padding=2)
    rejects("output_padding", Conv2DTranspose, 2, 2, output_padding=1)
    rejects("output_padding", Conv2DTranspose, 2, 2, strides=2, output_padding=-1)
    rejects("output_padding", Conv2DTranspose, 2, 2, strides=2, output_padding=(1, 1, 1))
    rejects("padding", Conv1DTranspose, 2, 2, padding="causal")
    rejects("padding", Conv2DTranspose, 2, 2, padding="full")
    rejects("strides", Conv2DTranspose, 2, 2, strides=0)
    rejects("kernel_size", Conv3DTranspose, 2, 0)
    rejects("kernel_size", Conv2DTranspose, 2, (2, 2, 2))
    rejects("kernel_size", Conv2DTranspose, 2, 2.0)
    rejects("dilation_rate", Conv1DTranspose, 2, 2, dilation_rate=0)
    rejects("dilation_rate", Conv2DTranspose, 2, 2, strides=(2, 1), dilation_rate=(1, 2))
    rejects("data_format", Conv2DTranspose, 2, 2, data_format="NHWC")
    for bad in (0, -1, None, 2.0, True):
        rejects("filters", Conv2DTranspose, bad, 2)
    rejects("activation", Conv2DTranspose, 2, 2, activation="no_such")
    rejects("kernel_initializer", Conv2DTranspose, 2, 2, kernel_initializer="no_such")
    rejects("bias_regularizer", Conv2DTranspose, 2, 2, bias_regularizer="no_such")
    rejects("kernel_constraint", Conv2DTranspose, 2, 2, kernel_constraint="no_such")
    rejects("groups", Conv2DTranspose, 2, 2, groups=1)
    layer = Conv1DTranspose(2, 2)
    rejects("inputs", layer.compute_output_shape, (1, 4))
    rejects("inputs", layer.compute_output_shape, (1, 4, 4, 3))
    rejects("inputs", layer.weight_shapes, (1, 4, None))
    rejects("weights", layer, np.ones((1, 4, 3)))
    rejects("weights", layer, np.ones((1, 4, 3)), weights={"kernel": np.ones((2, 3, 2)), "bias": np.ones(2)})
    assert Conv2DTranspose(2, 2, padding="Same", data_format="Channels_First").padding == "same"


def test_editions():
    assert Conv2DTranspose(2.7, 2, edition=K2).filters == 2
    assert Conv2DTranspose(2, 2, edition=K2).get_config()["groups"] == 1
    assert Conv2DTranspose(2, 2, edition=K2, groups=1).filters == 2
    rejects("groups", Conv2DTranspose, 2, 2, groups=2, edition=K2)
    # tf-keras Conv3DTranspose ignores dilation_rate: shape and values use dilation 1, config drops it.
    k3, k2 = Conv3DTranspose(1, 2, dilation_rate=2), Conv3DTranspose(1, 2, dilation_rate=2, edition=K2)
    assert k3.compute_output_shape((1, 2, 2, 2, 1)) == (1, 4, 4, 4, 1)
    assert k2.compute_output_shape((1, 2, 2, 2, 1)) == (1, 3, 3, 3, 1)
    assert "dilation_rate" not in k2.get_config() and k3.get_config()["dilation_rate"] == (2, 2, 2)
    # Conv1D/2D keep their dilation in Keras 2.
    assert Conv1DTranspose(1, 2, dilation_rate=2, edition=K2).compute_output_shape((1, 2, 1)) == (1, 4, 1)
