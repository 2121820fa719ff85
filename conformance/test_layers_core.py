"""Checks of the core layers Dense, Activation, Lambda and keras.Input (reference/layers/core.py; cases
in conformance/cases/layers_core.py).

``values``: the outputs of generated configs, inputs and weights, under conformance/tolerance.py
(``tolerance.layers_core``: each formula's conditioning). ``default_weights``: Dense's initial
kernel and bias, statistically. ``shapes``, ``input``, ``seed_page``: output shapes, symbolic and
actual; keras.Input's; the seed page's (../shared/seeds/001), literally. ``propagation``: the
mask each layer attaches to its output (conformance/test_layers_masking.py says how Keras
propagates masks). ``rejects``, ``roundtrip``: invalid configs both must reject, and the config
round trip. ``losses``, ``losses_edges``: ``layer.losses`` of Dense's regularizers.
"""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import check, tolerance
from conformance import strategies as cs
from conformance.cases import features_of
from conformance.cases.layers_core import (SAVED_CASES, GRADIENT_CASES, TRAINING_CASES, CASES, DEFAULT_WEIGHT_CASES, LOSS_CASES, LOSS_EDGES, REJECTED, ROUNDTRIP,
                                           SEED_PAGE, VARIANTS, input_configs)
from conformance.profiles import fewer


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The layer's outputs for generated configs, inputs and weights (training=False)."""
    check.layer_values(spec, adapter, data.draw(CASES[feature](dtype), label="case"), tolerance.layers_core)


@pytest.mark.parametrize("config,input_shape", DEFAULT_WEIGHT_CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("feature", ["layers.Dense"])
def test_default_weights(spec, adapter, feature, config, input_shape):
    """The kernel a built Dense starts with follows GlorotUniform (KS and two moments, see
    conformance/stats.py); the bias is exactly zero (check.assert_default_weights)."""
    check.assert_default_weights(spec, adapter, Case(feature, "sample", config, shape=input_shape))


@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """Output shapes of generated configs and inputs, symbolic (with unknown dims) and actual, and the
    adapter's symbolic shape agreeing with its own call (check.assert_shapes).
    Covers Dense on ranks 2-4, Lambda's output_shape as a tuple, a function, and a list (two outputs)."""
    call = data.draw(CASES[feature]("float32"), label="case")
    symbolic = data.draw(cs.unknown_dims(call, spec.edition), label="symbolic input shape")
    check.assert_shapes(spec, adapter, call, symbolic)


@pytest.mark.parametrize("feature", ["layers.Input"])
@given(data=st.data())
def test_input(spec, adapter, feature, data):
    """keras.Input(shape=..., batch_size=..., batch_shape=..., dtype=...): its shape is the batch shape
    ((batch_size,) + shape, the batch None unless given; or batch_shape) and its dtype the name
    (float32 when omitted or None)."""
    case = Case(feature, "shape", data.draw(input_configs(), label="config"))
    result = check.run_both(spec, adapter, case)
    if result is not None:
        (e_shape, e_dtype), (a_shape, a_dtype) = result
        check.assert_equal(check.norm(a_shape), check.norm(e_shape), case, adapter, "Input(...).shape")
        check.assert_equal(str(a_dtype), str(e_dtype), case, adapter, "Input(...).dtype")


@pytest.mark.parametrize("feature, example", [(e.feature, name) for name, e in SEED_PAGE.items()])
def test_seed_page(spec, adapter, feature, example):
    """The seed page's shape examples, literally: compute_output_shape of the layer for the page's
    input shape (batch None) equals the spec's and the page's."""
    check.assert_seed_page(spec, adapter, SEED_PAGE[example], example)


@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_propagation(spec, adapter, feature, data):
    """The output mask for an input with or without a mask: passed through unchanged (Dense,
    Activation), dropped (Lambda without mask=; Keras 3 warns) or computed from the input alone
    (Lambda's mask function mask_positive gives x[..., 0] > 0), and never invented for an input
    without a mask."""
    check.compare_masks(spec, adapter, data.draw(cs.masked_cases(CASES[feature]("float32")), label="case"))


@pytest.mark.parametrize("feature, reject", [(f, name) for f, rows in REJECTED.items() for name in rows])
def test_rejects(spec, adapter, feature, reject):
    """An invalid configuration or input (the row's name says which): the adapter rejects it as the
    spec does, at construction, in compute_output_shape (a "symbolic" row) or in the call. A row the
    spec of the edition under test accepts (only the other edition rejects it) must be accepted."""
    check.assert_reject(spec, adapter, feature, REJECTED[feature][reject])


@pytest.mark.parametrize("feature, variant", ROUNDTRIP)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, variant, data):
    """from_config(get_config()) of generated configs (every activation, Lambda's output_shape and
    arguments), of Dense's regularizers, constraints and initializers (names and {"class_name",
    "config"} dicts), and of a Lambda with a mask function."""
    case = data.draw(CASES[feature]("float32"), label="case")
    check.assert_layer_roundtrip(spec, adapter, VARIANTS[variant](data, case))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(LOSS_CASES))
