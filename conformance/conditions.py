"""Conditions on a case that an expectation's ``when`` can name: a divergence described by its cause.

An entry with ``when = ["broadcast"]`` (and ``config = { activation = ["tanh"] }``, values of the
case's config) covers a divergence in every case that meets all its conditions, in any draw of any profile: such a case's divergence is known (the check goes on
drawing, and the record is ``xfail``), and a divergence in a case that does not meet them is new.
Each condition is a predicate on the :class:`adapters.base.Case` the check ran last, defined once
here, its docstring what the report and the README say it means.
"""

from __future__ import annotations

import numpy as np

import reference
from adapters.base import spec_defaults
from adapters.dtypes import finfo, np_dtype
from conformance import tolerance
from reference.editions import KERAS2


def broadcast(case) -> bool:
    """The case has two or more inputs, not all of the same shape (a merge layer broadcasts them)."""
    shapes = {np.shape(x) for x in case.inputs}
    return len(case.inputs) > 1 and len(shapes) > 1


def subnormal(case) -> bool:
    """Some floating-point input, or a number in the config, is subnormal: nonzero and smaller in
    magnitude than its dtype's smallest normal (a CPU may flush it to zero: conformance/tolerance.py)."""
    return tolerance.flush_subnormals(case) is not None


def _floating_inputs(case) -> list:
    return [np.asarray(x, np.float64) for x in case.inputs
            if np.asarray(x).dtype.kind == "f" or np.asarray(x).dtype.name == "bfloat16"]


def nan_input(case) -> bool:
    """Some floating-point input holds a NaN."""
    return any(np.isnan(x).any() for x in _floating_inputs(case))


def input_below_minus_one(case) -> bool:
    """Some floating-point input is finite and below -1: where log(1 + exp(x)) computed as written loses
    exp(x)'s relative precision (1 + exp(x) rounds away most of its digits) and, far enough below,
    all of it (softplus without log1p)."""
    return any((np.isfinite(x) & (x < -1)).any() for x in _floating_inputs(case))


def extreme_input(case) -> bool:
    """Some floating-point input is inf, NaN, or finite beyond a quarter of the dtype's largest value:
    where a product with a small factor (elu's ``alpha * x``, ``|alpha| <= 3`` as drawn) may overflow to
    inf, and a select lowered to arithmetic (``x * c + y * (1 - c)``) turns an inf in the branch not
    taken into NaN (inf * 0)."""
    big = float(finfo(case.dtype).max) / 4
    return any(((~np.isfinite(x)) | (np.abs(x) > big)).any() for x in _floating_inputs(case))


def identity_cropping(case) -> bool:
    """A Cropping layer whose ``cropping`` (given or the default) crops nothing: its output is its input."""
    if not case.feature.startswith("layers.Cropping"):
        return False
    cropping = case.config.get("cropping", spec_defaults(case.feature).get("cropping"))
    return not np.any(np.asarray(cropping))


def channels_first(case) -> bool:
    """The layer's ``data_format`` is channels_first, in any letter case ("CHANNELS_FIRST" too)."""
    return str(case.config.get("data_format")).lower() == "channels_first"


def unequal_strides(case) -> bool:
    """The layer's ``strides`` differ between its spatial axes (e.g. ``(3, 1, 3)``)."""
    strides = case.config.get("strides")
    return isinstance(strides, (tuple, list)) and len(set(strides)) > 1


def _spatial(case) -> tuple:
    """The spatial sides of a windowed layer's input (() when it has none)."""
    x = np.shape(case.inputs[0]) if case.inputs else ()
    if len(x) < 3:
        return ()
    return x[2:] if str(case.config.get("data_format")).lower() == "channels_first" else x[1:-1]


def _per_axis(value, rank: int) -> tuple:
    """A kernel size, stride or dilation given as an int or per axis, per axis."""
    return (value,) * rank if isinstance(value, int) else tuple(value)


