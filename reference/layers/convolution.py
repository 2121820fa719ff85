"""Convolution layers: Conv1D/2D/3D, DepthwiseConv1D/2D, SeparableConv1D/2D.

Every one is a cross-correlation (the kernel is not flipped) of the zero-padded input, computed
channels_last on :func:`reference.layers.windows.windows` (a strided view) contracted with einsum:
no Python loop over output positions. Shared arithmetic (``windows.py``), per spatial axis of size
n, with k_eff = (k - 1) * dilation + 1:

- ``valid``: out = floor((n - k_eff) / stride) + 1, which must be >= 1 (Keras 2: >= 0, where 0 is an
  empty output; see each layer's Editions);
- ``same``: out = ceil(n / stride); padding total = max((out - 1) * stride + k_eff - n, 0), total // 2
  before and the rest (the extra cell) after;
- ``causal`` (Conv1D only in Keras 3): k_eff - 1 zeros before, none after, then ``valid``:
  out = ceil(n / stride), and y[t] depends on x[<= t * stride] only.
"""

from __future__ import annotations

import numpy as np

from reference.editions import KERAS2, KERAS3
from reference.errors import require
from reference.layers.base import (Layer, f64, serialize, standardize_data_format, standardize_padding,
                                   standardize_tuple)
from reference.layers.windows import from_channels_last, output_length, to_channels_last, windows
from reference.registry import feature
from reference.signatures import documented
from reference.resolve import resolve

_OUT, _TAP = "opq", "xyz"  # einsum letters of the output positions and the kernel taps (rank <= 3)


def _positive_int(value, argument, message):
    ok = isinstance(value, (int, np.integer)) and not isinstance(value, bool) and value > 0
    require(ok, argument, message)
    return int(value)


def _keras2_dims(shape, what):
    """A weight shape Keras 2's add_weight accepts (a tf.TensorShape): int dimensions >= 0 (a float or
    bool one is a TypeError, a negative one "Dimension -2 must be >= 0")."""
    for d in shape:
        require(isinstance(d, (int, np.integer)) and not isinstance(d, bool), "inputs",
                f"Dimension value must be integer: {what} shape {shape}")
        require(d >= 0, "inputs", f"Dimension {d} must be >= 0: {what} shape {shape}")
    return tuple(int(d) for d in shape)