@given(data=st.data())
def test_losses(spec, adapter, feature, dtype, data):
    """layer.losses after a call, by value and order: [activity_regularizer(output) / batch_size]
    (if set), then kernel_regularizer(kernel), then bias_regularizer(bias) (if set and use_bias),
    for string and {"class_name", "config"} regularizers."""
    check.compare_losses(spec, adapter, data.draw(LOSS_CASES[feature](dtype), label="case"))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(LOSS_EDGES))
def test_losses_edges(spec, adapter, feature, dtype):
    """layer.losses for special values: ±inf and NaN inputs and weights, and penalties whose sums
    overflow the dtype (inf)."""
    for case in LOSS_EDGES[feature](dtype):
        check.compare_losses(spec, adapter, case)


@pytest.mark.parametrize("feature", features_of("layers_core"))
def test_signature(spec, adapter, feature):
    """The framework's public constructor and a layer's ``call`` accept every argument the spec documents, by the
    same name, kind and default (reference/signatures.py); an extra argument is information
    (check.assert_signature)."""
    check.assert_signature(spec, adapter, feature)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(GRADIENT_CASES))
@fewer(3)
@given(data=st.data())
def test_gradients(spec, adapter, feature, dtype, data):
    """The VJP of the layer's output for a drawn cotangent, to each floating input and each weight, against
    reference/gradients/ (check.compare_gradients, tolerance.gradients): Dense (input, kernel, bias) and Activation. Nonzero,
    finite inputs and weights (strategies.differentiable): no input on a kink."""
    check.compare_gradients(spec, adapter, data.draw(GRADIENT_CASES[feature](dtype, spec.edition), label="case"))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(TRAINING_CASES))
@fewer(3)
@given(data=st.data())
def test_training_step(spec, adapter, feature, dtype, data):
    """One SGD step (drawn learning rate) on sum(g * y) + sum(layer.losses) with a drawn regularizer and
    constraint on each weight: w' = constraint(w - lr * (dL/dw + d penalty/dw)), the regularizer in the
    loss and the constraint a projection after the update (check.compare_training_step)."""
    check.compare_training_step(spec, adapter, data.draw(TRAINING_CASES[feature](dtype, spec.edition), label="case"))


@pytest.mark.parametrize("feature", sorted(SAVED_CASES))
@fewer(3)
@given(data=st.data())
def test_saved_model(spec, adapter, feature, data):
    """The layer (weights, mask, a regularizer and a constraint per weight) in a one-layer model saved to a
    .keras file and loaded again: the loaded layer's config is the spec's, its outputs and masks the
    original's (check.assert_saved_model)."""
    check.assert_saved_model(spec, adapter, data.draw(SAVED_CASES[feature](spec.edition), label="case"))
