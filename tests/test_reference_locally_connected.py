"""LocallyConnected1D/2D of the reference (Keras 2 only): golden values worked out by hand, the kernel
layouts of the three implementations, every error, the docstrings, and the conformance module run on
the reference in both editions."""

from __future__ import annotations

import itertools
import json
import math
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import reference.layers  # noqa: F401  (registers every layer feature)
from reference.errors import SpecError
from reference.layers.locally_connected import LocallyConnected1D, LocallyConnected2D
from reference.registry import SECTIONS, get_feature

ROOT = Path(__file__).resolve().parents[1]
K2 = "keras2"
FEATURES = ("layers.LocallyConnected1D", "layers.LocallyConnected2D")


def L1(*args, **kwargs):
    return LocallyConnected1D(*args, **kwargs, edition=K2)


def L2(*args, **kwargs):
    return LocallyConnected2D(*args, **kwargs, edition=K2)


def rejects(argument, fn, *args, **kwargs):
    with pytest.raises(SpecError) as info:
        fn(*args, **kwargs)
    assert info.value.argument == argument, info.value
    return info.value


# --- registration and docstrings ---------------------------------------------------------------
@pytest.mark.parametrize("feature", FEATURES)
def test_registered_in_keras2_only_with_every_section(feature):
    f = get_feature(feature)
    assert f.seed_page == "000" and f.editions == ("keras2",)
    assert all(f"{s}:" in f.doc for s in SECTIONS)
    assert "{" + "errors}" not in f.doc and "{" + "defaults}" not in f.doc  # the shared sections are filled in


@pytest.mark.parametrize("cls", [LocallyConnected1D, LocallyConnected2D])
def test_keras3_edition_names_the_removed_layer(cls):
    e = rejects(cls.__name__, cls, 2, 3)
    assert "removed in Keras 3" in str(e)
    rejects(cls.__name__, cls, 2, 3, edition="keras3")


# --- golden values -----------------------------------------------------------------------------
def test_1d_implementation_1_unshared_kernels_and_bias():
    # steps 4, one channel, k=2: three positions, each with its own (2, 1) kernel.
    x = np.array([[[1.0], [2.0], [3.0], [4.0]]])
    kernel = np.array([[[1.0], [10.0]], [[100.0], [1000.0]], [[0.5], [-1.0]]])  # (3, 2, 1)
    bias = np.array([[1.0], [2.0], [3.0]])
    layer = L1(1, 2)
    assert layer.weight_shapes(x.shape) == {"kernel": (3, 2, 1), "bias": (3, 1)}
    y = layer(x, weights={"kernel": kernel, "bias": bias})
    # 1*1 + 2*10 + 1, 2*100 + 3*1000 + 2, 3*0.5 - 4 + 3
    np.testing.assert_array_equal(y, [[[22.0], [3202.0], [0.5]]])


def test_1d_middle_axis_order_depends_on_data_format():
    # Two channels c0 = [1, 2, 3], c1 = [10, 20, 30]; k = 2; kernel row [1, 2, 3, 4] at position 0.
    c0, c1 = [1.0, 2.0, 3.0], [10.0, 20.0, 30.0]
    kernel = np.zeros((2, 4, 1))
    kernel[0, :, 0] = [1, 2, 3, 4]
    w = {"kernel": kernel}
    # channels_last flattens the window (t, c): x[t0c0], x[t0c1], x[t1c0], x[t1c1] = 1, 10, 2, 20.
    y_last = L1(1, 2, use_bias=False)(np.array([np.stack([c0, c1], -1)]), weights=w)
    assert y_last[0, 0, 0] == 1 * 1 + 10 * 2 + 2 * 3 + 20 * 4 == 107
    # channels_first flattens (c, t): 1, 2, 10, 20.
    y_first = L1(1, 2, data_format="channels_first", use_bias=False)(np.array([[c0, c1]]), weights=w)
    assert y_first.shape == (1, 1, 2) and y_first[0, 0, 0] == 1 * 1 + 2 * 2 + 10 * 3 + 20 * 4 == 115


