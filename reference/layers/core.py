"""Core layers: Dense, Activation, Lambda, Input."""

from __future__ import annotations

import inspect

import numpy as np

from reference.editions import KERAS2, KERAS3, check_edition
from reference.errors import SpecError, require
from reference.layers.base import Layer, as_list, f64, require_rank, serialize
from reference.registry import feature


@feature("layers", seed_page="001")
class Dense(Layer):
    """Densely-connected layer: a kernel applied on the last axis, plus a bias, then an activation.

    Formula: y = activation(x @ kernel + bias), kernel of shape (x.shape[-1], units), bias (units,);
        the product contracts the last axis of x, for any rank >= 2 (every leading axis is kept).
        Output shape (*input_shape[:-1], units). Constraints are applied by the optimizer after an
        update, never in the forward pass.
    Defaults: activation=None ("linear"), use_bias=True, kernel_initializer="glorot_uniform"
        (GlorotUniform: U(-l, l), l = sqrt(6 / (fan_in + units))), bias_initializer="zeros",
        kernel/bias/activity regularizers and kernel/bias constraints None. The resolved objects are
        the attributes ``activation``, ``kernel_initializer``, ``bias_initializer``,
        ``kernel_regularizer``, ``bias_regularizer``, ``activity_regularizer``, ``kernel_constraint``,
        ``bias_constraint``. supports_masking: True (the incoming mask passes through unchanged).
        losses: [activity loss / batch size] (if any), then kernel and bias regularizer penalties.
        Signature: Dense(units, activation=None, ..., bias_constraint=None, lora_rank=None, lora_alpha=None,
        quantization_config=None, **kwargs) (keras/src/layers/core/dense.py:89-105; the spec takes no
        LoRA), call(inputs, training=None) (dense.py:221).
    Errors: units not a positive int ("Received an invalid value for `units`"; Keras 2: see Editions); an unknown
        activation, initializer, regularizer or constraint identifier (named by its argument);
        an input of rank < 2 ("inputs": expected min_ndim=2); an input whose last dimension is
        None when building ("inputs": shapes used to initialize variables must be fully defined);
        weights whose shapes differ from weight_shapes ("weights").
    Editions: Keras 2 converts units with int() when it is not an int, so Dense(2.7) has 2 units and
        Dense("3") 3, and rejects only units < 0 (tf_keras/src/layers/core/dense.py:119-120): Dense(0)
        has a (d, 0) kernel and gives an empty (..., 0) output; a bool units passes the constructor and
        fails in build (a bool dimension); Keras 3 rejects any non-int and units = 0. Keras 2's compute_output_shape rejects a None last
        dimension; Keras 3's gives (..., units). get_config: Keras 3 adds "quantization_config": None
        and has "activity_regularizer" only when one is set; Keras 2 always has "activity_regularizer"
        (None when unset) and no "quantization_config". Keras 2 computes rank > 2 with tensordot,
        Keras 3 with matmul: the same values. Keras 2's signature: Dense(units, ..., bias_constraint=None,
        **kwargs) (no lora_rank, lora_alpha, quantization_config) and call(inputs)
        (tf_keras/src/layers/core/dense.py:179).
    Seed page: output = activation(dot(input, kernel) + bias); input (batch_size, ..., input_dim),
        output (batch_size, ..., units); Dense(32, input_shape=(16,)) maps (*, 16) to (*, 32).
    Erratum: the page says an input of rank > 2 is first flattened before the dot product with the
        kernel. It is not: the kernel acts on the last axis, so (b, d0, d1) gives (b, d0, units) with
        a (d1, units) kernel, not (b, units) with a (d0*d1, units) kernel.
    Source: keras/src/layers/core/dense.py Dense (Keras 3.15.1); tf_keras/layers/core/dense.py; seed page 001.
    """

    supports_masking = True
    init_signature = ("units, activation=None, use_bias=True, kernel_initializer='glorot_uniform', "
                      "bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None, "
                      "activity_regularizer=None, kernel_constraint=None, bias_constraint=None, lora_rank=None, "
                      "lora_alpha=None, quantization_config=None, **kwargs")
    call_signature = "inputs, training=None"
    edition_signatures = {"keras2": {"init": ("units, activation=None, use_bias=True, kernel_initializer='glorot_uniform', "
                                              "bias_initializer='zeros', kernel_regularizer=None, bias_regularizer=None, "
                                              "activity_regularizer=None, kernel_constraint=None, bias_constraint=None, "
                                              "**kwargs"),
                                     "call": "inputs"}}

    def __init__(self, units, activation=None, use_bias=True, kernel_initializer="glorot_uniform",
                 bias_initializer="zeros", kernel_regularizer=None, bias_regularizer=None,
                 activity_regularizer=None, kernel_constraint=None, bias_constraint=None,
                 quantization_config=None, *, edition=KERAS3):
        # quantization_config: Keras 3 takes it (and emits None in get_config); unquantized here.
        super().__init__(edition=edition)
        require(quantization_config is None, "quantization_config", "the spec covers unquantized Dense only")
        if edition == KERAS2:  # self.units = int(units) if not isinstance(units, int); then only units < 0
            if not isinstance(units, int):
                try:
                    units = int(units)
                except (TypeError, ValueError):
                    raise SpecError("units", f"int(units) fails. Received: units={units!r}") from None
            require(units >= 0, "units",
                    f"Received an invalid value for `units`, expected a positive integer. Received: units={units}")
        require(isinstance(units, int) and (units > 0 or edition == KERAS2), "units",
                f"Received an invalid value for `units`, expected a positive integer. Received: units={units}")
        self.units, self.use_bias = units, use_bias
        self.resolve_options(locals(), ("kernel", "bias"))

    def get_config(self):
        config = {"units": self.units, "activation": self.activation_name, "use_bias": self.use_bias,
                  "kernel_initializer": serialize(self.kernel_initializer),
                  "bias_initializer": serialize(self.bias_initializer),
                  "kernel_regularizer": serialize(self.kernel_regularizer),
                  "bias_regularizer": serialize(self.bias_regularizer),
                  "kernel_constraint": serialize(self.kernel_constraint),
                  "bias_constraint": serialize(self.bias_constraint)}
        if self.edition == KERAS2:
            config["activity_regularizer"] = serialize(self.activity_regularizer)
        else:
            config["quantization_config"] = None
            if self.activity_regularizer is not None:
                config["activity_regularizer"] = serialize(self.activity_regularizer)
        return config

    def weight_shapes(self, input_shape):
        require_rank(input_shape, min_ndim=2)
        require(input_shape[-1] is not None, "inputs",
                f"The last dimension of the inputs to a Dense layer should be defined. Found None. "
                f"Full input shape received: {tuple(input_shape)}")
        # Keras 2 keeps a bool units (an int to its check); add_weight then rejects a bool dimension.
        require(self.edition != KERAS2 or not isinstance(self.units, bool), "units",
                "Keras 2's add_weight rejects a bool dimension (TensorShapeProto: expected an int, got a boolean)")
        shapes = {"kernel": (int(input_shape[-1]), self.units)}
        if self.use_bias:
            shapes["bias"] = (self.units,)
        return shapes

    def weight_initializers(self):
        return {"kernel": self.kernel_initializer, "bias": self.bias_initializer}

    def compute_output_shape(self, input_shape):
        require_rank(input_shape, min_ndim=2)
        if self.edition == KERAS2:
            require(input_shape[-1] is not None, "inputs",
                    "The last dimension of the input shape of a Dense layer should be defined. Found None.")
        return (*tuple(input_shape)[:-1], self.units)

    def call(self, x, *, weights, training, mask, rng):
        w = self._weights(weights, x.shape)
        with np.errstate(invalid="ignore", over="ignore"):
            y = np.matmul(x, w["kernel"])
            if self.use_bias:
                y = y + w["bias"]
        return f64(self.activation(y))


