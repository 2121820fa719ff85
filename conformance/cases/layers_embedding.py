"""Cases of the Embedding layer (reference/layers/embedding.py; checks in conformance/test_layers_embedding.py).

- :func:`embedding_cases`: index arrays of rank 1-4 (int32, int64 or float32; negative in-range indices
  in Keras 3, where they wrap) in a table of the dtype, with and without ``mask_zero``.
- OUT_OF_RANGE: bad indices (beyond the table, NaN, inf, beyond int32) between in-range ones
  (:func:`out_of_range_case`), looked up in TABLE.
- REJECTED: invalid configs both must reject; KERAS3_ONLY the rows Keras 2 accepts.
- ROUNDTRIP_OPTIONS: mask_zero and initializer, regularizer and constraint variants.
- DEFAULT_WEIGHT_CASES: a table large enough for KS, with the default initializer and another.
- :func:`weighted_embedding_cases`: call cases with regularizers, for ``layer.losses``.
"""

from __future__ import annotations

import dataclasses
import functools

import numpy as np
from hypothesis import strategies as st

from adapters.base import Case
from conformance import stats
from conformance import strategies as cs
from conformance.cases.regularizers import identifiers
from reference.editions import KERAS2

FEATURE = "layers.Embedding"
INDEX_DTYPES = ("int32", "int64", "float32")


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
    """A ``call`` case: input_dim 1-9, output_dim 1-4, mask_zero either way, in-range indices of
    INDEX_DTYPES (float indices truncate toward zero) and a table of ``dtype``."""
    input_dim = draw(st.integers(1, 9), label="input_dim")
    output_dim = draw(st.integers(1, 4), label="output_dim")
    shape = draw(cs.shapes(1, 4, min_side=1, max_side=4), label="shape")
    index_dtype = draw(st.sampled_from(INDEX_DTYPES), label="index_dtype")
    seed = draw(st.integers(0, 2**32 - 1), label="seed")
    x = _indices(np.random.default_rng(seed), shape, input_dim, _low(edition, input_dim), index_dtype)
    table = draw(cs.arrays(dtype, (input_dim, output_dim)), label="embeddings")
    config = {"input_dim": input_dim, "output_dim": output_dim, "mask_zero": draw(st.booleans(), label="mask_zero")}
    return Case(FEATURE, "call", config, (x,), dtype=dtype, weights={"embeddings": table})


@st.composite
def weighted_embedding_cases(draw, dtype, edition):
    """An :func:`embedding_cases` call case with embeddings_regularizer and activity_regularizer each maybe
    set (identifiers of conformance.cases.regularizers) and a table on the grid (strategies.grid)."""
    case = draw(embedding_cases(dtype, edition), label="case")
    config = dict(case.config)
    for name in ("embeddings_regularizer", "activity_regularizer"):
        reg = draw(identifiers(dtype), label=name)
        if reg is not None:
            config[name] = reg
    table = cs.grid(cs.rng(draw), case.weights["embeddings"].shape, dtype)
    return dataclasses.replace(case, config=config, weights={"embeddings": table})


# --- initial weights: Embedding(weights=table), called without weights= ------------------------------


def initial_weights_case(dtype="float32") -> Case:
    """A lookup of every row in a table given to the constructor and no weights with the call. The table
    is ``weights=[table]``, a list of one array: what both editions take (Keras 3 also takes the bare
    array; tf-keras' Layer takes a list of weight arrays)."""
    table = (np.arange(12).reshape(4, 3) * 0.5 - 2.0).astype(dtype)
    x = np.array([[0, 1, 2, 3, 1]], np.int32)
    return Case(FEATURE, "call", {"input_dim": 4, "output_dim": 3, "weights": [table]}, (x,), dtype=dtype)


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


def out_of_range_case(name, edition):
    """(case, where the bad indices are): the bad values of OUT_OF_RANGE[name] between in-range ones
    (Keras 2: the non-negative ones), looked up in TABLE."""
    index_dtype, bad = OUT_OF_RANGE[name]
    good = np.array([i for i in GOOD if i >= _low(edition, INPUT_DIM)], np.float64)
    x = np.concatenate([good, np.array(bad, np.float64), good[::-1]]).reshape(1, -1)
    bad_at = np.zeros(x.shape, bool)
    bad_at[0, len(good):len(good) + len(bad)] = True
    x = x.astype(index_dtype)
    case = Case(FEATURE, "call", {"input_dim": INPUT_DIM, "output_dim": OUTPUT_DIM}, (x,),
                weights={"embeddings": TABLE})
    return case, bad_at


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

# --- roundtrip ---------------------------------------------------------------------------------
ROUNDTRIP_OPTIONS = st.fixed_dictionaries({"mask_zero": st.booleans()}, optional={
    "embeddings_initializer": st.sampled_from(("uniform", "normal", *cs.INITIALIZERS)),
    "embeddings_regularizer": st.sampled_from(cs.REGULARIZERS),
    "activity_regularizer": st.sampled_from(cs.REGULARIZERS[1:]),
    "embeddings_constraint": st.sampled_from(cs.CONSTRAINTS)})

# --- default weights ---------------------------------------------------------------------------
# The embeddings hold >= stats.ks_sample_size() values (600 * 600 = 360000).
DEFAULT_WEIGHT_CASES = [({"input_dim": 600, "output_dim": 600}, (4, 7)),
                        ({"input_dim": 600, "output_dim": 600, "embeddings_initializer": "random_normal"}, (4, 7))]
for _config, _ in DEFAULT_WEIGHT_CASES:
    assert _config["input_dim"] * _config["output_dim"] >= stats.ks_sample_size()


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
GRADIENT_CASES = {FEATURE: functools.cache(lambda dtype, edition: cs.differentiable(embedding_cases(dtype, edition),
                                                                                  keep_inputs=True))}  # indices

# The training-step check's cases (check.compare_training_step): each weight with a drawn regularizer and constraint.
TRAINING_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.trainable(GRADIENT_CASES[f](dtype, edition)))
                  for f in GRADIENT_CASES}

# The saved-model check's (float32): a call case, with a regularizer and a constraint drawn for each weight.
SAVED_CASES = {f: functools.cache(lambda edition, f=f: cs.savable(embedding_cases("float32", edition))) for f in [FEATURE]}
