"""Transposed convolution layers: Conv1DTranspose, Conv2DTranspose, Conv3DTranspose.

A transposed convolution is the gradient (adjoint) of a convolution with respect to its input:
every input cell ``x[m]`` adds ``x[m] * kernel[t]`` to the output cell ``m * stride + t * dilation
- pad_before``. The reference computes it as a plain convolution: the input dilated by the stride
(``stride - 1`` zeros between cells), padded, and swept (:func:`reference.layers.windows.windows`,
stride 1, the layer's dilation) with the spatially flipped kernel, contracted with ``einsum``.
"""

from __future__ import annotations

import numpy as np

from reference.editions import KERAS2, KERAS3
from reference.errors import require
from reference.layers.base import (Layer, f64, serialize, standardize_data_format, standardize_padding,
                                   standardize_tuple)
from reference.layers.windows import effective_size, from_channels_last, to_channels_last, windows
from reference.registry import feature
from reference.signatures import documented

_LETTERS = "ijk"  # spatial axes of the einsum (rank <= 3)
_KERNEL_LETTERS = "pqr"


def output_length(n, k: int, stride: int, padding: str, output_padding, dilation: int = 1):
    """The output length of one spatial axis of input length ``n`` (None stays None).

    Keras 3 ``_get_output_shape_given_tf_padding`` (tf-keras ``deconv_output_length``), with
    ``k_eff = (k - 1) * dilation + 1``:

    - valid: ``(n - 1) * stride + k_eff + output_padding``; output_padding None stands for
      ``max(k_eff, stride) - k_eff``, i.e. ``(n - 1) * stride + max(k_eff, stride)``;
    - same: output_padding None gives ``n * stride``; else ``(n - 1) * stride + k_eff % 2 + output_padding``.
    """
    if n is None:
        return None
    k_eff = effective_size(k, dilation)
    if padding == "valid":
        op = max(k_eff, stride) - k_eff if output_padding is None else output_padding
        return (n - 1) * stride + k_eff + op
    if output_padding is None:
        return n * stride
    return (n - 1) * stride + k_eff % 2 + output_padding


def pad_before(n: int, out: int, k: int, stride: int, padding: str, dilation: int = 1) -> int:
    """Cells cropped before the output: the forward convolution's leading padding. 0 for valid;
    for same, ``max((n - 1) * stride + k_eff - out, 0) // 2`` (the forward "same" padding of an
    input of length ``out``: the extra cell of an odd total goes after)."""
    if padding == "valid":
        return 0
    return max((n - 1) * stride + effective_size(k, dilation) - out, 0) // 2


