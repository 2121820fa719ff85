"""Hypothesis strategies for the suite's cases.

Every strategy yields values exactly representable in the requested dtype, so
the spec (float64) and the framework see the same numbers.
"""

from __future__ import annotations

import dataclasses
import functools
import math
import re

import numpy as np
from hypothesis import strategies as st

import reference
from adapters.base import Case
from adapters.dtypes import FLOAT_DTYPES, finfo, np_dtype, to_dtype  # noqa: F401  (np_dtype: the checks name dtypes through here)
from conformance.cases.regularizers import identifiers
from reference.editions import KERAS2, KERAS3
from reference.registry import features

_WIDTH = {"float16": 16, "bfloat16": 32, "float32": 32, "float64": 64}


def _check_dtype(dtype):
    if dtype not in FLOAT_DTYPES:
        raise ValueError(f"dtype must be one of {FLOAT_DTYPES}, got {dtype!r}")


@functools.cache  # Hypothesis validates each new strategy object: build each one once
def floats(dtype: str, *, min_value=None, max_value=None, allow_nan=True, allow_infinity=True,
           allow_subnormal=True):
    """Floats representable in ``dtype`` (bfloat16: float32 draws rounded to bfloat16),
    as Python floats. Bounds are inclusive and must be finite when given."""
    _check_dtype(dtype)
    if min_value is not None and max_value is not None and min_value > max_value:
        raise ValueError(f"min_value={min_value} > max_value={max_value}")
    bounded = min_value is not None or max_value is not None
    s = st.floats(min_value=min_value, max_value=max_value, width=_WIDTH[dtype], allow_nan=allow_nan and not bounded,
                  allow_infinity=allow_infinity and not bounded, allow_subnormal=allow_subnormal)
    if dtype == "bfloat16":
        s = s.map(lambda v: float(to_dtype(v, "bfloat16"))).filter(
            lambda v: (min_value is None or v >= min_value) and (max_value is None or v <= max_value))
    return s


# --- shape pools ---------------------------------------------------------------------------------
# A framework that caches a compiled program per op and input shape (JAX's eager ops) spends most
# of a check compiling when every example has a new shape. With pooled shapes (``--shapes=pooled``,
# the default for such adapters: Adapter.compiles_per_shape, conformance/plugin.py) a check's shapes come from POOL_SIZE fixed
# ones per code path, so its compile caches are hit; configs and values are drawn as before.
POOL_SIZE = 4
_pooled = False


def pool_shapes(on: bool) -> None:
    """Draw shapes from the pools (True) or from their whole ranges (False, the default)."""
    global _pooled
    _pooled = bool(on)


def pooled() -> bool:
    return _pooled