def conv_nd(x, kernel, strides, padding, dilation_rate, groups=1):
    """Grouped N-d cross-correlation of channels_last x (b, *s, C) with kernel (*k, C / groups, F):
    y[b, *o, g * F/G + f] = sum_{t, c} xp[b, *(o * stride + t * dilation), g * C/G + c] * kernel[*t, c, g * F/G + f]."""
    rank = kernel.ndim - 2
    k, (cg, filters) = kernel.shape[:rank], kernel.shape[rank:]
    w = windows(x, k, strides, padding, dilation_rate)  # (b, *out, C, *k)
    b, out = w.shape[0], w.shape[1:1 + rank]
    w = w.reshape(b, *out, groups, cg, *k)
    ker = kernel.reshape(*k, cg, groups, filters // groups)
    o, t = _OUT[:rank], _TAP[:rank]
    y = np.einsum(f"b{o}gc{t},{t}cgf->b{o}gf", w, ker)
    return y.reshape(b, *out, filters)


def depthwise_nd(x, kernel, strides, padding, dilation_rate):
    """Depthwise cross-correlation of channels_last x (b, *s, C) with kernel (*k, C, dm):
    y[b, *o, c * dm + j] = sum_t xp[b, *(o * stride + t * dilation), c] * kernel[*t, c, j]."""
    rank = kernel.ndim - 2
    k, (channels, dm) = kernel.shape[:rank], kernel.shape[rank:]
    w = windows(x, k, strides, padding, dilation_rate)  # (b, *out, C, *k)
    o, t = _OUT[:rank], _TAP[:rank]
    y = np.einsum(f"b{o}c{t},{t}cm->b{o}cm", w, kernel)
    return y.reshape(*y.shape[:-2], channels * dm)


class _Conv(Layer):
    """The configuration the convolution layers share (not a feature)."""

    rank = 0
    allow_causal = False
    kernel_weights = ()  # (weight name, initializer attribute, regularizer attribute) for each kernel

    def _common(self, kernel_size, strides, padding, data_format, dilation_rate, use_bias):
        self.kernel_size = standardize_tuple(kernel_size, self.rank, "kernel_size")
        self.strides = standardize_tuple(strides, self.rank, "strides")
        self.dilation_rate = standardize_tuple(dilation_rate, self.rank, "dilation_rate")
        self.padding = standardize_padding(padding, allow_causal=self.allow_causal)
        self.data_format = standardize_data_format(data_format)
        self.use_bias = use_bias

    def _keras2_conv_keywords(self, extra):
        """Keras 2's depthwise and separable layers pass unknown keywords on to Conv, which takes groups and
        the kernel_* arguments (its own get_config emits them); Keras 3 has no such keywords."""
        allowed = ("groups", "kernel_initializer", "kernel_regularizer", "kernel_constraint")
        for key in extra:
            require(self.edition == KERAS2 and key in allowed, key,
                    f"{type(self).__name__}.__init__() got an unexpected keyword argument '{key}'")

    def _check_strides_dilation(self):
        require(not (max(self.strides) > 1 and max(self.dilation_rate) > 1), "strides",
                f"`strides > 1` not supported in conjunction with `dilation_rate > 1`. "
                f"Received: strides={self.strides} and dilation_rate={self.dilation_rate}")

    # --- shapes ----------------------------------------------------------------------------------
    def _channel_axis(self):
        return 1 if self.data_format == "channels_first" else self.rank + 1

    def _spatial(self, input_shape):
        input_shape = tuple(input_shape)
        require(len(input_shape) == self.rank + 2, "inputs",
                f"expected ndim={self.rank + 2}, found ndim={len(input_shape)}. "
                f"Full shape received: {input_shape}")
        spatial = input_shape[2:] if self.data_format == "channels_first" else input_shape[1:-1]
        out = tuple(output_length(n, k, s, self.padding, d)
                    for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate))
        require(all(o is None or o > 0 for o in out), "inputs",
                f"Computed output size would be zero or negative. Received inputs shape={input_shape}, "
                f"kernel_size={self.kernel_size}, dilation_rate={self.dilation_rate}, strides={self.strides}, "
                f"padding={self.padding}")
        return input_shape, out

    def _channels(self, input_shape):
        c = tuple(input_shape)[self._channel_axis()]
        require(c is not None, "inputs",
                f"The channel dimension of the inputs should be defined. Received input_shape={tuple(input_shape)}, "
                f"where axis {self._channel_axis()} is the channel dimension")
        return int(c)

    def _out_channels(self, input_shape):
        raise NotImplementedError

    # --- Keras 2 shapes: tf_keras checks an input's rank only in the call (its InputSpec) -----------
    def _keras2_lengths(self, spatial):
        """conv_utils.conv_output_length of each spatial dim (None stays None; 0 for a window one cell
        larger than the input)."""
        return [output_length(n, k, s, self.padding, d)
                for n, k, s, d in zip(spatial, self.kernel_size, self.strides, self.dilation_rate)]

    def _keras2_conv_output_shape(self, input_shape):
        """tf_keras Conv.compute_output_shape (base_conv.py:335-359): the dims before the last rank + 1 are
        batch dims, whatever the rank (Conv2D of (1, 4, 4) gives (0, 3, filters)); the result is a
        tf.TensorShape, so a negative length is rejected (a 0 one is not)."""
        s = list(input_shape)
        b = len(s) - self.rank - 1
        if self.data_format == "channels_last":
            out = s[:b] + self._keras2_lengths(s[b:-1]) + [self.filters]
        else:
            out = s[:b] + [self.filters] + self._keras2_lengths(s[b + 1:])
        require(all(d is None or d >= 0 for d in out), "inputs",
                f"One of the dimensions in the output is <= 0 due to downsampling. Received input shape "
                f"{tuple(input_shape)} which would produce output shape with a zero or negative value in a dimension.")
        return tuple(out)

    def _keras2_channels(self, input_shape):
        """The channel dim tf_keras' build reads (axis -1, or -1 - rank channels_first), defined."""
        axis = -1 - self.rank if self.data_format == "channels_first" else -1
        require(len(input_shape) >= -axis, "inputs", f"tuple index out of range: input shape {tuple(input_shape)}")
        c = input_shape[axis]
        require(c is not None, "inputs", f"The channel dimension of the inputs should be defined. The input_shape "
                                         f"received is {tuple(input_shape)}, where axis {axis} is the channel dimension")
        return int(c)

    def _keras2_min_ndim(self, x):
        """The InputSpec(min_ndim=rank + 2) that tf_keras' Layer.__call__ checks before building."""
        require(x.ndim >= self.rank + 2, "inputs", f"expected min_ndim={self.rank + 2}, found ndim={x.ndim}. "
                                                   f"Full shape received: {x.shape}")

    def _keras2_op_lengths(self, x):
        """The depthwise op (tf.nn.depthwise_conv2d) rejects a window larger than its padded input by more
        than one cell (a negative output length); 0 gives an empty output."""
        spatial = x.shape[2:] if self.data_format == "channels_first" else x.shape[1:-1]
        require(all(n >= 0 for n in self._keras2_lengths(spatial)), "inputs",
                f"Computed output size would be negative (input shape {x.shape}, kernel_size={self.kernel_size}, "
                f"dilation_rate={self.dilation_rate})")

    def compute_output_shape(self, input_shape):
        input_shape, out = self._spatial(input_shape)
        channels = self._out_channels(input_shape)
        if self.data_format == "channels_first":
            return (input_shape[0], channels, *out)
        return (input_shape[0], *out, channels)

    # --- weights ---------------------------------------------------------------------------------
    def weight_initializers(self):
        inits = {name: getattr(self, init) for name, init, _ in self.kernel_weights}
        return {**inits, "bias": self.bias_initializer}

    def weight_regularizers(self):
        regs = {name: getattr(self, reg) for name, _, reg in self.kernel_weights}
        return {**regs, "bias": self.bias_regularizer} if self.use_bias else regs

    # --- forward ---------------------------------------------------------------------------------
    def _forward(self, x, w):
        raise NotImplementedError

    def call(self, x, *, weights, training, mask, rng):
        w = self._weights(weights, x.shape)
        xl = to_channels_last(x, self.data_format)
        with np.errstate(invalid="ignore", over="ignore"):
            y = self._forward(xl, w)
            if self.use_bias:
                y = y + w["bias"]
        return f64(self.activation(from_channels_last(y, self.data_format)))

    # --- config ----------------------------------------------------------------------------------
    def _shared_config(self):
        return {"kernel_size": self.kernel_size, "strides": self.strides, "padding": self.padding,
                "data_format": self.data_format, "dilation_rate": self.dilation_rate,
                "activation": self.activation_name, "use_bias": self.use_bias,
                "bias_initializer": serialize(self.bias_initializer),
                "bias_regularizer": serialize(self.bias_regularizer),
                "activity_regularizer": serialize(self.activity_regularizer),
                "bias_constraint": serialize(self.bias_constraint)}