def test_channels_first_bias_is_reshaped_not_transposed():
    # bias (L=2, F=2) = [[1, 2], [3, 4]] read as (F, L): y[f, o] += [[1, 2], [3, 4]][f][o].
    layer = L1(2, 1, data_format="channels_first")
    x = np.zeros((1, 1, 2))
    w = {"kernel": np.zeros((2, 1, 2)), "bias": np.array([[1.0, 2.0], [3.0, 4.0]])}
    y = layer(x, weights=w)
    np.testing.assert_array_equal(y, [[[1.0, 2.0], [3.0, 4.0]]])  # a transpose would give [[1, 3], [2, 4]]
    y = L1(2, 1)(np.zeros((1, 2, 1)), weights=w)
    np.testing.assert_array_equal(y, [[[1.0, 2.0], [3.0, 4.0]]])  # channels_last: bias[o, f]


def test_strides_pick_every_other_position():
    x = np.arange(1.0, 6.0).reshape(1, 5, 1)
    layer = L1(1, 1, strides=2, use_bias=False)
    assert layer.compute_output_shape((1, 5, 1)) == (1, 3, 1)
    np.testing.assert_array_equal(layer(x, weights={"kernel": np.ones((3, 1, 1))})[0, :, 0], [1, 3, 5])


def _ones_dense(layer, shape):
    return {"kernel": np.ones(layer.weight_shapes(shape)["kernel"])}


def test_same_padding_puts_k_over_2_cells_before():
    # Keras 2's "same" window of output o is [o*s - k//2, o*s - k//2 + k): with all-ones kernels the
    # output sums those inputs (Conv1D's "same" would put the even kernel's padding after instead).
    x = np.arange(1.0, 5.0).reshape(1, 4, 1)
    for impl in (2, 3):
        layer = L1(1, 2, padding="same", implementation=impl, use_bias=False)
        np.testing.assert_array_equal(layer(x, weights=_ones_dense(layer, x.shape))[0, :, 0], [1, 3, 5, 7])
        layer = L1(1, 3, padding="same", implementation=impl, use_bias=False)
        np.testing.assert_array_equal(layer(x, weights=_ones_dense(layer, x.shape))[0, :, 0], [3, 6, 9, 7])
        layer = L1(1, 2, strides=3, padding="same", implementation=impl, use_bias=False)  # ceil(4/3) = 2
        np.testing.assert_array_equal(layer(x, weights=_ones_dense(layer, x.shape))[0, :, 0], [1, 3 + 4])


def test_implementation_2_uses_only_connected_entries():
    # steps 3, k 2: kernel (steps, C, L, F) = (3, 1, 2, 1); entries [i, 0, o, 0] with i outside o..o+1
    # are masked out.
    layer = L1(1, 2, implementation=2, use_bias=False)
    kernel = np.full((3, 1, 2, 1), 1000.0)
    kernel[0, 0, 0, 0], kernel[1, 0, 0, 0], kernel[1, 0, 1, 0], kernel[2, 0, 1, 0] = 1.0, 10.0, 100.0, 1000.0
    kernel[2, 0, 0, 0], kernel[0, 0, 1, 0] = 7.0, 7.0  # not connected
    y = layer(np.array([[[1.0], [2.0], [3.0]]]), weights={"kernel": kernel})
    np.testing.assert_array_equal(y[0, :, 0], [1 + 20, 200 + 3000])


def test_implementation_3_sorted_sparse_entries():
    # steps 3, k 2, one channel and filter: pairs (out, in) = (0,0), (0,1), (1,1), (1,2).
    layer = L1(1, 2, implementation=3, use_bias=False)
    assert layer.weight_shapes((1, 3, 1)) == {"kernel": (4,)}
    y = layer(np.array([[[1.0], [2.0], [3.0]]]), weights={"kernel": np.array([1.0, 10.0, 100.0, 1000.0])})
    np.testing.assert_array_equal(y[0, :, 0], [21, 3200])
    # Two filters, k 1, steps 2: channels_last orders outputs (o, f), channels_first (f, o).
    x_last, x_first = np.array([[[1.0], [2.0]]]), np.array([[[1.0, 2.0]]])
    k = {"kernel": np.array([1.0, 2.0, 3.0, 4.0])}
    y = L1(2, 1, implementation=3, use_bias=False)(x_last, weights=k)
    np.testing.assert_array_equal(y, [[[1 * 1, 1 * 2], [2 * 3, 2 * 4]]])  # y[o, f]
    y = L1(2, 1, implementation=3, data_format="channels_first", use_bias=False)(x_first, weights=k)
    np.testing.assert_array_equal(y, [[[1 * 1, 2 * 2], [1 * 3, 2 * 4]]])  # y[f, o]


