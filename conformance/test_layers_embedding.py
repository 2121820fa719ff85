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
- ``default_weights``: the default "uniform" initializer is RandomUniform(-0.05, 0.05) (KS + moments).
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import reference
from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES
from conformance import stats
from conformance import strategies as cs
from conformance import check
from conformance.check import (assert_close, assert_equal, assert_masks, assert_outputs, expect_rejection, label,
                               outcome, run_both)
from conformance.divergence import Divergence, recorder
from reference.editions import KERAS2
from reference.layers.embedding import OutOfRange

FEATURE = "layers.Embedding"
INDEX_DTYPES = ("int32", "int64", "float32")


def spec_layer(spec, config):
    return reference.get_feature(FEATURE).obj(**config, edition=spec.edition)


def _low(edition, input_dim):
    """The smallest index that looks up a row: -input_dim in Keras 3 (wraps), 0 in Keras 2."""
    return 0 if edition == KERAS2 else -input_dim


def _indices(rng, shape, input_dim, low, index_dtype):
    """In-range indices of ``shape``, a quarter of them 0; as floats, each is i + s * k/8 (k < 8,
    s the sign of i, either sign for 0), which truncates to i: 0.5 and -0.875 look up row 0."""
    i = rng.integers(low, input_dim, size=shape)
    i = np.where(rng.random(shape) < 0.25, 0, i)
    if index_dtype.startswith("int"):
        return i.astype(index_dtype)
    sign = np.where(i != 0, np.sign(i), rng.choice([-1, 1], size=shape))
    return (i + sign * rng.integers(0, 8, size=shape) / 8).astype(index_dtype)


@st.composite
def embedding_cases(draw, dtype, edition):
    input_dim = draw(st.integers(1, 9), label="input_dim")
    output_dim = draw(st.integers(1, 4), label="output_dim")
    shape = draw(cs.shapes(1, 4, min_side=1, max_side=4), label="shape")
    index_dtype = draw(st.sampled_from(INDEX_DTYPES), label="index_dtype")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    x = _indices(np.random.default_rng(seed), shape, input_dim, _low(edition, input_dim), index_dtype)
    table = draw(cs.arrays(dtype, (input_dim, output_dim)), label="embeddings")
    config = {"input_dim": input_dim, "output_dim": output_dim, "mask_zero": draw(st.booleans(), label="mask_zero")}
    return Case(FEATURE, "call", config, (x,), dtype=dtype, weights={"embeddings": table})


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", [FEATURE])
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """Lookup of int32/int64/float32 index arrays of rank 1-4 (negative in-range indices wrap; floats
    truncate toward zero) in a table of ``dtype``: outputs exact (0 ULP), output masks equal
    (mask_zero: x != 0 before the cast; else none)."""
    case = data.draw(embedding_cases(dtype, spec.edition), label="case")
    result = run_both(spec, adapter, case)
    if result is not None:
        expected, actual = result
        assert_outputs(actual, expected, case, adapter, ulps=0)
        assert_masks(actual, expected, case, adapter)


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
    case = Case(feature, "shape", config, shape=symbolic)
    result = run_both(spec, adapter, case)
    if result is not None:
        assert_equal(tuple(result[1]), tuple(result[0]), case, adapter, "compute_output_shape")
    x = np.random.default_rng(len(shape)).integers(0, config["input_dim"], size=shape).astype(np.int32)
    table = np.zeros((config["input_dim"], config["output_dim"]), np.float32)
    call = Case(feature, "call", config, (x,), weights={"embeddings": table})
    result = run_both(spec, adapter, call)
    if result is not None:
        expected, actual = result
        assert_equal(len(actual.outputs), 1, call, adapter, "len(outputs)")
        want = tuple(spec_layer(spec, config).compute_output_shape(shape))
        assert_equal(tuple(np.shape(expected.outputs[0])), want, call, adapter, "the spec's out.shape")
        assert_equal(tuple(np.shape(actual.outputs[0])), want, call, adapter, "out.shape")


