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
Configs have no tolerance: ``check.assert_config`` compares them exactly, field by field
(a float bit for bit, a tuple as a tuple), since a config is what a saved model holds.
"""

from __future__ import annotations

import math

import numpy as np

from adapters.base import Case
from adapters.dtypes import finfo
from reference import activations as A

ELEMENTWISE_ULPS = 4


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


# --- activations, constraints, regularizers: a family's (ulps, scale) for check.compare ---
def activations(spec, case, expected):
    """An activation: ELEMENTWISE_ULPS (softmax: a reduction over its axis), with the scale its
    formula cancels (:func:`cancellation_scale`, 0 where that is not finite)."""
    x = case.inputs[0]
    if case.feature == "activations.softmax":
        ulps = reduction_ulps(x.shape[case.config.get("axis", -1)])
    else:
        ulps = ELEMENTWISE_ULPS
    scale = cancellation_scale(case.feature, case.config, x)
    return ulps, np.where(np.isfinite(scale), scale, 0.0)


def constraints(spec, case, expected):
    """A norm constraint (one with an ``axis``) sums the squares of each slice over its axis: a
    reduction of the slice's elements; NonNeg is elementwise. Scale 0."""
    axis = getattr(spec.build(case.feature, case.config), "axis", None)
    if axis is None:
        return ELEMENTWISE_ULPS, 0.0
    shape = np.shape(case.inputs[0])
    return reduction_ulps(int(np.prod([shape[a] for a in np.atleast_1d(axis)]))), 0.0


def regularizers(spec, case, expected):
    """A penalty (a 0-d array) sums every element of the weight: a reduction of its size. Scale 0."""
    return reduction_ulps(np.size(case.inputs[0])), 0.0


# --- layers_merging ---
# Maximum, Minimum and Concatenate only select or move values: compared exactly (0 ULP), which is
# why their cases also carry every special value (conformance/cases/layers_merging.py).
LAYERS_MERGING_EXACT = ("layers.Maximum", "layers.Minimum", "layers.Concatenate")


def _merge_inputs(case):
    """The inputs in float64 as Keras merges them: lower ranks expanded at axis 1, then broadcast."""
    xs = [np.asarray(x, np.float64) for x in case.inputs]
    rank = max(x.ndim for x in xs)
    xs = [x.reshape(x.shape[:1] + (1,) * (rank - x.ndim) + x.shape[1:]) for x in xs]
    return np.broadcast_arrays(*xs)


def _dot_normalized(x, axis):
    """x over its L2 norm along ``axis`` (Dot's normalize; the reciprocal norm capped at 1e7 for a zero norm)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return x * np.minimum(1.0 / np.sqrt(np.sum(x * x, axis=axis, keepdims=True)), 1e7)


def layers_merging(spec, case, expected):
    """(ulps, scales) of a merge layer's call. Add of k inputs sums k terms: reduction_ulps(k) with
    scale sum |x_i| (the sum may cancel); Subtract: ELEMENTWISE_ULPS with scale |a| + |b|; Average: the
    sum of k, then one division: reduction_ulps(k) with scale sum |x_i| / k; Multiply:
    ELEMENTWISE_ULPS, scale 0 (k - 1 <= 3 roundings, each relative); Maximum, Minimum, Concatenate:
    exact (0 ULP, LAYERS_MERGING_EXACT). Dot: a reduction of n products, reduction_ulps(n) with scale
    sum |a_i b_i|; with normalize each operand first carries the error of its norm (a sum of n
    squares: n/2 ULP after the square root, plus the square root, its reciprocal and the product: 3
    more), so each product a_i b_i is off relatively by up to n + 6 ULP more: reduction_ulps(n) + n + 6,
    with the scale taken on the normalized operands."""
    f = case.feature
    if f in LAYERS_MERGING_EXACT:
        return 0, None
    if f == "layers.Dot":
        x0, x1 = (np.asarray(x, np.float64) for x in case.inputs)
        axes = case.config["axes"]
        a0, a1 = (axes, axes) if isinstance(axes, int) else axes
        a0, a1 = a0 % x0.ndim, a1 % x1.ndim
        n = x0.shape[a0]
        ulps = reduction_ulps(n)
        if case.config.get("normalize", False):
            x0, x1 = _dot_normalized(x0, a0), _dot_normalized(x1, a1)
            ulps += n + 6
        b = x0.shape[0]
        scale = np.abs(np.moveaxis(x0, a0, -1).reshape(b, -1, n)) @ np.abs(np.moveaxis(x1, a1, 1).reshape(b, n, -1))
        return ulps, [np.reshape(scale, expected.outputs[0].shape)]
    xs = _merge_inputs(case)
    total = np.sum([np.abs(x) for x in xs], axis=0)
    if f == "layers.Add":
        return reduction_ulps(len(xs)), [total]
    if f == "layers.Average":
        return reduction_ulps(len(xs)), [total / len(xs)]
    if f == "layers.Subtract":
        return ELEMENTWISE_ULPS, [total]
    return ELEMENTWISE_ULPS, None  # Multiply


# --- layers_pooling ---
def _pooled_magnitude(spec, case):
    """The average of |x| the spec's layer computes (the cancellation scale), NaN -> 0."""
    import dataclasses

    absolute = dataclasses.replace(case, inputs=(np.abs(np.asarray(case.inputs[0], np.float64)),))
    s = np.asarray(spec.run(absolute).outputs[0], np.float64)
    return np.nan_to_num(s, nan=0.0, posinf=0.0)