def test_2d_implementation_1_positions_row_major_and_window_order():
    x = np.array([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]).reshape(1, 2, 3, 1)
    layer = L2(1, 2, use_bias=False)
    assert layer.weight_shapes(x.shape) == {"kernel": (2, 4, 1)}
    kernel = np.zeros((2, 4, 1))
    kernel[0, 0, 0] = 1.0  # position (0, 0), tap (0, 0): x[0, 0] = 1
    kernel[1, 3, 0] = 1.0  # position (0, 1), tap (1, 1): x[1, 2] = 6
    np.testing.assert_array_equal(layer(x, weights={"kernel": kernel}), [[[[1.0], [6.0]]]])
    kernel = np.zeros((2, 4, 1))
    kernel[0, 1, 0] = 1.0  # tap (0, 1) of position (0, 0): x[0, 1] = 2
    np.testing.assert_array_equal(layer(x, weights={"kernel": kernel})[0, 0, :, 0], [2.0, 0.0])


# --- the three implementations agree, and implementation 3 follows tf-keras' index loops ---------
def _conv_kernel_idxs(spatial, kernel_size, strides, padding, c_in, c_out, data_format):
    """A port of tf-keras conv_utils.conv_kernel_idxs (with conv_connected_inputs), loops and all."""
    out_shape = [(n + s - 1) // s if padding == "same" else (n - k + s) // s
                 for n, k, s in zip(spatial, kernel_size, strides)]
    cat = (lambda sp, f: (f,) + sp) if data_format == "channels_first" else (lambda sp, f: sp + (f,))
    for o in itertools.product(*[range(d) for d in out_shape]):
        ranges = []
        for d in range(len(spatial)):
            left = int(kernel_size[d] / 2)
            center = o[d] * strides[d] + (left if padding == "valid" else 0)
            ranges.append(range(max(0, center - left), min(spatial[d], center + kernel_size[d] - left)))
        for i in itertools.product(*ranges):
            for fi in range(c_in):
                for fo in range(c_out):
                    yield (int(np.ravel_multi_index(cat(o, fo), cat(tuple(out_shape), c_out))),
                           int(np.ravel_multi_index(cat(i, fi), cat(tuple(spatial), c_in))))


@pytest.mark.parametrize("cls,spatial,k,s", [(L1, (6,), (3,), (2,)), (L1, (5,), (2,), (1,)),
                                             (L2, (4, 5), (2, 3), (1, 2)), (L2, (3, 3), (3, 1), (2, 1))])
@pytest.mark.parametrize("padding", ["valid", "same"])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_sparse_indices_match_tf_keras_loops(cls, spatial, k, s, padding, data_format):
    layer = cls(2, k, s, padding, data_format, implementation=3)
    out = layer.output_spatial(spatial)
    got = list(zip(*(a.tolist() for a in layer.sparse_indices(spatial, 3, out))))
    assert got == sorted(_conv_kernel_idxs(spatial, k, s, padding, 3, 2, data_format))
    shape = (1, 3, *spatial) if data_format == "channels_first" else (1, *spatial, 3)
    assert layer.weight_shapes(shape)["kernel"] == (len(got),)


