"""Sliding windows over the spatial axes: the one piece of arithmetic that convolution, pooling
and locally connected layers share (not a feature: nothing here is registered).

Everything is channels_last, ``x`` of shape ``(batch, *spatial, channels)``; the layers move
channels_first inputs with :func:`to_channels_last` / :func:`from_channels_last`.

Output length of one spatial axis of size ``n`` (TensorFlow's and Keras 3's
``compute_conv_output_shape``), with ``k_eff = (k - 1) * dilation + 1``:

- ``valid``:  ``floor((n - k_eff) / stride) + 1``  (0 or less: the kernel does not fit);
- ``same``:   ``ceil(n / stride)``; the padding ``total = max((out - 1) * stride + k_eff - n, 0)``
  goes ``total // 2`` before and the rest (the extra cell) **after**;
- ``causal``: ``total = k_eff - 1``, all of it before, then as ``valid`` (1D only).

No Python loop runs over output positions: :func:`windows` is a strided view of the padded
input and the layers contract it with ``einsum``/``tensordot``.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.lib.stride_tricks import sliding_window_view


def effective_size(k: int, dilation: int = 1) -> int:
    return (k - 1) * dilation + 1


def output_length(n, k: int, stride: int = 1, padding: str = "valid", dilation: int = 1):
    """The output length of one axis (None stays None); may be <= 0 for ``valid`` (caller rejects)."""
    if n is None:
        return None
    k_eff = effective_size(k, dilation)
    if padding == "same":
        return -(-n // stride)
    if padding == "causal":
        n = n + k_eff - 1
    return (n - k_eff) // stride + 1


def pad_amounts(n: int, k: int, stride: int = 1, padding: str = "valid", dilation: int = 1) -> tuple[int, int]:
    """(before, after) cells of padding on one axis of size ``n``."""
    k_eff = effective_size(k, dilation)
    if padding == "same":
        total = max((math.ceil(n / stride) - 1) * stride + k_eff - n, 0)
        return total // 2, total - total // 2
    if padding == "causal":
        return k_eff - 1, 0
    return 0, 0


def pad(x, kernel_size, strides, padding, dilation_rate=None, value=0.0):
    """``x`` (batch, *spatial, channels) padded with ``value`` on its spatial axes."""
    dilation_rate = dilation_rate or (1,) * len(kernel_size)
    widths = [(0, 0)] + [pad_amounts(n, k, s, padding, d)
                         for n, k, s, d in zip(x.shape[1:-1], kernel_size, strides, dilation_rate)] + [(0, 0)]
    return np.pad(x, widths, constant_values=value) if any(map(any, widths)) else x


def windows(x, kernel_size, strides, padding="valid", dilation_rate=None, value=0.0):
    """The windows of ``x`` (batch, *spatial, channels): an array (batch, *out, channels, *kernel_size),
    element ``[b, *o, c, *t] = padded[b, *(o * stride + t * dilation), c]`` (a view: read only)."""
    rank = len(kernel_size)
    dilation_rate = tuple(dilation_rate or (1,) * rank)
    xp = pad(np.asarray(x), kernel_size, strides, padding, dilation_rate, value)
    extents = [effective_size(k, d) for k, d in zip(kernel_size, dilation_rate)]
    if any(e > n for e, n in zip(extents, xp.shape[1:-1])):  # no window fits on some axis: an empty output
        out = [max((n - e) // s + 1, 0) for n, e, s in zip(xp.shape[1:-1], extents, strides)]
        return np.empty((xp.shape[0], *out, xp.shape[-1], *kernel_size), xp.dtype)
    w = sliding_window_view(xp, extents, axis=tuple(range(1, rank + 1)))  # (b, *positions, c, *extents)
    out_index = tuple(slice(None, None, s) for s in strides)
    tap_index = tuple(slice(None, None, d) for d in dilation_rate)
    return w[(slice(None), *out_index, slice(None), *tap_index)]


def to_channels_last(x, data_format: str):
    return np.moveaxis(x, 1, -1) if data_format == "channels_first" else x


def from_channels_last(y, data_format: str):
    return np.moveaxis(y, -1, 1) if data_format == "channels_first" else y