# --- out of range ------------------------------------------------------------------------------
INPUT_DIM, OUTPUT_DIM = 5, 3
TABLE = (np.arange(INPUT_DIM * OUTPUT_DIM, dtype=np.float32).reshape(INPUT_DIM, OUTPUT_DIM) + 1.0)  # no zero row
# In-range neighbours (negative ones included: they wrap in Keras 3) around the bad indices.
GOOD = (0, 4, -1, -5, 2)
OUT_OF_RANGE = {  # name: (index dtype, bad values)
    "index = input_dim": ("int32", (5,)),
    "index > input_dim": ("int64", (7, 1000)),
    "index < -input_dim": ("int32", (-6, -100)),
    "float index >= input_dim": ("float32", (5.0, 6.5)),
    "float index < -input_dim": ("float32", (-6.0, -7.25)),
    "float NaN": ("float32", (np.nan,)),
    "float inf": ("float32", (np.inf, -np.inf)),
    "float beyond int32": ("float32", (3e9, -3e9)),
}


def _oor_case(name, edition):
    """The bad values between in-range ones (Keras 2: the non-negative ones), and where they are."""
    index_dtype, bad = OUT_OF_RANGE[name]
    good = np.array([i for i in GOOD if i >= _low(edition, INPUT_DIM)], np.float64)
    x = np.concatenate([good, np.array(bad, np.float64), good[::-1]]).reshape(1, -1)
    bad_at = np.zeros(x.shape, bool)
    bad_at[0, len(good):len(good) + len(bad)] = True
    x = x.astype(index_dtype)
    case = Case(FEATURE, "call", {"input_dim": INPUT_DIM, "output_dim": OUTPUT_DIM}, (x,),
                weights={"embeddings": TABLE})
    return case, bad_at


def _classify(rows, idx):
    """What the adapter put where the index is outside the table."""
    kinds = []
    for row, i in zip(rows, idx):
        if np.all(row == 0):
            kinds.append("zero rows")
        elif np.all(np.isnan(row)):
            kinds.append("NaN rows")
        elif np.isfinite(i) and -2**31 <= i < 2**31 and np.array_equal(row, TABLE[int(np.trunc(i)) % INPUT_DIM]):
            kinds.append("wraps (index mod input_dim)")
        elif np.array_equal(row, TABLE[0 if i < 0 else INPUT_DIM - 1]):
            kinds.append("clamps to the nearest row")
        else:
            kinds.append(f"other rows ({row.tolist()})")
    return ", ".join(sorted(set(kinds)))


@pytest.mark.parametrize("bad", sorted(OUT_OF_RANGE))
@pytest.mark.parametrize("feature", [FEATURE])
def test_out_of_range(spec, adapter, feature, bad):
    """IMPLEMENTATION-DEFINED: an index outside the table (>= input_dim, < -input_dim, < 0 in Keras 2;
    NaN, inf or beyond int32 as a float), between in-range ones. The spec must mark exactly those as
    OutOfRange (it rejects the call, "implementation-defined"); what the adapter does (rejects, zero
    rows, NaN rows, wraps, clamps) is recorded as information. Where it returns rows, the in-range
    indices of the same call must look up theirs exactly."""
    case, bad_at = _oor_case(bad, spec.edition)
    recorder().last_case = case
    x = case.inputs[0]
    # The spec side: a spec regression is an error of the check, never the adapter's divergence.
    layer = spec_layer(spec, case.config)
    ok = layer.in_range(x)
    assert np.array_equal(~ok, bad_at), f"spec regression: in_range({x.tolist()}) = {ok.tolist()}"
    with pytest.raises(OutOfRange):
        layer(x, weights=case.weights)
    s_kind, s_msg = outcome(spec, case)
    assert s_kind == "rejected" and "implementation-defined" in s_msg, \
        f"spec regression: the reference adapter should reject it as OutOfRange, got {s_kind}: {s_msg}"
    # The same call with the bad indices replaced by 0 is in range: the spec's rows for the rest.
    clean = dataclasses.replace(case, inputs=(np.where(bad_at, 0, x).astype(x.dtype),))
    expected = spec.run(clean).outputs[0]
    a_kind, actual = outcome(adapter, case)
    if a_kind == "rejected":
        what = f"rejects it ({actual.split(':', 1)[0]})"
    else:
        out = np.asarray(actual.outputs[0], np.float64)
        assert_equal(tuple(out.shape), tuple(expected.shape), case, adapter, "out.shape")
        good = ~bad_at
        assert_close(np.where(good[..., None], out, 0.0), np.where(good[..., None], expected, 0.0), case, adapter,
                     ulps=0, check_dtype=False)
        what = f"returns {_classify(out[bad_at], np.asarray(x, np.float64)[bad_at])}"
    recorder().note(f"implementation-defined: indices {np.asarray(x)[bad_at].tolist()} outside a table of "
                    f"input_dim={INPUT_DIM} ({bad}): the adapter {what}; the spec marks them OutOfRange "
                    f"[{label(case)}]", case)


