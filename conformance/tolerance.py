"""The tolerance policy, in one place.

The reference computes in float64 from the exact inputs the framework gets;
the framework's output, in the case's dtype, is compared with that float64
value. An element passes when

    |actual - expected| <= ulps * (ulp(expected) + eps * scale)

- ``ulp(e)`` is the spacing of the case's dtype at |e| (at least the spacing
  at the smallest normal number, so subnormal results are not held to
  sub-ULP precision);
- ``eps`` is the dtype's machine epsilon;
- ``ulps`` is 4 for an elementwise formula (a correctly rounded result is
  within 0.5; each of a few roundings in the framework's formula adds at most
  one), plus the length of any reduction (a sum of n terms accumulates up to
  n roundings): ``ulps = 4 + n``. For the layers, n is Dense's ``in + 1`` (the bias), a
  convolution's ``prod(kernel_size) * in_channels / groups + 1`` (depthwise: ``prod(kernel_size)
  + 1``; separable: both stages), a transposed convolution's largest number of taps meeting in
  one output cell ``+ 1``, a locally connected layer's ``prod(kernel_size) * in_channels + 1``, an
  average pooling's ``prod(pool_size)`` (global: the pooled cells);
- ``scale`` is 0 for formulas that are well conditioned in relative terms
  (exp, tanh, sigmoid, softplus, ...), and the input's magnitude where the
  formula subtracts nearly equal numbers: there the framework's rounding of
  the intermediate is an absolute error of about eps * |intermediate|. Each
  check states its scale next to the formula (e.g. hard_sigmoid's x + 3 gives
  (|x| + 3)/6; elu's exp(x) - 1 gives |alpha| for x < 0). For a layer's sum of products the
  scale is the same layer computed on |x|, |weights|, |bias| (each rounding is relative to the
  partial sums, which are bounded by that), then carried through the activation.

Flush-to-zero is implementation-defined, one policy everywhere: a result (or input) below the
dtype's smallest normal number may be flushed to 0 (TensorFlow enables FTZ/DAZ on CPU). Results
(FTZ): such elements may be off by up to the smallest normal. Inputs and config values (DAZ): a
framework may compute as if every subnormal one were 0, so a result that differs from the spec's
is accepted when it equals the spec's on the flushed case (``flush_subnormals``, used by
``check.accept_daz``): masks and comparisons (Masking's x != mask_value) and the activations'
values (selu of a subnormal bfloat16 input is normal, and 0 with DAZ). Where the spec itself rounds
through float32 (Keras 3's Constant), a float32-subnormal intermediate may flush the same way (its
docstring's Implementation-defined). Elsewhere (layers' sums of products) only the FTZ allowance
applies: a subnormal input moves a sum by |weight| times a subnormal, which the soaks of the README
have not yet found beyond it.

Special values are exact: where the dtype-rounded expected value is NaN or
±inf the actual value must be the same; an expected value that rounds to
the largest finite number may come back as inf of the same sign.
Config numbers are compared at float32 resolution (rtol 1e-6): Keras stores
some defaults through float32.
"""

from __future__ import annotations

import math

import numpy as np

from adapters.dtypes import finfo
from reference import activations as A

ELEMENTWISE_ULPS = 4
CONFIG_RTOL = 1e-6


def reduction_ulps(n: int) -> int:
    return ELEMENTWISE_ULPS + int(n)


def ulp(expected, dtype: str) -> np.ndarray:
    fi = finfo(dtype)
    mag = np.maximum(np.abs(np.asarray(expected, np.float64)), float(fi.smallest_normal))
    _, exponent = np.frexp(mag)  # mag = m * 2**exponent, 0.5 <= m < 1 (exact; log2 rounds near 2**1024)
    with np.errstate(invalid="ignore", over="ignore"):
        return np.where(np.isfinite(mag), np.ldexp(float(fi.eps), exponent - 1), np.inf)


