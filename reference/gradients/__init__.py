"""Vector-Jacobian products of the spec's features (issue 16), one module per feature family.

A VJP is what a framework's backward pass must give: for a feature ``f`` and a cotangent ``g`` of
its output's shape, ``vjp(x, g) = d sum(g * f(x)) / dx``, in float64. Where ``f`` is not
differentiable (a kink: relu at its threshold, hard_sigmoid's corners) the derivative is
implementation-defined; each family's ``kinks`` marks those inputs, and its docstrings state the
conventions frameworks use there. tests/test_reference_gradients.py validates every VJP against
float64 central differences of the reference's own forward pass, at points away from the kinks.
"""

from reference.gradients import (affine, layers_core, layers_embedding, layers_masking,  # noqa: E402
                                 layers_regularization, layers_reshaping, routing)


def _each(names: str, fn) -> dict:
    return {f"layers.{n}": fn for n in names.split()}


# Which VJP each layer takes (the activations' are activations.VJPS). UpSampling2D: ``moved`` for
# "nearest", ``affine.layer_vjp`` for "bilinear"; Dot: affine unless ``normalize=True`` (not covered yet).
LAYERS = {
    **_each("Conv1D Conv2D Conv3D DepthwiseConv1D DepthwiseConv2D SeparableConv1D SeparableConv2D Conv1DTranspose "
            "Conv2DTranspose Conv3DTranspose LocallyConnected1D LocallyConnected2D AveragePooling1D AveragePooling2D "
            "AveragePooling3D GlobalAveragePooling1D GlobalAveragePooling2D GlobalAveragePooling3D Add Subtract Multiply "
            "Average Concatenate Dot Dropout SpatialDropout1D SpatialDropout2D SpatialDropout3D Activation",
            affine.layer_vjp),
    **_each("Flatten Reshape Permute RepeatVector Cropping1D Cropping2D Cropping3D ZeroPadding1D ZeroPadding2D "
            "ZeroPadding3D UpSampling1D UpSampling2D UpSampling3D", layers_reshaping.moved),
    **_each("MaxPooling1D MaxPooling2D MaxPooling3D GlobalMaxPooling1D GlobalMaxPooling2D GlobalMaxPooling3D Maximum "
            "Minimum", routing.routed),
    "layers.Dense": layers_core.dense,
    "layers.Embedding": layers_embedding.embedding,
    "layers.Masking": layers_masking.masking,
    "layers.ActivityRegularization": layers_regularization.activity_regularization,
}
# The layers with no VJP of their own, and why.
NOT_DIFFERENTIATED = {"layers.Input": "it computes nothing (a symbolic placeholder)",
                      "layers.Lambda": "its function is the user's: the framework's autodiff of it is not Keras'"}


def vjp(feature: str, obj, x, weights, g, *, training=False, seed=None, edition="keras3", config=None) -> dict:
    """The VJP of ``feature`` as the suite's ``grad`` operation asks it: ``{"inputs": [dx, ...],
    <weight>: dW, ..., "undefined": {<"inputs[i]" or weight>: bool array}}``. ``obj`` is the spec's
    built layer (an activation: its function's ``config``); ``x`` one array or a list; ``g`` the
    cotangent (a list for several outputs is not needed: every differentiated feature has one).
    ``undefined`` marks the elements whose derivative is implementation-defined (a kink): an
    activation's kinks; a max's ties (first and last winner give other gradients); a layer's
    activation kinks at its pre-activation z, carried to every element they reach."""
    from reference.gradients import activations as G

    if feature.startswith("activations."):
        name = feature.split(".", 1)[1]
        return {"inputs": [G.VJPS[name](x, g, **(config or {}), edition=edition)],
                "undefined": {"inputs[0]": G.kinks(name, x, **(config or {}), edition=edition)}}
    fn = LAYERS[feature]
    if feature == "layers.UpSampling2D" and getattr(obj, "interpolation", "nearest") != "nearest":
        fn = affine.layer_vjp  # bilinear interpolates: affine, not a gather
    xs = list(x) if isinstance(x, (list, tuple)) else [x]
    if fn is routing.routed:
        forward = (lambda vs: obj(vs[0])) if len(xs) == 1 else (lambda vs: obj(list(vs)))
        out = routing.routed(forward, xs, g)
        return {"inputs": out["inputs"],
                "undefined": {f"inputs[{i}]": u for i, u in enumerate(out["undefined"])}}
    if fn is layers_reshaping.moved or fn in (layers_masking.masking, layers_regularization.activity_regularization):
        out = fn(obj, xs[0], g)
    elif fn is affine.layer_vjp:
        out = fn(obj, x, weights, g, training=training, seed=seed)
    else:
        out = fn(obj, xs[0], weights, g)
    out["undefined"] = _activation_kinks(feature, obj, x, weights, out) if hasattr(obj, "activation_name") else {}
    return out


def _activation_kinks(feature, layer, x, weights, out) -> dict:
    """The elements a kink of the layer's activation at z reaches: those the linear layer's VJP of
    the kinks' indicator touches, on |x| and |weights| (so no product cancels to 0)."""
    import copy

    import numpy as np

    from reference import activations as A
    from reference.gradients import activations as G

    linear = copy.copy(layer)
    linear.activation, linear.activation_name = A.linear, "linear"
    xs = x if isinstance(x, (list, tuple)) else [x]
    ws = {k: np.asarray(v, np.float64) for k, v in (weights or {}).items()}
    z = linear(xs[0] if len(xs) == 1 else list(xs), weights=ws or None)
    kinks = G.kinks(layer.activation_name, z, edition=layer.edition)
    if not kinks.any():
        return {}
    absolute = [np.abs(np.asarray(v, np.float64)) for v in xs]
    reached = vjp(feature, linear, absolute if len(xs) > 1 else absolute[0], {k: np.abs(v) for k, v in ws.items()},
                  kinks.astype(np.float64), edition=layer.edition)
    return {**{f"inputs[{i}]": r > 0 for i, r in enumerate(reached["inputs"]) if r is not None},
            **{k: reached[k] > 0 for k in ws}}
