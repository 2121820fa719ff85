"""Configs whose arguments come in other types than the ones Keras stores (ints for float
arguments, lists for arguments Keras normalizes to tuples, floats float32 does not hold): the spec's
get_config must give what the framework's does, type for type. ``differences(name)`` runs each
through the spec and the adapter ``name`` in this process and returns every config that differs
(tests/test_keras3_adapters.py runs it on keras-numpy)."""

from __future__ import annotations

import numpy as np

from adapters import load
from adapters.base import Case
from conformance.check import config_difference

x4 = np.ones((1, 6, 6, 2), np.float32)
x3 = np.ones((1, 6, 2), np.float32)
x5 = np.ones((1, 4, 4, 4, 2), np.float32)
x2 = np.ones((2, 6), np.float32)

TABLE = [
    ("layers.Conv2D", {"filters": 2, "kernel_size": [3, 3], "strides": [1, 1], "dilation_rate": [1, 1]}, (x4,)),
    ("layers.Conv1D", {"filters": 2, "kernel_size": [3], "strides": [1]}, (x3,)),
    ("layers.Conv2DTranspose", {"filters": 2, "kernel_size": [2, 2], "strides": [2, 2], "output_padding": [1, 1]}, (x4,)),
    ("layers.DepthwiseConv2D", {"kernel_size": [3, 3], "strides": [1, 1]}, (x4,)),
    ("layers.SeparableConv2D", {"filters": 2, "kernel_size": [3, 3]}, (x4,)),
    ("layers.MaxPooling2D", {"pool_size": [2, 2], "strides": [1, 1]}, (x4,)),
    ("layers.AveragePooling1D", {"pool_size": [2], "strides": [1]}, (x3,)),
    ("layers.MaxPooling3D", {"pool_size": 2}, (x5,)),
    ("layers.Cropping2D", {"cropping": [[1, 1], [0, 0]]}, (x4,)),
    ("layers.Cropping2D", {"cropping": [1, 2]}, (x4,)),
    ("layers.Cropping2D", {"cropping": 1}, (x4,)),
    ("layers.Cropping1D", {"cropping": [1, 1]}, (x3,)),
    ("layers.Cropping3D", {"cropping": [1, 1, 0]}, (x5,)),
    ("layers.ZeroPadding2D", {"padding": [[1, 1], [0, 0]]}, (x4,)),
    ("layers.ZeroPadding2D", {"padding": [1, 2]}, (x4,)),
    ("layers.ZeroPadding1D", {"padding": [1, 2]}, (x3,)),
    ("layers.ZeroPadding3D", {"padding": 1}, (x5,)),
    ("layers.UpSampling2D", {"size": [2, 2]}, (x4,)),
    ("layers.UpSampling1D", {"size": 2}, (x3,)),
    ("layers.UpSampling3D", {"size": [1, 2, 1]}, (x5,)),
    ("layers.Reshape", {"target_shape": [3, 4]}, (x2,)),
    ("layers.Permute", {"dims": [2, 1]}, (x3,)),
    ("layers.Dropout", {"rate": 1, "noise_shape": [None, 1]}, (x2,)),
    ("layers.Dropout", {"rate": 0.3}, (x2,)),
    ("layers.SpatialDropout1D", {"rate": 1}, (x3,)),
    ("layers.Dot", {"axes": [1, 1]}, (x2, x2)),
    ("layers.Dot", {"axes": (1, 1)}, (x2, x2)),
    ("layers.Concatenate", {"axis": 1}, (x2, x2)),
    ("layers.Masking", {"mask_value": 0}, (x3,)),
    ("layers.Masking", {"mask_value": 0.3}, (x3,)),
    ("layers.ActivityRegularization", {"l1": 1, "l2": 0.3}, (x2,)),
    ("layers.Dense", {"units": 2, "kernel_regularizer": {"class_name": "L2", "config": {"l2": 0.3}}}, (x2,)),
    ("layers.Dense", {"units": 2, "kernel_regularizer": "l1"}, (x2,)),
    ("layers.Dense", {"units": 2, "kernel_regularizer": "l2", "kernel_initializer": "random_normal", "kernel_constraint": "max_norm"}, (x2,)),
    ("layers.Embedding", {"input_dim": 5, "output_dim": 2}, (np.zeros((1, 3), np.int32),)),
    ("layers.RepeatVector", {"n": 2}, (x2,)),
    ("layers.Flatten", {}, (x3,)),
    ("layers.LocallyConnected1D", {"filters": 2, "kernel_size": [2], "strides": [1]}, (x3,)),
    ("layers.LocallyConnected2D", {"filters": 2, "kernel_size": [2, 2], "strides": [1, 1]}, (x4,)),
    ("constraints.MaxNorm", {"max_value": 3, "axis": [0, 1]}, (x2,)),
    ("constraints.MaxNorm", {"max_value": 1.3}, (x2,)),
    ("constraints.UnitNorm", {"axis": [0]}, (x2,)),
    ("constraints.MinMaxNorm", {"min_value": 0, "max_value": 2, "rate": 1, "axis": [0, 1]}, (x2,)),
    ("regularizers.L2", {"l2": 1}, (x2,)),
    ("regularizers.L2", {"l2": 0.3}, (x2,)),
    ("regularizers.L1", {"l1": 1}, (x2,)),
    ("regularizers.L1L2", {"l1": 1, "l2": 0.3}, (x2,)),
    ("regularizers.L1L2", {}, (x2,)),
    ("initializers.RandomNormal", {"mean": 1, "stddev": 2, "seed": 1}, ()),
    ("initializers.RandomNormal", {"seed": 1}, ()),
    ("initializers.TruncatedNormal", {"seed": 1}, ()),
    ("initializers.RandomUniform", {"minval": -1, "maxval": 1, "seed": 1}, ()),
    ("initializers.RandomUniform", {"seed": 1}, ()),
    ("initializers.Constant", {"value": 2}, ()),
    ("initializers.Constant", {"value": 0.3}, ()),
    ("initializers.Identity", {"gain": 2}, ()),
    ("initializers.Orthogonal", {"gain": 2, "seed": 1}, ()),
    ("initializers.VarianceScaling", {"scale": 2, "seed": 1}, ()),
    ("initializers.VarianceScaling", {"scale": 0.3, "seed": 1, "mode": "FAN_IN", "distribution": "Normal"}, ()),
    ("initializers.GlorotUniform", {"seed": 1}, ()),
]


