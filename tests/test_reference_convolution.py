"""The convolution layers of the reference: golden values worked out by hand, every error, the editions."""

from __future__ import annotations

import numpy as np
import pytest

import reference
from reference.editions import KERAS2
from reference.errors import SpecError
from reference.initializers import compute_fans
from reference.layers import convolution as C

NAMES = ("Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D")


def seq(*values):
    """(1, steps, 1) from a list of values."""
    return np.array(values, np.float64).reshape(1, -1, 1)


def k1(*values):
    """A (k, 1, 1) kernel."""
    return np.array(values, np.float64).reshape(-1, 1, 1)


# --- values ------------------------------------------------------------------------------------
def test_conv1d_is_a_cross_correlation():
    # y[t] = x[t] * 1 + x[t+1] * 0 + x[t+2] * -1: [1 - 3, 2 - 4]; a flipped kernel would give [2, 2].
    y = C.Conv1D(1, 3)(seq(1, 2, 3, 4), weights={"kernel": k1(1, 0, -1), "bias": np.array([0.5])})
    np.testing.assert_array_equal(y.ravel(), [-1.5, -1.5])


def test_conv1d_same_puts_the_extra_cell_after():
    # k=2, n=3: total padding 1, 0 before and 1 after: [1 + 20, 2 + 30, 3 + 0].
    y = C.Conv1D(1, 2, padding="same", use_bias=False)(seq(1, 2, 3), weights={"kernel": k1(1, 10)})
    np.testing.assert_array_equal(y.ravel(), [21, 32, 3])
    # k=3, stride 2, n=4: out 2, total (2 - 1) * 2 + 3 - 4 = 1 -> after: windows [1,2,3], [3,4,0].
    y = C.Conv1D(1, 3, strides=2, padding="same", use_bias=False)(seq(1, 2, 3, 4), weights={"kernel": k1(1, 10, 100)})
    np.testing.assert_array_equal(y.ravel(), [321, 43])


def test_conv1d_causal_pads_before_only():
    # k=2, dilation 2: 2 zeros before: xp = [0, 0, 1, 2, 3, 4], y[t] = xp[t] + 10 xp[t + 2].
    layer = C.Conv1D(1, 2, padding="causal", dilation_rate=2, use_bias=False)
    y = layer(seq(1, 2, 3, 4), weights={"kernel": k1(1, 10)})
    np.testing.assert_array_equal(y.ravel(), [10, 20, 31, 42])
    assert layer.compute_output_shape((None, 4, 1)) == (None, 4, 1)
    assert C.Conv1D(1, 2, padding="causal", strides=2).compute_output_shape((None, 5, 1)) == (None, 3, 1)


def test_conv1d_strides_and_dilation():
    y = C.Conv1D(1, 2, strides=2, use_bias=False)(seq(1, 2, 3, 4, 5), weights={"kernel": k1(1, 1)})
    np.testing.assert_array_equal(y.ravel(), [3, 7])  # windows at 0 and 2; (5 - 2) // 2 + 1 = 2
    y = C.Conv1D(1, 2, dilation_rate=3, use_bias=False)(seq(1, 2, 3, 4, 5), weights={"kernel": k1(1, 10)})
    np.testing.assert_array_equal(y.ravel(), [41, 52])  # taps t and t + 3


def test_conv2d_valid_and_channels_first():
    x = np.arange(9, dtype=np.float64).reshape(1, 3, 3, 1)
    w = {"kernel": np.ones((2, 2, 1, 1)), "bias": np.zeros(1)}
    y = C.Conv2D(1, 2)(x, weights=w)
    np.testing.assert_array_equal(y[0, :, :, 0], [[8, 12], [20, 24]])
    y_cf = C.Conv2D(1, 2, data_format="channels_first")(np.moveaxis(x, -1, 1), weights=w)
    np.testing.assert_array_equal(y_cf[0, 0], [[8, 12], [20, 24]])