def _pool_member(v: int, n: int) -> int:
    """Under pooled shapes, the draw ``v`` in [0, n) mapped to one of POOL_SIZE fixed members of
    [0, n): the first (where a draw shrinks to), the last, and points spread between."""
    if not _pooled or n <= POOL_SIZE:
        return v
    return (0, n - 1, n // 3, (2 * n) // 3)[v % POOL_SIZE]


def shape_rng(rng):
    """The generator a case strategy draws its input's sizes from: ``rng`` itself or, under pooled
    shapes, a generator seeded by one of POOL_SIZE seeds that ``rng`` picks."""
    return np.random.default_rng(int(rng.integers(POOL_SIZE))) if _pooled else rng


@functools.cache
def shapes(min_dims=1, max_dims=3, min_side=1, max_side=5):
    """Array shapes: a rank in [min_dims, max_dims], each side in [min_side, max_side].

    Two draws, the rank and one integer whose base-k digits (k = max_side - min_side + 1)
    are the sides, rather than one draw per side: each draw costs Hypothesis about 0.1 ms.
    Shrinks toward the lowest rank with every side min_side. Under pooled shapes, POOL_SIZE
    shapes per rank: every side min_side, every side max_side, and two between.
    """
    if not 0 <= min_dims <= max_dims:
        raise ValueError(f"need 0 <= min_dims <= max_dims, got {min_dims}, {max_dims}")
    if not 0 <= min_side <= max_side:
        raise ValueError(f"need 0 <= min_side <= max_side, got {min_side}, {max_side}")
    k = max_side - min_side + 1

    def shape(t):
        rank, v = t
        v = _pool_member(v % k**rank, k**rank)
        return tuple(min_side + (v // k**i) % k for i in range(rank))

    return st.tuples(st.integers(min_dims, max_dims), st.integers(0, k**max_dims - 1)).map(shape)


@functools.cache
def arrays(dtype: str, shape, *, magnitudes=None):
    """Arrays of ``dtype`` (bfloat16 as ml_dtypes.bfloat16); ``shape`` a tuple or a strategy of tuples.

    Hypothesis draws the shape and a 32-bit seed (and shrinks both); NumPy draws the
    values from that seed. One draw per array, not one per element: an element drawn
    through Hypothesis costs about 0.1 ms, more than the framework call under test.
    Every element is independent, from this law (each value rounded to the dtype):

    - ``magnitudes=None``: with probability 1/4 one of :func:`edge_values` (±0, ±inf,
      NaN, the extremes, subnormals, the points where relu6 and hard_sigmoid bend);
      3/8 uniform on [-8, 8]; 3/8 ±2**u with u uniform over the dtype's whole
      exponent range, from the smallest subnormal to the largest finite number.
    - ``magnitudes=(lo, hi)`` (0 < lo <= hi, finite, representable in the dtype): with
      probability 1/5 zero, else ±2**u with u uniform on [log2 lo, log2 hi].
    """
    _check_dtype(dtype)
    if magnitudes is not None and not 0 < magnitudes[0] <= magnitudes[1] < np.inf:
        raise ValueError(f"magnitudes must be (lo, hi) with 0 < lo <= hi < inf, got {magnitudes!r}")
    shape = shape if isinstance(shape, st.SearchStrategy) else st.just(tuple(shape))
    return st.tuples(shape, st.integers(0, 2**32 - 1)).map(
        lambda s: _fill(np.random.default_rng(s[1]), s[0], dtype, magnitudes))


def _fill(rng, shape, dtype, magnitudes):
    n = int(np.prod(shape))
    sign = rng.choice([-1.0, 1.0], n)
    if magnitudes is not None:
        lo, hi = magnitudes
        v = sign * np.exp2(rng.uniform(np.log2(lo), np.log2(hi), n))
        v = np.where(rng.random(n) < 0.2, 0.0, np.clip(np.abs(to_dtype(v, dtype).astype(np.float64)), lo, hi) * sign)
    else:
        fi = finfo(dtype)
        edges = _edges64(dtype)
        log_span = rng.uniform(np.log2(float(fi.smallest_subnormal)), np.log2(float(fi.max)), n)
        kind = rng.random(n)
        v = np.where(kind < 0.25, rng.choice(edges, n),
                     np.where(kind < 0.625, rng.uniform(-8.0, 8.0, n), sign * np.exp2(log_span)))
    return to_dtype(v.reshape(shape), dtype)


@functools.cache
def _edges64(dtype: str) -> np.ndarray:
    return np.asarray(edge_values(dtype), np.float64)


def edge_values(dtype: str) -> np.ndarray:
    """Every special and extreme value of ``dtype`` with both signs: ±0, ±inf, NaN, the largest
    finite, the smallest normal and subnormal, and round values around 0, 1, 3 and 6 (where
    hard_sigmoid and relu6 bend), in one 1-D array."""
    _check_dtype(dtype)
    fi = finfo(dtype)
    mags = [0.0, float(fi.smallest_subnormal), float(fi.smallest_normal), 1e-3, 0.25, 0.5, 1.0, 2.5, 3.0,
            5.0, 6.0, 10.0, 20.0, 50.0, 100.0, float(fi.max), np.inf]
    vals = sorted({v for m in mags for v in (m, -m)}) + [np.nan]
    return to_dtype(np.array(vals, np.float64), dtype)



# Input and weight magnitudes for layers that compute: a Dense sum of 5 products stays far
# below float16's 65504, and 2**-6 keeps every product a normal number.
FINITE = (2.0**-6, 16.0)
WEIGHTS = (2.0**-6, 2.0)
# Weight magnitudes for the constraints and regularizers, per dtype: where the 1e-7 epsilon added to a
# norm stays below the dtype's rounding. Bounds are representable in the dtype (float32: 1e-3 rounded up
# to 0.0010000000474974513).
MAGNITUDES = {"float16": (2.0**-6, 100.0), "bfloat16": (2.0**-6, 100.0),
              "float32": (float(np.float32(1e-3)), 1e6), "float64": (1e-3, 1e6)}


def grid(rng, shape, dtype):
    """Multiples of 0.5 in [-2, 2]: small sums of their products are exact in every dtype
    (bfloat16 included), so a result that sums them depends on the formula, not on rounding."""
    return to_dtype(rng.integers(-4, 5, size=shape) / 2.0, dtype)


def rng(draw):
    """A NumPy generator seeded by one draw of 32 bits: a case strategy draws its structure (sizes,
    config choices) from it, one Hypothesis draw in all, which Hypothesis still shrinks."""
    return np.random.default_rng(draw(st.integers(0, 2**32 - 1)))


# A layer's nested objects, as identifiers and {"class_name", "config"} dicts: what a config round trip must keep.
REGULARIZERS = (None, "l1", "l2", {"class_name": "L1L2", "config": {"l1": 0.01, "l2": 0.02}},
                {"class_name": "L2", "config": {"l2": 0.5}})
CONSTRAINTS = (None, "non_neg", "unit_norm", {"class_name": "MaxNorm", "config": {"max_value": 2.0, "axis": 0}},
               {"class_name": "MinMaxNorm", "config": {"min_value": 0.5, "max_value": 1.5, "rate": 0.5, "axis": 0}})
INITIALIZERS = ("glorot_uniform", "he_normal", "zeros", "ones", "lecun_uniform",
                {"class_name": "RandomNormal", "config": {"mean": 0.5, "stddev": 0.25, "seed": 3}},
                {"class_name": "VarianceScaling",
                 "config": {"scale": 2.0, "mode": "fan_out", "distribution": "uniform", "seed": 1}},
                {"class_name": "Constant", "config": {"value": 0.5}})


def weight_objects(*weights) -> dict:
    """{config key: choices} of the nested objects a round trip must keep: each weight's
    initializer, regularizer and constraint, and the activity regularizer."""
    choices = {}
    for kind, values in (("initializer", INITIALIZERS), ("regularizer", REGULARIZERS)):
        choices.update({f"{w}_{kind}": values for w in weights})
    choices["activity_regularizer"] = REGULARIZERS[1:]
    choices.update({f"{w}_constraint": CONSTRAINTS for w in weights})
    return choices


def options(**choices):
    """Configs with any subset of these keys, each drawn from its choices."""
    return st.fixed_dictionaries({}, optional={k: st.sampled_from(v) for k, v in choices.items()})


ACTIVATION_NAMES = tuple(f.name for f in features("activations"))


@st.composite
def weighted_layer_case(draw, feature, dtype, regularizers):
    """A ``call`` case of a convolution-family layer (2 filters, kernel 2, input (1, 3, 2), (1, 3, 3, 2)
    or (1, 3, 3, 3, 2) by the layer's rank) with each of its ``regularizers`` (config keys: the weights',
    then activity_regularizer) maybe set (an identifier of conformance.cases.regularizers), use_bias
    either way, and weights on the grid of :func:`grid`; the weight shapes are the spec's
    (``weight_shapes``)."""
    rank = int(re.search(r"(\d)D", feature).group(1))
    config = {"kernel_size": 2, "use_bias": draw(st.booleans(), label="use_bias")}
    if "Depthwise" not in feature:
        config["filters"] = 2
    for name in regularizers:
        reg = draw(identifiers(dtype), label=name)
        if reg is not None:
            config[name] = reg
    shape = (1, *(3,) * rank, 2)
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="values_seed"))
    spec = reference.get_feature(feature)  # built in its first edition: LocallyConnected is Keras 2's
    layer = spec.obj(**{k: v for k, v in config.items() if not k.endswith("regularizer")}, edition=spec.editions[0])
    weights = {k: grid(rng, s, dtype) for k, s in layer.weight_shapes(shape).items()}
    return Case(feature, "call", config, (grid(rng, shape, dtype),), dtype=dtype, weights=weights)



# --- core layers ----------------------------------------------------------------------------------
# What the core layers' families (conformance/cases/layers_core, layers_reshaping, layers_dropout,
# layers_masking, layers_regularization) share: the rows of their literal case tables, and the
# strategies their common checks (shapes, mask propagation, config round trip) draw with.

@st.composite
def unknown_dims(draw, case, edition):
    """The call case's input shape with the batch None and some non-batch dims None, where the layer
    allows it: everywhere, except Dense's last dim in Keras 2 (its compute_output_shape needs it) and
    a multi-input Lambda, whose inputs get the same unknown dims (the hadamard product needs equal
    shapes). A tuple, or a list of tuples for several inputs."""
    shapes = [tuple(x.shape) for x in case.inputs]
    rank = len(shapes[0])
    free = list(range(1, rank - 1 if case.feature == "layers.Dense" and edition == KERAS2 else rank))
    unknown = set(draw(st.lists(st.sampled_from(free), unique=True, max_size=len(free)))) if free else set()
    out = [tuple(None if i == 0 or i in unknown else d for i, d in enumerate(s)) for s in shapes]
    return out if len(out) > 1 else out[0]


@st.composite
def masked_cases(draw, cases):
    """A call case drawn from ``cases`` (a core layer's, float32) with an input mask of shape
    x.shape[:-1] (the timesteps of a 3-D input): ``none``, ``random`` booleans, or ``from_masking``
    (the input as Masking(0.0) outputs it, some timesteps zeroed, with its mask). A single-input
    Lambda gets ``mask="mask_positive"`` half the time; a dropout layer runs in training half the
    time (the mask passes through either way)."""
    case = draw(cases, label="case")
    x = np.array(case.inputs[0], copy=True)
    kind = draw(st.sampled_from(("none", "random", "from_masking")), label="mask_kind")
    rng = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="mask_seed"))
    mask_shape = x.shape[:-1]
    mask = None
    if kind == "random":
        mask = rng.random(mask_shape) < 0.6
    elif kind == "from_masking":
        zero = rng.random(mask_shape) < 0.4
        x[zero] = 0.0
        mask = np.any(x != 0, axis=-1)
        x = np.where(mask[..., None], x, np.zeros_like(x))
    changes = {"inputs": (x, *case.inputs[1:]), "mask": mask}
    if case.feature == "layers.Lambda" and len(case.inputs) == 1 and draw(st.booleans(), label="with_mask_fn"):
        changes["config"] = {**case.config, "mask": "mask_positive"}
    if "Dropout" in case.feature:
        changes["training"] = draw(st.booleans(), label="training")
    return dataclasses.replace(case, **changes)