def allowed(expected, dtype: str, ulps: int = ELEMENTWISE_ULPS, scale=0.0) -> np.ndarray:
    fi = finfo(dtype)
    e = np.abs(np.asarray(expected, np.float64))
    ftz = np.where(e < float(fi.smallest_normal), float(fi.smallest_normal), 0.0)
    with np.errstate(invalid="ignore"):  # 0 ULP of an infinite value: special values compare exactly
        return ulps * (ulp(expected, dtype) + float(fi.eps) * np.abs(np.asarray(scale, np.float64))) + ftz


def flush_subnormals(case):
    """``case`` with every subnormal float (inputs, and numbers in its config) replaced by a zero of
    its sign: what a framework with DAZ (denormals-are-zero) computes on. None when it has none."""
    import dataclasses

    changed = [False]

    def flush(v, dtype):
        a = np.asarray(v)
        if a.dtype.kind != "f" and a.dtype.name != "bfloat16":
            return v
        x = a.astype(np.float64)
        sub = (x != 0) & (np.abs(x) < float(finfo(dtype).smallest_normal))
        if not sub.any():
            return v
        changed[0] = True
        out = np.where(sub, np.copysign(0.0, x), x).astype(a.dtype)
        return out if isinstance(v, np.ndarray) else type(v)(out)

    inputs = tuple(flush(x, case.dtype) for x in case.inputs)
    config = {k: flush(v, case.dtype) if isinstance(v, float) else v for k, v in case.config.items()}
    return dataclasses.replace(case, inputs=inputs, config=config) if changed[0] else None


def cancellation_scale(feature: str, config: dict, x: np.ndarray):
    """Magnitude of the intermediate an activation's formula cancels: the ``scale`` above."""
    ax = np.abs(np.asarray(x, np.float64))
    if feature == "activations.hard_sigmoid":  # relu6(x + 3) / 6
        return (ax + 3) / 6
    if feature == "activations.relu":  # x - threshold, then scaled by the slope
        t = abs(config.get("threshold", 0.0))
        return (ax + t) * max(1.0, abs(config.get("negative_slope", 0.0)))
    if feature == "activations.elu":  # alpha * (exp(x) - 1) for x < 0
        return np.where(x < 0, abs(config.get("alpha", 1.0)), 0.0)
    if feature == "activations.selu":  # scale * alpha * (exp(x) - 1) for x < 0
        return np.where(x < 0, 1.7580993408473766, 0.0)
    if feature == "activations.softmax":
        # exp(z) with z = x - max(x) rounded: a relative error of eps * |z| in each term, and the
        # sum carries its terms' errors, so y_i is off by about y_i * (|z_i| + sum_j y_j |z_j|) * eps.
        axis = config.get("axis", -1)
        x64 = np.asarray(x, np.float64)
        with np.errstate(invalid="ignore"):
            z = np.abs(x64 - np.max(x64, axis=axis, keepdims=True))
            y = A.softmax(x64, axis=axis)
            z, y = np.where(np.isfinite(z), z, 0.0), np.where(np.isfinite(y), y, 0.0)
            return y * (z + np.sum(y * z, axis=axis, keepdims=True))
    return 0.0


def propagated(case, pre, pre_err):
    """How far ``activation(pre)`` may move when ``pre`` is off by up to ``pre_err``."""
    name = case.config.get("activation") or "linear"
    if name == "softmax":  # shifting every logit by <= d changes each y relatively by <= 2d
        y = A.softmax(pre)
        return y * 2 * np.max(pre_err, axis=-1, keepdims=True)
    f = getattr(A, name)
    with np.errstate(over="ignore", invalid="ignore"):
        y = f(pre)
        return np.maximum(np.abs(f(pre + pre_err) - y), np.abs(f(pre - pre_err) - y))


def weighted_sum_tolerance(case, pre, terms, magnitude):
    """(ulps, scales) for a layer whose output is activation(pre), pre a sum of ``terms`` products
    (bias included): each rounding is up to eps * ``magnitude`` (the same sum over |x|, |weights|,
    |bias|), so pre is within allowed(pre, reduction_ulps(terms), magnitude); that error then goes
    through the activation. Dense, the convolutions and the locally connected layers share it."""
    pre_err = allowed(pre, case.dtype, reduction_ulps(terms), magnitude)
    moved = propagated(case, pre, pre_err)
    act_scale = cancellation_scale(f"activations.{case.config.get('activation') or 'linear'}", {}, pre)
    eps = float(finfo(case.dtype).eps)
    return ELEMENTWISE_ULPS, [np.nan_to_num(moved / (eps * ELEMENTWISE_ULPS) + act_scale, posinf=0.0)]


