"""Cases of the cropping, zero-padding and up-sampling layers (reference/layers/spatial.py; checks in
conformance/test_layers_spatial.py).

:func:`spatial_cases` draws a batch of 1-2, 1-3 channels and small spatial sides, a valid config
(cropping/padding as an int, one int per axis, or a (before, after) pair per axis, as tuples or lists;
size as an int or a tuple; data_format in mixed case or the default None, only where the edition has
one: Keras 2's ZeroPadding1D has none; UpSampling2D's interpolation in any letter case), and inputs
with every special value unless magnitudes are given. Tables: REJECTED (invalid configs and inputs,
with the rows only Keras 3 rejects) and IMPLEMENTATION_DEFINED (calls whose result the spec leaves
to the backend).
"""

from __future__ import annotations

import functools
import math

import numpy as np
from hypothesis import strategies as st

from adapters.base import Case
from conformance import strategies as cs
from reference.editions import KERAS2, KERAS3
from reference.layers.spatial import IMPLEMENTATION_DEFINED_INTERPOLATIONS

# feature: (kind, rank, has data_format)
LAYERS = {
    "layers.Cropping1D": ("crop", 1, False),
    "layers.Cropping2D": ("crop", 2, True),
    "layers.Cropping3D": ("crop", 3, True),
    "layers.ZeroPadding1D": ("pad", 1, True),
    "layers.ZeroPadding2D": ("pad", 2, True),
    "layers.ZeroPadding3D": ("pad", 3, True),
    "layers.UpSampling1D": ("up", 1, False),
    "layers.UpSampling2D": ("up", 2, True),
    "layers.UpSampling3D": ("up", 3, True),
}
FEATURES = tuple(LAYERS)
KERAS3_DATA_FORMAT = {"layers.ZeroPadding1D"}  # Keras 2's ZeroPadding1D takes no data_format
MAX_SIDE = {1: 7, 2: 5, 3: 3}  # spatial sides (small: the suite is a CI gate)


def _form(rng, pairs, rank):
    """The cropping/padding argument for per-axis (before, after) pairs: an int when every pair is the
    same symmetric one (sometimes), one int per axis when each is symmetric (sometimes), else pairs;
    tuples or lists. Cropping1D/ZeroPadding1D take one pair: an int or the pair itself."""
    seq = tuple if rng.random() < 0.7 else list
    if rank == 1:
        (a, b), = pairs
        return a if a == b and rng.random() < 0.5 else seq((a, b))
    if len(set(pairs)) == 1 and pairs[0][0] == pairs[0][1] and rng.random() < 0.5:
        return pairs[0][0]
    if all(a == b for a, b in pairs) and rng.random() < 0.5:
        return seq(a for a, _ in pairs)
    return seq(seq(p) for p in pairs)


def _data_format(rng, feature, *, mixed_case=False, edition=KERAS3):
    if not LAYERS[feature][2] or (edition == KERAS2 and feature in KERAS3_DATA_FORMAT):
        return {}
    r = rng.random()
    if r < 0.2:
        return {}  # the default (None: channels_last)
    fmt = "channels_first" if r < 0.6 else "channels_last"
    if mixed_case and rng.random() < 0.5:
        fmt = fmt.title().replace("_l", "_L").replace("_f", "_F")  # Keras 3 lower-cases it
    return {"data_format": fmt}


def _layout(config, feature, batch, spatial, channels):
    cf = str(config.get("data_format", "channels_last")).lower() == "channels_first"
    return (batch, channels, *spatial) if cf else (batch, *spatial, channels)


def _config(rng, feature, spatial, *, interpolation="nearest", edition=KERAS3):
    """A valid config for ``spatial`` sides (a crop leaves at least one cell on every axis) in ``edition``."""
    kind, rank, _ = LAYERS[feature]
    config = _data_format(rng, feature, mixed_case=True, edition=edition)
    # An identity crop or pad: drawn sizes reach it by chance (a side of 1), a few pooled ones seldom do.
    identity = cs.pooled() and rng.random() < 0.15
    if kind == "crop":
        pairs = []
        for d in spatial:
            c0 = 0 if identity else int(rng.integers(0, d))
            pairs.append((c0, 0 if identity else int(rng.integers(0, d - c0))))
        config["cropping"] = _form(rng, pairs, rank)
    elif kind == "pad":
        config["padding"] = _form(rng, [(0, 0) if identity else tuple(int(v) for v in rng.integers(0, 4, 2))
                                        for _ in spatial], rank)
    else:
        sizes = [int(v) for v in rng.integers(1, 4, rank)]
        if rank == 1:
            config["size"] = sizes[0]
        elif len(set(sizes)) == 1 and rng.random() < 0.4:
            config["size"] = sizes[0]
        else:
            config["size"] = tuple(sizes) if rng.random() < 0.7 else list(sizes)
        if rank == 2:
            config["interpolation"] = interpolation if rng.random() < 0.7 else interpolation.upper()
    # Now and then the layer's own default cropping, padding or size (a default crop leaves a cell).
    if rng.random() < 0.2 and (kind != "crop" or feature == "layers.Cropping2D" or min(spatial) >= 3):
        del config[{"crop": "cropping", "pad": "padding"}.get(kind, "size")]
    return config


