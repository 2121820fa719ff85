"""The shared base of the layer reference (``keras.layers``): the interface every layer
class follows and the argument validation the layers share.

Every layer class follows one interface:

- ``__init__(..., *, edition=KERAS3)`` validates the configuration eagerly and
  raises :class:`~reference.errors.SpecError` naming the argument;
- ``get_config()``: the layer-specific keys of Keras' ``get_config`` (no
  name/trainable/dtype), nested objects as plain identifiers;
- ``weight_shapes(input_shape)``: what ``build`` creates, in order;
  ``init_weights(input_shape, rng)`` samples them from the initializers;
- ``compute_output_shape(input_shape)`` (``None`` for unknown dims);
- ``__call__(x, *, weights=None, training=False, mask=None, rng=None)``: float64;
- ``compute_mask(x, mask=None)``: the mask the output carries, or None;
- ``losses(x, weights=None)``: ``layer.losses`` after calling the layer on x;
- ``call_signature``: Keras' own ``call`` as Python parameters (``"inputs"``, Keras 3's
  ``Layer.call(self, inputs)``, unless the layer's docstring says otherwise), and where the
  spec's constructor signature is not Keras' (a sentinel default, arguments Keras takes through
  ``**kwargs``) ``init_signature``; ``edition_signatures`` per edition where Keras 2 differs
  (reference/signatures.py).

Mask propagation (Keras 3 ``Layer.__call__``): a layer whose ``supports_masking``
is true gives its output ``compute_mask(x, mask)``, which is the incoming mask
unless the layer overrides it; any other layer drops the mask (Keras 3 warns
"does not support masking and will therefore destroy the mask information";
tf-keras drops it silently in ``__call__``).
"""

from __future__ import annotations

import numpy as np

from reference.dtypes import is_float
from reference.editions import KERAS3, check_edition
from reference.errors import require
from reference.resolve import resolve

DATA_FORMATS = ("channels_first", "channels_last")


def f64(x):
    return np.asarray(x, dtype=np.float64)


def as_list(y):
    return list(y) if isinstance(y, (list, tuple)) else [y]


def standardize_data_format(data_format, *, lower=True):
    """None gives "channels_last" (image_data_format()); Keras 3 lower-cases the string first."""
    if data_format is None:
        return "channels_last"
    value = str(data_format).lower() if lower else data_format
    require(value in DATA_FORMATS, "data_format",
            f"The `data_format` argument must be one of {{'channels_first', 'channels_last'}}. "
            f"Received: data_format={data_format}")
    return value


def standardize_tuple(value, n: int, name: str, *, allow_zero: bool = False) -> tuple[int, ...]:
    """An int or n ints as an n-tuple (Keras 3 ``argument_validation.standardize_tuple``): each > 0
    (>= 0 with ``allow_zero``). Rejects another length, non-integers, and values out of range."""
    msg = f"The `{name}` argument must be a tuple of {n} integers. Received {name}={value}"
    if isinstance(value, (int, np.integer)):  # bool is an int to Keras' isinstance check: True is 1
        values = (int(value),) * n
    else:
        require(isinstance(value, (list, tuple)) and len(value) == n, name, msg)
        require(all(isinstance(v, (int, np.integer)) for v in value), name,
                f"{msg}, including a non-integer element")
        values = tuple(int(v) for v in value)
    bad = {v for v in values if (v < 0 if allow_zero else v <= 0)}
    require(not bad, name, f"{msg}, including values {bad} that do not satisfy `value {'>= 0' if allow_zero else '> 0'}`")
    return values


def standardize_padding(padding, *, allow_causal: bool = False) -> str:
    """"valid"/"same" (and "causal" where allowed), lower-cased first (Keras 3 ``standardize_padding``)."""
    allowed = ("valid", "same", "causal") if allow_causal else ("valid", "same")
    value = padding.lower() if isinstance(padding, str) else padding
    require(value in allowed, "padding",
            f"The `padding` argument must be a list/tuple or one of {set(allowed)}. Received: {padding}")
    return value


def require_rank(input_shape, *, ndim=None, min_ndim=None):
    """The InputSpec check of Keras (``expected ndim=..., found ndim=...``)."""
    rank = len(input_shape)
    if ndim is not None:
        require(rank == ndim, "inputs", f"expected ndim={ndim}, found ndim={rank}. Full shape received: {tuple(input_shape)}")
    if min_ndim is not None:
        require(rank >= min_ndim, "inputs",
                f"expected min_ndim={min_ndim}, found ndim={rank}. Full shape received: {tuple(input_shape)}")


def serialize(obj):
    """None, or {"class_name": ..., "config": obj.get_config()}."""
    if obj is None:
        return None
    return {"class_name": type(obj).__name__, "config": obj.get_config()}


def activity_loss(regularizer, output) -> float:
    """The activity-regularization loss Keras adds for one output.

    regularizer(output) divided by the batch size output.shape[0] with divide_no_nan (an empty
    batch gives 0); a rank-0 output is not divided. Both editions divide (Keras 3 layer.py
    ``Layer.__call__``; tf-keras base_layer.py ``_handle_activity_regularization``).
    """
    loss = float(regularizer(output))
    if output.ndim == 0:
        return loss
    batch = output.shape[0]
    return loss / batch if batch else 0.0