# --- layers_convolution, layers_convolution_transpose, layers_locally_connected, layers_embedding ---
def layers_convolution(spec, case, expected):
    """(ulps, scales) of a convolution (Conv, DepthwiseConv, SeparableConv), as Dense's: each output is a
    sum of n = prod(kernel_size) * C / groups products plus the bias (Depthwise: prod(kernel_size), one
    channel's taps; Separable: prod(kernel_size) for the depthwise step, then C * depth_multiplier for the
    pointwise one, n the sum of both), so the pre-activation is within reduction_ulps(n + 1) with scale =
    the same layer (linear) applied to |x|, |kernels|, |bias|; that error then goes through the
    activation (:func:`weighted_sum_tolerance`)."""
    linear = spec.build(case.feature, {k: v for k, v in case.config.items() if k != "activation"})
    x = np.asarray(case.inputs[0], np.float64)
    w = {k: np.asarray(v, np.float64) for k, v in case.weights.items()}
    kernel = w[next(k for k in w if k != "bias")].shape  # Conv (*k, C / groups, filters); depthwise (*k, C, dm)
    terms = math.prod(kernel[:-2] if hasattr(linear, "depth_multiplier") else kernel[:-1])
    if "pointwise_kernel" in w:
        terms += w["pointwise_kernel"].shape[-2]
    terms += 1 if case.config.get("use_bias", True) else 0
    magnitude = linear(np.abs(x), weights={k: np.abs(v) for k, v in w.items()})
    return weighted_sum_tolerance(case, linear(x, weights=w), terms, magnitude)


def layers_convolution_transpose(spec, case, expected):
    """(ulps, scales) of a transposed convolution: the pre-activation sums at most n terms (the most
    (tap, input channel) products meeting in one output cell, counted by the transposed conv of ones)
    plus the bias; each rounding is up to eps * (the transposed conv of |x|, |kernel|, plus |bias|); that
    error goes through the activation (:func:`weighted_sum_tolerance`)."""
    linear = spec.build(case.feature, {**case.config, "activation": "linear", "use_bias": True})
    x = np.asarray(case.inputs[0], np.float64)
    k = np.asarray(case.weights["kernel"], np.float64)
    b = np.asarray(case.weights.get("bias", np.zeros(k.shape[-2])), np.float64)
    pre = linear(x, weights={"kernel": k, "bias": b})
    magnitude = linear(np.abs(x), weights={"kernel": np.abs(k), "bias": np.abs(b)})
    terms = int(np.max(linear(np.ones_like(x), weights={"kernel": np.ones_like(k), "bias": np.zeros_like(b)}),
                       initial=0))
    return weighted_sum_tolerance(case, pre, terms + 1, magnitude)


def layers_locally_connected(spec, case, expected):
    """(ulps, scales) of LocallyConnected1D/2D: each output sums k*C products and the bias, a reduction
    of n = prod(kernel_size) * C + 1 terms, at the scale sum |x| * |W| + |bias| (the spec layer, linear,
    run on |x| and |weights|), through the activation (:func:`weighted_sum_tolerance`)."""
    linear = spec.build(case.feature, {**case.config, "activation": None})
    x = np.asarray(case.inputs[0], np.float64)
    channels = x.shape[1] if linear.data_format == "channels_first" else x.shape[-1]
    w = {k: np.asarray(v, np.float64) for k, v in case.weights.items()}
    magnitude = linear(np.abs(x), weights={k: np.abs(v) for k, v in w.items()})
    return weighted_sum_tolerance(case, linear(x, weights=w), int(np.prod(linear.kernel_size)) * channels + 1,
                                  magnitude)


def layers_embedding(spec, case, expected):
    """(ulps, scales) of an Embedding lookup: exact (0 ULP), as a lookup copies rows (NaN for NaN)."""
    return 0, None
