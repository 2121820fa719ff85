"""The reference VJPs (reference/gradients/) against float64 central differences of the reference's
own forward pass, at random points away from the kinks: every activation, Dense (input, kernel,
bias), the affine layers (convolutions, locally connected, average pooling, bilinear up-sampling),
Embedding (the table, scatter-added), the layers that only move elements, max pooling and
Maximum/Minimum (routed to the winner; ties marked), and the weight penalties (in float32 their
factors as the penalty rounds them)."""

from __future__ import annotations

import numpy as np
import pytest

import reference
from reference import activations as A
from reference.editions import EDITIONS
from reference.gradients import activations as G
from reference.gradients import affine as F
from reference.gradients import layers_core as D
from reference.gradients import layers_embedding as E
from reference.gradients import layers_masking as K
from reference.gradients import layers_regularization as AR
from reference.gradients import layers_reshaping as R
from reference.gradients import regularizers as P
from reference.gradients import routing as M

CONFIGS = {
    "elu": [{}, {"alpha": 0.5}, {"alpha": -0.3}, {"alpha": 2.0}],
    "relu": [{}, {"negative_slope": 0.3}, {"max_value": 2.0}, {"threshold": 1.0, "negative_slope": 0.2},
             {"threshold": -1.0, "max_value": 3.0, "negative_slope": 0.1}],
    "softmax": [{}, {"axis": 0}, {"axis": (0, 1)}],
}
CASES = [(name, config, edition) for name in sorted(G.VJPS) for config in CONFIGS.get(name, [{}])
         for edition in EDITIONS]


def _away_from_kinks(name, x, config, edition, gap=1e-3):
    """``x`` with every element within ``gap`` of a kink moved ``4 * gap`` away from it."""
    for shift in np.linspace(-gap, gap, 9):
        near = G.kinks(name, np.round(x + shift, 12), edition=edition, **config) | \
            G.kinks(name, np.round(x - shift, 12), edition=edition, **config)
        x = np.where(near, x + 4 * gap, x)
    points = [0.0, -3.0, 3.0, -2.5, 2.5, *[v for v in config.values() if isinstance(v, float)]]
    for p in points:  # the kinks themselves, whichever the config has
        if G.kinks(name, np.array([p]), edition=edition, **config)[0]:
            x = np.where(np.abs(x - p) < 4 * gap, x + 8 * gap, x)
    return x


def _numeric_vjp(f, x, g):
    """d sum(g * f(x)) / dx by central differences, one element at a time (float64)."""
    out = np.empty_like(x)
    for i in np.ndindex(x.shape):
        h = 1e-6 * max(1.0, abs(x[i]))
        up, down = x.copy(), x.copy()
        up[i] += h
        down[i] -= h
        out[i] = np.sum(g * (f(up) - f(down))) / (2 * h)
    return out


@pytest.mark.parametrize("name, config, edition", CASES, ids=lambda v: str(v))
def test_vjp_matches_central_differences(name, config, edition):
    rng = np.random.default_rng(abs(hash((name, str(config), edition))) % 2**32)
    for scale in (0.5, 3.0, 8.0):
        x = _away_from_kinks(name, rng.normal(0.0, scale, (4, 5)), config, edition)
        g = rng.normal(0.0, 1.0, x.shape)
        forward = getattr(A, name)
        numeric = _numeric_vjp(lambda v: forward(v, **config, edition=edition), x, g)
        analytic = G.VJPS[name](x, g, **config, edition=edition)
        np.testing.assert_allclose(analytic, numeric, rtol=2e-6, atol=1e-8 * max(1.0, np.abs(numeric).max()),
                                   err_msg=f"{name}({config}, {edition}) at scale {scale}")


def test_every_activation_has_a_vjp():
    activations = {f.split(".", 1)[1] for f in reference.FEATURES if f.startswith("activations.")}
    assert activations == set(G.VJPS), sorted(activations ^ set(G.VJPS))