def strided_window_remainder(case) -> bool:
    """A Conv2D, or a Conv2DTranspose (whose input gradient is a Conv2D over its output), on a batch of
    two or more, strided along a spatial axis whose windows leave a remainder: (n - k) % s != 0 for
    the convolved size n (a transposed convolution's output size), kernel k and stride s > 1."""
    if case.feature not in ("layers.Conv2D", "layers.Conv2DTranspose") or not case.inputs:
        return False
    x = np.shape(case.inputs[0])
    if len(x) != 4 or x[0] < 2:
        return False
    spatial = x[2:] if channels_first(case) else x[1:3]
    kernel, strides = _per_axis(case.config.get("kernel_size", 1), 2), _per_axis(case.config.get("strides", 1), 2)
    valid = str(case.config.get("padding", "valid")).lower() == "valid"
    for n, k, s in zip(spatial, kernel, strides):
        if "Transpose" in case.feature:
            n = n * s + max(k - s, 0) if valid else n * s
        if s > 1 and n >= k and (n - k) % s:
            return True
    return False


def _output_shape(case) -> tuple:
    """The spec's output shape of the case's layer on its first input."""
    from reference.registry import get_feature

    return get_feature(case.feature).obj(**case.config).compute_output_shape(np.shape(case.inputs[0]))


def bias_on_last_axis(case) -> bool:
    """A channels_first layer with a bias whose output's last side equals its channel count, the
    shape for which Keras 3's TensorFlow ``ops.add`` mistakes the (1, C, 1, ...) bias for a
    channels_last one (keras/src/backend/tensorflow/numpy.py add)."""
    if case.config.get("data_format") != "channels_first" or not case.config.get("use_bias", True):
        return False
    shape = _output_shape(case)
    return len(shape) > 2 and shape[1] == shape[-1]


def xla_wrapped_conv(case) -> bool:
    """A Conv1D/2D/3D that Keras 3's TensorFlow backend runs through ``tf.function(jit_compile=True)``
    because TensorFlow's CPU kernels cannot: grouped (``groups`` > 1) or a channels_first Conv3D
    (keras/src/backend/tensorflow/nn.py conv, ``needs_xla``)."""
    if case.feature not in ("layers.Conv1D", "layers.Conv2D", "layers.Conv3D"):
        return False
    return case.config.get("groups", 1) > 1 or (case.feature == "layers.Conv3D" and channels_first(case))


def output_past_last_tap(case) -> bool:
    """A transposed convolution whose output is longer, along some spatial axis, than the last cell its
    kernel reaches (stride * (n - 1) + dilated kernel, for input side n): a stride larger than the
    kernel, or an output_padding past the kernel, leaves cells no tap reaches, which ONNX's
    ConvTranspose can only express as negative padding."""
    spatial = _spatial(case)
    if not case.feature.endswith("Transpose") or not spatial:
        return False
    rank = len(spatial)
    shape = _output_shape(case)
    out = shape[2:] if channels_first(case) else shape[1:-1]
    ks = _per_axis(case.config.get("kernel_size", 1), rank)
    strides = _per_axis(case.config.get("strides", 1), rank)
    dil = _per_axis(case.config.get("dilation_rate", 1), rank)
    return any(o > s * (n - 1) + (k - 1) * d + 1 for o, n, k, s, d in zip(out, spatial, ks, strides, dil))


def reversed_bounds(case) -> bool:
    """A RandomUniform whose ``minval`` (given or the default) exceeds its ``maxval``: the spec
    samples between them all the same (Keras 3 passes them on unchecked)."""
    if case.feature != "initializers.RandomUniform":
        return False
    defaults = spec_defaults(case.feature)
    return case.config.get("minval", defaults.get("minval")) > case.config.get("maxval", defaults.get("maxval"))


def rate_inexact_in_dtype(case) -> bool:
    """A dropout layer whose ``rate`` is not exactly representable in the case's dtype (0.3 in
    float16): a backend that makes the rate a constant of the input's dtype scales by 1 / (1 - rounded
    rate), off by the rounding relative to 1 - rate (unbounded as rate nears 1)."""
    rate = case.config.get("rate")
    if "Dropout" not in case.feature or not isinstance(rate, (int, float)):
        return False
    return float(np.asarray(rate, dtype=np_dtype(case.dtype))) != float(rate)


def kernel_exceeds_input(case) -> bool:
    """A convolution's (dilated) kernel, or a pooling's window, longer than its input along some
    spatial axis, which only "same" padding allows: every window along that axis reaches into the
    padding on both sides."""
    ks = case.config.get("kernel_size", case.config.get("pool_size"))
    spatial = _spatial(case)
    if ks is None or not spatial:
        return False
    ks, dil = _per_axis(ks, len(spatial)), _per_axis(case.config.get("dilation_rate", 1), len(spatial))
    return any((k - 1) * d + 1 > n for k, d, n in zip(ks, dil, spatial))