@feature("layers", seed_page="001")
class Activation(Layer):
    """Applies an activation function elementwise.

    Formula: y = activation(x); output shape = input shape.
    Defaults: none (activation is required; None gives "linear"). get_config() == {"activation": name}.
        supports_masking: True (the incoming mask passes through).
    Errors: an unknown activation name ("activation": Could not interpret activation function identifier).
    Editions: the same layer in both; the activation itself follows its edition (e.g. hard_sigmoid).
    Seed page: activation is the name of an activation function, or a Theano/TensorFlow op;
        output shape = input shape.
    Source: keras/src/layers/activations/activation.py Activation (Keras 3.15.1); seed page 001.
    """

    supports_masking = True

    def __init__(self, activation, *, edition=KERAS3):
        super().__init__(edition=edition)
        self.resolve_options(locals())

    def get_config(self):
        return {"activation": self.activation_name}

    def call(self, x, *, weights, training, mask, rng):
        return f64(self.activation(x))


def _map_shapes(fn, shape):
    """Apply fn to each shape of a (possibly nested list of) shape(s)."""
    if isinstance(shape, list) or (isinstance(shape, tuple) and shape and isinstance(shape[0], (list, tuple))):
        return [_map_shapes(fn, s) for s in shape]
    return fn(tuple(shape))