def roundtrip_variant(extra=None, training=False):
    """A config round trip of a generated call case, as ``(data, case) -> case``: the ``roundtrip``
    case of the generated config (``extra`` None) or of it with the keys drawn from ``extra`` added,
    with ``training`` set (a seeded dropout's clone must draw the same mask)."""
    def variant(data, case):
        config = case.config if extra is None else {**case.config, **data.draw(extra, label="options")}
        return dataclasses.replace(case, op="roundtrip", config=config, training=training)
    return variant


# A data_format in mixed case: Keras 3 lower-cases it, Keras 2 rejects it.
MIXED_CASE_DATA_FORMATS = st.sampled_from(({"data_format": "Channels_First"}, {"data_format": "CHANNELS_LAST"}))

KERAS3_ONLY, KERAS2_ONLY = (KERAS3,), (KERAS2,)


@dataclasses.dataclass(frozen=True)
class Reject:
    """One invalid configuration or input of a layer. ``x`` the input shape of a ``call`` case
    (float32 values from -1 to 1), ``shape`` the input shape of a ``shape`` case (``x`` None);
    ``editions`` those whose spec rejects it."""

    config: dict
    x: tuple | None = None
    shape: object = None
    training: bool = False
    weights: dict | None = None
    editions: tuple = (KERAS3, KERAS2)

    def case(self, feature):
        if self.x is None:
            return Case(feature, "shape", self.config, shape=self.shape)
        x = np.linspace(-1, 1, math.prod(self.x), dtype=np.float32).reshape(self.x)
        return Case(feature, "call", self.config, (x,), weights=self.weights, training=self.training)