def test_conv2d_kernel_layout_taps_then_in_then_out():
    # kernel[i, j, c, f]: a (1, 2) kernel on 2 channels, 2 filters; x[0, 0] = [1, 10], x[0, 1] = [100, 1000].
    x = np.array([[[1, 10], [100, 1000]]], np.float64).reshape(1, 1, 2, 2)
    kernel = np.zeros((1, 2, 2, 2))
    kernel[0, 0, 0, 0] = 1      # filter 0: tap 0, channel 0
    kernel[0, 1, 1, 1] = 1      # filter 1: tap 1, channel 1
    y = C.Conv2D(2, (1, 2), use_bias=False)(x, weights={"kernel": kernel})
    np.testing.assert_array_equal(y.ravel(), [1, 1000])


def test_conv1d_groups_split_channels_in_contiguous_blocks():
    # 4 channels, groups 2: filter block 0 sees channels 0-1, block 1 channels 2-3.
    x = np.array([1, 10, 100, 1000], np.float64).reshape(1, 1, 4)
    kernel = np.zeros((1, 2, 4))
    kernel[0, :, 0] = [1, 1]     # filter 0 (group 0): x0 + x1
    kernel[0, :, 1] = [1, 0]     # filter 1 (group 0): x0
    kernel[0, :, 2] = [1, 1]     # filter 2 (group 1): x2 + x3
    kernel[0, :, 3] = [0, 2]     # filter 3 (group 1): 2 x3
    layer = C.Conv1D(4, 1, groups=2, use_bias=False)
    assert layer.weight_shapes((1, 1, 4)) == {"kernel": (1, 2, 4)}
    np.testing.assert_array_equal(layer(x, weights={"kernel": kernel}).ravel(), [11, 1, 1100, 2000])


def test_conv3d_valid():
    x = np.arange(8, dtype=np.float64).reshape(1, 2, 2, 2, 1)
    y = C.Conv3D(1, 2, use_bias=False)(x, weights={"kernel": np.ones((2, 2, 2, 1, 1))})
    assert y.shape == (1, 1, 1, 1, 1) and y.item() == 28


def test_depthwise_output_channel_order_is_channel_major():
    # C=2, dm=2, k=1: y[c * dm + j] = x[c] * kernel[0, c, j].
    x = np.array([1, 10], np.float64).reshape(1, 1, 2)
    kernel = np.array([[[1, 2], [3, 4]]], np.float64)
    layer = C.DepthwiseConv1D(1, depth_multiplier=2)
    assert layer.weight_shapes((1, 1, 2)) == {"kernel": (1, 2, 2), "bias": (4,)}
    y = layer(x, weights={"kernel": kernel, "bias": np.array([0, 0, 0, 0.5])})
    np.testing.assert_array_equal(y.ravel(), [1, 2, 30, 40.5])


def test_depthwise2d_same():
    # One channel, 2x2 kernel [[1, 2], [3, 4]] on a 2x2 input, same: padding after on both axes.
    x = np.array([[1, 2], [3, 4]], np.float64).reshape(1, 2, 2, 1)
    kernel = np.array([[1, 2], [3, 4]], np.float64).reshape(2, 2, 1, 1)
    y = C.DepthwiseConv2D(2, padding="same", use_bias=False)(x, weights={"kernel": kernel})
    np.testing.assert_array_equal(y[0, :, :, 0], [[1 + 4 + 9 + 16, 2 * 1 + 4 * 3], [3 * 1 + 4 * 2, 4 * 1]])