@pytest.mark.parametrize("cls,spatial,k,s", [(L1, (7,), (3,), (2,)), (L2, (4, 5), (2, 3), (1, 2))])
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_implementations_agree_on_the_same_unshared_kernel(cls, spatial, k, s, data_format):
    """One unshared kernel W[*o, *t, c, f], stored in each layout, gives one output (valid padding)."""
    rng = np.random.default_rng(0)
    c, f = 2, 3
    shape = (2, c, *spatial) if data_format == "channels_first" else (2, *spatial, c)
    x = rng.normal(size=shape)
    ref = cls(f, k, s, data_format=data_format)
    out = ref.output_spatial(spatial)
    w = rng.normal(size=(*out, *k, c, f))
    bias = rng.normal(size=(*out, f))
    r = len(spatial)
    # Implementation 1: (P, K*C, F), the middle axis (*t, c) or (c, *t).
    mid = np.moveaxis(w, 2 * r, r) if data_format == "channels_first" else w
    k1 = mid.reshape(int(np.prod(out)), -1, f)
    y1 = ref(x, weights={"kernel": k1, "bias": bias})
    # Implementation 2: the dense tensor, connected entries from W.
    l2 = cls(f, k, s, data_format=data_format, implementation=2)
    dense = np.zeros((*spatial, c, *out, f))
    for o in itertools.product(*[range(v) for v in out]):
        for t in itertools.product(*[range(v) for v in k]):
            i = tuple(o[d] * s[d] + t[d] for d in range(r))
            dense[(*i, slice(None), *o, slice(None))] = w[(*o, *t)]
    if data_format == "channels_first":  # (*n, C, *o, F) -> (C, *n, F, *o)
        dense = np.moveaxis(np.moveaxis(dense, r, 0), -1, r + 1)
    y2 = l2(x, weights={"kernel": dense, "bias": bias})
    # Implementation 3: the dense matrix's entries at the sorted pairs.
    l3 = cls(f, k, s, data_format=data_format, implementation=3)
    out_idx, in_idx = l3.sparse_indices(spatial, c, out)
    m = dense.reshape(c * int(np.prod(spatial)), -1).T  # (out_total, in_total), flattened as the layout is
    y3 = l3(x, weights={"kernel": m[out_idx, in_idx], "bias": bias})
    np.testing.assert_allclose(y2, y1, rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(y3, y1, rtol=1e-12, atol=1e-12)


# --- shapes, weights, fans ---------------------------------------------------------------------
def test_output_shapes():
    assert L1(64, 3).compute_output_shape((None, 10, 32)) == (None, 8, 64)  # the seed page's example
    assert L1(32, 3).compute_output_shape((None, 8, 64)) == (None, 6, 32)
    assert L1(4, 3, 2).compute_output_shape((None, None, 3)) == (None, None, 4)
    assert L1(4, 3, data_format="channels_first").compute_output_shape((2, 3, 7)) == (2, 4, 5)
    assert L1(4, 3).compute_output_shape((2, 2, 3)) == (2, 0, 4)  # tf-keras: 0 passes symbolically
    rejects("inputs", L1(4, 3).compute_output_shape, (2, 1, 3))  # -1
    assert L1(4, 4, padding="same", implementation=2).compute_output_shape((1, 7, 1)) == (1, 7, 4)
    assert L1(4, 4, 3, padding="causal", implementation=2).compute_output_shape((1, 7, 1)) == (1, 3, 4)
    assert L2(5, (2, 3), (2, 1)).compute_output_shape((1, 6, 5, 3)) == (1, 3, 3, 5)
    assert L2(5, 2, data_format="channels_first").compute_output_shape((1, 3, 4, 4)) == (1, 5, 3, 3)
    assert L2(5, 3, 2, padding="same", implementation=3).compute_output_shape((1, 5, 6, 2)) == (1, 3, 3, 5)


def test_weight_shapes_per_implementation():
    s1, s1f = (1, 10, 4), (1, 4, 10)
    assert L1(5, 3).weight_shapes(s1) == {"kernel": (8, 12, 5), "bias": (8, 5)}
    assert L1(5, 3, implementation=2).weight_shapes(s1) == {"kernel": (10, 4, 8, 5), "bias": (8, 5)}
    assert L1(5, 3, data_format="channels_first", implementation=2).weight_shapes(s1f)["kernel"] == (4, 10, 5, 8)
    assert L1(5, 3, implementation=3).weight_shapes(s1) == {"kernel": (8 * 3 * 4 * 5,), "bias": (8, 5)}
    # same, k 3 on 10 steps: 3 * 10 - 2 connected (position, input) pairs.
    assert L1(5, 3, padding="same", implementation=3).weight_shapes(s1)["kernel"] == (28 * 4 * 5,)
    assert L1(5, 3, use_bias=False).weight_shapes(s1) == {"kernel": (8, 12, 5)}
    s2 = (1, 6, 5, 3)
    assert L2(4, (2, 3)).weight_shapes(s2) == {"kernel": (15, 18, 4), "bias": (5, 3, 4)}
    assert L2(4, (2, 3), implementation=2).weight_shapes(s2)["kernel"] == (6, 5, 3, 5, 3, 4)
    assert L2(4, (2, 3), data_format="channels_first", implementation=2).weight_shapes((1, 3, 6, 5))["kernel"] == \
        (3, 6, 5, 4, 5, 3)
    assert L2(4, (2, 3), implementation=3).weight_shapes(s2)["kernel"] == (15 * 6 * 3 * 4,)
    assert L1(0, 3).weight_shapes(s1) == {"kernel": (8, 12, 0), "bias": (8, 0)}  # filters=0 builds
    assert L1(0, 3)(np.ones(s1), weights={"kernel": np.zeros((8, 12, 0)), "bias": np.zeros((8, 0))}).shape == (1, 8, 0)


def test_glorot_fans_of_the_stored_kernel():
    # rank 3 (P, k*C, F) is read as a convolution kernel: fan_in = k*C*P, fan_out = F*P.
    layer = L1(5, 3)
    kernel = layer.weight_shapes((1, 10, 4))["kernel"]
    assert layer.kernel_initializer.distribution(kernel).high == pytest.approx(math.sqrt(6 / (12 * 8 + 5 * 8)))
    # implementation 2 (10, 4, 8, 5): rf = 40, fan_in = 8 * 40, fan_out = 5 * 40.
    layer = L1(5, 3, implementation=2)
    kernel = layer.weight_shapes((1, 10, 4))["kernel"]
    assert layer.kernel_initializer.distribution(kernel).high == pytest.approx(math.sqrt(6 / (320 + 200)))
    # implementation 3 (N,): fan_in = fan_out = N.
    layer = L1(5, 3, implementation=3)
    (n,) = layer.weight_shapes((1, 10, 4))["kernel"]
    assert layer.kernel_initializer.distribution((n,)).high == pytest.approx(math.sqrt(3 / n))
    w = layer.init_weights((1, 10, 4), np.random.default_rng(0))
    assert w["kernel"].shape == (n,) and np.all(np.abs(w["kernel"]) <= math.sqrt(3 / n))
    np.testing.assert_array_equal(w["bias"], np.zeros((8, 5)))


def test_config_and_losses():
    layer = L2(3, 2, strides=(1, 2), padding="SAME", data_format="Channels_First", activation="relu",
               kernel_regularizer="l2", activity_regularizer="l1", implementation=2)
    config = layer.get_config()
    assert config["kernel_size"] == (2, 2) and config["strides"] == (1, 2) and config["padding"] == "same"
    assert config["data_format"] == "channels_first" and config["activation"] == "relu"
    assert config["implementation"] == 2 and config["bias_regularizer"] is None
    assert config["kernel_initializer"]["class_name"] == "GlorotUniform"
    assert set(config) == {"filters", "kernel_size", "strides", "padding", "data_format", "activation", "use_bias",
                           "kernel_initializer", "bias_initializer", "kernel_regularizer", "bias_regularizer",
                           "activity_regularizer", "kernel_constraint", "bias_constraint", "implementation"}
    assert L1(2, 3).get_config()["strides"] == (1,) and L2(2, 3).get_config()["strides"] == (1, 1)
    # losses: the activity l1 / batch, then the kernel l2 (0.01 * sum of squares).
    layer = L1(1, 1, activity_regularizer="l1", kernel_regularizer="l2", use_bias=False)
    x = np.array([[[1.0], [-2.0]], [[3.0], [4.0]]])
    w = {"kernel": np.array([[[2.0]], [[-1.0]]])}
    # y = [[2, 2], [6, -4]]: l1 0.01 * 14 / 2; l2 0.01 * (4 + 1)
    assert layer.losses(x, w) == pytest.approx([0.07, 0.05])
    assert layer.compute_mask(x, np.ones((2, 2), bool)) is None  # Keras 2 drops the mask


def test_implementation_one_point_zero_is_one():
    layer = L1(1, 1, implementation=1.0)
    assert layer.weight_shapes((1, 3, 1))["kernel"] == (3, 1, 1)


# --- errors ------------------------------------------------------------------------------------
def test_errors_at_construction():
    rejects("kernel_size", L1, 2, 0)
    rejects("kernel_size", L1, 2, -1)
    rejects("kernel_size", L1, 2, (2, 2))
    rejects("kernel_size", L1, 2, "3")
    rejects("kernel_size", L1, 2, np.int64(3))  # a NumPy scalar alone is not an int to tf-keras
    rejects("kernel_size", L1, 2, (2.0,))
    rejects("kernel_size", L2, 2, (2,))
    assert L1(2, (np.int64(3),)).kernel_size == (3,)
    rejects("strides", L1, 2, 3, -1)
    rejects("strides", L2, 2, 3, (1, 1, 1))
    rejects("padding", L1, 2, 3, padding="same")  # implementation 1: valid only
    rejects("padding", L1, 2, 3, padding="causal")
    rejects("padding", L1, 2, 3, padding="full", implementation=2)
    rejects("padding", L1, 2, 3, padding=None, implementation=2)
    rejects("padding", L1, 2, 3, padding=(1, 1), implementation=2)
    rejects("data_format", L1, 2, 3, data_format="nchw")
    rejects("activation", L1, 2, 3, activation="nope")
    rejects("kernel_initializer", L1, 2, 3, kernel_initializer="nope")
    rejects("bias_regularizer", L1, 2, 3, bias_regularizer="nope")
    rejects("kernel_constraint", L1, 2, 3, kernel_constraint="nope")
    # Accepted here, rejected later (as in tf-keras).
    L1(2, 3, strides=0), L1(-1, 3), L1(2, 3, implementation=7), L1(2, 3, padding="causal", implementation=2)


def test_errors_when_computing_shapes_and_building():
    rejects("strides", L1(2, 3, strides=0).compute_output_shape, (1, 5, 2))
    rejects("strides", L1(2, 3, strides=0).weight_shapes, (1, 5, 2))
    rejects("filters", L1(-1, 3).compute_output_shape, (1, 5, 2))
    rejects("filters", L1(2.0, 3).weight_shapes, (1, 5, 2))
    rejects("filters", L1(True, 3).weight_shapes, (1, 5, 2))
    assert L1(True, 3).compute_output_shape((1, 5, 2)) == (1, 3, True)
    rejects("implementation", L1(2, 3, implementation=0).weight_shapes, (1, 5, 2))
    assert L1(2, 3, implementation=0).compute_output_shape((1, 5, 2)) == (1, 3, 2)
    rejects("padding", L1(2, 3, padding="causal", implementation=3).weight_shapes, (1, 5, 2))
    rejects("inputs", L1(2, 3).weight_shapes, (1, 2, 2))  # output size 0
    rejects("inputs", L2(2, 3).weight_shapes, (1, 5, 2, 2))
    rejects("inputs", L1(2, 3).weight_shapes, (1, None, 2))
    rejects("inputs", L1(2, 3).weight_shapes, (1, 5, None))
    rejects("inputs", L1(2, 3).weight_shapes, (5, 2))
    rejects("inputs", L1(2, 3).compute_output_shape, (1, 5, 2, 2))
    rejects("inputs", L2(2, 3).compute_output_shape, (1, 5, 2))
    rejects("inputs", L1(2, 1), np.zeros((1, 5, 2, 1)), weights={"kernel": np.zeros((5, 2, 2))})
    rejects("weights", L1(2, 1), np.zeros((1, 5, 2)))
    rejects("weights", L1(2, 1), np.zeros((1, 5, 2)), weights={"kernel": np.zeros((5, 2, 2))})  # no bias
    rejects("weights", L1(2, 1, use_bias=False), np.zeros((1, 5, 2)), weights={"kernel": np.zeros((5, 2, 3))})


# --- the conformance module on the reference ---------------------------------------------------
def _pytest(*args, timeout=600):
    return subprocess.run([sys.executable, "-m", "pytest", "-p", "no:cacheprovider", *args], cwd=ROOT,
                          capture_output=True, text=True, timeout=timeout)


def _records(out):
    records = [json.loads(line) for line in (out / "results.jsonl").read_text().splitlines()]
    return [r for r in records if r["feature"] in FEATURES]


def test_conformance_module_passes_on_the_reference_in_keras2(tmp_path):
    proc = _pytest("conformance/test_layers_locally_connected.py", "--adapter=reference", "--edition=keras2",
                   "--report", str(tmp_path), "-q")
    records = _records(tmp_path)
    assert records and proc.returncode == 0, proc.stdout[-3000:]
    assert {r["status"] for r in records} == {"pass"}, [r for r in records if r["status"] != "pass"][:3]
    assert {r["check"] for r in records} == {"values", "shapes", "rejects", "roundtrip", "default_weights",
                                             "weight_losses", "signature", "gradients", "training_step", "saved_model"}


def test_conformance_module_is_unsupported_in_keras3(tmp_path):
    proc = _pytest("conformance/test_layers_locally_connected.py", "--adapter=reference", "--report", str(tmp_path),
                   "-q")
    records = _records(tmp_path)
    assert records and proc.returncode == 0, proc.stdout[-3000:]
    assert {r["status"] for r in records} == {"unsupported"}
    assert all("--edition=keras2" in r["message"] for r in records)