_CONV_DOC = """{rank}D convolution: a {what} kernel cross-correlated with the input, plus a bias, then an activation.

    Formula: channels_last x (b, {spatial}, C) (channels_first: (b, C, {spatial})), kernel
        (*kernel_size, C / groups, filters), bias (filters,). With G = groups, Cg = C / G, Fg = filters / G:
        y[b, *o, g*Fg + f] = activation(sum_(t, c) xp[b, *(o*strides + t*dilation_rate), g*Cg + c]
                                        * kernel[*t, c, g*Fg + f] + bias[g*Fg + f])
        where xp is x zero-padded per ``padding`` (module docstring: same puts the extra cell after{causal}).
        A cross-correlation: the kernel is not flipped. Group g sees only input channels
        [g*Cg, (g+1)*Cg) and makes output channels [g*Fg, (g+1)*Fg).
        Output shape (b, *out, filters) (channels_first: (b, filters, *out)); None dims stay None.
        Constraints act in the optimizer, never in the forward pass.
    Defaults: strides=1, padding="valid", data_format=None (channels_last), dilation_rate=1, groups=1,
        activation=None (linear), use_bias=True, kernel_initializer="glorot_uniform" (fans of the kernel
        layout: fan_in = prod(kernel_size) * C/G, fan_out = prod(kernel_size) * filters),
        bias_initializer="zeros", every regularizer and constraint None. Weights "kernel", "bias".
        supports_masking False. losses: [activity loss / batch] (if any), then kernel, bias penalties.
        get_config() == {{filters, kernel_size, strides, padding, data_format, dilation_rate (tuples),
        groups, activation, use_bias, kernel_/bias_initializer, kernel_/bias_/activity_regularizer,
        kernel_/bias_constraint}}.
    Errors: filters not a positive int ("filters"); groups not a positive int, or filters not divisible
        by groups ("groups"); kernel_size/strides/dilation_rate not {rank} positive ints; padding not
        {paddings} ("padding"); a bad data_format; strides > 1 together with dilation_rate > 1
        ("strides"); unknown activation/initializer/regularizer/constraint; an input not of rank {ndim}
        ("inputs"); a valid output length <= 0 for a known spatial dim ("inputs": Computed output
        size would be zero or negative); when building (weight_shapes, a call): an unknown channel dim,
        or input channels not divisible by groups ("inputs"); weights of other shapes ("weights").
    Editions: Keras 2 converts a float filters with int() (Conv{rank}D(2.0, ...) has 2 filters), takes
        groups=0/None as 1, and accepts inputs with extra leading batch dims (rank > {ndim}: tf.nn.convolution
        folds them; here they are flattened into the batch). Its constructor checks groups only by
        filters % groups == 0 (tf_keras/src/layers/convolutional/base_conv.py:135, 167): groups=-1 or 2.0
        construct and compute_output_shape works; build rejects the kernel dim C // groups (negative or
        a float). Its compute_output_shape (base_conv.py:335-359) takes any rank: the dims before the
        last {rank} + 1 are batch dims (Conv2D of (1, 4, 4) gives (0, 3, filters)), and it rejects only a
        negative output length (a tf.TensorShape): a valid window one cell larger than the input gives
        0; build (base_conv.py:212-233) takes any rank too (the channels from the last dim, or
        -1 - {rank} channels_first) and runs compute_output_shape; only the call checks the rank
        (InputSpec min_ndim={ndim}, in Layer.__call__) and an output length of 0 gives an empty output.
    Implementation-defined: TensorFlow's CPU Conv2D kernel has no NCHW: Keras 3 runs channels_first
        Conv1D/Conv2D (groups=1) through it and fails with UnimplementedError on CPU; grouped and 3D
        channels_first convolutions go through XLA there and work.
    Source: keras/src/layers/convolutional/base_conv.py, conv{rank}d.py, keras/src/ops/operation_utils.py
        compute_conv_output_shape (Keras 3.15.1); tf_keras/layers/convolutional/base_conv.py.
    """


def _ones(rank: int) -> str:
    return "1" if rank == 1 else repr((1,) * rank)


def _conv_signature(rank, data_format="None"):
    """Keras' Conv{rank}D constructor (keras/src/layers/convolutional/conv{rank}d.py; LoRA's lora_rank and
    lora_alpha go through **kwargs to BaseConv)."""
    return (f"filters, kernel_size, strides={_ones(rank)}, padding='valid', data_format={data_format}, "
            f"dilation_rate={_ones(rank)}, groups=1, activation=None, use_bias=True, "
            "kernel_initializer='glorot_uniform', bias_initializer='zeros', kernel_regularizer=None, "
            "bias_regularizer=None, activity_regularizer=None, kernel_constraint=None, bias_constraint=None, **kwargs")


