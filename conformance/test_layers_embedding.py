"""The Embedding layer (``keras.layers.Embedding``): lookup, mask, shapes, errors, config.

- ``values``: generated index arrays (rank 1-4, int32/int64/float32, negative indices in
  [-input_dim, 0) included) looked up in a generated table of each float dtype, with and without
  ``mask_zero``: the outputs are exact (0 ULP: a lookup copies rows, NaN for NaN), the masks equal.
  Float indices truncate toward zero (2.625 -> 2, -0.875 -> 0); the mask is taken before the cast
  (0.5 looks up row 0 but is not masked).
- ``shapes``: compute_output_shape with None dims equals the spec's (*input_shape, output_dim), and
  so does the shape of an actual output.
- ``out_of_range``: implementation-defined. Indices >= input_dim, < -input_dim (< 0 in Keras 2),
  NaN and inf floats: the spec marks them OutOfRange (the reference adapter surfaces that SpecError
  as Rejected, "... (implementation-defined)"); whatever the adapter does (rejects, zeros, NaN rows,
  a clamp, a wrap) is recorded as information, never a failure. The in-range indices of the same
  call must still look up their rows.
- ``rejects``: input_dim/output_dim 0, negative, float, bool; unknown
  initializer/regularizer/constraint.
- ``roundtrip``: from_config(get_config()) with mask_zero and initializer/regularizer/constraint variants.
- ``default_weights``: the default "uniform" initializer is RandomUniform(-0.05, 0.05), and another
  initializer is followed (KS + moments).
- ``initial_weights``: Embedding(weights=table) looks its rows up in that table (exactly).
- ``losses``: layer.losses after a call with embeddings_regularizer and activity_regularizer each
  maybe set: the activity penalty (divided by the batch size), then the table's.

Cases: conformance/cases/layers_embedding.py.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import check, tolerance
from conformance import strategies as cs
from conformance.profiles import fewer
from conformance.cases import features_of
from conformance.cases.layers_embedding import (SAVED_CASES, GRADIENT_CASES, TRAINING_CASES, initial_weights_case, weighted_embedding_cases, DEFAULT_WEIGHT_CASES, FEATURE, INPUT_DIM, KERAS3_ONLY, OUT_OF_RANGE,
                                                REJECTED, ROUNDTRIP_OPTIONS, TABLE, embedding_cases,
                                                out_of_range_case)
from conformance.divergence import recorder
from reference.editions import KERAS2
from reference.layers.embedding import OutOfRange


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", [FEATURE])
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """Lookup of int32/int64/float32 index arrays of rank 1-4 (negative in-range indices wrap; floats
    truncate toward zero) in a table of ``dtype``: outputs exact (0 ULP), output masks equal
    (mask_zero: x != 0 before the cast; else none)."""
    case = data.draw(embedding_cases(dtype, spec.edition), label="case")
    result = check.compare(spec, adapter, case, tolerance.layers_embedding)
    if result is not None:
        expected, actual = result
        check.assert_masks(actual, expected, case, adapter)


@pytest.mark.parametrize("feature", [FEATURE])
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """compute_output_shape of an input shape of rank 1-4 with None dims equals the spec's
    (*input_shape, output_dim); the output of a call on a concrete input of that shape has the
    spec's shape too."""
    shape = data.draw(cs.shapes(1, 4, min_side=1, max_side=4), label="shape")
    unknown = data.draw(st.lists(st.booleans(), min_size=len(shape), max_size=len(shape)), label="unknown")
    symbolic = tuple(None if u else d for d, u in zip(shape, unknown))
    config = {"input_dim": data.draw(st.integers(1, 6), label="input_dim"),
              "output_dim": data.draw(st.integers(1, 5), label="output_dim")}
    check.assert_compute_output_shape(spec, adapter, Case(feature, "shape", config, shape=symbolic))
    x = np.random.default_rng(len(shape)).integers(0, config["input_dim"], size=shape).astype(np.int32)
    table = np.zeros((config["input_dim"], config["output_dim"]), np.float32)
    check.assert_call_shape(spec, adapter, Case(feature, "call", config, (x,), weights={"embeddings": table}))


