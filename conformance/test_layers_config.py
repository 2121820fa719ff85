"""Configurations of the core layers (``keras.layers``): what both must reject, and the config round trip.

``rejects``: a table of invalid configs and inputs (one record per row) that the spec rejects, in
the editions the row names, and the adapter must reject too; in an edition whose spec accepts the
row (e.g. Keras 3's Dropout(1.0) in training), the adapter must accept it too.
``roundtrip``: ``get_config()`` equals the spec's, the ``from_config`` clone's config equals the
spec's clone's, and the clone gives exactly the original's outputs and masks.
"""

from __future__ import annotations

import dataclasses
import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.base import Case
from conformance import check
from conformance import strategies as cs
from conformance.check import expect_rejection, run_both
from conformance.layer_cases import CASES, cases
from reference import KERAS2, KERAS3

BOTH = (KERAS3, KERAS2)


@dataclasses.dataclass(frozen=True)
class Reject:
    """One invalid configuration or input. ``x`` the input shape of a ``call`` case (float32
    values), ``shape`` the input shape of a ``shape`` case; ``editions`` those whose spec rejects it."""

    config: dict
    x: tuple | None = None
    shape: object = None
    training: bool = False
    weights: dict | None = None
    editions: tuple = BOTH

    def case(self, feature):
        if self.x is None:
            return Case(feature, "shape", self.config, shape=self.shape)
        n = math.prod(self.x)
        x = np.linspace(-1, 1, n, dtype=np.float32).reshape(self.x)
        return Case(feature, "call", self.config, (x,), weights=self.weights, training=self.training)


K3 = (KERAS3,)
K2 = (KERAS2,)


def dense_weights(inputs: int, units: int) -> dict:
    """A Dense kernel (ones) and bias (zeros) for ``inputs`` input features and ``units`` units."""
    return {"kernel": np.ones((inputs, units), np.float32), "bias": np.zeros(units, np.float32)}

NAN, INF = math.nan, math.inf

