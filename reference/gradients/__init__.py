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