def test_separable_is_depthwise_then_pointwise_then_bias():
    x = np.array([1, 10], np.float64).reshape(1, 1, 2)
    w = {"depthwise_kernel": np.array([[[1, 2], [3, 4]]], np.float64),  # d = [1, 2, 30, 40]
         "pointwise_kernel": np.array([1, 0, 1, 0.5], np.float64).reshape(1, 4, 1),
         "bias": np.array([1.0])}
    layer = C.SeparableConv1D(1, 1, depth_multiplier=2)
    assert layer.weight_shapes((1, 1, 2)) == {"depthwise_kernel": (1, 2, 2), "pointwise_kernel": (1, 4, 1),
                                              "bias": (1,)}
    np.testing.assert_array_equal(layer(x, weights=w).ravel(), [1 + 30 + 20 + 1])


def test_separable2d_layouts_and_activation():
    layer = C.SeparableConv2D(3, (2, 1), depth_multiplier=2, activation="relu")
    assert layer.weight_shapes((1, 3, 3, 2)) == {"depthwise_kernel": (2, 1, 2, 2), "pointwise_kernel": (1, 1, 4, 3),
                                                 "bias": (3,)}
    x = np.ones((1, 3, 3, 2))
    w = {"depthwise_kernel": np.ones((2, 1, 2, 2)), "pointwise_kernel": -np.ones((1, 1, 4, 3)), "bias": np.zeros(3)}
    assert np.all(layer(x, weights=w) == 0)  # -8 through relu


def test_activation_and_losses():
    layer = C.Conv1D(1, 1, activation="relu", kernel_regularizer="l2", bias_regularizer={"class_name": "L1",
                                                                                          "config": {"l1": 1.0}})
    w = {"kernel": k1(-2.0), "bias": np.array([1.0])}
    np.testing.assert_array_equal(layer(seq(1, -1), weights=w).ravel(), [0, 3])
    np.testing.assert_allclose(layer.losses(seq(1, -1), weights=w), [0.01 * 4, 1.0])


# --- shapes ------------------------------------------------------------------------------------
def test_output_shapes():
    # The seed page's Conv2D(64, (3, 3), input_shape=(3, 32, 32), padding='same'), channels_first.
    assert C.Conv2D(64, 3, padding="same", data_format="channels_first").compute_output_shape(
        (None, 3, 32, 32)) == (None, 64, 32, 32)
    assert C.Conv2D(4, (3, 2), strides=(2, 1)).compute_output_shape((2, 7, None, 3)) == (2, 3, None, 4)
    assert C.Conv3D(2, 2, padding="same", strides=2).compute_output_shape((None, 5, 4, 3, 1)) == (None, 3, 2, 2, 2)
    assert C.Conv2D(2, 3).compute_output_shape((None, 5, 5, None)) == (None, 3, 3, 2)  # channel may be unknown
    assert C.SeparableConv2D(2, 3).compute_output_shape((None, 5, 5, None)) == (None, 3, 3, 2)
    assert C.DepthwiseConv2D(3, depth_multiplier=3).compute_output_shape((None, 5, 5, 2)) == (None, 3, 3, 6)
    assert C.DepthwiseConv1D(2, strides=2, dilation_rate=2, padding="same").compute_output_shape((1, 7, 2)) == (1, 4, 2)


def test_fans_follow_the_kernel_layout():
    assert compute_fans(C.Conv2D(8, 3).weight_shapes((1, 5, 5, 4))["kernel"]) == (36, 72)
    assert compute_fans(C.Conv1D(6, 2, groups=3).weight_shapes((1, 5, 3))["kernel"]) == (2, 12)
    assert compute_fans(C.DepthwiseConv2D(3, depth_multiplier=2).weight_shapes((1, 5, 5, 4))["kernel"]) == (36, 18)
    s = C.SeparableConv1D(5, 3, depth_multiplier=2).weight_shapes((1, 5, 4))
    assert compute_fans(s["depthwise_kernel"]) == (12, 6) and compute_fans(s["pointwise_kernel"]) == (8, 5)


