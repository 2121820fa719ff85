"""Mutants of public signatures, caught by every family's ``test_signature`` (check.assert_signature):
a spec object whose constructor or ``call`` takes an argument under another name, lacks one, has
another default, or another kind (keyword-only, positional-only). The mutant adapter reports the
patched object's signature (``ReferenceAdapter.signature`` reads ``_obj``), the spec the real one."""

from __future__ import annotations

from reference import activations as A
from reference.layers import convolution, dropout, masking, pooling
from tests.mutants import target


def _relu_alpha(x, alpha=0.0, max_value=None, threshold=0.0, *, edition):
    """Keras 2's name for the slope, in Keras 3."""
    return A.relu(x, alpha, max_value, threshold, edition=edition)


class _Conv2DNoGroups(convolution.Conv2D):
    init_signature = convolution.Conv2D.init_signature.replace(" groups=1,", "")


class _Conv2DSamePadding(convolution.Conv2D):
    init_signature = convolution.Conv2D.init_signature.replace("padding='valid'", "padding='same'")


class _DropoutTrainingNone(dropout.Dropout):
    call_signature = "inputs, training=None"


class _DropoutTrainingKeywordOnly(dropout.Dropout):
    call_signature = "inputs, *, training=False"


class _MaskingPositionalOnly(masking.Masking):
    init_signature = "mask_value=0.0, /"


class _AveragePoolingDefaultPool(pooling.AveragePooling2D):
    init_signature = "pool_size=(2, 2), strides=None, padding='valid', data_format=None, name=None, **kwargs"


class _SpatialDropoutNoKwargsNoSeed(dropout.SpatialDropout1D):
    init_signature = "rate, name=None, dtype=None"


MUTANTS = {
    "signature_relu_renamed_slope": target("signature", "activations.relu", _relu_alpha),
    "signature_conv2d_missing_groups": target("signature", "layers.Conv2D", _Conv2DNoGroups),
    "signature_conv2d_padding_default": target("signature", "layers.Conv2D", _Conv2DSamePadding),
    "signature_average_pooling_pool_size_default": target("signature", "layers.AveragePooling2D",
                                                          _AveragePoolingDefaultPool),
    "signature_dropout_call_training_default": target("signature", "layers.Dropout", _DropoutTrainingNone),
    "signature_dropout_call_training_keyword_only": target("signature", "layers.Dropout", _DropoutTrainingKeywordOnly),
    "signature_masking_positional_only": target("signature", "layers.Masking", _MaskingPositionalOnly),
    "signature_spatial_dropout_missing_seed": target("signature", "layers.SpatialDropout1D",
                                                     _SpatialDropoutNoKwargsNoSeed),
}


class _DropoutExtraArgument(dropout.Dropout):
    """Not a mutant: a framework whose Dropout takes one more argument than the spec documents."""

    init_signature = "rate, noise_shape=None, seed=None, rng_kind='philox', **kwargs"