def layers_pooling(spec, case, expected):
    """(ulps, scales) of a pooling layer's call. Max pooling and global max select a value: exact
    (0 ULP). Average pooling sums the k = prod(pool_size) cells of a window (fewer at a "same"
    border) and divides once: reduction_ulps(k) with scale the window's average of |x| (where the sum
    may cancel); global average: reduction_ulps(number of spatial cells) with scale the mean of |x|;
    the masked GlobalAveragePooling1D: reduction_ulps(steps) with scale the mean of |x| over the kept
    steps (each scale is the spec's layer on |x|, with the case's mask)."""
    if "Max" in case.feature:
        return 0, None
    layer = spec.build(case.feature, case.config)
    x = np.asarray(case.inputs[0])
    if "Global" not in case.feature:
        n = np.prod(layer.pool_size)
    elif case.mask is not None:
        n = x.shape[layer._axes()[0]]
    else:
        n = np.prod([x.shape[a] for a in layer._axes()])
    return reduction_ulps(n), [_pooled_magnitude(spec, case)]


# --- layers_spatial ---
def _bilinear_neighbourhood_max(x, axes, sizes):
    """max |x| over the (clamped) 2x2 neighbourhood each bilinear output interpolates."""
    a = np.abs(np.asarray(x, np.float64))
    for s, ax in zip(sizes, axes):
        n = a.shape[ax]
        u = np.clip((np.arange(n * s) + 0.5) / s - 0.5, 0, n - 1)
        lo = np.floor(u).astype(int)
        a = np.maximum(np.take(a, lo, ax), np.take(a, np.minimum(lo + 1, n - 1), ax))
    return a


def layers_spatial(spec, case, expected):
    """(ulps, scales) of a cropping, zero-padding or up-sampling layer's call. They copy elements or
    write +0.0: exact (0 ULP), except UpSampling2D(interpolation="bilinear"): each output is a lerp
    along each axis of 4 neighbours (TensorFlow: top = a + (b - a) * w, then the same vertically),
    reduction_ulps(4) with scale M * max(H, W), M the largest |x| of the 2x2 neighbourhood: (b - a)
    cancels (an absolute error of eps * 2M), and the weight w = u - floor(u) carries the rounding of
    u = (i + 0.5)/s - 0.5, an absolute error of about eps * |u| <= eps * n that multiplies
    |b - a| <= 2M."""
    if str(case.config.get("interpolation", "nearest")).lower() != "bilinear":
        return 0, None
    cf = str(case.config.get("data_format", "")).lower() == "channels_first"
    axes = (2, 3) if cf else (1, 2)
    size = case.config.get("size", 2)
    sizes = (size, size) if isinstance(size, int) else tuple(size)
    x = case.inputs[0]
    return reduction_ulps(4), [_bilinear_neighbourhood_max(x, axes, sizes) * max(x.shape[a] for a in axes)]