def differences(name: str) -> list:
    """[(feature, config, which config, (path, actual, expected, why))] for the adapter ``name``."""
    adapter = load(name)
    spec = load("reference", edition=adapter.edition)
    out = []
    for feature, config, inputs in TABLE:
        weights = None
        if feature.startswith("layers."):
            try:
                weights = spec.run(Case(feature, "sample", config, shape=tuple(inputs[0].shape))) or None
            except Exception:  # noqa: BLE001  (a layer without weights, or one the edition lacks)
                weights = None
        case = Case(feature, "roundtrip", config, inputs, shape=(4, 4) if feature.startswith("initializers.") else None,
                    weights=weights)
        results = []
        for runner in (spec, adapter):
            try:
                results.append(runner.run(case))
            except Exception as e:  # noqa: BLE001  (both must reject it alike)
                results.append(e)
        expected, actual = results
        if isinstance(expected, Exception) or isinstance(actual, Exception):
            if not (isinstance(expected, Exception) and isinstance(actual, Exception)):
                out.append((feature, config, "outcome", (repr(actual)[:200], repr(expected)[:200])))
            continue
        for which, a, e in (("config", actual.config, expected.config),
                            ("clone", actual.clone_config, expected.clone_config)):
            found = config_difference(a, e)
            if found:
                out.append((feature, config, which, found))
    return out