def test_kinks_mark_the_points_where_the_derivative_jumps():
    assert G.kinks("relu", np.array([0.0, 1.0, 2.0, -1.0]), max_value=2.0).tolist() == [True, False, True, False]
    assert G.kinks("relu", np.array([1.0, 0.0]), threshold=1.0).tolist() == [True, False]
    assert G.kinks("elu", np.array([0.0]), alpha=0.5).tolist() == [True]
    assert G.kinks("elu", np.array([0.0])).tolist() == [False]  # alpha = 1: differentiable at 0
    assert G.kinks("hard_sigmoid", np.array([-3.0, 2.5]), edition="keras2").tolist() == [False, True]
    assert not G.kinks("tanh", np.array([0.0])).any()


WRONG = {  # a VJP each, wrong the ways a backward pass goes wrong
    "softplus": lambda x, g, edition: g / (1.0 + np.exp(x)),  # sigmoid(-x): the sign of the stable branch
    "relu": lambda x, g, negative_slope, edition: g * (x > 0),  # the negative slope's gradient dropped
    "softmax": lambda x, g, edition: g * A.softmax(x) * (1.0 - A.softmax(x)),  # the Jacobian's diagonal only
    "elu": lambda x, g, alpha, edition: np.where(x > 0, g, g * np.exp(np.minimum(x, 0.0))),  # alpha dropped
}


@pytest.mark.parametrize("name", sorted(WRONG))
def test_a_wrong_vjp_fails_the_central_difference_test(name, monkeypatch):
    config = {"relu": {"negative_slope": 0.3}, "elu": {"alpha": 0.5}}.get(name, {})
    monkeypatch.setitem(G.VJPS, name, WRONG[name])
    with pytest.raises(AssertionError):
        test_vjp_matches_central_differences(name, config, "keras3")


def _assert_vjps(analytic, numeric, rtol=2e-6):
    """Every entry of an analytic VJP ({"inputs": [dx], <weight>: dW}) equals the numeric one."""
    assert sorted(analytic) == sorted(numeric)
    for key in numeric:
        a, n = (analytic[key][0], numeric[key][0]) if key == "inputs" else (analytic[key], numeric[key])
        np.testing.assert_allclose(a, n, rtol=rtol, atol=1e-8, err_msg=key)


def _numeric_weight_vjps(call, x, weights, g):
    """The central-difference VJP with respect to the input and to each weight of ``call(x, weights)``."""
    out = {"inputs": [_numeric_vjp(lambda v: call(v, weights), x, g)]}
    for name, w in weights.items():
        out[name] = _numeric_vjp(lambda v, name=name: call(x, {**weights, name: v}), w, g)
    return out


@pytest.mark.parametrize("activation", ["linear", "tanh", "softplus", "elu"])
@pytest.mark.parametrize("use_bias", [True, False])
@pytest.mark.parametrize("shape", [(3, 4), (2, 3, 4)])
def test_dense_vjp_matches_central_differences(activation, use_bias, shape):
    rng = np.random.default_rng(len(shape) * 10 + use_bias)
    layer = reference.get_feature("layers.Dense").obj(units=5, activation=activation, use_bias=use_bias)
    x = rng.normal(0.0, 1.0, shape)
    weights = {"kernel": rng.normal(0.0, 0.5, (4, 5)), **({"bias": rng.normal(0.0, 0.5, 5)} if use_bias else {})}
    g = rng.normal(0.0, 1.0, (*shape[:-1], 5))
    _assert_vjps(D.dense(layer, x, weights, g), _numeric_weight_vjps(lambda v, w: layer(v, weights=w), x, weights, g))


def test_embedding_vjp_adds_the_rows_of_repeated_indices():
    """dE by central differences of the forward pass in the table, with repeated and negative indices:
    a row looked up three times gets the sum of its three cotangent rows."""
    rng = np.random.default_rng(5)
    layer = reference.get_feature("layers.Embedding").obj(input_dim=6, output_dim=3)
    x = np.array([[1, 4, 1], [-2, 1, 0]], np.int32)  # row 1 three times; -2 is row 4
    table = rng.normal(0.0, 1.0, (6, 3))
    g = rng.normal(0.0, 1.0, (2, 3, 3))
    analytic = E.embedding(layer, x, {"embeddings": table}, g)
    numeric = _numeric_vjp(lambda t: layer(x, weights={"embeddings": t}), table, g)
    np.testing.assert_allclose(analytic["embeddings"], numeric, rtol=2e-6, atol=1e-8)
    np.testing.assert_allclose(analytic["embeddings"][1], g[0, 0] + g[0, 2] + g[1, 1])  # added, not overwritten
    assert analytic["inputs"] == [None]