def test_default_weights_and_config():
    layer = C.Conv2D(3, 2)
    w = layer.init_weights((1, 4, 4, 2), np.random.default_rng(0))
    assert w["kernel"].shape == (2, 2, 2, 3) and np.all(w["bias"] == 0)
    assert np.all(np.abs(w["kernel"]) <= np.sqrt(6 / (8 + 12)))
    config = layer.get_config()
    assert config["kernel_size"] == (2, 2) and config["strides"] == (1, 1) and config["dilation_rate"] == (1, 1)
    assert config["padding"] == "valid" and config["data_format"] == "channels_last" and config["groups"] == 1
    assert config["activation"] == "linear" and config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert "activity_regularizer" in config
    assert C.Conv1D(1, 1, padding="SAME", data_format="Channels_First").get_config()["padding"] == "same"
    dw = C.DepthwiseConv2D(3).get_config()
    assert dw["depth_multiplier"] == 1 and "filters" not in dw and "groups" not in dw
    sep = C.SeparableConv1D(2, 3).get_config()
    assert sep["pointwise_initializer"]["class_name"] == "GlorotUniform" and "kernel_initializer" not in sep


# --- errors ------------------------------------------------------------------------------------
@pytest.mark.parametrize("name,args,kwargs,argument", [
    ("Conv1D", (0, 3), {}, "filters"),
    ("Conv1D", (-1, 3), {}, "filters"),
    ("Conv1D", (2.0, 3), {}, "filters"),
    ("Conv2D", (2, 3), {"groups": 0}, "groups"),
    ("Conv2D", (3, 3), {"groups": 2}, "groups"),
    ("Conv2D", (2, 3), {"strides": 2, "dilation_rate": 2}, "strides"),
    ("Conv2D", (2, 3), {"padding": "causal"}, "padding"),
    ("Conv3D", (2, 3), {"padding": "full"}, "padding"),
    ("Conv1D", (2, 0), {}, "kernel_size"),
    ("Conv2D", (2, (3, 3, 3)), {}, "kernel_size"),
    ("Conv2D", (2, 3), {"strides": 0}, "strides"),
    ("Conv2D", (2, 3), {"dilation_rate": (1, 0)}, "dilation_rate"),
    ("Conv2D", (2, 3), {"data_format": "NHWC"}, "data_format"),
    ("Conv2D", (2, 3), {"activation": "nope"}, "activation"),
    ("Conv2D", (2, 3), {"kernel_initializer": "nope"}, "kernel_initializer"),
    ("Conv2D", (2, 3), {"kernel_regularizer": "nope"}, "kernel_regularizer"),
    ("Conv2D", (2, 3), {"bias_constraint": "nope"}, "bias_constraint"),
    ("DepthwiseConv1D", (3,), {"padding": "causal"}, "padding"),
    ("DepthwiseConv2D", (3,), {"depth_multiplier": 0}, "depth_multiplier"),
    ("DepthwiseConv2D", (3,), {"depthwise_initializer": "nope"}, "depthwise_initializer"),
    ("SeparableConv1D", (2, 3), {"padding": "causal"}, "padding"),
    ("SeparableConv2D", (0, 3), {}, "filters"),
    ("SeparableConv2D", (2, 3), {"depth_multiplier": -1}, "depth_multiplier"),
    ("SeparableConv2D", (2, 3), {"pointwise_constraint": "nope"}, "pointwise_constraint"),
])
def test_config_errors(name, args, kwargs, argument):
    with pytest.raises(SpecError) as e:
        getattr(C, name)(*args, **kwargs)
    assert e.value.argument == argument