def _depthwise_signature(rank):
    """Keras' DepthwiseConv{rank}D constructor (keras/src/layers/convolutional/depthwise_conv{rank}d.py)."""
    return (f"kernel_size, strides={_ones(rank)}, padding='valid', depth_multiplier=1, data_format=None, "
            f"dilation_rate={_ones(rank)}, activation=None, use_bias=True, depthwise_initializer='glorot_uniform', "
            "bias_initializer='zeros', depthwise_regularizer=None, bias_regularizer=None, activity_regularizer=None, "
            "depthwise_constraint=None, bias_constraint=None, **kwargs")


def _separable_signature(rank):
    """Keras' SeparableConv{rank}D constructor (keras/src/layers/convolutional/separable_conv{rank}d.py)."""
    return (f"filters, kernel_size, strides={_ones(rank)}, padding='valid', data_format=None, "
            f"dilation_rate={_ones(rank)}, depth_multiplier=1, activation=None, use_bias=True, "
            "depthwise_initializer='glorot_uniform', pointwise_initializer='glorot_uniform', bias_initializer='zeros', "
            "depthwise_regularizer=None, pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None, "
            "depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, **kwargs")


class _BaseConv(_Conv):
    kernel_weights = (("kernel", "kernel_initializer", "kernel_regularizer"),)

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 groups=1, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None,
                 lora_alpha=None, *, edition=KERAS3):
        super().__init__(edition=edition)
        require(lora_rank is None and lora_alpha is None, "lora_rank", "the spec covers convolutions without LoRA")
        self._common(kernel_size, strides, padding, data_format, dilation_rate, use_bias)
        self.resolve_options(locals(), ("kernel", "bias"))
        if edition == KERAS2:
            filters = int(filters) if isinstance(filters, float) else filters
            groups = groups or 1
        self.filters = _positive_int(filters, "filters", "Invalid value for argument `filters`. Expected a "
                                                         f"strictly positive value. Received filters={filters}.")
        if edition == KERAS2:  # only filters % groups == 0 (base_conv.py:135, 167): build rejects the rest
            require(isinstance(groups, (int, float, np.integer)), "groups",
                    f"unsupported operand for filters % groups. Received: groups={groups!r}")
            self.groups = groups
        else:
            self.groups = _positive_int(groups, "groups", "The number of groups must be a positive integer. "
                                                          f"Received: groups={groups}.")
        require(self.filters % self.groups == 0, "groups",
                "The number of filters must be evenly divisible by the number of groups. "
                f"Received: groups={self.groups}, filters={self.filters}.")
        self._check_strides_dilation()

    def _out_channels(self, input_shape):
        return self.filters

    def compute_output_shape(self, input_shape):
        if self.edition == KERAS2:
            return self._keras2_conv_output_shape(input_shape)
        return super().compute_output_shape(input_shape)

    def weight_shapes(self, input_shape):
        input_shape = tuple(input_shape)
        if self.edition == KERAS2:
            return self._keras2_weight_shapes(input_shape)
        self._spatial(input_shape)
        channels = self._channels(input_shape)
        require(channels % self.groups == 0, "inputs",
                f"The number of input channels must be evenly divisible by the number of groups. Received "
                f"groups={self.groups}, but the input has {channels} channels (full input shape is {input_shape}).")
        shapes = {"kernel": (*self.kernel_size, channels // self.groups, self.filters)}
        if self.use_bias:
            shapes["bias"] = (self.filters,)
        return shapes

    def _keras2_weight_shapes(self, input_shape):
        """tf_keras Conv.build (base_conv.py:212-233): the channel dim, divisible by groups; then
        compute_output_shape (a negative output length); then the kernel, whose dims must be ints >= 0
        (groups=-1 gives C // -1 < 0, groups=2.0 a float). No rank check: any rank builds."""
        channels = self._keras2_channels(input_shape)
        require(channels % self.groups == 0, "inputs",
                f"The number of input channels must be evenly divisible by the number of groups. Received "
                f"groups={self.groups}, but the input has {channels} channels (full input shape is {input_shape}).")
        self._keras2_conv_output_shape(input_shape)
        shapes = {"kernel": _keras2_dims((*self.kernel_size, channels // self.groups, self.filters), "kernel")}
        if self.use_bias:
            shapes["bias"] = (self.filters,)
        return shapes

    def _forward(self, x, w):
        return conv_nd(x, w["kernel"], self.strides, self.padding, self.dilation_rate, self.groups)

    def call(self, x, *, weights, training, mask, rng):
        extra = x.ndim - self.rank - 2
        if self.edition == KERAS2:
            self._keras2_min_ndim(x)
        if self.edition == KERAS2 and extra > 0:  # extra leading batch dims: fold, convolve, unfold
            lead = x.shape[:extra + 1]
            y = super().call(x.reshape(-1, *x.shape[extra + 1:]), weights=weights, training=training, mask=mask,
                             rng=rng)
            return y.reshape(*lead, *y.shape[1:])
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)

    def get_config(self):
        config = {"filters": self.filters, **self._shared_config(), "groups": self.groups,
                  "kernel_initializer": serialize(self.kernel_initializer),
                  "kernel_regularizer": serialize(self.kernel_regularizer),
                  "kernel_constraint": serialize(self.kernel_constraint)}
        return config


def _conv_doc(rank, causal=False):
    spatial = ", ".join(("steps",) if rank == 1 else ("d1", "d2", "d3")[:rank])
    return _CONV_DOC.format(rank=rank, what=f"{rank}D", spatial=spatial, ndim=rank + 2,
                            causal="; causal: k_eff - 1 zeros before, none after" if causal else "",
                            paddings='"valid", "same" or "causal"' if causal else '"valid" or "same" ("causal" too)')


@feature("layers", seed_page="000")
class Conv1D(_BaseConv):
    rank = 1
    allow_causal = True
    init_signature = _conv_signature(1)
    edition_signatures = {"keras2": {"init": _conv_signature(1, "'channels_last'")}}
    __doc__ = documented(_conv_doc(1, causal=True), f"Conv1D({init_signature}) (lora_rank and lora_alpha through "
                         "**kwargs); Keras 2: data_format='channels_last' (tf_keras/src/layers/convolutional/conv1d.py)"
                         ) + """Seed page: Conv1D(filters, kernel_size, strides, padding, ...): a
        temporal convolution; padding "causal" results in causal (dilated) convolutions, output[t] does not
        depend on input[t+1:].
    """


@feature("layers", seed_page="000")
class Conv2D(_BaseConv):
    rank = 2
    init_signature = _conv_signature(2)
    __doc__ = documented(_conv_doc(2), f"Conv2D({init_signature}) in both editions (lora_rank and lora_alpha "
                         "through **kwargs)").replace('("causal" too)', '(Keras 3: "causal" is Conv1D only)') + """Seed page:
        Conv2D(64, (3, 3), input_shape=(3, 32, 32), padding='same') maps channels_first (None, 3, 32, 32)
        to (None, 64, 32, 32).
    """


@feature("layers", seed_page="000")
class Conv3D(_BaseConv):
    rank = 3
    init_signature = _conv_signature(3)
    __doc__ = documented(_conv_doc(3), f"Conv3D({init_signature}) in both editions (lora_rank and lora_alpha "
                         "through **kwargs)").replace('("causal" too)', '(Keras 3: "causal" is Conv1D only)') + """Seed page:
        Conv3D over (batch, conv_dim1, conv_dim2, conv_dim3, channels) volumes.
    """


class _BaseDepthwise(_Conv):
    kernel_weights = (("kernel", "depthwise_initializer", "depthwise_regularizer"),)

    def __init__(self, kernel_size, strides=1, padding="valid", depth_multiplier=1, data_format=None,
                 dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 bias_initializer="zeros", depthwise_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, depthwise_constraint=None, bias_constraint=None, *, edition=KERAS3,
                 **keras2_conv_keywords):
        super().__init__(edition=edition)
        self._keras2_conv_keywords(keras2_conv_keywords)
        self._common(kernel_size, strides, padding, data_format, dilation_rate, use_bias)
        self.resolve_options(locals(), ("depthwise", "bias"))
        if edition == KERAS2:  # never validated (base_depthwise_conv.py): the shapes and build reject
            self.depth_multiplier = depth_multiplier
            self._check_strides_dilation()
            self.kernel_weights = (("depthwise_kernel", "depthwise_initializer", "depthwise_regularizer"),)
        else:
            self.depth_multiplier = _positive_int(
                depth_multiplier, "depth_multiplier", "Invalid value for argument `depth_multiplier`. Expected a "
                f"strictly positive value. Received depth_multiplier={depth_multiplier}.")

    @property
    def _kernel_name(self):
        return self.kernel_weights[0][0]

    def _out_channels(self, input_shape):
        return self.depth_multiplier * self._channels(input_shape)

    def compute_output_shape(self, input_shape):
        if self.edition == KERAS2:
            return self._keras2_output_shape(tuple(input_shape))
        return super().compute_output_shape(input_shape)

    def _keras2_output_shape(self, s):
        """tf_keras DepthwiseConv1D/2D.compute_output_shape: fixed indices (channel 1 or rank + 1, the
        spatial dims after or before it), any extra dims ignored; channels * depth_multiplier (None is a
        TypeError); the result a tf.TensorShape (a negative or float dim is rejected)."""
        require(len(s) >= self.rank + 2, "inputs", f"tuple index out of range: input shape {s}")
        cf = self.data_format == "channels_first"
        channels = s[1] if cf else s[self.rank + 1]
        require(channels is not None, "inputs", f"unsupported operand: None * depth_multiplier (input shape {s})")
        out_channels = channels * self.depth_multiplier
        lengths = self._keras2_lengths(s[2:self.rank + 2] if cf else s[1:self.rank + 1])
        out = (s[0], out_channels, *lengths) if cf else (s[0], *lengths, out_channels)
        for d in out:
            require(d is None or (isinstance(d, (int, np.integer)) and not isinstance(d, bool)), "inputs",
                    f"Received non-atomic and non-sequence element: {d!r} (output shape {out})")
            require(d is None or d >= 0, "inputs", f"Dimension {d} must be >= 0 (output shape {out})")
        return out

    def weight_shapes(self, input_shape):
        if self.edition == KERAS2:
            return self._keras2_weight_shapes(tuple(input_shape))
        self._spatial(input_shape)
        channels = self._channels(input_shape)
        shapes = {self._kernel_name: (*self.kernel_size, channels, self.depth_multiplier)}
        if self.use_bias:
            shapes["bias"] = (channels * self.depth_multiplier,)
        return shapes

    def _keras2_weight_shapes(self, input_shape):
        """tf_keras DepthwiseConv.build (base_depthwise_conv.py build): the rank must be rank + 2, the
        channel dim defined; no output-size check; the kernel dims must be ints >= 0."""
        require(len(input_shape) == self.rank + 2, "inputs", f"Inputs to `DepthwiseConv` should have rank "
                                                             f"{self.rank + 2}. Received input_shape={input_shape}.")
        channels = self._keras2_channels(input_shape)
        shapes = {self._kernel_name: _keras2_dims((*self.kernel_size, channels, self.depth_multiplier),
                                                  self._kernel_name)}
        if self.use_bias:
            shapes["bias"] = (channels * self.depth_multiplier,)
        return shapes

    def call(self, x, *, weights, training, mask, rng):
        if self.edition == KERAS2:
            self._keras2_min_ndim(x)
            self._weights(weights, x.shape)  # build rejects another rank first
            self._keras2_op_lengths(x)
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)

    def _forward(self, x, w):
        return depthwise_nd(x, w[self._kernel_name], self.strides, self.padding, self.dilation_rate)

    def get_config(self):
        config = {"depth_multiplier": self.depth_multiplier, **self._shared_config(),
                  "depthwise_initializer": serialize(self.depthwise_initializer),
                  "depthwise_regularizer": serialize(self.depthwise_regularizer),
                  "depthwise_constraint": serialize(self.depthwise_constraint)}
        if self.edition == KERAS2:
            config["groups"] = 1  # tf-keras' DepthwiseConv keeps Conv's "groups" key
        return config


_DEPTHWISE_DOC = """{rank}D depthwise convolution: each input channel cross-correlated with its own depth_multiplier kernels.

    Formula: channels_last x (b, {spatial}, C), kernel (*kernel_size, C, depth_multiplier), bias (C * dm,):
        y[b, *o, c*dm + j] = activation(sum_t xp[b, *(o*strides + t*dilation_rate), c] * kernel[*t, c, j]
                                        + bias[c*dm + j])
        (output channel c*dm + j: the channel-major order of tf.nn.depthwise_conv2d), xp zero-padded per
        ``padding`` (valid/same, module docstring). Channels never mix. Output (b, *out, C * dm)
        (channels_first: (b, C * dm, *out)).
    Defaults: strides=1, padding="valid", depth_multiplier=1, data_format=None (channels_last),
        dilation_rate=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform" (fans of
        the (*k, C, dm) layout: fan_in = prod(k) * C, fan_out = prod(k) * dm), bias_initializer="zeros",
        regularizers and constraints None. Keras 3 weights: "kernel", "bias". supports_masking False.
        get_config() == {{depth_multiplier, kernel_size, strides, padding, data_format, dilation_rate,
        activation, use_bias, depthwise_initializer, bias_initializer, depthwise_regularizer,
        bias_regularizer, activity_regularizer, depthwise_constraint, bias_constraint}}.
    Errors: depth_multiplier not a positive int ("depth_multiplier"); kernel_size/strides/dilation_rate
        not {rank} positive ints; padding not "valid"/"same" (Keras 3 refuses "causal" here too)
        ("padding"); a bad data_format; unknown initializer/regularizer/constraint/activation; an input
        not of rank {ndim} ("inputs"); an unknown channel dim, even in compute_output_shape (Keras 3
        multiplies it by depth_multiplier: a TypeError) ("inputs"); a valid output length <= 0 ("inputs").
        strides > 1 together with dilation_rate > 1 is accepted in Keras 3 (the TF backend runs the
        dilated convolution at stride 1 and subsamples; the docstring's "incompatible" is stale).
    Editions: Keras 2 names the kernel "depthwise_kernel", rejects strides > 1 with dilation_rate > 1
        (Conv._validate_init) and its get_config also has "groups": 1 (its constructor passes groups and
        kernel_initializer/_regularizer/_constraint on to Conv, unused; Keras 3 refuses them). It never
        validates depth_multiplier (tf_keras/src/layers/convolutional/base_depthwise_conv.py): 0 gives
        0 output channels; a negative or float one is rejected where a shape is made from it. Its
        compute_output_shape (depthwise_conv{rank}d.py) reads fixed indices (channel 1 or {rank} + 1; any
        other rank: a shorter shape is an IndexError, extra dims are ignored), multiplies the channels by
        depth_multiplier (None: TypeError) and rejects only a negative or float dim (a tf.TensorShape):
        a valid window one cell larger than the input gives 0. Build checks the rank ({ndim}) and the
        channel dim, not the output size; the call checks min_ndim={ndim}, then build's rank, and its
        tf.nn.depthwise_conv2d rejects a negative output length (0 gives an empty output).
    Source: keras/src/layers/convolutional/base_depthwise_conv.py, depthwise_conv{rank}d.py,
        keras/src/backend/tensorflow/nn.py depthwise_conv (Keras 3.15.1);
        tf_keras/layers/convolutional/base_depthwise_conv.py; seed page 000.
    """


@feature("layers", seed_page="000")
class DepthwiseConv1D(_BaseDepthwise):
    rank = 1
    init_signature = _depthwise_signature(1)
    __doc__ = documented(_DEPTHWISE_DOC.format(rank=1, spatial="steps", ndim=3),
                         f"DepthwiseConv1D({init_signature}) in both editions")


@feature("layers", seed_page="000")
class DepthwiseConv2D(_BaseDepthwise):
    rank = 2
    init_signature = _depthwise_signature(2)
    __doc__ = documented(_DEPTHWISE_DOC.format(rank=2, spatial="rows, cols", ndim=4),
                         f"DepthwiseConv2D({init_signature}) in both editions")


class _BaseSeparable(_Conv):
    kernel_weights = (("depthwise_kernel", "depthwise_initializer", "depthwise_regularizer"),
                      ("pointwise_kernel", "pointwise_initializer", "pointwise_regularizer"))

    def __init__(self, filters, kernel_size, strides=1, padding="valid", data_format=None, dilation_rate=1,
                 depth_multiplier=1, activation=None, use_bias=True, depthwise_initializer="glorot_uniform",
                 pointwise_initializer="glorot_uniform", bias_initializer="zeros", depthwise_regularizer=None,
                 pointwise_regularizer=None, bias_regularizer=None, activity_regularizer=None,
                 depthwise_constraint=None, pointwise_constraint=None, bias_constraint=None, *, edition=KERAS3,
                 **keras2_conv_keywords):
        super().__init__(edition=edition)
        self._keras2_conv_keywords(keras2_conv_keywords)
        if edition == KERAS2 and self.rank == 1:
            self.allow_causal = True
        self._common(kernel_size, strides, padding, data_format, dilation_rate, use_bias)
        self.resolve_options(locals(), ("depthwise", "pointwise", "bias"))
        if edition == KERAS2:  # never validated (base_separable_conv.py): build and the call reject
            self.depth_multiplier = depth_multiplier
        else:
            self.depth_multiplier = _positive_int(
                depth_multiplier, "depth_multiplier", "Invalid value for argument `depth_multiplier`. Expected a "
                f"strictly positive value. Received depth_multiplier={depth_multiplier}.")
        if edition == KERAS2:
            filters = int(filters) if isinstance(filters, float) else filters
        self.filters = _positive_int(filters, "filters", "Invalid value for argument `filters`. Expected a "
                                                         f"strictly positive value. Received filters={filters}.")
        if edition == KERAS2:
            self._check_strides_dilation()

    def _out_channels(self, input_shape):
        return self.filters

    def compute_output_shape(self, input_shape):
        if self.edition == KERAS2:  # Conv's: depends on filters only, any rank
            return self._keras2_conv_output_shape(input_shape)
        return super().compute_output_shape(input_shape)

    def _keras2_weight_shapes(self, input_shape):
        """tf_keras SeparableConv.build (base_separable_conv.py build): the channel dim defined, no rank or
        output-size check; the kernel dims must be ints >= 0 (depth_multiplier -1 or 2.0 fails here)."""
        channels = self._keras2_channels(input_shape)
        dm = self.depth_multiplier
        shapes = {"depthwise_kernel": _keras2_dims((*self.kernel_size, channels, dm), "depthwise_kernel"),
                  "pointwise_kernel": _keras2_dims((*(1,) * self.rank, channels * dm, self.filters),
                                                   "pointwise_kernel")}
        if self.use_bias:
            shapes["bias"] = (self.filters,)
        return shapes

    def call(self, x, *, weights, training, mask, rng):
        if self.edition == KERAS2:
            self._keras2_min_ndim(x)
            self._weights(weights, x.shape)  # build
            require(x.ndim == self.rank + 2, "inputs", f"the depthwise op needs a rank-{self.rank + 2} input "
                                                       f"(input must be 4-dimensional), got shape {x.shape}")
            self._keras2_op_lengths(x)
            require(self.depth_multiplier != 0, "depth_multiplier",
                    "the pointwise tf.nn.conv2d rejects 0 input channels (filter depth must be stricly positive, got 0)")
        return super().call(x, weights=weights, training=training, mask=mask, rng=rng)

    def weight_shapes(self, input_shape):
        if self.edition == KERAS2:
            return self._keras2_weight_shapes(tuple(input_shape))
        self._spatial(input_shape)
        channels = self._channels(input_shape)
        dm = self.depth_multiplier
        shapes = {"depthwise_kernel": (*self.kernel_size, channels, dm),
                  "pointwise_kernel": (*(1,) * self.rank, channels * dm, self.filters)}
        if self.use_bias:
            shapes["bias"] = (self.filters,)
        return shapes

    def _forward(self, x, w):
        d = depthwise_nd(x, w["depthwise_kernel"], self.strides, self.padding, self.dilation_rate)
        pk = w["pointwise_kernel"]
        return d @ pk.reshape(pk.shape[-2:])

    def get_config(self):
        config = {"depth_multiplier": self.depth_multiplier, "filters": self.filters, **self._shared_config(),
                  "depthwise_initializer": serialize(self.depthwise_initializer),
                  "pointwise_initializer": serialize(self.pointwise_initializer),
                  "depthwise_regularizer": serialize(self.depthwise_regularizer),
                  "pointwise_regularizer": serialize(self.pointwise_regularizer),
                  "depthwise_constraint": serialize(self.depthwise_constraint),
                  "pointwise_constraint": serialize(self.pointwise_constraint)}
        if self.edition == KERAS2:  # tf-keras' SeparableConv starts from Conv.get_config
            glorot = resolve("initializers", "glorot_uniform", argument="kernel_initializer", edition=KERAS2)
            config.update({"groups": 1, "kernel_initializer": serialize(glorot), "kernel_regularizer": None,
                           "kernel_constraint": None})
        return config


_SEPARABLE_DOC = """{rank}D depthwise separable convolution: a depthwise convolution, then a pointwise (1x1) one, plus a bias.

    Formula: channels_last x (b, {spatial}, C); depthwise_kernel (*kernel_size, C, dm), pointwise_kernel
        ({ones}C * dm, filters), bias (filters,):
        d[b, *o, c*dm + j] = sum_t xp[b, *(o*strides + t*dilation_rate), c] * depthwise_kernel[*t, c, j]
        y[b, *o, f] = activation(sum_i d[b, *o, i] * pointwise_kernel[{zeros}i, f] + bias[f])
        (the depthwise step exactly as DepthwiseConv{rank}D, without its bias; the bias is added once,
        after the pointwise step). Output (b, *out, filters) (channels_first: (b, filters, *out)).
    Defaults: strides=1, padding="valid", data_format=None, dilation_rate=1, depth_multiplier=1,
        activation=None, use_bias=True, depthwise_initializer and pointwise_initializer "glorot_uniform"
        (fans of each layout: depthwise prod(k)*C and prod(k)*dm; pointwise C*dm and filters),
        bias_initializer="zeros", regularizers and constraints None. Weights "depthwise_kernel",
        "pointwise_kernel", "bias". losses: [activity], then depthwise, pointwise, bias penalties.
        get_config() == {{depth_multiplier, filters, kernel_size, strides, padding, data_format,
        dilation_rate, activation, use_bias, depthwise_/pointwise_/bias_initializer,
        depthwise_/pointwise_/bias_/activity_regularizer, depthwise_/pointwise_/bias_constraint}}.
    Errors: filters or depth_multiplier not a positive int; kernel_size/strides/dilation_rate not {rank}
        positive ints; padding not "valid"/"same" (Keras 3 refuses "causal", SeparableConv1D included)
        ("padding"); a bad data_format; unknown initializer/regularizer/constraint/activation; an input not
        of rank {ndim}; a valid output length <= 0; an unknown channel dim when building ("inputs";
        compute_output_shape accepts it). strides > 1 with dilation_rate > 1 is accepted in Keras 3
        (stride-1 dilated depthwise, subsampled, then pointwise).
    Editions: Keras 2 rejects strides > 1 with dilation_rate > 1; Keras 2's SeparableConv1D accepts
        padding="causal" (k_eff - 1 zeros before the depthwise step); a float filters is int()-ed. It
        never validates depth_multiplier (tf_keras/src/layers/convolutional/base_separable_conv.py): its
        compute_output_shape is Conv's (filters only, any rank, only a negative output length rejected:
        a valid window one cell larger than the input gives 0; see Conv{rank}D); build checks only the
        channel dim (any rank; a negative or float depth_multiplier fails making the kernels); the call
        checks min_ndim={ndim}, then its tf.nn.separable_conv2d rejects another rank, a negative output
        length and depth_multiplier 0 (the pointwise conv2d: "filter depth must be stricly positive"); its
        get_config also carries Conv's "groups": 1, "kernel_initializer" (glorot_uniform),
        "kernel_regularizer" and "kernel_constraint" (None), which its constructor passes on to Conv
        (unused; Keras 3 refuses those keywords).
    Source: keras/src/layers/convolutional/base_separable_conv.py, separable_conv{rank}d.py,
        keras/src/backend/tensorflow/nn.py separable_conv (Keras 3.15.1);
        tf_keras/layers/convolutional/base_separable_conv.py; seed page 000.
    """


@feature("layers", seed_page="000")
class SeparableConv1D(_BaseSeparable):
    rank = 1
    init_signature = _separable_signature(1)
    __doc__ = documented(_SEPARABLE_DOC.format(rank=1, spatial="steps", ndim=3, ones="1, ", zeros="0, "),
                         f"SeparableConv1D({init_signature}) in both editions")


@feature("layers", seed_page="000")
class SeparableConv2D(_BaseSeparable):
    rank = 2
    init_signature = _separable_signature(2)
    __doc__ = documented(_SEPARABLE_DOC.format(rank=2, spatial="rows, cols", ndim=4, ones="1, 1, ", zeros="0, 0, "),
                         f"SeparableConv2D({init_signature}) in both editions")


__all__ = ["Conv1D", "Conv2D", "Conv3D", "DepthwiseConv1D", "DepthwiseConv2D", "SeparableConv1D", "SeparableConv2D",
           "conv_nd", "depthwise_nd"]