MOVING = [("Flatten", {}, (2, 3, 4)), ("Reshape", {"target_shape": (4, -1)}, (2, 3, 4)),
          ("Permute", {"dims": (2, 1)}, (2, 3, 4)), ("RepeatVector", {"n": 3}, (2, 4)),
          ("Cropping1D", {"cropping": (1, 2)}, (2, 6, 3)), ("Cropping2D", {"cropping": ((1, 0), (0, 2))}, (2, 4, 5, 3)),
          ("Cropping3D", {"cropping": ((0, 1), (1, 0), (0, 0))}, (1, 3, 2, 2, 2)),
          ("ZeroPadding1D", {"padding": (2, 1)}, (2, 3, 2)), ("ZeroPadding2D", {"padding": ((1, 0), (2, 1))}, (1, 2, 2, 3)),
          ("ZeroPadding3D", {"padding": 1}, (1, 2, 2, 2, 2)),
          ("UpSampling1D", {"size": 3}, (2, 3, 2)), ("UpSampling2D", {"size": (2, 3)}, (1, 2, 3, 2)),
          ("UpSampling3D", {"size": 2}, (1, 2, 2, 2, 1))]


@pytest.mark.parametrize("name, config, shape", MOVING, ids=lambda v: str(v))
def test_moving_layer_vjp_matches_central_differences(name, config, shape):
    rng = np.random.default_rng(len(name))
    layer = reference.get_feature(f"layers.{name}").obj(**config)
    x = rng.normal(0.0, 1.0, shape)
    g = rng.normal(0.0, 1.0, layer(x).shape)
    np.testing.assert_allclose(R.moved(layer, x, g)["inputs"][0], _numeric_vjp(layer, x, g), rtol=1e-6, atol=1e-9)


def test_every_moving_layer_is_tested():
    assert {name for name, _, _ in MOVING} == set(R.LAYERS)


@pytest.mark.parametrize("name, config", [("L1", {"l1": 0.3}), ("L2", {"l2": 0.7}), ("L1L2", {"l1": 0.1, "l2": 0.25}),
                                          ("L1L2", {"l2": 0.5})])
def test_penalty_gradient_matches_central_differences(name, config):
    rng = np.random.default_rng(len(config))
    regularizer = reference.get_feature(f"regularizers.{name}").obj(**config)
    w = rng.normal(0.0, 1.0, (3, 4))
    w = np.where(np.abs(w) < 1e-3, 0.5, w)  # away from L1's kink at 0
    numeric = _numeric_vjp(lambda v: np.array(regularizer(v)), w, np.array(1.0))
    np.testing.assert_allclose(P.penalty(regularizer, w), numeric, rtol=1e-6, atol=1e-9)
    assert not P.kinks(regularizer, w).any()
    assert P.kinks(regularizer, np.zeros(2)).all() == bool(regularizer.factors(np.dtype("float64"))[0])


def test_penalty_gradient_of_a_float32_weight_takes_the_factors_as_float32_rounds_them():
    w = np.array([0.5, -2.0], np.float32)
    grad = P.penalty(reference.get_feature("regularizers.L1L2").obj(l1=0.1, l2=0.1), w)
    np.testing.assert_array_equal(grad, float(np.float32(0.1)) * np.array([1.0, -1.0]) + 2 * float(np.float32(0.1)) * w)