def test_input_errors():
    with pytest.raises(SpecError, match="expected ndim=4"):
        C.Conv2D(2, 3).compute_output_shape((None, 5, 1))
    with pytest.raises(SpecError, match="expected ndim=3"):
        C.DepthwiseConv1D(3).weight_shapes((1, 5, 5, 1))
    with pytest.raises(SpecError, match="zero or negative"):
        C.Conv2D(2, 4).compute_output_shape((None, 3, None, 1))
    with pytest.raises(SpecError, match="zero or negative"):
        C.SeparableConv1D(2, 2, dilation_rate=3).weight_shapes((1, 3, 1))
    with pytest.raises(SpecError, match="channel dimension"):
        C.DepthwiseConv2D(3).compute_output_shape((None, 5, 5, None))
    with pytest.raises(SpecError, match="channel dimension"):
        C.Conv2D(2, 3).weight_shapes((None, 5, 5, None))
    with pytest.raises(SpecError, match="divisible by the number of groups"):
        C.Conv1D(4, 1, groups=2).weight_shapes((1, 3, 3))
    with pytest.raises(SpecError) as e:
        C.Conv1D(1, 1)(seq(1), weights={"kernel": np.ones((2, 1, 1)), "bias": np.zeros(1)})
    assert e.value.argument == "weights"
    # Same padding never rejects a large kernel; a Keras 3 depthwise layer takes strides > 1 with dilation > 1.
    assert C.Conv2D(1, 9, padding="same").compute_output_shape((1, 2, 2, 1)) == (1, 2, 2, 1)
    C.DepthwiseConv2D(3, strides=2, dilation_rate=2)
    C.SeparableConv2D(1, 3, strides=2, dilation_rate=2)


# --- editions ----------------------------------------------------------------------------------
def test_keras2_differences():
    assert C.Conv1D(2.0, 3, edition=KERAS2).filters == 2
    assert C.Conv1D(2, 3, groups=0, edition=KERAS2).groups == 1
    assert list(C.DepthwiseConv2D(3, edition=KERAS2).weight_shapes((1, 4, 4, 2))) == ["depthwise_kernel", "bias"]
    assert C.DepthwiseConv2D(3, edition=KERAS2).get_config()["groups"] == 1
    for name, args in (("DepthwiseConv2D", (3,)), ("SeparableConv1D", (2, 3))):
        with pytest.raises(SpecError):
            getattr(C, name)(*args, strides=2, dilation_rate=2, edition=KERAS2)
    sep = C.SeparableConv1D(1, 2, padding="causal", use_bias=False, edition=KERAS2)
    w = {"depthwise_kernel": k1(1, 10), "pointwise_kernel": np.ones((1, 1, 1))}
    np.testing.assert_array_equal(sep(seq(1, 2, 3), weights=w).ravel(), [10, 21, 32])
    conf = C.SeparableConv2D(2, 3, edition=KERAS2).get_config()
    assert conf["groups"] == 1 and conf["kernel_initializer"]["class_name"] == "GlorotUniform"
    # Keras 2 folds extra leading batch dims.
    conv = C.Conv1D(1, 2, use_bias=False, edition=KERAS2)
    x = np.arange(12, dtype=np.float64).reshape(2, 1, 3, 2)
    assert conv.compute_output_shape((2, None, 3, 2)) == (2, None, 2, 1)
    y = conv(x, weights={"kernel": np.ones((2, 2, 1))})
    assert y.shape == (2, 1, 2, 1) and y[1, 0, 0, 0] == 6 + 7 + 8 + 9
    with pytest.raises(SpecError):
        C.Conv1D(1, 2).compute_output_shape((2, None, 3, 2))


