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

import numpy as np

from adapters.dtypes import finfo

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