@dataclasses.dataclass(frozen=True)
class PageExample:
    """A shape example of the seed page (../shared/seeds/001), literally: the layer's config, the
    input shape (batch None; a list for several inputs; None for keras.Input) and the output shape
    the page states (for keras.Input: its (shape, dtype))."""

    feature: str
    config: dict
    shape: object
    page: object

    def case(self):
        return Case(self.feature, "shape", self.config, shape=self.shape)


# --- gradients ------------------------------------------------------------------------------------
# The value law of a gradient case: no zeros, no specials, so no input sits on a kink (relu at 0, a
# max's tie) by construction; kinks get their own checks, and their conventions are information.
GRADIENT_INPUTS = (2.0**-6, 4.0)
GRADIENT_WIDE = (2.0**-6, 100.0)  # an activation's input: far into the tails where stable formulas matter
GRADIENT_WEIGHTS = (2.0**-6, 1.0)
COTANGENTS = (2.0**-4, 2.0)


def nonzero(rng, shape, dtype, magnitudes) -> np.ndarray:
    """±2**u, u uniform on [log2 lo, log2 hi], rounded to ``dtype``: continuous enough that ties and
    exact cancellations are rare (``rng`` a NumPy generator)."""
    lo, hi = magnitudes
    n = int(np.prod(shape))
    v = rng.choice([-1.0, 1.0], n) * np.exp2(rng.uniform(np.log2(lo), np.log2(hi), n))
    return to_dtype(v.reshape(shape), dtype)