def _first_dim(shape):
    while isinstance(shape, (list, tuple)) and shape and isinstance(shape[0], (list, tuple)):
        shape = shape[0]
    return shape[0] if shape else None


@feature("layers", seed_page="001")
class Lambda(Layer):
    """Wraps an arbitrary function of the input (a NumPy function here) as a layer.

    Formula: y = function(x, **arguments), plus mask=<incoming mask> when the function has a
        ``mask`` parameter and training=<training> when it has a ``training`` parameter.
        x may be a list (several inputs) and y a list (several outputs), as in the page's
        hadamard_product_sum example.
        Output shape: output_shape=None: inferred by running the function (here: on zero arrays,
        with None dims probed at two sizes; a dim that changes with the probe is None);
        a callable: output_shape(input_shape); a tuple (or a list of tuples for several outputs):
        (batch,) + output_shape for each, batch = the first dim of the (first) input shape.
        Mask: mask=None: no output mask (Keras 3: supports_masking False, the incoming mask is
        dropped with a warning); a callable: mask(x, incoming_mask); anything else: that fixed mask.
    Defaults: output_shape=None, mask=None, arguments=None (an empty dict). call(inputs, mask=None,
        training=None) in both editions (keras/src/layers/core/lambda_layer.py:112).
        get_config() == {"function": function, "output_shape": ... (only when set; Keras 2: always),
        "mask": ... (only when set), "arguments": arguments}; the callables are given as the
        objects themselves (Keras serializes them as bytecode or by name).
    Errors: function not callable ("function"); arguments not a dict ("arguments"); a tuple
        output_shape that is not a tuple of ints/None ("output_shape").
    Editions: Keras 2 sets supports_masking True even with mask=None (its compute_mask returns None,
        so the mask is dropped without a warning); the output mask is None in both. Keras 2's
        get_config stores function_type/module keys and always has "output_shape" (None when unset;
        tf_keras/src/layers/core/lambda_layer.py:277-289).
    Seed page: examples x ** 2, antirectifier with an output_shape function, and
        hadamard_product_sum returning [x1 * x2, sum(x1 * x2, -1)] with output shapes
        [shape1, shape2[:-1]].
    Erratum: the page says output_shape matters only with Theano; Keras 3 uses it whenever it is
        given (it replaces shape inference).
    Implementation-defined: shape inference with output_shape=None traces the function symbolically in
        Keras; the reference's probing may disagree for functions whose output depends on values.
    Source: keras/src/layers/core/lambda_layer.py Lambda (Keras 3.15.1); tf_keras/layers/core/lambda_layer.py; seed page 001.
    """

    call_signature = "inputs, mask=None, training=None"

    def __init__(self, function, output_shape=None, mask=None, arguments=None, *, edition=KERAS3):
        super().__init__(edition=edition)
        require(callable(function), "function", f"Lambda needs a callable function, got {function!r}")
        require(arguments is None or isinstance(arguments, dict), "arguments", "arguments must be a dict")
        if output_shape is not None and not callable(output_shape):
            ok = isinstance(output_shape, (tuple, list))
            flat = [d for s in output_shape for d in (s if isinstance(s, (tuple, list)) else [s])] if ok else []
            require(ok and all(d is None or isinstance(d, int) for d in flat), "output_shape",
                    f"output_shape must be a tuple, a list of tuples or a callable, got {output_shape!r}")
        self.function, self.output_shape, self.mask = function, output_shape, mask
        self.arguments = dict(arguments or {})
        params = inspect.getfullargspec(function).args
        self._wants_mask, self._wants_training = "mask" in params, "training" in params

    @property
    def supports_masking(self):
        return self.mask is not None or self.edition == KERAS2

    def get_config(self):
        config = {"function": self.function}
        if self.output_shape is not None or self.edition == KERAS2:  # Keras 2 always stores it
            config["output_shape"] = self.output_shape
        if self.mask is not None:
            config["mask"] = self.mask
        config["arguments"] = self.arguments
        return config

    def compute_output_shape(self, input_shape):
        if callable(self.output_shape):
            return self.output_shape(input_shape)
        if self.output_shape is not None:
            batch = _first_dim(input_shape)
            return _map_shapes(lambda s: (batch, *s), self.output_shape)
        probes = [_map_shapes(lambda s, p=p: tuple(p if d is None else d for d in s), input_shape) for p in (2, 3)]
        outs = [self(_map_shapes(np.zeros, probe)) for probe in probes]
        s0, s1 = ([np.shape(y) for y in as_list(o)] for o in outs)
        shapes = [tuple(a if a == b else None for a, b in zip(p, q)) for p, q in zip(s0, s1)]
        return shapes if isinstance(outs[0], list) else shapes[0]

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        x = [f64(v) for v in x] if isinstance(x, (list, tuple)) else f64(x)
        kwargs = dict(self.arguments)
        if self._wants_mask:
            kwargs["mask"] = mask
        if self._wants_training:
            kwargs["training"] = training
        y = self.function(x, **kwargs)
        return [f64(v) for v in y] if isinstance(y, (list, tuple)) else f64(y)

    def compute_mask(self, x, mask=None):
        if callable(self.mask):
            return self.mask(x, mask)
        return self.mask


