"""Forward values of the core layers (``keras.layers``), with the weights the case supplies.

One check per layer and dtype: the adapter builds the layer, sets the weights,
calls it and hands back its outputs, which are compared with the spec's under
conformance/tolerance.py. Layers that only move data must be exact (0 ULP,
NaN payloads aside); layers that compute carry their formula's conditioning.
Dropout's training-time randomness is checked in test_layers_dropout.py; here
every dropout layer runs with training=False, where it is the identity.
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
from conformance import check
from conformance.check import assert_close, assert_equal, assert_outputs, run_both, softmax_set_aside
from conformance.divergence import recorder
from conformance.layer_cases import CASES, cases
from conformance.tolerance import ELEMENTWISE_ULPS, cancellation_scale, reduction_ulps, weighted_sum_tolerance

# Layers whose output is a rearrangement (or copy) of the input: bit for bit.
EXACT = ("layers.Flatten", "layers.Reshape", "layers.Permute", "layers.RepeatVector", "layers.Dropout",
         "layers.SpatialDropout1D", "layers.SpatialDropout2D", "layers.SpatialDropout3D",
         "layers.ActivityRegularization", "layers.Masking")


def dense_tolerance(case):
    """Dense: x @ kernel + bias sums n = in + 1 terms at magnitude |x| @ |kernel| + |bias|."""
    x = np.asarray(case.inputs[0], np.float64)
    k = np.asarray(case.weights["kernel"], np.float64)
    b = np.asarray(case.weights.get("bias", np.zeros(k.shape[1])), np.float64)
    return weighted_sum_tolerance(case, x @ k + b, k.shape[0] + 1, np.abs(x) @ np.abs(k) + np.abs(b))


def tolerance_for(case, expected):
    """(ulps, scales): the tolerance policy applied to each layer's formula."""
    if case.feature in EXACT:
        return 0, None
    if case.feature == "layers.Dense":
        return dense_tolerance(case)
    if case.feature == "layers.Activation":
        scale = cancellation_scale(f"activations.{case.config['activation']}", {}, case.inputs[0])
        return ELEMENTWISE_ULPS if case.config["activation"] != "softmax" else reduction_ulps(
            case.inputs[0].shape[-1]), [np.nan_to_num(scale, nan=0.0, posinf=0.0)]
    if case.feature == "layers.Lambda":
        # square / scale_shift are one or two roundings; antirectifier and hadamard_product_sum
        # reduce the last axis (mean, norm, sum), scaled by the largest term.
        n = case.inputs[0].shape[-1]
        if case.config["function"] == "antirectifier":
            return reduction_ulps(3 * n), [np.ones_like(e) for e in expected.outputs]
        if case.config["function"] == "hadamard_product_sum":
            prods = np.abs(np.asarray(case.inputs[0], np.float64) * np.asarray(case.inputs[1], np.float64))
            return reduction_ulps(n), [prods, np.sum(prods, axis=-1)]
        if case.config["function"] == "scale_shift":  # x * factor + shift cancels
            args = case.config["arguments"]
            return ELEMENTWISE_ULPS, [np.abs(np.asarray(case.inputs[0], np.float64) * args["factor"]) + abs(args["shift"])]
        return ELEMENTWISE_ULPS, None
    raise KeyError(f"no tolerance for {case.feature}")


@pytest.mark.parametrize("dtype", FLOAT_DTYPES)
@pytest.mark.parametrize("feature", sorted(CASES))
@given(data=st.data())
def test_values(spec, adapter, feature, dtype, data):
    """The layer's outputs for generated configs, inputs and weights (training=False)."""
    case = data.draw(cases(feature, dtype), label="case")
    result = run_both(spec, adapter, case)
    if result is not None:
        _assert_values(*result, case, adapter)


def _assert_values(expected, actual, case, adapter):
    """The outputs under the tolerance policy; Activation's softmax leaves a slice holding NaN, +inf
    or only -inf implementation-defined, as activations.softmax does."""
    ulps, scales = tolerance_for(case, expected)
    if case.feature == "layers.Activation" and case.config.get("activation") == "softmax":
        a, e = softmax_set_aside(actual.outputs[0], expected.outputs[0], case.inputs[0], -1, case, adapter)
        actual, expected = dataclasses.replace(actual, outputs=[a]), dataclasses.replace(expected, outputs=[e])
    assert_outputs(actual, expected, case, adapter, ulps=ulps, scales=scales)


# Dense's default initializers, through the layer: glorot_uniform for the kernel (fans from its
# (input_dim, units) shape) and zeros for the bias. The kernel holds >= stats.ks_sample_size() values.
DEFAULT_WEIGHT_CASES = [({"units": 700}, (8, 512))]


@pytest.mark.parametrize("config,input_shape", DEFAULT_WEIGHT_CASES, ids=lambda v: str(v))
@pytest.mark.parametrize("feature", ["layers.Dense"])
def test_default_weights(spec, adapter, feature, config, input_shape):
    """The kernel a built Dense starts with follows GlorotUniform (KS and two moments, see
    conformance/stats.py); the bias is exactly zero."""
    case = Case(feature, "sample", config, shape=input_shape)
    recorder().last_case = case
    weights = adapter.run(case)
    expected = spec.run(case)
    assert_equal(sorted(weights), sorted(expected), case, adapter, "weight names")
    assert_close(weights["bias"], np.zeros(config["units"]), case, adapter, ulps=0)
    assert_equal(tuple(np.shape(weights["kernel"])), tuple(np.shape(expected["kernel"])), case, adapter, "kernel.shape")
    kernel = np.asarray(weights["kernel"], np.float64)
    dist = reference.get_feature(feature).obj(**config).kernel_initializer.distribution(kernel.shape)
    check.assert_stats(case, adapter, [stats.ks_test(kernel, dist), *stats.moment_tests(kernel, dist)])