# --- core layers ----------------------------------------------------------------------------------
def layers_core(spec, case, expected):
    """(ulps, scales) of Dense, Activation and Lambda, each formula's conditioning:

    - Dense: x @ kernel + bias sums n = in + 1 terms at magnitude |x| @ |kernel| + |bias|
      (:func:`weighted_sum_tolerance`);
    - Activation: the activation's own (elementwise; softmax a reduction over the last axis), with
      its cancellation scale;
    - Lambda: square and scale_shift are one or two roundings (x * factor + shift cancels:
      scaled by |x * factor| + |shift|); antirectifier and hadamard_product_sum reduce the last
      axis (mean, norm, sum), scaled by the largest term."""
    if case.feature == "layers.Dense":
        x = np.asarray(case.inputs[0], np.float64)
        k = np.asarray(case.weights["kernel"], np.float64)
        b = np.asarray(case.weights.get("bias", np.zeros(k.shape[1])), np.float64)
        return weighted_sum_tolerance(case, x @ k + b, k.shape[0] + 1, np.abs(x) @ np.abs(k) + np.abs(b))
    if case.feature == "layers.Activation":
        scale = cancellation_scale(f"activations.{case.config['activation']}", {}, case.inputs[0])
        return ELEMENTWISE_ULPS if case.config["activation"] != "softmax" else reduction_ulps(
            case.inputs[0].shape[-1]), [np.nan_to_num(scale, nan=0.0, posinf=0.0)]
    if case.feature == "layers.Lambda":
        n = case.inputs[0].shape[-1]
        if case.config["function"] == "antirectifier":
            return reduction_ulps(3 * n), [np.ones_like(e) for e in expected.outputs]
        if case.config["function"] == "hadamard_product_sum":
            prods = np.abs(np.asarray(case.inputs[0], np.float64) * np.asarray(case.inputs[1], np.float64))
            return reduction_ulps(n), [prods, np.sum(prods, axis=-1)]
        if case.config["function"] == "scale_shift":
            args = case.config.get("arguments") or {}  # scale_shift's defaults: factor 1.0, shift 0.0
            x = np.asarray(case.inputs[0], np.float64)
            return ELEMENTWISE_ULPS, [np.abs(x * args.get("factor", 1.0)) + abs(args.get("shift", 0.0))]
        return ELEMENTWISE_ULPS, None
    raise KeyError(f"no tolerance for {case.feature}")


def exact(spec, case, expected):
    """(0, None): a layer whose output is a rearrangement or copy of its input, bit for bit (NaN
    payloads aside)."""
    return 0, None


# They only move, copy or select values (a dropout at inference, Masking, ActivityRegularization's output).
layers_reshaping = layers_dropout = layers_masking = layers_regularization = exact