_DTYPES = ("float16", "float32", "float64", "uint8", "uint16", "uint32", "uint64", "int8", "int16", "int32",
           "int64", "bfloat16", "bool", "string", "float8_e4m3fn", "float8_e5m2", "complex64", "complex128")
_PYTHON_DTYPES = {bool: "bool", int: "int64", float: "float32", str: "string", "int": "int64", complex: "complex128"}


def _standardize_shape(shape, argument):
    require(shape is not None and hasattr(shape, "__iter__") and not isinstance(shape, str), argument,
            f"Cannot convert '{shape}' to a shape.")
    out = []
    for d in shape:
        if d is not None:
            require(not isinstance(d, (str, float)), argument,
                    f"Cannot convert '{shape}' to a shape. Found invalid dimension '{d}' of type '{type(d)}'.")
            try:
                d = int(d)
            except (TypeError, ValueError):
                raise SpecError(argument, f"Cannot convert '{shape}' to a shape.") from None
            require(d >= 0, argument, f"Cannot convert '{shape}' to a shape. Negative dimensions are not allowed.")
        out.append(d)
    return tuple(out)


def _standardize_dtype(dtype):
    if dtype is None:
        return "float32"
    dtype = _PYTHON_DTYPES.get(dtype, dtype) if isinstance(dtype, (type, str)) else dtype
    name = getattr(dtype, "name", None) or getattr(dtype, "__name__", None) or dtype
    if not isinstance(name, str) or name not in _DTYPES:
        try:
            name = np.dtype(dtype).name
        except TypeError:
            pass
    require(name in _DTYPES, "dtype", f"Invalid dtype: {dtype}")
    return name