def consistent(n: int, out: int, stride: int, padding: str) -> bool:
    """Whether a forward convolution of an input of length ``out`` has ``n`` outputs (TensorFlow's
    conv_transpose requires it; see Implementation-defined)."""
    if padding == "valid" or n is None:
        return True
    return -(-out // stride) == n


def conv_transpose(x, kernel, strides, padding, output_padding, dilation_rate):
    """The transposed convolution of channels_last ``x`` (batch, *spatial, in) with ``kernel``
    (*k, filters, in): (batch, *out, filters), float64."""
    x, kernel = f64(x), f64(kernel)
    rank = x.ndim - 2
    ks = kernel.shape[:rank]
    ops = output_padding or (None,) * rank
    dims = x.shape[1:-1]
    outs = [output_length(n, k, s, padding, op, d) for n, k, s, op, d in zip(dims, ks, strides, ops, dilation_rate)]
    befores = [pad_before(n, o, k, s, padding, d) for n, o, k, s, d in zip(dims, outs, ks, strides, dilation_rate)]
    return scatter(x, flip(kernel), strides, dilation_rate, outs, befores)


def flip(kernel):
    """The kernel reversed along its spatial axes (all but the last two)."""
    kernel = f64(kernel)
    return kernel[tuple(slice(None, None, -1) for _ in range(kernel.ndim - 2))]


def scatter(x, flipped, strides, dilation_rate, outs, befores):
    """y[b, o, f] = sum of x[b, m, c] * kernel[t, f, c] over o = m * stride + t * dilation - before,
    0 <= o < out, computed as a stride-1 convolution with the flipped kernel over x dilated by the
    stride and padded. ``outs`` and ``befores``: per spatial axis."""
    x = f64(x)
    rank = x.ndim - 2
    ks = flipped.shape[:rank]
    dims = x.shape[1:-1]
    # 1. Dilate: stride - 1 zeros between input cells.
    dilated = [max((n - 1) * s + 1, 0) for n, s in zip(dims, strides)]
    xd = np.zeros((x.shape[0], *dilated, x.shape[-1]))
    xd[(slice(None), *[slice(None, None, s) for s in strides], slice(None))] = x
    # 2. Pad (or crop) so that output cell o sees dilated cells o + before - (k_eff - 1) + u * d.
    index, widths = [slice(None)], [(0, 0)]
    for out, before, k, d, length in zip(outs, befores, ks, dilation_rate, dilated):
        k_eff = effective_size(k, d)
        left = k_eff - 1 - before
        right = out + k_eff - 1 - left - length
        widths.append((max(left, 0), max(right, 0)))
        index.append(slice(max(-left, 0), max(-left, 0) + out + k_eff - 1))
    xp = np.pad(xd, widths + [(0, 0)])[tuple(index)]
    # 3. A stride-1 convolution (dilated like the layer) with the flipped kernel.
    w = windows(xp, ks, (1,) * rank, "valid", dilation_rate)  # (b, *out, in, *k)
    o, t = _LETTERS[:rank], _KERNEL_LETTERS[:rank]
    return np.einsum(f"b{o}c{t},{t}fc->b{o}f", w, flipped)


_DOC = """{rank}D transposed convolution ("deconvolution"): the adjoint (input gradient) of a {rank}D convolution.

    Formula: channels_last x (batch, {spatial}, in); kernel of shape ({kernel}, filters, in) (the
        filters axis before the input channels: the transpose of a Conv{rank}D kernel), bias (filters,).
        Per spatial axis, with n the input length, k_eff = (k - 1) * dilation + 1 and s the stride,
        the output length N is: valid: (n - 1) * s + k_eff + output_padding (output_padding None:
        (n - 1) * s + max(k_eff, s)); same: output_padding None: n * s; else
        (n - 1) * s + k_eff % 2 + output_padding. pad_before = 0 (valid) or
        max((n - 1) * s + k_eff - N, 0) // 2 (same). Then
        y[b, o, f] = sum over input cells m and taps t with o = m * s + t * dilation - pad_before
        (0 <= o < N) of x[b, m, c] * kernel[t, f, c], summed over c too; so cells beyond the last
        input's reach (output_padding) get only the bias. y = activation(y + bias). Equivalently:
        dilate x by s (s - 1 zeros between cells), pad k_eff - 1 - pad_before before and the rest
        after, and run a stride-1 convolution (dilated by dilation) with the spatially flipped kernel.
        channels_first moves the channel axis to 1 (input and output). Output shape (batch,
        {out_spatial}, filters) (channels_first: (batch, filters, ...)); None dims stay None.
    Defaults: strides=1, padding="valid", output_padding=None, data_format=None ("channels_last"),
        dilation_rate=1, activation=None ("linear"), use_bias=True, kernel_initializer="glorot_uniform"
        (its fans come from the ({kernel}, filters, in) shape: fan_in = filters * prod(k), fan_out =
        in * prod(k)), bias_initializer="zeros", regularizers and constraints None. kernel_size,
        strides, dilation_rate, output_padding: an int or {rank} ints, stored as tuples. get_config():
        filters, kernel_size, strides, padding, output_padding, data_format, dilation_rate,
        activation, use_bias, kernel/bias initializers, kernel/bias/activity regularizers,
        kernel/bias constraints. supports_masking: False. losses: [activity loss / batch] (if any),
        then the kernel and bias regularizer penalties.
    Errors: filters not a positive int ("filters"; Keras 3 rejects <= 0 when constructing, None or a
        float when building); kernel_size, strides, dilation_rate not {rank} ints > 0, output_padding
        not {rank} ints >= 0 (named by the argument); output_padding >= strides on an axis
        ("output_padding"); strides > 1 on any axis together with dilation_rate > 1 on any axis
        ("dilation_rate"); padding other than "valid"/"same", case-insensitive ("padding": "causal"
        too); a data_format other than channels_first/channels_last ("data_format"); an unknown
        activation/initializer/regularizer/constraint; an input of rank other than {ndim} ("inputs";
        Keras 3: min_ndim={ndim} in the InputSpec, a higher rank fails in the op); a None channel
        dimension when building, or weights of other shapes ("weights").
    Editions: Keras 2 (tf-keras) converts a float filters with int() (Conv base class); its
        get_config also has "groups": 1.{k2_extra} The output length, padding and values are
        otherwise the same (tf-keras conv_utils.deconv_output_length is Keras 3's formula).
    Implementation-defined: same padding with output_padding given and k_eff even with output_padding
        0 on an axis gives N = (n - 1) * s; the forward "same" convolution of N cells has
        ceil(N / s) = n - 1 outputs, not n. The formula above (the JAX backend's padding, the
        reference's values) still defines y; TensorFlow's Conv*BackpropInput rejects the call
        (InvalidArgumentError: Size of out_backprop doesn't match computed). TensorFlow's CPU kernels
        also reject dilation_rate > 1 and channels_first (a CPU-kernel limitation of TensorFlow).
    Source: keras/src/layers/convolutional/base_conv_transpose.py, conv{rank}d_transpose.py;
        keras/src/backend/common/backend_utils.py compute_conv_transpose_output_shape,
        _convert_conv_transpose_padding_args_from_keras_to_jax; keras/src/backend/tensorflow/nn.py
        conv_transpose (Keras 3.15.1); tf_keras/layers/convolutional/conv{rank}d_transpose.py,
        base_conv.py, tf_keras/utils/conv_utils.py deconv_output_length.
    """


class _ConvTranspose(Layer):
    rank = 0

    def __init__(self, filters, kernel_size, strides=1, padding="valid", output_padding=None, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 kernel_constraint=None, bias_constraint=None, groups=None, *, edition=KERAS3):
        super().__init__(edition=edition)
        r = self.rank
        if edition == KERAS2:
            if isinstance(filters, float):
                filters = int(filters)
            require(groups in (None, 1), "groups", "a transposed convolution has groups=1")
        else:
            require(groups is None, "groups", "Keras 3's transposed convolutions take no groups argument")
        ok = isinstance(filters, (int, np.integer)) and not isinstance(filters, bool)
        require(ok and filters > 0, "filters",
                f"Invalid value for argument `filters`. Expected a strictly positive value. Received filters={filters}.")
        self.filters = int(filters)
        self.kernel_size = standardize_tuple(kernel_size, r, "kernel_size")
        self.strides = standardize_tuple(strides, r, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, r, "dilation_rate")
        self.padding = standardize_padding(padding)
        self.output_padding = (None if output_padding is None
                               else standardize_tuple(output_padding, r, "output_padding", allow_zero=True))
        self.data_format = standardize_data_format(data_format)
        if self.output_padding is not None:
            for i, (op, s) in enumerate(zip(self.output_padding, self.strides)):
                require(op < s, "output_padding",
                        f"`output_padding` must be strictly less than `strides` for all dimensions. At dimension "
                        f"{i}, `output_padding` is {op} but `strides` is {s}.")
        require(not (max(self.strides) > 1 and max(self.dilation_rate) > 1), "dilation_rate",
                f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. Received: "
                f"strides={self.strides} and dilation_rate={self.dilation_rate}")
        self.use_bias = use_bias
        self.resolve_options(locals(), ("kernel", "bias"))

    # --- configuration ---------------------------------------------------------------------------
    @property
    def _ignores_dilation(self) -> bool:
        """tf-keras Conv3DTranspose drops dilation_rate (config, output shape and call)."""
        return self.edition == KERAS2 and self.rank == 3

    @property
    def effective_dilation(self) -> tuple[int, ...]:
        return (1,) * self.rank if self._ignores_dilation else self.dilation_rate

    def get_config(self):
        config = {"filters": self.filters, "kernel_size": self.kernel_size, "strides": self.strides,
                  "padding": self.padding, "output_padding": self.output_padding, "data_format": self.data_format,
                  "dilation_rate": self.dilation_rate}
        if self.edition == KERAS2:
            config["groups"] = 1
            if self._ignores_dilation:
                del config["dilation_rate"]
        config.update({
            "activation": self.activation_name, "use_bias": self.use_bias,
            "kernel_initializer": serialize(self.kernel_initializer),
            "bias_initializer": serialize(self.bias_initializer),
            "kernel_regularizer": serialize(self.kernel_regularizer),
            "bias_regularizer": serialize(self.bias_regularizer),
            "activity_regularizer": serialize(self.activity_regularizer),
            "kernel_constraint": serialize(self.kernel_constraint),
            "bias_constraint": serialize(self.bias_constraint)})
        return config

    # --- shapes ----------------------------------------------------------------------------------
    def _check_rank(self, input_shape):
        ndim = self.rank + 2
        require(len(input_shape) == ndim, "inputs",
                f"expected ndim={ndim}, found ndim={len(input_shape)}. Full shape received: {tuple(input_shape)}")

    def _split(self, input_shape):
        """(batch, spatial dims, channels) of an input shape in the layer's data_format."""
        shape = tuple(input_shape)
        if self.data_format == "channels_first":
            return shape[0], shape[2:], shape[1]
        return shape[0], shape[1:-1], shape[-1]

    def output_lengths(self, spatial):
        ops = self.output_padding or (None,) * self.rank
        return tuple(output_length(n, k, s, self.padding, op, d) for n, k, s, op, d in
                     zip(spatial, self.kernel_size, self.strides, ops, self.effective_dilation))

    def pad_befores(self, spatial, outs):
        return tuple(pad_before(n, o, k, s, self.padding, d) for n, o, k, s, d in
                     zip(spatial, outs, self.kernel_size, self.strides, self.effective_dilation))

    def flip_kernel(self, kernel):
        return flip(kernel)

    def compute_output_shape(self, input_shape):
        self._check_rank(input_shape)
        batch, spatial, _ = self._split(input_shape)
        out = self.output_lengths(spatial)
        if self.data_format == "channels_first":
            return (batch, self.filters, *out)
        return (batch, *out, self.filters)

    def weight_shapes(self, input_shape):
        self._check_rank(input_shape)
        channels = self._split(input_shape)[2]
        require(channels is not None, "inputs",
                f"The channel dimension of the inputs should be defined. Found None in {tuple(input_shape)}")
        shapes = {"kernel": (*self.kernel_size, self.filters, int(channels))}
        if self.use_bias:
            shapes["bias"] = (self.filters,)
        return shapes

    def weight_initializers(self):
        return {"kernel": self.kernel_initializer, "bias": self.bias_initializer}

    # --- call ------------------------------------------------------------------------------------
    def call(self, x, *, weights, training, mask, rng):
        w = self._weights(weights, x.shape)
        xl = to_channels_last(x, self.data_format)
        spatial = xl.shape[1:-1]
        outs = self.output_lengths(spatial)
        with np.errstate(invalid="ignore", over="ignore"):
            y = scatter(xl, self.flip_kernel(w["kernel"]), self.strides, self.effective_dilation, outs,
                        self.pad_befores(spatial, outs))
            if self.use_bias:
                y = y + w["bias"]
            y = from_channels_last(y, self.data_format)
            return f64(self.activation(y))



def transpose_signature(rank, data_format_first=False):
    """Keras' Conv{rank}DTranspose constructor (keras/src/layers/convolutional/conv{rank}d_transpose.py;
    tf_keras/src/layers/convolutional/conv{rank}d_transpose.py): Keras 3's Conv3DTranspose names data_format
    before output_padding (conv3d_transpose.py:113-121), the others after it."""
    ones = "1" if rank == 1 else repr((1,) * rank)
    order = "data_format=None, output_padding=None" if data_format_first else "output_padding=None, data_format=None"
    return (f"filters, kernel_size, strides={ones}, padding='valid', {order}, dilation_rate={ones}, activation=None, "
            "use_bias=True, kernel_initializer='glorot_uniform', bias_initializer='zeros', kernel_regularizer=None, "
            "bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs")


def _doc(rank, k2_extra=""):
    names = ("steps",) if rank == 1 else ("rows", "cols") if rank == 2 else ("dim1", "dim2", "dim3")
    doc = _DOC.format(rank=rank, ndim=rank + 2, spatial=", ".join(names),
                      kernel=", ".join(f"k{i}" for i in range(rank)) if rank > 1 else "k",
                      out_spatial=", ".join(f"N_{n}" for n in names), k2_extra=k2_extra)
    text = f"Conv{rank}DTranspose({transpose_signature(rank, rank == 3)}) (groups only in Keras 2, through **kwargs)"
    if rank == 3:
        text += "; Keras 2: output_padding before data_format, as in 1D and 2D"
    return documented(doc, text)


@feature("layers", seed_page="000")
class Conv1DTranspose(_ConvTranspose):
    __doc__ = _doc(1)
    rank = 1
    init_signature = transpose_signature(1)


@feature("layers", seed_page="000")
class Conv2DTranspose(_ConvTranspose):
    __doc__ = _doc(2)
    rank = 2
    init_signature = transpose_signature(2)


@feature("layers", seed_page="000")
class Conv3DTranspose(_ConvTranspose):
    __doc__ = _doc(3, " tf-keras Conv3DTranspose ignores dilation_rate: the output\n"
                      "        length and the values use dilation 1, and get_config has no \"dilation_rate\".")
    rank = 3
    init_signature = transpose_signature(3, data_format_first=True)
    edition_signatures = {"keras2": {"init": transpose_signature(3)}}


__all__ = ["Conv1DTranspose", "Conv2DTranspose", "Conv3DTranspose", "conv_transpose", "output_length",
           "pad_before", "consistent", "flip", "scatter"]