def keepdims_none(case) -> bool:
    """A global pooling given ``keepdims=None`` explicitly (Keras' default is False; TOML, the
    expectations' format, has no None for a ``config`` condition)."""
    return "keepdims" in case.config and case.config["keepdims"] is None


def keepdims_not_bool(case) -> bool:
    """A global pooling given a ``keepdims`` that is not a bool (0, 1 or None: Keras takes its truth
    value)."""
    return "keepdims" in case.config and not isinstance(case.config["keepdims"], bool)


def padding_mixed_case(case) -> bool:
    """A ``padding`` string not in lower case ("Same", "VALID"): Keras 3's layers keep it as given."""
    padding = case.config.get("padding")
    return isinstance(padding, str) and padding != padding.lower()


def asymmetric_same_padding(case) -> bool:
    """A pooling with "same" padding (any case) that pads some spatial axis by an odd total, so one
    more cell after than before: total = max((ceil(n / s) - 1) * s + k - n, 0) for an axis of n
    cells, pool size k and stride s (strides default to the pool size)."""
    spatial = _spatial(case)
    if str(case.config.get("padding", "valid")).lower() != "same" or not spatial:
        return False
    k = _per_axis(case.config.get("pool_size", 2), len(spatial))
    s = _per_axis(case.config.get("strides") or k, len(spatial))
    return any(max((-(-n // si) - 1) * si + ki - n, 0) % 2 == 1 for n, ki, si in zip(spatial, k, s))


def truncated_normal(case) -> bool:
    """An initializer that samples a truncated normal: TruncatedNormal, the Glorot, He and LeCun
    normals, VarianceScaling with distribution "truncated_normal" (its default)."""
    name = case.feature.rsplit(".", 1)[-1]
    if name == "VarianceScaling":
        return case.config.get("distribution", "truncated_normal") == "truncated_normal"
    return name in ("TruncatedNormal", "GlorotNormal", "HeNormal", "LecunNormal")


def steep_negative_slope(case) -> bool:
    """relu's ``negative_slope`` above 1, where max(x, slope * x), a common way to write a leaky
    relu, picks slope * x for positive x too."""
    slope = case.config.get("negative_slope")
    return isinstance(slope, (int, float)) and slope > 1


def _factors(identifier, kinds) -> list:
    """The factors, given or defaulted, of a regularizer identifier (a name as Keras 2 resolves it, or a
    {"class_name", "config"} dict) of one of the classes ``kinds``; [] for anything else."""
    if isinstance(identifier, str):
        try:
            fid, arguments = reference.regularizers.get(identifier, edition=KERAS2)
        except reference.SpecError:
            return []
    elif isinstance(identifier, dict):
        fid, arguments = f"regularizers.{identifier.get('class_name')}", dict(identifier.get("config") or {})
    else:
        return []
    if fid not in [f"regularizers.{k}" for k in kinds]:
        return []
    defaults = {k: v for k, v in spec_defaults(fid).items() if k in ("l1", "l2")}
    return list({**defaults, **arguments}.values())


def _factor_not_float32(case, kinds) -> bool:
    if case.area == "regularizers":
        identifier = case.identifier if case.op == "resolve" else {
            "class_name": case.name, "config": dict(case.config)}
        factors = _factors(identifier, kinds)
    else:
        factors = [f for k, v in dict(case.config).items() if k.endswith("_regularizer") for f in _factors(v, kinds)]
    return any(isinstance(f, (int, float)) and float(np.float32(f)) != f for f in factors)


def regularizer_factor_not_float32(case) -> bool:
    """An L1, L2 or L1L2 regularizer (the feature itself, a name it resolves, or a layer's
    ``*_regularizer``) with a factor, given or defaulted, that float32 does not hold exactly
    (0.01, 0.3; not 0.5 or 0): a config that stores it through float32 gives another number."""
    return _factor_not_float32(case, ("L1", "L2", "L1L2"))


def l1_factor_not_float32(case) -> bool:
    """The same for an L1 regularizer only (Keras 3 rounds L1's factor through float32, not L2's)."""
    return _factor_not_float32(case, ("L1",))


def nonneg_constraint(case) -> bool:
    """Some weight of the layer has the NonNeg constraint (``*_constraint``: "non_neg", "NonNeg" or its
    {"class_name", "config"} dict)."""
    return any(k.endswith("_constraint") and (v.get("class_name") if isinstance(v, dict) else v) in ("non_neg", "NonNeg")
               for k, v in case.config.items())


def masked_step_not_plus_zero(case) -> bool:
    """A Masking layer with a masked timestep (every feature equal to ``mask_value``, given or the
    default 0.0) holding a value whose product with 0 is not +0: NaN, +-inf (their product is NaN) or
    a negative number or -0.0 (product -0.0). Keras 2's Masking multiplies by the 0/1 mask, so eager
    TensorFlow gives NaN or -0.0 there; a compiler that rewrites ``x * cast(mask)`` as a select gives +0."""
    if case.feature != "layers.Masking" or not case.inputs:
        return False
    x = np.asarray(case.inputs[0], np.float64)
    mask_value = case.config.get("mask_value", spec_defaults(case.feature).get("mask_value", 0.0))
    masked = np.all(x == mask_value, axis=-1)
    steps = x[masked]
    return bool((np.signbit(steps) | ~np.isfinite(steps)).any())


def unit_leading_torch_weight(case) -> bool:
    """A kernel of more than one tap whose torch layout (out, in, *k) for a convolution, (in, out, *k)
    for a transposed one, leads with a 1 while the other channel count is not 1: a convolution with
    ``filters=1`` over several input channels, a transposed one from one input channel to several
    filters (Keras' torch backend passes such a kernel as a permuted, non-contiguous view)."""
    x = np.shape(case.inputs[0]) if case.inputs else ()
    ks = case.config.get("kernel_size")
    if len(x) < 3 or ks is None or "filters" not in case.config:
        return False
    channels = x[1] if str(case.config.get("data_format")).lower() == "channels_first" else x[-1]
    taps = int(np.prod(_per_axis(ks, len(x) - 2)))
    lead, other = ((channels, case.config["filters"]) if "Transpose" in case.feature
                   else (case.config["filters"], channels))
    return taps > 1 and lead == 1 and other > 1


def lambda_defaults(case) -> bool:
    """A Lambda whose function (or output_shape or mask function) has default arguments: the
    catalog's ``scale_shift(x, factor=1.0, shift=0.0)``."""
    from adapters import lambdas

    return case.feature == "layers.Lambda" and any(
        isinstance(case.config.get(k), str) and lambdas.CATALOG[case.config[k]](np).__defaults__
        for k in lambdas.CALLABLE_KEYS)


def lambda_output_shape(case) -> bool:
    """A Lambda given its ``output_shape`` as a shape (a tuple or list), not a function."""
    return case.feature == "layers.Lambda" and isinstance(case.config.get("output_shape"), (tuple, list))


CONDITIONS = {f.__name__: f for f in (broadcast, subnormal, nan_input, input_below_minus_one, extreme_input, identity_cropping,
                                      channels_first, strided_window_remainder, unequal_strides, bias_on_last_axis, kernel_exceeds_input,
                                      xla_wrapped_conv, output_past_last_tap, reversed_bounds,
                                      rate_inexact_in_dtype,
                                      keepdims_none, keepdims_not_bool, padding_mixed_case, asymmetric_same_padding,
                                      truncated_normal, steep_negative_slope, regularizer_factor_not_float32,
                                      l1_factor_not_float32, nonneg_constraint, masked_step_not_plus_zero,
                                      unit_leading_torch_weight, lambda_defaults,
                                      lambda_output_shape)}


def hold(names, case) -> bool:
    """Whether ``case`` meets every condition named (an unknown name is rejected when the file loads)."""
    return all(CONDITIONS[n](case) for n in names)


def met(case) -> list[str]:
    """The conditions ``case`` meets: a hint for the entry of a new divergence (is one of them its cause?)."""
    out = []
    for name, condition in CONDITIONS.items():
        try:
            if condition(case):
                out.append(name)
        except Exception:  # noqa: BLE001  (a case a condition cannot read meets it not)
            pass
    return out


def describe(names, config=None) -> str:
    return " and ".join([*names, *(f"{k} in {v}" for k, v in (config or {}).items())])