def layer_losses(spec, case) -> int:
    """The ULPs of a layer's losses: each is a sum, and the longest behind any one loss is the
    output's (an activity loss: ActivityRegularization, Dense's or a convolution-family layer's
    activity_regularizer) or a weight's (Dense's kernel or bias; a convolution-family layer's weights,
    as the case supplies them, whose grid values make its outputs exact)."""
    x = case.inputs[0]
    if case.feature == "layers.ActivityRegularization":
        return reduction_ulps(x.size)
    if case.feature != "layers.Dense":
        output = math.prod(spec.build(case.feature, case.config).compute_output_shape(x.shape))
        return reduction_ulps(max(output, *(np.size(w) for w in case.weights.values())))
    units = case.config["units"]
    return reduction_ulps(max(x.size // x.shape[-1] * units, x.shape[-1] * units, units))


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


# --- gradients ------------------------------------------------------------------------------------
# An activation's derivative, as frameworks compute it, cancels an intermediate of about |g| times
# this (sigmoid's and tanh's 1 - y; elu's y + alpha; selu's y + scale * alpha).
def _derivative_cancels(name: str, config: dict) -> float:
    return 1.0 + {"elu": abs(config.get("alpha", 1.0)), "selu": 1.7580993408473766}.get(name, 0.0)


def gradients(spec, case, expected) -> dict:
    """{"inputs[i]" or a weight's name: (ulps, scale)} of a ``grad`` case (check.compare_gradients).

    - An activation: ``g * f'(x)`` is a few roundings, ``2 * ELEMENTWISE_ULPS``, with the scale
      ``|g| * (1 + |alpha|)`` (the intermediate the derivative cancels: :func:`_derivative_cancels`);
      softmax's ``y * (g - sum(g * y))`` sums its axis: ``reduction_ulps(n)`` at the scale
      ``(|g| + sum|g| y) * (y + its forward cancellation scale)``.
    - A layer: every gradient element is a sum over the output's elements of Jacobian entries
      times the cotangent (dz, through the layer's activation), so it is within
      ``reduction_ulps(outputs + inputs per sample + weights)`` (the backward sum, and the forward
      sums it differentiates through) at the scale the same VJP has on |x|, |weights| and |dz|
      (the linear layer's: each rounding is relative to partial sums bounded by it); a max's
      routing keeps x as it is. Where the activation's derivative moves with z (tanh, elu), the
      forward pass's error in z, ``allowed(z, reduction_ulps(n), |z| on |x|, |weights|)``, moves dz
      by up to ``|f'(z ± err) - f'(z)| * |g|``, carried the same way and added to the scale.
    Sound bounds (a worst-case sum of roundings): in float32 a wrong derivative of a few parts in
    10^5 is caught; in float16 and bfloat16, with their 2^-10 and 2^-7 epsilons and the suite's small
    shapes, errors of tens of percent."""
    from reference.gradients import LAYERS, routing
    from reference.gradients import activations as G

    g = np.asarray(case.cotangent[0], np.float64)
    eps = float(finfo(case.dtype).eps)
    if case.area == "activations":
        x = np.asarray(case.inputs[0], np.float64)
        if case.name == "softmax":
            axis = case.config.get("axis", -1)
            y = A.softmax(x, axis=axis)
            n = int(np.prod([x.shape[a] for a in np.atleast_1d(axis)]))
            spread = np.abs(g) + np.sum(np.abs(g) * y, axis=axis if isinstance(axis, int) else tuple(axis), keepdims=True)
            return {"inputs[0]": (reduction_ulps(n), spread * (y + cancellation_scale(case.feature, case.config, x)))}
        return {"inputs[0]": (2 * ELEMENTWISE_ULPS, np.abs(g) * _derivative_cancels(case.name, case.config))}
    routed = LAYERS.get(case.feature) is routing.routed
    xs = [np.asarray(x, np.float64) if np.asarray(x).dtype.kind == "f" or np.asarray(x).dtype.name == "bfloat16"
          else np.asarray(x) for x in case.inputs]
    absolute = tuple(x if routed or e is None else np.abs(x) for x, e in zip(xs, expected.inputs))  # not indices
    weights = {k: np.abs(np.asarray(w, np.float64)) for k, w in (case.weights or {}).items()}
    terms = g.size + (xs[0].size // max(xs[0].shape[0], 1) if xs[0].ndim else 1) + sum(w.size for w in weights.values())
    ulps = reduction_ulps(terms)
    act = case.config.get("activation") or "linear"
    linear = {**case.config, "activation": "linear"} if "activation" in case.config else dict(case.config)
    dz, dz_err = np.abs(g), np.zeros_like(g)
    if act != "linear" and case.feature != "layers.Activation":
        signed = {k: np.asarray(w, np.float64) for k, w in (case.weights or {}).items()}
        layer = spec.build(case.feature, linear)
        z = layer(xs[0] if len(xs) == 1 else xs, weights=signed or None)
        zmag = layer(absolute[0] if len(xs) == 1 else list(absolute), weights=weights or None)
        z_err = allowed(z, case.dtype, ulps, zmag)
        with np.errstate(over="ignore", invalid="ignore"):
            d0 = G.VJPS[act](z, g, edition=spec.edition)
            moved = np.maximum(np.abs(G.VJPS[act](z + z_err, g, edition=spec.edition) - d0),
                               np.abs(G.VJPS[act](z - z_err, g, edition=spec.edition) - d0))
        dz = np.abs(d0)
        dz_err = np.nan_to_num(moved, posinf=0.0) + np.abs(g) * eps * ELEMENTWISE_ULPS * _derivative_cancels(act, {})
    elif case.feature == "layers.Activation":
        linear, dz = {"activation": "linear"}, np.abs(G.VJPS[act](xs[0], g, edition=spec.edition))
        dz_err = np.abs(g) * eps * ELEMENTWISE_ULPS * _derivative_cancels(act, {})
        if act == "softmax":
            ulps = reduction_ulps(terms + xs[0].shape[-1])
            dz_err = dz_err + np.abs(g) * A.softmax(xs[0]) * xs[0].shape[-1] * eps * (1 + np.abs(xs[0]))

    def vjp_on(h):
        c = Case(case.feature, "grad", linear, absolute, dtype=case.dtype, weights=weights or None,
                 training=case.training, cotangent=(h,))
        return spec.run(c)

    # A VJP is linear in the cotangent but for ActivityRegularization's added penalty: taken off the error's.
    scale, err, base = vjp_on(dz), vjp_on(dz_err), vjp_on(np.zeros_like(g))
    out = {}
    for i, (s, e, b) in enumerate(zip(scale.inputs, err.inputs, base.inputs)):
        if s is not None:
            out[f"inputs[{i}]"] = (ulps, np.abs(s) + np.abs(e - b) / (eps * ulps))
    for k in scale.weights:
        out[k] = (ulps, np.abs(scale.weights[k]) + np.abs(err.weights[k] - base.weights[k]) / (eps * ulps))
    return out


def training_step(spec, case, expected) -> dict:
    """{weight: (ulps, scale)} of the weights after one SGD step: ``w - lr * grad`` carries the
    gradient's error (:func:`gradients`, times lr) and two roundings at |w| + lr |grad|; a norm
    constraint then rescales each element by up to F = max(1, |w'| / |w - lr grad|) (a slice whose
    norm is near 0 has no well-defined direction: its elements are left free, as are those of a slice
    whose sum of squares is below the dtype's smallest normal, which a framework computing in the dtype
    flushes to a norm of 0: float16 UnitNorm of [3e-5] is 256, not 1) and sums the weight's squares (a
    reduction over it)."""
    import dataclasses

    from reference.gradients import training

    grad_case = dataclasses.replace(case, op="grad")
    layer = spec.build(case.feature, case.config)
    grads = spec.run(grad_case)
    per_grad = gradients(spec, grad_case, grads)
    lr = case.learning_rate
    out = {}
    for k, new in expected.items():
        w = np.abs(np.asarray(case.weights[k], np.float64))
        ulps_g, scale_g = per_grad[k]
        updated = np.abs(w - lr * np.asarray(grads.weights[k], np.float64))
        with np.errstate(divide="ignore", invalid="ignore"):  # per element: a slice of norm ~0 rescaled far up
            factor = np.nan_to_num(np.maximum(1.0, np.abs(np.asarray(new, np.float64)) / updated), nan=1.0, posinf=1e300)
        axis = getattr(training.constraint_of(layer, k), "axis", None)
        if axis is not None:  # a norm constraint on a slice whose squares underflow the dtype: its norm is noise
            sq = np.sum(updated ** 2, axis=tuple(np.atleast_1d(axis)), keepdims=True)
            factor = np.where(np.broadcast_to(sq < float(finfo(case.dtype).smallest_normal), updated.shape), np.inf, factor)
        ulps = reduction_ulps(ulps_g + w.size)
        out[k] = (ulps, factor * (w + lr * (np.abs(grads.weights[k]) + np.asarray(scale_g) * ulps_g / ulps)))
    return out