AFFINE = [("Conv1D", {"filters": 2, "kernel_size": 3, "activation": "tanh"}, (2, 5, 3)),
          ("Conv2D", {"filters": 2, "kernel_size": (2, 3), "strides": (1, 2), "padding": "same"}, (1, 4, 5, 2)),
          ("DepthwiseConv2D", {"kernel_size": 2, "depth_multiplier": 2, "activation": "elu"}, (1, 3, 4, 2)),
          ("SeparableConv1D", {"filters": 2, "kernel_size": 2, "use_bias": False}, (2, 4, 2)),
          ("Conv2DTranspose", {"filters": 2, "kernel_size": 3, "strides": 2}, (1, 2, 3, 2)),
          ("AveragePooling2D", {"pool_size": 2, "strides": 1, "padding": "same"}, (1, 3, 3, 2)),
          ("GlobalAveragePooling1D", {}, (2, 4, 3)),
          ("UpSampling2D", {"size": (2, 3), "interpolation": "bilinear"}, (1, 2, 3, 1))]


@pytest.mark.parametrize("name, config, shape", AFFINE, ids=lambda v: str(v))
def test_affine_layer_vjp_matches_central_differences(name, config, shape):
    rng = np.random.default_rng(len(name) + len(shape))
    layer = reference.get_feature(f"layers.{name}").obj(**config)
    weights = {k: rng.normal(0.0, 0.5, s) for k, s in layer.weight_shapes(shape).items()}
    x = rng.normal(0.0, 1.0, shape)
    g = rng.normal(0.0, 1.0, layer(x, weights=weights or None).shape)
    _assert_vjps(F.layer_vjp(layer, x, weights, g),
                 _numeric_weight_vjps(lambda v, w: layer(v, weights=w or None), x, weights, g), rtol=1e-6)


def test_locally_connected_vjp_matches_central_differences():
    rng = np.random.default_rng(11)
    layer = reference.get_feature("layers.LocallyConnected1D").obj(filters=2, kernel_size=2, edition="keras2")
    weights = {k: rng.normal(0.0, 0.5, s) for k, s in layer.weight_shapes((2, 4, 3)).items()}
    x, g = rng.normal(0.0, 1.0, (2, 4, 3)), rng.normal(0.0, 1.0, (2, 3, 2))
    _assert_vjps(F.layer_vjp(layer, x, weights, g), _numeric_weight_vjps(lambda v, w: layer(v, weights=w), x, weights, g),
                 rtol=1e-6)