@pytest.mark.parametrize("bad", sorted(OUT_OF_RANGE))
@pytest.mark.parametrize("feature", [FEATURE])
def test_out_of_range(spec, adapter, feature, bad):
    """IMPLEMENTATION-DEFINED: an index outside the table (>= input_dim, < -input_dim, < 0 in Keras 2;
    NaN, inf or beyond int32 as a float), between in-range ones. The spec must mark exactly those as
    OutOfRange (it rejects the call, "implementation-defined"); what the adapter does (rejects, zero
    rows, NaN rows, wraps, clamps) is recorded as information. Where it returns rows, the in-range
    indices of the same call must look up theirs exactly."""
    case, bad_at = out_of_range_case(bad, spec.edition)
    check.track(case)
    x = case.inputs[0]
    # The spec side: a spec regression is an error of the check, never the adapter's divergence.
    layer = spec.build(feature, case.config)
    ok = layer.in_range(x)
    assert np.array_equal(~ok, bad_at), f"spec regression: in_range({x.tolist()}) = {ok.tolist()}"
    with pytest.raises(OutOfRange):
        layer(x, weights=case.weights)
    s_kind, s_msg = check.outcome(spec, case)
    assert s_kind == "rejected" and "implementation-defined" in s_msg, \
        f"spec regression: the reference adapter should reject it as OutOfRange, got {s_kind}: {s_msg}"
    # The same call with the bad indices replaced by 0 is in range: the spec's rows for the rest.
    clean = dataclasses.replace(case, inputs=(np.where(bad_at, 0, x).astype(x.dtype),))
    expected = spec.run(clean).outputs[0]
    a_kind, actual = check.outcome(adapter, case)
    if a_kind == "rejected":
        what = f"rejects it ({actual.split(':', 1)[0]})"
    else:
        out = np.asarray(actual.outputs[0], np.float64)
        check.assert_equal(tuple(out.shape), tuple(expected.shape), case, adapter, "out.shape")
        good = ~bad_at
        check.assert_close(np.where(good[..., None], out, 0.0), np.where(good[..., None], expected, 0.0), case,
                           adapter, ulps=0, check_dtype=False)
        what = f"returns {check.out_of_range_rows(out[bad_at], np.asarray(x, np.float64)[bad_at], TABLE)}"
    recorder().note(f"implementation-defined: indices {np.asarray(x)[bad_at].tolist()} outside a table of "
                    f"input_dim={INPUT_DIM} ({bad}): the adapter {what}; the spec marks them OutOfRange "
                    f"[{check.label(case)}]", case)


@pytest.mark.parametrize("reject", list(REJECTED))
@pytest.mark.parametrize("feature", [FEATURE])
def test_rejects(spec, adapter, feature, reject):
    """An invalid configuration (the row's name says which) is rejected by the adapter as by the spec; on
    Keras 2 the rows of KERAS3_ONLY are accepted by both instead."""
    config, op = REJECTED[reject]
    if op in ("shape", "sample"):
        case = Case(feature, op, config, shape=(2, 3))
    else:
        case = Case(feature, "call", config, (np.array([[0, 1, 4]], np.int32),), weights={"embeddings": TABLE})
    if reject in KERAS3_ONLY and spec.edition == KERAS2:
        check.expect_acceptance(spec, adapter, case)
    else:
        check.expect_rejection(spec, adapter, case)


@pytest.mark.parametrize("feature", [FEATURE])
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, data):
    """from_config(get_config()) with mask_zero True/False and embeddings initializer (the "uniform" and
    "normal" aliases included), regularizer, activity regularizer and constraint variants: both configs
    equal the spec's; the clone's outputs (0 ULP) and masks equal the original's."""
    call = data.draw(embedding_cases("float32", spec.edition), label="case")
    options = data.draw(ROUNDTRIP_OPTIONS, label="options")
    config = {"input_dim": call.config["input_dim"], "output_dim": call.config["output_dim"], **options}
    check.assert_layer_roundtrip(spec, adapter, dataclasses.replace(call, op="roundtrip", config=config))


@pytest.mark.parametrize("config,input_shape", DEFAULT_WEIGHT_CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("feature", [FEATURE])
def test_default_weights(spec, adapter, feature, config, input_shape):
    """The embeddings a built Embedding starts with follow its default "uniform" initializer,
    RandomUniform(-0.05, 0.05) (KS and two moments, see conformance/stats.py), in the (input_dim,
    output_dim) shape."""
    check.assert_default_weights(spec, adapter, Case(feature, "sample", config, shape=input_shape))


@pytest.mark.parametrize("feature", features_of("layers_embedding"))
def test_signature(spec, adapter, feature):
    """The framework's public constructor and a layer's ``call`` accept every argument the spec documents, by the
    same name, kind and default (reference/signatures.py); an extra argument is information
    (check.assert_signature)."""
    check.assert_signature(spec, adapter, feature)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", [FEATURE])
@fewer(3)  # each example builds a layer: 10 per dtype suffice to draw each regularizer
@given(data=st.data())
def test_losses(spec, adapter, feature, dtype, data):
    """layer.losses after a call: the activity penalty of the output (divided by the batch size), then
    the table's penalty, each where its regularizer is set (check.compare_losses)."""
    check.compare_losses(spec, adapter, data.draw(weighted_embedding_cases(dtype, spec.edition), label="case"))


@pytest.mark.parametrize("feature", [FEATURE])
def test_initial_weights(spec, adapter, feature):
    """Embedding(weights=table) called without weights: the rows of that table, exactly."""
    check.compare(spec, adapter, initial_weights_case(), tolerance.layers_embedding)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(GRADIENT_CASES))
@fewer(3)
@given(data=st.data())
def test_gradients(spec, adapter, feature, dtype, data):
    """The VJP of the layer's output for a drawn cotangent, to each floating input and each weight, against
    reference/gradients/ (check.compare_gradients, tolerance.gradients): Embedding to its table: repeated indices add their cotangent rows (a scatter-add), negative in-range ones wrap. Nonzero,
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