@st.composite
def differentiable(draw, cases, inputs=GRADIENT_INPUTS, keep_inputs=False):
    """A ``grad`` case from a call case of ``cases``: its floating inputs (unless ``keep_inputs``) and
    its weights refilled from :func:`nonzero` (inputs at ``inputs`` magnitudes, weights at
    GRADIENT_WEIGHTS), from one drawn seed; no input mask. The cotangent is added by the check
    (``check.with_cotangent``), for the spec's output shapes."""
    case = draw(cases, label="case")
    r = np.random.default_rng(draw(st.integers(0, 2**32 - 1), label="values_seed"))

    def refill(x):
        x = np.asarray(x)
        floating = x.dtype.kind == "f" or x.dtype.name == "bfloat16"
        return nonzero(r, x.shape, case.dtype, inputs) if floating and not keep_inputs else x

    weights = case.weights and {k: nonzero(r, np.shape(w), case.dtype, GRADIENT_WEIGHTS) for k, w in case.weights.items()}
    return dataclasses.replace(case, op="grad", inputs=tuple(refill(x) for x in case.inputs), weights=weights, mask=None)


LEARNING_RATES = (0.01, 0.1, 0.5, 1.0)


def _weight_objects(draw, case) -> dict:
    """``case.config`` with a regularizer and a constraint drawn for each of its weights from
    REGULARIZERS and CONSTRAINTS (None included), named as the layer's config names them (a
    depthwise kernel's ``depthwise_regularizer``)."""
    cls = reference.get_feature(case.feature).obj
    config = dict(case.config)
    for w in case.weights or ():
        reg = next((r for n, _, r in getattr(cls, "kernel_weights", ()) if n == w), f"{w}_regularizer")
        for key, choices in ((reg, REGULARIZERS), (reg.replace("_regularizer", "_constraint"), CONSTRAINTS)):
            value = draw(st.sampled_from(choices), label=key)
            if value is not None:
                config[key] = value
    return config


@st.composite
def trainable(draw, cases):
    """A ``train`` case from a grad case of ``cases`` (a layer with weights): each weight gets a
    regularizer and a constraint (:func:`_weight_objects`), and a learning rate from LEARNING_RATES."""
    case = draw(cases, label="case")
    return dataclasses.replace(case, op="train", config=_weight_objects(draw, case),
                               learning_rate=draw(st.sampled_from(LEARNING_RATES), label="learning_rate"))


@st.composite
def savable(draw, cases):
    """A ``call`` case of ``cases`` for the saved-model check (``check.assert_saved_model``): a
    layer with weights gets a regularizer and a constraint per weight (:func:`_weight_objects`),
    so that the file's nested objects are drawn too."""
    case = draw(cases, label="case")
    return dataclasses.replace(case, config=_weight_objects(draw, case))