ROUTED = [("MaxPooling2D", {"pool_size": 2, "strides": 1}, [(1, 3, 4, 2)]),
          ("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}, [(2, 5, 2)]),
          ("GlobalMaxPooling2D", {}, [(2, 3, 3, 2)]),
          ("Maximum", {}, [(2, 3), (2, 3), (2, 3)]),
          ("Minimum", {}, [(2, 1, 3), (2, 4, 3)])]  # a broadcast input: one element wins several outputs


@pytest.mark.parametrize("name, config, shapes", ROUTED, ids=lambda v: str(v))
def test_routed_vjp_matches_central_differences(name, config, shapes):
    rng = np.random.default_rng(len(name))
    layer = reference.get_feature(f"layers.{name}").obj(**config)
    xs = [rng.normal(0.0, 1.0, s) for s in shapes]  # no ties
    forward = (lambda vs: layer(vs[0])) if len(xs) == 1 else (lambda vs: layer(list(vs)))
    g = rng.normal(0.0, 1.0, np.shape(forward(xs)))
    analytic = M.routed(forward, xs, g)
    assert not analytic["kinks"].any()
    for i, x in enumerate(xs):
        numeric = _numeric_vjp(lambda v, i=i: forward([v if j == i else xs[j] for j in range(len(xs))]), x, g)
        np.testing.assert_allclose(analytic["inputs"][i], numeric, rtol=1e-6, atol=1e-9)


def test_routed_vjp_marks_ties_and_routes_a_max_to_the_first():
    layer = reference.get_feature("layers.GlobalMaxPooling1D").obj()
    x = np.array([[[1.0], [3.0], [3.0], [2.0]]])
    out = M.routed(lambda vs: layer(vs[0]), [x], np.array([[5.0]]))
    assert out["kinks"].tolist() == [[True]]
    assert out["inputs"][0].ravel().tolist() == [0.0, 5.0, 0.0, 0.0]


MERGED = [("Add", {}, [(2, 3), (2, 3)]), ("Subtract", {}, [(2, 3), (2, 3)]), ("Multiply", {}, [(2, 3)] * 3),
          ("Average", {}, [(2, 1, 3), (2, 4, 3)]), ("Concatenate", {"axis": 1}, [(2, 2, 3), (2, 1, 3)]),
          ("Dot", {"axes": 1}, [(3, 4), (3, 4)])]


@pytest.mark.parametrize("name, config, shapes", MERGED, ids=lambda v: str(v))
def test_merge_vjp_matches_central_differences(name, config, shapes):
    rng = np.random.default_rng(len(name))
    layer = reference.get_feature(f"layers.{name}").obj(**config)
    xs = [rng.normal(0.0, 1.0, s) for s in shapes]
    g = rng.normal(0.0, 1.0, layer(xs).shape)
    analytic = F.layer_vjp(layer, xs, {}, g)
    for i, x in enumerate(xs):
        numeric = _numeric_vjp(lambda v, i=i: layer([v if j == i else xs[j] for j in range(len(xs))]), x, g)
        np.testing.assert_allclose(analytic["inputs"][i], numeric, rtol=1e-6, atol=1e-9)


@pytest.mark.parametrize("name, config, shape", [("Dropout", {"rate": 0.4}, (4, 6)),
                                                 ("SpatialDropout1D", {"rate": 0.5}, (3, 4, 5))])
def test_dropout_vjp_reuses_the_forward_mask(name, config, shape):
    rng = np.random.default_rng(3)
    layer = reference.get_feature(f"layers.{name}").obj(**config)
    x = rng.normal(0.0, 1.0, shape)
    g = rng.normal(0.0, 1.0, shape)
    forward = lambda v: layer(v, training=True, rng=np.random.default_rng(9))  # noqa: E731  (the same mask each call)
    dx = F.layer_vjp(layer, x, {}, g, training=True, seed=9)["inputs"][0]
    np.testing.assert_allclose(dx, _numeric_vjp(forward, x, g), rtol=1e-6, atol=1e-9)
    keep = forward(x) != 0
    np.testing.assert_allclose(dx, g * keep / (1 - config["rate"]))


def test_masking_vjp_gives_masked_timesteps_no_gradient():
    layer = reference.get_feature("layers.Masking").obj(mask_value=0.0)
    rng = np.random.default_rng(4)
    x = rng.normal(0.0, 1.0, (2, 4, 3))
    x[0, 1] = 0.0  # a masked timestep
    g = rng.normal(0.0, 1.0, x.shape)
    dx = K.masking(layer, x, g)["inputs"][0]
    kept = np.ones(x.shape[:2], bool)
    kept[0, 1] = False  # on the mask's boundary: central differences see one side of it
    np.testing.assert_allclose(dx[kept], _numeric_vjp(layer, x, g)[kept], rtol=1e-6, atol=1e-9)
    assert not dx[0, 1].any() and (dx[1] == g[1]).all()


def test_activity_regularization_vjp_adds_the_penalty_gradient_per_sample():
    layer = reference.get_feature("layers.ActivityRegularization").obj(l1=0.2, l2=0.3)
    rng = np.random.default_rng(6)
    x = np.where(np.abs(v := rng.normal(0.0, 1.0, (4, 3))) < 1e-3, 0.5, v)
    g = rng.normal(0.0, 1.0, x.shape)
    loss = lambda v: np.sum(g * layer(v)) + sum(layer.losses(v))  # noqa: E731
    numeric = _numeric_vjp(lambda v: np.array(loss(v)), x, np.array(1.0))
    np.testing.assert_allclose(AR.activity_regularization(layer, x, g)["inputs"][0], numeric, rtol=1e-6, atol=1e-9)


def test_every_layer_has_a_vjp_or_a_reason():
    from reference import gradients

    layers = {f for f in reference.FEATURES if f.startswith("layers.")}
    assert layers == set(gradients.LAYERS) | set(gradients.NOT_DIFFERENTIATED), \
        sorted(layers ^ (set(gradients.LAYERS) | set(gradients.NOT_DIFFERENTIATED)))
