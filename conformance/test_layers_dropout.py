"""Checks of Dropout and SpatialDropout1D/2D/3D (reference/layers/dropout.py; cases in
conformance/cases/layers_dropout.py).

At inference (``values``, and the shapes, propagation, rejects and round-trip checks every core
layer has) a dropout layer is the identity. In training, random values are
implementation-defined (every backend has its own stream), so no random value is compared with
the spec's. What is checked is what holds for every draw, exactly, and the law of the draws,
statistically:

- ``training_values``: every output element is 0 or x/(1 - rate) (the kept
  ones under the tolerance policy, one rounding), NaN/inf kept stay NaN/inf
  and dropped ones become 0; the keep pattern is constant along every axis
  where the spec's resolved noise shape is 1 (whole channel maps for
  SpatialDropout); the output has the input's shape and dtype.
- ``inference``: training=False (any rate, 1.0 included) and rate=0 in training
  give the input itself, bit for bit.
- ``seeded``: an int seed gives identical outputs; another seed another pattern.
- ``rate_edges``: rate=1.0 in training gives zeros (Keras 3) or is rejected at
  call (Keras 2); rate=0.0 is the identity.
- ``dropped_fraction``: the number of dropped noise cells follows
  Binomial(cells, rate) (exact binomial test, see :func:`stats.binomial_test`), and
  the pattern varies along every axis whose noise dimension is > 1.

A kept element is told from a dropped one by its value: inputs are finite and
nonzero (x/(1 - rate) is then nonzero too), and where an input holds NaN or inf
the pattern is read from the same case with those elements made finite: the
keep pattern of a seeded layer depends on the seed and the shapes only.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES, to_dtype
from conformance import check, stats, tolerance
from conformance import strategies as cs
from conformance.cases import features_of
from conformance.cases.layers_dropout import (SAVED_CASES, GRADIENT_CASES, CASES, FEATURES, REJECTED, ROUNDTRIP, SEED_CELLS, STAT_CASES, VARIANTS,
                                              edge_input, identity_cases, seed_case, stat_id, training_cases,
                                              varying_axes)
from conformance.divergence import Divergence
from conformance.profiles import fewer
from reference.editions import KERAS2


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The layer's outputs for generated configs and inputs (every special value) with
    training=False: the input itself, exactly."""
    check.layer_values(spec, adapter, data.draw(CASES[feature](dtype), label="case"), tolerance.layers_dropout)


@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_shapes(spec, adapter, feature, data):
    """Output shapes of generated configs and inputs, symbolic (with unknown dims) and actual, and the
    adapter's symbolic shape agreeing with its own call (check.assert_shapes)."""
    call = data.draw(CASES[feature]("float32"), label="case")
    symbolic = data.draw(cs.unknown_dims(call, spec.edition), label="symbolic input shape")
    check.assert_shapes(spec, adapter, call, symbolic)


@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_propagation(spec, adapter, feature, data):
    """The output mask for an input with or without a mask: passed through unchanged, in training or
    not, and never invented for an input without a mask."""
    check.compare_masks(spec, adapter, data.draw(cs.masked_cases(CASES[feature]("float32")), label="case"))


@pytest.mark.parametrize("feature, reject", [(f, name) for f, rows in REJECTED.items() for name in rows])
def test_rejects(spec, adapter, feature, reject):
    """An invalid configuration or input (the row's name says which): the adapter rejects it as the
    spec does, at construction or in the call. A row the spec of the edition under test accepts (only
    the other edition rejects it, e.g. Keras 3's Dropout(1.0) in training) must be accepted."""
    check.assert_reject(spec, adapter, feature, REJECTED[feature][reject])


@pytest.mark.parametrize("feature, variant", ROUNDTRIP)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, variant, data):
    """from_config(get_config()) of generated configs (the seed, SpatialDropout's data_format), of
    Dropout's noise_shape with None entries, seeded in training (the clone draws the same mask),
    and of a data_format in mixed case (Keras 3 lower-cases it)."""
    case = data.draw(CASES[feature]("float32"), label="case")
    check.assert_layer_roundtrip(spec, adapter, VARIANTS[variant](data, case))


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_training_values(spec, adapter, feature, dtype, data):
    """training=True, rate in (0, 1): the output has the input's shape and dtype; each element is
    0 or x/(1 - rate) (ELEMENTWISE_ULPS), a kept NaN/inf stays NaN/inf and a dropped one is 0;
    the keep pattern is constant along every axis where the resolved noise shape is 1
    (SpatialDropout: whole channel maps, axis 1 for channels_first, the last for channels_last)."""
    case = data.draw(training_cases(feature, dtype), label="case")
    result = check.run_both(spec, adapter, case)
    if result is None:
        return
    out = check.single_output(result[1], case, adapter)
    x = np.asarray(case.inputs[0])
    noise = check.noise_shape(spec, case)
    finite = np.isfinite(x.astype(np.float64))
    if finite.all():
        keep = check.keep_pattern(out)
    else:  # the same case with its specials made finite shows the pattern (seeded: same seed, same shapes)
        twin_x = x.copy()
        twin_x[~finite] = 1.0
        twin = dataclasses.replace(case, inputs=(twin_x,))
        twin_out = check.single_output(adapter.run(twin), twin, adapter)
        keep = check.keep_pattern(twin_out)
        check.assert_cells(keep, noise, twin, adapter)
        check.assert_dropout_values(twin_out, keep, twin, adapter)
    check.assert_cells(keep, noise, case, adapter)
    check.assert_dropout_values(out, keep, case, adapter)


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data())
def test_inference(spec, adapter, feature, dtype, data):
    """training=False gives the input itself for any rate, 1.0 included, and so does rate=0 in
    training: bit for bit (±0, subnormals, infinities), NaN for NaN."""
    case = data.draw(identity_cases(feature, dtype), label="case")
    result = check.run_both(spec, adapter, case)
    if result is not None:
        check.assert_identical(check.single_output(result[1], case, adapter), case.inputs[0], case, adapter)