@feature("layers", seed_page="001")
class Input:
    """A symbolic input: the batch shape and dtype a model expects (``keras.Input``).

    Formula: shape=s gives batch_shape (batch_size,) + s (batch_size defaults to None);
        batch_shape=b gives b. ``Input(...).shape`` is the batch shape, ``.dtype`` the dtype name.
    Defaults: shape=None, batch_size=None, dtype=None ("float32", floatx), sparse=None (False),
        ragged=None (False), batch_shape=None, name=None, optional=False. Signature: Input(shape=None,
        batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None, name=None, tensor=None,
        optional=False) (keras/src/layers/core/input_layer.py Input; the spec takes no tensor=).
        get_config() (InputLayer's) == {"batch_shape", "dtype", "sparse", "ragged", "name", "optional"}.
    Errors: both shape and batch_shape ("shape": You cannot pass both `shape` and `batch_shape`);
        neither ("shape": You must pass a `shape` argument); batch_size with batch_shape
        ("batch_size"); a shape that is not an iterable (e.g. shape=32; Keras 2: see Editions), or has a str/float or
        negative dimension ("shape"/"batch_shape"/"batch_size"); an unknown dtype ("dtype").
    Editions: Keras 2 accepts batch_size together with batch_shape (batch_shape[0] silently wins),
        and is ``keras.layers.Input`` / ``keras.Input`` with batch_shape passed through **kwargs;
        Keras 3 rejects the combination. Keras 2 takes an int shape as a 1-tuple: Input(shape=32) is
        (None, 32) (tf_keras/src/engine/input_layer.py:190-191); Keras 3 rejects it. Keras 2's signature:
        Input(shape=None, batch_size=None, name=None, dtype=None, sparse=None, tensor=None, ragged=None,
        type_spec=None, optional=False, **kwargs) (batch_shape only through **kwargs).
    Seed page: ``keras.engine.input_layer.Input()`` with shape, batch_shape, name, dtype, sparse,
        tensor; Input(shape=(32,)) is a batch of 32-vectors; batch_shape=(10, 32) fixes the batch.
    Erratum: ``keras.engine.input_layer`` no longer exists (Keras 3: keras.Input /
        keras.layers.Input); there is no _keras_shape attribute (use .shape), and the page's
        Model(input=..., output=...) keywords are ``inputs=``/``outputs=``.
    Implementation-defined: dtype=int resolves to "int64" on the TensorFlow backend and "int32" on
        the others (the reference gives "int64").
    Source: keras/src/layers/core/input_layer.py Input, InputLayer (Keras 3.15.1); keras/src/backend/common/variables.py standardize_shape;
        tf_keras/src/engine/input_layer.py Input, InputLayer; seed page 001.
    """

    init_signature = ("shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None, name=None, "
                      "tensor=None, optional=False")
    edition_signatures = {"keras2": {"init": "shape=None, batch_size=None, name=None, dtype=None, sparse=None, "
                                             "tensor=None, ragged=None, type_spec=None, optional=False, **kwargs"}}

    def __init__(self, shape=None, batch_size=None, dtype=None, sparse=None, ragged=None, batch_shape=None,
                 name=None, optional=False, *, edition=KERAS3):
        self.edition = check_edition(edition)
        require(shape is None or batch_shape is None, "shape",
                "You cannot pass both `shape` and `batch_shape` at the same time.")
        if edition == KERAS3:
            require(batch_size is None or batch_shape is None, "batch_size",
                    "You cannot pass both `batch_size` and `batch_shape` at the same time.")
        require(shape is not None or batch_shape is not None, "shape", "You must pass a `shape` argument.")
        if edition == KERAS2 and isinstance(shape, int):
            shape = (shape,)  # InputLayer: elif isinstance(input_shape, int): input_shape = (input_shape,)
        if shape is not None:
            batch_shape = (batch_size,) + _standardize_shape(shape, "shape")
            self.shape = _standardize_shape(batch_shape, "batch_size")
        else:
            self.shape = _standardize_shape(batch_shape, "batch_shape")
        self.dtype = _standardize_dtype(dtype)
        self.sparse, self.ragged, self.name, self.optional = bool(sparse), bool(ragged), name, optional

    def get_config(self):
        return {"batch_shape": self.shape, "dtype": self.dtype, "sparse": self.sparse, "ragged": self.ragged,
                "name": self.name, "optional": self.optional}