def _spatial(rng, feature):
    """Spatial sides up to MAX_SIDE; for a crop, now and then at least 3 each, where its default crop
    (1 cell each side) leaves a cell."""
    kind, rank, _ = LAYERS[feature]
    low = 3 if kind == "crop" and rng.random() < 0.3 else 1
    return [int(v) for v in rng.integers(low, max(low, MAX_SIDE[rank]) + 1, rank)]


@st.composite
def spatial_cases(draw, feature, dtype, *, interpolation="nearest", magnitudes=None, edition=KERAS3):
    """A ``call`` case of ``feature``: batch 1-2, 1-3 channels, small spatial sides; inputs with every
    special value unless ``magnitudes`` is given; a data_format only where ``edition`` has one."""
    rng = cs.rng(draw)
    sizes = cs.shape_rng(rng)
    spatial = _spatial(sizes, feature)
    config = _config(rng, feature, spatial, interpolation=interpolation, edition=edition)
    shape = _layout(config, feature, int(sizes.integers(1, 3)), spatial, int(sizes.integers(1, 4)))
    x = draw(cs.arrays(dtype, shape, magnitudes=magnitudes), label="x")
    return Case(feature, "call", config, (x,), dtype=dtype)


# --- rejects -----------------------------------------------------------------------------------
def _call(feature, config, shape):
    x = np.linspace(-1, 1, math.prod(shape), dtype=np.float32).reshape(shape)
    return Case(feature, "call", config, (x,))


def _shape(feature, config, shape):
    return Case(feature, "shape", config, shape=tuple(shape))