@pytest.mark.parametrize("feature", FEATURES)
@given(data=st.data(), seed=st.integers(0, 2**31 - 2))
def test_seeded(spec, adapter, feature, data, seed):
    """An int seed gives identical outputs on two fresh layers (bit for bit); seed + 1 gives another
    keep pattern (512 noise cells: false-alarm probability <= 1.6e-44 per example)."""
    case = seed_case(feature, data, seed)
    check.track(case)
    first = check.single_output(adapter.run(case), case, adapter)
    second = check.single_output(adapter.run(case), case, adapter)
    check.assert_identical(second, first, case, adapter, what="the first call")
    other_case = dataclasses.replace(case, config={**case.config, "seed": seed + 1})
    other = check.single_output(adapter.run(other_case), other_case, adapter)
    check.assert_stats(case, adapter, [stats.pattern_differs_test(
        check.keep_pattern(first), check.keep_pattern(other), case.config["rate"], SEED_CELLS)])


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", FEATURES)
def test_rate_edges(spec, adapter, feature, dtype):
    """rate=1.0 in training: Keras 3 returns zeros (NaN and inf inputs included), Keras 2 rejects it
    at call (tf.nn.dropout: rate must be in [0, 1)); at inference rate=1.0 is the identity in both.
    rate=0.0 in training is the identity."""
    x = edge_input(feature, dtype)
    config = {"seed": 3}
    one = Case(feature, "call", {**config, "rate": 1.0}, (x,), dtype=dtype, training=True)
    if spec.edition == KERAS2:
        check.expect_rejection(spec, adapter, one)
    else:
        result = check.run_both(spec, adapter, one)
        out = check.single_output(result[1], one, adapter) if result else None
        if result is None or not np.all(np.asarray(out, np.float64) == 0):
            got = "both reject it" if result is None else f"got {np.asarray(out, np.float64).ravel()[:9]}"
            raise Divergence(f"rate=1.0 in training should give zeros [{check.label(one)}]: {got}",
                             {"case": None, "snippet": adapter.snippet(one)})
    for rate, training in ((1.0, False), (0.0, True)):
        case = Case(feature, "call", {**config, "rate": rate}, (x,), dtype=dtype, training=training)
        result = check.run_both(spec, adapter, case)
        if result is None:
            raise Divergence(f"both reject it, but it is the identity [{check.label(case)}]",
                             {"case": None, "snippet": adapter.snippet(case)})
        check.assert_identical(check.single_output(result[1], case, adapter), x, case, adapter)


@pytest.mark.parametrize("feature,config,shape,dtype,delta", [pytest.param(*r, id=stat_id(r)) for r in STAT_CASES])
def test_dropped_fraction(spec, adapter, feature, config, shape, dtype, delta):
    """On x = 1 in training, the kept values are exactly 1/(1 - rate) (ELEMENTWISE_ULPS) and whole
    noise cells are kept or dropped; the number of dropped cells follows Binomial(cells, rate)
    (exact test, false-alarm probability ALPHA, drop-rate error >= delta detected with probability
    >= 1 - BETA), and the pattern varies along every axis whose noise dimension is > 1."""
    case = Case(feature, "call", {**config, "seed": 2024}, (to_dtype(np.ones(shape), dtype),), dtype=dtype,
                training=True)
    check.track(case)
    out = check.single_output(adapter.run(case), case, adapter)
    keep = check.keep_pattern(out)
    noise = check.noise_shape(spec, case)
    cells = check.assert_cells(keep, noise, case, adapter)
    check.assert_dropout_values(out, keep, case, adapter)
    rate = config["rate"]
    tests = [stats.binomial_test(int(cells.size - cells.sum()), int(cells.size), rate, delta)]
    tests += [stats.varies_test(cells, a, rate) for a in varying_axes(noise)]
    check.assert_stats(case, adapter, tests)


@pytest.mark.parametrize("feature", features_of("layers_dropout"))
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
    """In training, the VJP reuses the forward pass's mask: grad = g * (out != 0) / (1 - rate), with the
    adapter's own output (check.assert_dropout_gradient); a mask redrawn for the backward pass fails."""
    check.assert_dropout_gradient(spec, adapter, data.draw(GRADIENT_CASES[feature](dtype, spec.edition), label="case"))


@pytest.mark.parametrize("feature", sorted(SAVED_CASES))
@fewer(3)
@given(data=st.data())
def test_saved_model(spec, adapter, feature, data):
    """The layer (weights, mask, a regularizer and a constraint per weight) in a one-layer model saved to a
    .keras file and loaded again: the loaded layer's config is the spec's, its outputs and masks the
    original's (check.assert_saved_model)."""
    check.assert_saved_model(spec, adapter, data.draw(SAVED_CASES[feature](spec.edition), label="case"))