REJECTED = {
    "layers.Reshape": {
        "two -1s": Reject({"target_shape": (-1, -1)}, x=(2, 12)),
        "two -1s, symbolic": Reject({"target_shape": (-1, 2, -1)}, shape=(None, 12)),
        "size does not divide": Reject({"target_shape": (-1, 5)}, x=(2, 12)),
        "size does not divide, symbolic": Reject({"target_shape": (-1, 5)}, shape=(None, 12)),
        "size mismatch": Reject({"target_shape": (5,)}, x=(2, 12)),
        "size mismatch, symbolic": Reject({"target_shape": (3, 5)}, shape=(None, 3, 4)),
        "known product 0 with a -1": Reject({"target_shape": (0, -1)}, x=(2, 12)),
        "entry < -1": Reject({"target_shape": (-2, 6)}, x=(2, 12)),
        "target_shape not iterable": Reject({"target_shape": 3}, x=(2, 3)),
        "rank-0 input": Reject({"target_shape": (1,)}, x=()),
    },
    "layers.Permute": {
        "not a permutation (1, 3)": Reject({"dims": (1, 3)}, x=(2, 3, 4)),
        "repeated index (1, 1)": Reject({"dims": (1, 1)}, x=(2, 3, 4)),
        "0-indexed (0, 1)": Reject({"dims": (0, 1)}, x=(2, 3, 4)),
        "0-indexed (1, 0, 2)": Reject({"dims": (1, 0, 2)}, x=(2, 3, 4, 5)),
        "dims not iterable": Reject({"dims": 1}, x=(2, 3)),
        "input rank above len(dims) + 1": Reject({"dims": (2, 1)}, x=(2, 3, 4, 5)),
        "input rank below len(dims) + 1": Reject({"dims": (2, 1)}, x=(2, 3)),
    },
    "layers.RepeatVector": {
        "3D input": Reject({"n": 2}, x=(2, 3, 4)),
        "1D input": Reject({"n": 2}, x=(3,)),
        "n = 0": Reject({"n": 0}, x=(2, 3), editions=K3),
        "n = -1": Reject({"n": -1}, x=(2, 3)),
        "n = 2.0": Reject({"n": 2.0}, x=(2, 3)),
        "n = True": Reject({"n": True}, x=(2, 3), editions=K3),
    },
    "layers.Dense": {
        "rank-1 input": Reject({"units": 3}, x=(4,), weights={"kernel": np.ones((4, 3), np.float32),
                                                             "bias": np.zeros(3, np.float32)}),
        # Keras 2 accepts these three (int(units), only units < 0 rejected): its call needs the weights.
        "units = 0": Reject({"units": 0}, x=(2, 4), weights=dense_weights(4, 0), editions=K3),
        "units = -2": Reject({"units": -2}, x=(2, 4)),
        "units = 2.5": Reject({"units": 2.5}, x=(2, 4), weights=dense_weights(4, 2), editions=K3),
        "units = '3'": Reject({"units": "3"}, x=(2, 4), weights=dense_weights(4, 3), editions=K3),
        "unknown activation": Reject({"units": 3, "activation": "not_an_activation"}, x=(2, 4)),
        "unknown kernel_initializer": Reject({"units": 3, "kernel_initializer": "not_an_initializer"}, x=(2, 4)),
        "unknown kernel_regularizer": Reject({"units": 3, "kernel_regularizer": "not_a_regularizer"}, x=(2, 4)),
        "unknown bias_constraint": Reject({"units": 3, "bias_constraint": "not_a_constraint"}, x=(2, 4)),
    },
    "layers.Activation": {
        "unknown activation": Reject({"activation": "not_an_activation"}, x=(2, 4)),
        "activation = 3": Reject({"activation": 3}, x=(2, 4)),
    },
    "layers.Dropout": {
        "rate = 1.5": Reject({"rate": 1.5}, x=(2, 4)),
        "rate = -0.1": Reject({"rate": -0.1}, x=(2, 4)),
        "rate = NaN": Reject({"rate": NAN}, x=(2, 4)),
        "rate = inf": Reject({"rate": INF}, x=(2, 4)),
        "rate = '0.5'": Reject({"rate": "0.5"}, x=(2, 4)),
        "rate = 1.0 in training": Reject({"rate": 1.0, "seed": 1}, x=(2, 4), training=True, editions=K2),
        "noise_shape a string": Reject({"rate": 0.5, "noise_shape": "ab"}, x=(2, 4), editions=K3),
        "noise_shape an int": Reject({"rate": 0.5, "noise_shape": 3}, x=(2, 4), editions=K3),
        "noise_shape with 0": Reject({"rate": 0.5, "noise_shape": (None, 0)}, x=(2, 4), editions=K3),
        "noise_shape with -1": Reject({"rate": 0.5, "noise_shape": (None, -1)}, x=(2, 4), editions=K3),
        "noise_shape with a float": Reject({"rate": 0.5, "noise_shape": (1.0, 4)}, x=(2, 4), editions=K3),
        # size 1: the results' case summary (conformance/summary.py) cannot write a longer array
        "noise_shape a NumPy array": Reject({"rate": 0.5, "noise_shape": np.array([1])}, x=(2, 4), editions=K3),
        "noise_shape not broadcastable, in training": Reject({"rate": 0.5, "noise_shape": (3, 1), "seed": 1},
                                                             x=(2, 4), training=True),
        "seed a string": Reject({"rate": 0.5, "seed": "abc"}, x=(2, 4), editions=K3),
    },
    "layers.SpatialDropout1D": {
        "2D input": Reject({"rate": 0.5}, x=(2, 3)),
        "4D input": Reject({"rate": 0.5}, x=(2, 3, 4, 5)),
        "rate = 1.5": Reject({"rate": 1.5}, x=(2, 3, 4)),
    },
    "layers.SpatialDropout2D": {
        "3D input": Reject({"rate": 0.5}, x=(2, 3, 4)),
        "5D input": Reject({"rate": 0.5}, x=(2, 3, 4, 5, 2)),
        "data_format 'channels_middle'": Reject({"rate": 0.5, "data_format": "channels_middle"}, x=(2, 3, 4, 5)),
        "data_format 'NHWC'": Reject({"rate": 0.5, "data_format": "NHWC"}, x=(2, 3, 4, 5)),
        "data_format 'Channels_First'": Reject({"rate": 0.5, "data_format": "Channels_First"}, x=(2, 3, 4, 5),
                                               editions=K2),
        "rate = -0.5": Reject({"rate": -0.5}, x=(2, 3, 4, 5)),
    },
    "layers.SpatialDropout3D": {
        "4D input": Reject({"rate": 0.5}, x=(2, 3, 4, 5)),
        "data_format 'channels_middle'": Reject({"rate": 0.5, "data_format": "channels_middle"}, x=(2, 3, 4, 5, 2)),
        "data_format 'NDHWC'": Reject({"rate": 0.5, "data_format": "NDHWC"}, x=(2, 3, 4, 5, 2)),
    },
    "layers.Flatten": {
        "rank-0 input": Reject({}, x=()),
        "data_format 'channels_middle'": Reject({"data_format": "channels_middle"}, x=(2, 3, 4)),
        "data_format 'nchw'": Reject({"data_format": "nchw"}, x=(2, 3, 4)),
    },
    "layers.Lambda": {
        "function not callable": Reject({"function": 3}, x=(2, 3)),
        # Keras 3 accepts a non-dict at construction; its call fails on arguments.items()
        "arguments not a dict": Reject({"function": "square", "arguments": [1.0]}, x=(2, 3)),
        # Keras 3 accepts these at construction and in an eager call; compute_output_shape fails
        "output_shape with a float, symbolic": Reject({"function": "square", "output_shape": (2.5,)}, shape=(None, 3)),
        "output_shape an int, symbolic": Reject({"function": "square", "output_shape": 3}, shape=(None, 3)),
    },
    "layers.ActivityRegularization": {
        "l1 = -1": Reject({"l1": -1.0}, x=(2, 3), editions=K3),
        "l2 = NaN": Reject({"l2": NAN}, x=(2, 3)),
        "l2 = inf": Reject({"l2": INF}, x=(2, 3)),
        "l1 = 'a'": Reject({"l1": "a"}, x=(2, 3)),
    },
    "layers.Input": {
        "neither shape nor batch_shape": Reject({}),
        "both shape and batch_shape": Reject({"shape": (3,), "batch_shape": (2, 3)}),
        "batch_size with batch_shape": Reject({"batch_size": 2, "batch_shape": (2, 3)}, editions=K3),
        "shape = 32": Reject({"shape": 32}, editions=K3),  # Keras 2 takes an int shape as (32,)
        "shape a string": Reject({"shape": "ab"}),
        "negative dim": Reject({"shape": (-1, 3)}),
        "float dim": Reject({"shape": (2.0,)}),
        "batch_size = -1": Reject({"shape": (3,), "batch_size": -1}),
        "batch_size = 2.5": Reject({"shape": (3,), "batch_size": 2.5}),
        "unknown dtype": Reject({"shape": (3,), "dtype": "float17"}),
    },
}
# layers.Masking rejects nothing (its spec lists no errors).