# --- rejects -----------------------------------------------------------------------------------
BASE = {"input_dim": INPUT_DIM, "output_dim": OUTPUT_DIM}
REJECTED = {  # name: (config, op): a "shape" case rejects at construction or in compute_output_shape, a
    # "sample" one when building the table, a "call" one in the call
    "input_dim = 0": ({**BASE, "input_dim": 0}, "shape"),
    "input_dim < 0": ({**BASE, "input_dim": -3}, "shape"),
    "input_dim float": ({**BASE, "input_dim": 5.0}, "shape"),
    "input_dim bool": ({**BASE, "input_dim": True}, "shape"),
    "output_dim = 0": ({**BASE, "output_dim": 0}, "shape"),
    "output_dim < 0": ({**BASE, "output_dim": -1}, "shape"),
    "output_dim float": ({**BASE, "output_dim": 3.0}, "shape"),
    "output_dim bool": ({**BASE, "output_dim": True}, "shape"),
    # Keras builds LoRA weights the spec does not have: the weights the case supplies do not fit.
    "unknown initializer": ({**BASE, "embeddings_initializer": "no_such_initializer"}, "shape"),
    "unknown regularizer": ({**BASE, "embeddings_regularizer": "no_such_regularizer"}, "shape"),
    "unknown constraint": ({**BASE, "embeddings_constraint": "no_such_constraint"}, "shape"),
}
# Rows Keras 2 accepts: its constructor tests only `<= 0` and its compute_output_shape ignores input_dim
# (a bool output_dim is 1 there); building the table would reject them.
KERAS3_ONLY = {"input_dim float", "input_dim bool", "output_dim bool"}


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
        if run_both(spec, adapter, case) is None:
            raise Divergence(f"both reject what Keras 2 accepts [{label(case)}]",
                             {"case": None, "snippet": adapter.snippet(case)})
        return
    expect_rejection(spec, adapter, case)


# --- roundtrip ---------------------------------------------------------------------------------
ROUNDTRIP_OPTIONS = st.fixed_dictionaries({"mask_zero": st.booleans()}, optional={
    "embeddings_initializer": st.sampled_from(("uniform", "normal", *cs.INITIALIZERS)),
    "embeddings_regularizer": st.sampled_from(cs.REGULARIZERS),
    "activity_regularizer": st.sampled_from(cs.REGULARIZERS[1:]),
    "embeddings_constraint": st.sampled_from(cs.CONSTRAINTS)})


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


# --- default weights ---------------------------------------------------------------------------
# The embeddings hold >= stats.ks_sample_size() values (600 * 600 = 360000).
DEFAULT_WEIGHT_CASES = [({"input_dim": 600, "output_dim": 600}, (4, 7))]
for _config, _ in DEFAULT_WEIGHT_CASES:
    assert _config["input_dim"] * _config["output_dim"] >= stats.ks_sample_size()


@pytest.mark.parametrize("config,input_shape", DEFAULT_WEIGHT_CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("feature", [FEATURE])
def test_default_weights(spec, adapter, feature, config, input_shape):
    """The embeddings a built Embedding starts with follow its default "uniform" initializer,
    RandomUniform(-0.05, 0.05) (KS and two moments, see conformance/stats.py), in the (input_dim,
    output_dim) shape."""
    case = Case(feature, "sample", config, shape=input_shape)
    recorder().last_case = case
    weights = adapter.run(case)
    expected = spec.run(case)
    assert_equal(sorted(weights), sorted(expected), case, adapter, "weight names")
    table = np.asarray(weights["embeddings"], np.float64)
    assert_equal(tuple(table.shape), (config["input_dim"], config["output_dim"]), case, adapter, "embeddings.shape")
    dist = spec_layer(spec, config).embeddings_initializer.distribution(table.shape)
    check.assert_stats(case, adapter, [stats.ks_test(table, dist), *stats.moment_tests(table, dist)])