CF = {"data_format": "channels_first"}
BAD_FORMAT = {"data_format": "channels_middle"}
REJECTED = {
    "layers.Cropping1D": {
        "negative int": _shape("layers.Cropping1D", {"cropping": -1}, (None, 4, 2)),
        "negative entry": _shape("layers.Cropping1D", {"cropping": (1, -1)}, (None, 4, 2)),
        "3 entries": _shape("layers.Cropping1D", {"cropping": (1, 1, 1)}, (None, 4, 2)),
        "crop = length": _call("layers.Cropping1D", {"cropping": (2, 2)}, (2, 4, 2)),
        "crop > length": _call("layers.Cropping1D", {"cropping": (5, 0)}, (1, 4, 2)),
        "crop = length, symbolic": _shape("layers.Cropping1D", {"cropping": (3, 1)}, (None, 4, None)),
        "float entry": _call("layers.Cropping1D", {"cropping": (1.0, 1)}, (1, 4, 2)),
        "rank 4 input": _call("layers.Cropping1D", {"cropping": 1}, (1, 4, 2, 1)),
    },
    "layers.Cropping2D": {
        "negative int": _shape("layers.Cropping2D", {"cropping": -1}, (None, 4, 4, 1)),
        "negative in pair": _shape("layers.Cropping2D", {"cropping": ((1, -1), (0, 0))}, (None, 4, 4, 1)),
        "3 entries": _shape("layers.Cropping2D", {"cropping": (1, 1, 1)}, (None, 4, 4, 1)),
        "pair of 3": _shape("layers.Cropping2D", {"cropping": ((1, 1, 1), (0, 0))}, (None, 4, 4, 1)),
        "float": _shape("layers.Cropping2D", {"cropping": 1.5}, (None, 4, 4, 1)),
        "height crop = H": _call("layers.Cropping2D", {"cropping": ((2, 2), (0, 0))}, (1, 4, 5, 1)),
        "width crop = W, channels_first": _call("layers.Cropping2D", {"cropping": ((0, 0), (1, 2)), **CF},
                                                (1, 2, 5, 3)),
        "width crop > W, symbolic": _shape("layers.Cropping2D", {"cropping": ((0, 0), (5, 1))},
                                           (None, None, 5, 2)),
        "rank 3 input": _call("layers.Cropping2D", {"cropping": 1}, (1, 4, 4)),
        "bad data_format": _shape("layers.Cropping2D", BAD_FORMAT, (None, 4, 4, 1)),
    },
    "layers.Cropping3D": {
        "negative int": _shape("layers.Cropping3D", {"cropping": -2}, (None, 4, 4, 4, 1)),
        "2 entries": _shape("layers.Cropping3D", {"cropping": ((1, 1), (1, 1))}, (None, 4, 4, 4, 1)),
        "negative in third pair": _shape("layers.Cropping3D", {"cropping": ((0, 0), (0, 0), (0, -1))},
                                         (None, 4, 4, 4, 1)),
        "depth crop = D, channels_first": _call("layers.Cropping3D", {"cropping": ((1, 1), (0, 0), (0, 0)), **CF},
                                                (1, 3, 2, 4, 4)),
        "third crop > dim": _call("layers.Cropping3D", {"cropping": ((0, 0), (0, 0), (2, 2))}, (1, 3, 3, 3, 2)),
        "crop = dim, symbolic": _shape("layers.Cropping3D", {"cropping": 1}, (None, None, 2, None, 1)),
        "rank 4 input": _call("layers.Cropping3D", {"cropping": 1}, (1, 4, 4, 4)),
        "bad data_format": _shape("layers.Cropping3D", BAD_FORMAT, (None, 4, 4, 4, 1)),
    },
    "layers.ZeroPadding1D": {
        "negative int": _shape("layers.ZeroPadding1D", {"padding": -1}, (None, 4, 2)),
        "negative entry": _shape("layers.ZeroPadding1D", {"padding": (1, -2)}, (None, 4, 2)),
        "3 entries": _shape("layers.ZeroPadding1D", {"padding": (1, 2, 3)}, (None, 4, 2)),
        "rank 2 input": _call("layers.ZeroPadding1D", {"padding": 1}, (2, 4)),
        "bad data_format": _shape("layers.ZeroPadding1D", {"padding": 1, **BAD_FORMAT}, (None, 4, 2)),
    },
    "layers.ZeroPadding2D": {
        "negative in pair": _shape("layers.ZeroPadding2D", {"padding": ((1, -1), (0, 0))}, (None, 4, 4, 1)),
        "negative per-axis int": _shape("layers.ZeroPadding2D", {"padding": (1, -1)}, (None, 4, 4, 1)),
        "3 entries": _shape("layers.ZeroPadding2D", {"padding": (1, 1, 1)}, (None, 4, 4, 1)),
        "float": _shape("layers.ZeroPadding2D", {"padding": 1.5}, (None, 4, 4, 1)),
        "np.int64 (not a Python int)": _shape("layers.ZeroPadding2D", {"padding": np.int64(2)}, (None, 4, 4, 1)),
        "rank 5 input": _call("layers.ZeroPadding2D", {"padding": 1}, (1, 2, 2, 2, 1)),
        "bad data_format": _shape("layers.ZeroPadding2D", BAD_FORMAT, (None, 4, 4, 1)),
    },
    "layers.ZeroPadding3D": {
        "2 entries": _shape("layers.ZeroPadding3D", {"padding": (1, 1)}, (None, 3, 3, 3, 1)),
        "negative in third pair": _shape("layers.ZeroPadding3D", {"padding": ((0, 0), (0, 0), (2, -1))},
                                         (None, 3, 3, 3, 1)),
        "pair of 1": _shape("layers.ZeroPadding3D", {"padding": ((1,), (1, 1), (1, 1))}, (None, 3, 3, 3, 1)),
        "rank 4 input": _call("layers.ZeroPadding3D", {"padding": 1}, (1, 3, 3, 3)),
        "bad data_format": _shape("layers.ZeroPadding3D", BAD_FORMAT, (None, 3, 3, 3, 1)),
    },
    "layers.UpSampling1D": {
        "size 0": _shape("layers.UpSampling1D", {"size": 0}, (None, 4, 2)),
        "negative size": _shape("layers.UpSampling1D", {"size": -2}, (None, 4, 2)),
        "float size": _shape("layers.UpSampling1D", {"size": 2.0}, (None, 4, 2)),
        "bool size": _shape("layers.UpSampling1D", {"size": True}, (None, 4, 2)),
        "tuple size": _shape("layers.UpSampling1D", {"size": (2,)}, (None, 4, 2)),
        "rank 4 input": _call("layers.UpSampling1D", {"size": 2}, (1, 2, 2, 1)),
    },
    "layers.UpSampling2D": {
        "size 0": _shape("layers.UpSampling2D", {"size": 0}, (None, 2, 2, 1)),
        "size (2, 0)": _shape("layers.UpSampling2D", {"size": (2, 0)}, (None, 2, 2, 1)),
        "3 sizes": _shape("layers.UpSampling2D", {"size": (2, 2, 2)}, (None, 2, 2, 1)),
        "interpolation 'linear'": _call("layers.UpSampling2D", {"interpolation": "linear"}, (1, 2, 2, 1)),
        "interpolation 'gaussian' (Keras 2 only)": _call("layers.UpSampling2D", {"interpolation": "gaussian"},
                                                         (1, 2, 2, 1)),
        "interpolation None": _shape("layers.UpSampling2D", {"interpolation": None}, (None, 2, 2, 1)),
        "rank 3 input": _call("layers.UpSampling2D", {"size": 2}, (1, 2, 2)),
        "bad data_format": _shape("layers.UpSampling2D", BAD_FORMAT, (None, 2, 2, 1)),
    },
    "layers.UpSampling3D": {
        "2 sizes": _shape("layers.UpSampling3D", {"size": (2, 2)}, (None, 2, 2, 2, 1)),
        "size (1, 0, 1)": _shape("layers.UpSampling3D", {"size": (1, 0, 1)}, (None, 2, 2, 2, 1)),
        "negative size": _shape("layers.UpSampling3D", {"size": -1}, (None, 2, 2, 2, 1)),
        "rank 4 input": _call("layers.UpSampling3D", {"size": 2}, (1, 2, 2, 1)),
        "bad data_format": _shape("layers.UpSampling3D", BAD_FORMAT, (None, 2, 2, 2, 1)),
    },
}
# Rows only Keras 3 rejects: Keras 2 accepts them (a crop giving a 0 dim, or one its call slices
# literally; a size it int()s; size 0 in compute_output_shape; see the reference's Editions sections).
KERAS3_ONLY = {("layers.Cropping1D", "crop = length, symbolic"), ("layers.Cropping2D", "negative int"),
               ("layers.Cropping3D", "negative int"), ("layers.Cropping3D", "third crop > dim"),
               ("layers.Cropping3D", "crop = dim, symbolic"), ("layers.Cropping3D", "depth crop = D, channels_first"),
               ("layers.UpSampling1D", "float size"), ("layers.UpSampling1D", "bool size"),
               ("layers.UpSampling1D", "size 0")}