@pytest.mark.parametrize("feature, reject", [(f, name) for f, rows in REJECTED.items() for name in rows])
def test_rejects(spec, adapter, feature, reject):
    """An invalid configuration or input (the row's name says which): the adapter rejects it as the
    spec does, at construction, in compute_output_shape (a "symbolic" row) or in the call. A row the
    spec of the edition under test accepts (only the other edition rejects it) must be accepted."""
    row = REJECTED[feature][reject]
    if spec.edition in row.editions:
        expect_rejection(spec, adapter, row.case(feature))
    else:  # both accept: what they compute is the values, shapes and roundtrip checks' business
        run_both(spec, adapter, row.case(feature))


# --- roundtrip ----------------------------------------------------------------------------------

def _merge(extra, training=False):
    """A variant that adds the keys drawn from ``extra`` to the generated config."""
    def variant(data, case):
        config = {**case.config, **data.draw(extra, label="options")}
        return dataclasses.replace(case, config=config, training=training)
    return variant


MIXED_CASE = st.sampled_from(({"data_format": "Channels_First"}, {"data_format": "CHANNELS_LAST"}))


def _noise_shape(data, case):
    """noise_shape for the case's input (per axis None, 1 or the input's size), in training."""
    noise = tuple(data.draw(st.sampled_from((None, 1, d)), label=f"noise_shape[{i}]")
                  for i, d in enumerate(case.inputs[0].shape))
    return dataclasses.replace(case, config={**case.config, "noise_shape": noise}, training=True)


def _lambda_mask(data, case):
    """Lambda(square, mask=mask_positive) on the case's first input."""
    return dataclasses.replace(case, config={"function": "square", "mask": "mask_positive"}, inputs=case.inputs[:1])


VARIANTS = {
    "regularizers, constraints, initializers": _merge(cs.options(**cs.weight_objects("kernel", "bias"))),
    "noise_shape, seeded, in training": _noise_shape,
    "seeded, in training": _merge(st.just({}), training=True),
    "data_format in mixed case": _merge(MIXED_CASE),
    "data_format in mixed case, seeded, in training": _merge(MIXED_CASE, training=True),
    "mask function": _lambda_mask,
}
ROUNDTRIP = [(f, "generated") for f in sorted(CASES)] + [
    ("layers.Dense", "regularizers, constraints, initializers"), ("layers.Dropout", "noise_shape, seeded, in training"),
    ("layers.SpatialDropout2D", "data_format in mixed case, seeded, in training"),
    ("layers.SpatialDropout3D", "seeded, in training"), ("layers.Flatten", "data_format in mixed case"),
    ("layers.Lambda", "mask function"),
]


@pytest.mark.parametrize("feature, variant", ROUNDTRIP)
@given(data=st.data())
def test_roundtrip(spec, adapter, feature, variant, data):
    """from_config(get_config()) of generated configs (layer_cases: every activation, Dropout's seed,
    SpatialDropout's data_format, Lambda's output_shape and arguments, Masking's mask_value with NaN and
    inf), and of non-default options: Dense's regularizers, constraints and initializers (names and
    {"class_name", "config"} dicts), Dropout's noise_shape with None entries, seeded dropout in training
    (the clone draws the same mask), a data_format in mixed case (Keras 3 lower-cases it), a Lambda with
    a mask function."""
    call = data.draw(cases(feature, "float32"), label="case")
    if variant != "generated":
        call = VARIANTS[variant](data, call)
    case = dataclasses.replace(call, op="roundtrip")
    check.assert_layer_roundtrip(spec, adapter, case)