def test_keras2_checks_shapes_where_tf_keras_does():
    """Keras 2 checks the rank only in the call, an output length only when negative, groups and
    depth_multiplier only where a shape is made from them (tf_keras base_conv.py, base_depthwise_conv.py,
    base_separable_conv.py; each line checked against tf_keras 2.21)."""
    def k2(name, *args, **kwargs):
        return getattr(C, name)(*args, **kwargs, edition=KERAS2)

    # a valid window one cell larger than the input: length 0, an empty output
    assert k2("Conv2D", 2, 5).compute_output_shape((1, 4, 4, 2)) == (1, 0, 0, 2)
    assert k2("DepthwiseConv1D", 5).compute_output_shape((1, 4, 2)) == (1, 0, 2)
    assert k2("Conv1D", 2, 5)(np.zeros((1, 4, 2)), weights={"kernel": np.ones((5, 2, 2)),
                                                           "bias": np.zeros(2)}).shape == (1, 0, 2)
    y = k2("Conv2D", 2, (5, 2))(np.zeros((1, 4, 4, 2)), weights={"kernel": np.ones((5, 2, 2, 2)), "bias": np.zeros(2)})
    assert y.shape == (1, 0, 3, 2)
    # two cells larger: Conv rejects in compute_output_shape and build; DepthwiseConv builds, its call fails
    for op in (lambda l: l.compute_output_shape((1, 4, 2)), lambda l: l.weight_shapes((1, 4, 2))):
        with pytest.raises(SpecError):
            op(k2("Conv1D", 2, 6))
    assert list(k2("DepthwiseConv1D", 6).weight_shapes((1, 4, 2))) == ["depthwise_kernel", "bias"]
    with pytest.raises(SpecError):
        k2("DepthwiseConv1D", 6)(np.zeros((1, 4, 2)), weights={"depthwise_kernel": np.ones((6, 2, 1)),
                                                               "bias": np.zeros(2)})
    # another rank: Conv's compute_output_shape takes the leading dims as batch dims, build takes it, the call not
    assert k2("Conv2D", 2, 2).compute_output_shape((1, 4, 4)) == (0, 3, 2)
    assert k2("Conv2D", 2, 2).weight_shapes((1, 4, 4))["kernel"] == (2, 2, 4, 2)
    with pytest.raises(SpecError):
        k2("Conv2D", 2, 2)(np.zeros((1, 4, 4)), weights={"kernel": np.ones((2, 2, 4, 2)), "bias": np.zeros(2)})
    assert k2("DepthwiseConv2D", 2).compute_output_shape((1, 3, 4, 4, 2)) == (1, 2, 3, 4)
    with pytest.raises(SpecError):
        k2("DepthwiseConv2D", 2).weight_shapes((1, 3, 4, 4, 2))
    assert k2("SeparableConv1D", 2, 2).compute_output_shape((1, 3, 4, 2)) == (1, 3, 3, 2)
    # groups=-1: filters % -1 == 0; build fails on the kernel dim C // -1
    assert k2("Conv1D", 2, 2, groups=-1).compute_output_shape((1, 4, 2)) == (1, 3, 2)
    with pytest.raises(SpecError):
        k2("Conv1D", 2, 2, groups=-1).weight_shapes((1, 4, 2))
    # depth_multiplier: 0 gives 0 depthwise channels (SeparableConv's pointwise conv then fails); -1 fails
    assert k2("DepthwiseConv1D", 2, depth_multiplier=0)(np.zeros((1, 4, 2)), weights={
        "depthwise_kernel": np.ones((2, 2, 0)), "bias": np.zeros(0)}).shape == (1, 3, 0)
    assert k2("SeparableConv1D", 2, 2, depth_multiplier=-1).compute_output_shape((1, 4, 2)) == (1, 3, 2)
    with pytest.raises(SpecError):
        k2("DepthwiseConv1D", 2, depth_multiplier=-1).compute_output_shape((1, 4, 2))
    with pytest.raises(SpecError):
        k2("SeparableConv1D", 2, 2, depth_multiplier=-1).weight_shapes((1, 4, 2))
    with pytest.raises(SpecError):
        k2("SeparableConv1D", 2, 2, depth_multiplier=0)(np.zeros((1, 4, 2)), weights={
            "depthwise_kernel": np.ones((2, 2, 0)), "pointwise_kernel": np.ones((1, 0, 2)), "bias": np.zeros(2)})


@pytest.mark.parametrize("name", NAMES)
def test_registered_with_sections(name):
    feat = reference.get_feature(f"layers.{name}")
    assert feat.seed_page == "000"
    for section in ("Formula:", "Defaults:", "Errors:", "Editions:", "Source:"):
        assert section in feat.doc