class Layer:
    """Defaults shared by every layer: no weights, no mask support, no losses."""

    supports_masking = False
    activity_regularizer = None
    # Keras' public signatures where the spec's Python ones cannot say them (reference/signatures.py):
    # ``call`` is Keras' layer.call, call(inputs) unless a layer's docstring says otherwise.
    call_signature = "inputs"
    init_signature = None
    edition_signatures: dict = {}

    def __init__(self, *, edition=KERAS3):
        self.edition = check_edition(edition)

    def get_config(self) -> dict:
        return {}

    def resolve_options(self, arguments: dict, weights=()):
        """Resolve the constructor's nested-object arguments onto the layer in its edition, each as the
        attribute of its argument's name (:func:`reference.resolve.resolve`; an unknown identifier is a
        SpecError naming its argument), in this order: ``activation`` (a function of x, and
        ``activation_name``, its config name), then for each weight ``w`` of ``weights`` every
        ``w_initializer``, every ``w_regularizer`` and ``activity_regularizer``, every ``w_constraint``.
        ``arguments`` is the constructor's ``locals()``; ``activation`` and ``activity_regularizer`` are
        resolved when the layer takes them."""
        if "activation" in arguments:
            self.activation = resolve("activations", arguments["activation"], argument="activation",
                                      edition=self.edition)
            self.activation_name = getattr(self.activation, "__name__", "custom")
        for kind in ("initializer", "regularizer", "constraint"):
            names = [f"{w}_{kind}" for w in weights]
            if kind == "regularizer" and "activity_regularizer" in arguments:
                names.append("activity_regularizer")
            for name in names:
                setattr(self, name, resolve(f"{kind}s", arguments[name], argument=name, edition=self.edition))

    def weight_shapes(self, input_shape) -> dict:
        return {}

    def weight_initializers(self) -> dict:
        return {}

    def init_weights(self, input_shape, rng: np.random.Generator) -> dict:
        """Weights drawn from the layer's initializers (random ones from ``rng``)."""
        inits = self.weight_initializers()
        out = {}
        for name, shape in self.weight_shapes(input_shape).items():
            init = inits[name]
            out[name] = init.sample(rng, shape) if init.random else init.value(shape)
        return out

    def compute_output_shape(self, input_shape) -> tuple:
        return tuple(input_shape)

    def call(self, x, *, weights, training, mask, rng):
        return x.copy()

    def __call__(self, x, *, weights=None, training=False, mask=None, rng=None):
        return self.call(f64(x), weights=weights, training=training, mask=mask, rng=rng)

    def compute_mask(self, x, mask=None):
        if mask is None or not self.supports_masking:
            return None
        return np.asarray(mask, dtype=bool)

    def _weights(self, weights, input_shape) -> dict:
        """The supplied ``weights`` of ``weight_shapes(input_shape)`` as float64, each present and of
        its shape (else SpecError "weights")."""
        shapes = self.weight_shapes(input_shape)
        require(weights is not None, "weights",
                f"{type(self).__name__} needs its weights: pass weights= (see init_weights)")
        missing = [k for k in shapes if k not in weights]
        require(not missing, "weights", f"{type(self).__name__} needs weights {missing}; got {sorted(weights)}")
        out = {k: f64(weights[k]) for k in shapes}
        for k, shape in shapes.items():
            require(out[k].shape == tuple(shape), "weights", f"{k} has shape {out[k].shape}, expected {tuple(shape)}")
        return out

    def weight_regularizers(self) -> dict:
        """{weight name: regularizer or None}, in ``layer.losses`` order: kernel, then bias if used."""
        regs = {"kernel": getattr(self, "kernel_regularizer", None)}
        if getattr(self, "use_bias", False):
            regs["bias"] = self.bias_regularizer
        return regs

    def weight_losses(self, weights) -> list:
        """The weight regularizers' penalties, in the weights' own dtype (the regularizer sums, and
        overflows, in it, as Keras does)."""
        regs = [(name, r) for name, r in self.weight_regularizers().items() if r is not None]
        if regs:
            require(weights is not None, "weights",
                    f"{type(self).__name__}'s weight regularizers need its weights: pass weights=")
        return [float(r(np.asarray(weights[name]))) for name, r in regs]

    def losses(self, x, weights=None) -> list:
        """Activity losses (one per output) first, then the weight regularizers, as ``layer.losses``."""
        out = []
        if self.activity_regularizer is not None:
            # The penalty is summed in the layer's dtype (a sum that overflows it is inf), as in Keras.
            dtype = np.asarray(x[0] if isinstance(x, (list, tuple)) else x).dtype
            same = is_float(dtype)
            with np.errstate(over="ignore"):
                outputs = [o.astype(dtype) if same else o for o in as_list(self(x, weights=weights))]
            out = [activity_loss(self.activity_regularizer, o) for o in outputs]
        return out + self.weight_losses(weights)