# Rows Keras 2 accepts whose result the keras2 spec leaves implementation-defined: its UpSampling2D has
# "gaussian" (tf.image.resize's own kernel).
KERAS2_IMPLEMENTATION_DEFINED = {("layers.UpSampling2D", "interpolation 'gaussian' (Keras 2 only)")}


# --- implementation-defined --------------------------------------------------------------------
IMPLEMENTATION_DEFINED = {
    "ZeroPadding2D negative int": Case("layers.ZeroPadding2D", "call", {"padding": -1},
                                       (np.arange(2 * 4 * 5 * 2, dtype=np.float32).reshape(2, 4, 5, 2),)),
    "ZeroPadding3D negative int, channels_first": Case(
        "layers.ZeroPadding3D", "call", {"padding": -1, **CF},
        (np.arange(1 * 2 * 3 * 4 * 5, dtype=np.float32).reshape(1, 2, 3, 4, 5),)),
    **{f"UpSampling2D {m}": Case("layers.UpSampling2D", "call", {"size": (2, 3), "interpolation": m},
                                 (np.arange(1 * 3 * 2 * 2, dtype=np.float32).reshape(1, 3, 2, 2),))
       for m in IMPLEMENTATION_DEFINED_INTERPOLATIONS},
    "UpSampling2D bilinear of inf and NaN": Case(
        "layers.UpSampling2D", "call", {"size": 2, "interpolation": "bilinear"},
        (np.array([[[[1.0], [np.inf]], [[np.nan], [-2.0]]]], dtype=np.float32),)),
}


# The gradient checks' cases (conformance/check.py compare_gradients): feature -> (dtype, edition) -> grad cases.
GRADIENT_CASES = {f: functools.cache(lambda dtype, edition, f=f: cs.differentiable(spatial_cases(f, dtype, edition=edition)))
                  for f in FEATURES}

# The saved-model check's (float32): a call case, with a regularizer and a constraint drawn for each weight.
SAVED_CASES = {f: functools.cache(lambda edition, f=f: cs.savable(spatial_cases(f, "float32", edition=edition))) for f in FEATURES}
