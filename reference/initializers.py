"""Initializers (``keras.initializers``).

A deterministic initializer gives ``value(shape)``; a random one gives the
``distribution(shape)`` of each (independent) element, plus ``sample`` for
the reference adapter. Constructors validate their arguments and raise
:class:`SpecError`; ``__call__``-time errors (a rank an initializer cannot
fill) are raised by ``value``/``distribution``.

get_config() gives each numeric argument as it was given, in its type: RandomNormal(mean=1) has
config {"mean": 1, ...}, an int, and 0.1 stays 0.1 (Keras 3 and Keras 2 store the arguments
unconverted: ``self.mean = mean`` in keras/src/initializers/random_initializers.py and
constant_initializers.py, tf_keras/src/initializers/initializers.py); the formulas compute with
them as floats.
"""

from __future__ import annotations

import math

import numpy as np

from reference import distributions as dist
from reference.editions import KERAS2, KERAS3
from reference.errors import SpecError, require
from reference.registry import feature

# Standard deviation of a standard normal truncated to [-2, 2]; dividing by it
# makes a 2σ-truncated normal have the requested variance.
TRUNCATION_CORRECTION = 0.87962566103423978


def compute_fans(shape, input_axes=None, output_axes=None) -> tuple[int, int]:
    """(fan_in, fan_out) of a weight shape.

    Formula: rank 0: (1, 1); rank 1: (n, n); rank 2: (shape[0], shape[1]);
        rank >= 3, a ``(*kernel, in, out)`` convolution kernel: rf = prod(shape[:-2]),
        (shape[-2] * rf, shape[-1] * rf). Transposed-convolution kernels are
        ``(*kernel, filters, in)``, so their fan_in and fan_out are swapped by this rule.
        With both ``input_axes`` and ``output_axes`` given, each fan is the product of
        those axes; with only one of them given, both are ignored (Keras 3.15.1 behaviour).
    Source: keras/src/initializers/random_initializers.py compute_fans (Keras 3.15.1);
        tf_keras _compute_fans (no axes arguments).
    """
    shape = tuple(int(d) for d in shape)
    if input_axes is not None and output_axes is not None:
        return int(np.prod([shape[a] for a in input_axes])), int(np.prod([shape[a] for a in output_axes]))
    if len(shape) == 0:
        return 1, 1
    if len(shape) == 1:
        return shape[0], shape[0]
    if len(shape) == 2:
        return shape[0], shape[1]
    rf = int(np.prod(shape[:-2]))
    return shape[-2] * rf, shape[-1] * rf


def _number(value):
    """A numeric argument, kept as given for get_config (float(value) only checks that it is one)."""
    float(value)
    return value


class _EditionDefault(float):
    """A default that differs between the editions, equal to the Keras 3 one (the signature's)."""


_CONSTANT_DEFAULT = _EditionDefault(0.0)  # Constant's value: 0.0 in Keras 3, the int 0 in Keras 2


def _check_seed(seed):
    require(seed is None or (isinstance(seed, int) and not isinstance(seed, bool)), "seed",
            f"`seed` argument should be an integer or None. Received: seed={seed!r}")
    return seed


class Initializer:
    random = False
    edition = KERAS3

    def get_config(self) -> dict:
        return {}


class RandomInitializer(Initializer):
    random = True

    def __init__(self, seed=None, *, edition=KERAS3):
        self.seed = _check_seed(seed)
        self.edition = edition

    def get_config(self):
        return {"seed": self.seed}

    def sample(self, rng: np.random.Generator, shape):
        return self.distribution(shape).sample(rng, tuple(shape))


@feature("initializers")
class Zeros(Initializer):
    """All zeros.

    Formula: w = 0
    Defaults: none. get_config() == {}.
    Errors: none.
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/initializers/constant_initializers.py (Keras 3.15.1); seed page 000.
    """

    def __init__(self, *, edition=KERAS3):
        self.edition = edition

    def value(self, shape):
        return np.zeros(shape)


@feature("initializers")
class Ones(Initializer):
    """All ones.

    Formula: w = 1
    Defaults: none. get_config() == {}.
    Errors: none.
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/initializers/constant_initializers.py (Keras 3.15.1); seed page 000.
    """

    def __init__(self, *, edition=KERAS3):
        self.edition = edition

    def value(self, shape):
        return np.ones(shape)


@feature("initializers")
class Constant(Initializer):
    """Every element equals ``value``.

    Formula: w = cast(value, dtype): a Python float is first converted at floatx (float32), so a
        float64 weight gets float32(value): Constant(1e-7) in float64 gives 1.00000001e-07.
    Defaults: value=0.0. get_config() == {"value": value}, value as given (an int stays an int).
    Errors: none for a scalar value.
    Editions: Keras 2 converts the Python float straight to the requested dtype
        (tf.constant(self.value, dtype=dtype, shape=shape), tf_keras/src/initializers/initializers.py:266),
        so a float64 weight is the exact value: Constant(1e-7) in float64 gives 1e-07. Its default
        is the int 0 (``def __init__(self, value=0)``, tf_keras/src/initializers/initializers.py:243),
        so Constant().get_config() is {"value": 0} there, {"value": 0.0} in Keras 3.
    Implementation-defined: in Keras 3, a value whose float32 rounding is subnormal (nonzero, below
        2**-126 in magnitude) may come out as 0 in any dtype: the float32 step runs on the CPU's
        float32 arithmetic, which may flush subnormals (TensorFlow's does; NumPy's and torch's keep
        them), as the tolerance policy allows for every float32 value. ``defined`` says where.
    Seed page: the sample writes ``model.add`` on the same line as the initializer (a typo).
    Source: keras/src/initializers/constant_initializers.py (Keras 3.15.1);
        tf_keras/src/initializers/initializers.py Constant (tf-keras 2.21); seed page 000.
    """

    init_signature = "value=0.0"
    edition_signatures = {"keras2": {"init": "value=0"}}

    def __init__(self, value=_CONSTANT_DEFAULT, *, edition=KERAS3):
        if value is _CONSTANT_DEFAULT:
            value = 0 if edition == KERAS2 else 0.0
        self.value_ = _number(value)
        self.edition = edition

    def value(self, shape):
        if self.edition == KERAS2:
            return np.full(shape, float(self.value_))  # tf.constant(value, dtype): no floatx step
        return np.full(shape, np.float64(np.float32(self.value_)))

    def defined(self) -> bool:
        """Whether ``value`` is the formula's only result (False: it or 0, see Implementation-defined)."""
        v = abs(float(np.float32(self.value_)))
        return self.edition == KERAS2 or not 0 < v < float(np.finfo(np.float32).smallest_normal)

    def get_config(self):
        return {"value": self.value_}


@feature("initializers")
class Identity(Initializer):
    """The (possibly non-square) identity matrix, scaled.

    Formula: w = gain * eye(rows, cols); (2, 3) gives [[g,0,0],[0,g,0]].
    Defaults: gain=1.0. get_config() == {"gain": gain} (as given), so that from_config keeps the semantics.
    Erratum: Keras 3.15.1's Identity defines no get_config: its config is {} and a round trip resets
        gain to 1 (recorded as a divergence of every Keras 3.15.1 adapter).
    Errors: a shape whose rank is not 2 is rejected when called ("Identity matrix initializer can only be used for 2D matrices").
    Editions: the same in Keras 2 and Keras 3.
    Seed page: the NonNeg constraint sample shows an Identity initializer instead (a mix-up).
    Source: keras/src/initializers/constant_initializers.py Identity (Keras 3.15.1); seed page 000.
    """

    def __init__(self, gain=1.0, *, edition=KERAS3):
        self.gain = _number(gain)
        self.edition = edition

    def value(self, shape):
        require(len(shape) == 2, "shape", f"Identity needs a 2-D shape, got rank {len(shape)}")
        return float(self.gain) * np.eye(*shape)

    def get_config(self):
        return {"gain": self.gain}


@feature("initializers")
class RandomNormal(RandomInitializer):
    """Independent normal elements.

    Formula: w ~ N(mean, stddev²)
    Distribution: Normal(mean, stddev); support the real line.
    Defaults: mean=0.0, stddev=0.05, seed=None. get_config() has mean, stddev as given and the seed.
    Errors: a seed that is not an int or None is rejected.
    Editions: the same in Keras 2 and Keras 3.
    Implementation-defined: the sample values for a given seed differ between backends;
        an int seed gives the same values on every call of the same backend.
    Seed page: the lecun_normal and he_normal samples show ``RandomUniform`` (a mix-up).
    Source: keras/src/initializers/random_initializers.py (Keras 3.15.1); seed page 000.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None, *, edition=KERAS3):
        super().__init__(seed, edition=edition)
        self.mean, self.stddev = _number(mean), _number(stddev)

    def distribution(self, shape):
        return dist.Normal(float(self.mean), abs(float(self.stddev)))

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


@feature("initializers")
class RandomUniform(RandomInitializer):
    """Independent uniform elements.

    Formula: w = minval + (maxval - minval) * u, u ~ U[0, 1)
    Distribution: Uniform(minval, maxval); minval > maxval is accepted and gives (maxval, minval].
    Defaults: minval=-0.05, maxval=0.05, seed=None. get_config() has minval, maxval as given and the seed.
    Errors: a seed that is not an int or None is rejected; minval > maxval is *not* rejected.
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/initializers/random_initializers.py (Keras 3.15.1); seed page 000.
    """

    def __init__(self, minval=-0.05, maxval=0.05, seed=None, *, edition=KERAS3):
        super().__init__(seed, edition=edition)
        self.minval, self.maxval = _number(minval), _number(maxval)

    def distribution(self, shape):
        return dist.Uniform(float(self.minval), float(self.maxval))

    def get_config(self):
        return {"minval": self.minval, "maxval": self.maxval, **super().get_config()}


@feature("initializers")
class TruncatedNormal(RandomInitializer):
    """Independent normal elements, redrawn when more than two standard deviations from the mean.

    Formula: w ~ N(mean, stddev²) conditioned on |w - mean| <= 2 stddev
    Distribution: TruncatedNormal(mean, stddev, bound=2); no mass at the bounds (redraw, not clip);
        the standard deviation of w is 0.8796 stddev.
    Defaults: mean=0.0, stddev=0.05, seed=None. get_config() has mean, stddev as given and the seed.
    Errors: a seed that is not an int or None is rejected.
    Editions: the same in Keras 2 and Keras 3.
    Implementation-defined: the Keras 3 torch backend takes the first of 4 normal draws inside
        the bounds and returns an untruncated draw with probability (1-0.9545)^4 = 4.3e-6 per element.
    Source: keras/src/initializers/random_initializers.py (Keras 3.15.1); seed page 000.
    """

    def __init__(self, mean=0.0, stddev=0.05, seed=None, *, edition=KERAS3):
        super().__init__(seed, edition=edition)
        self.mean, self.stddev = _number(mean), _number(stddev)

    def distribution(self, shape):
        return dist.TruncatedNormal(float(self.mean), abs(float(self.stddev)), 2.0)

    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev, **super().get_config()}


MODES = ("fan_in", "fan_out", "fan_avg")
DISTRIBUTIONS = ("truncated_normal", "untruncated_normal", "uniform")


@feature("initializers")
class VarianceScaling(RandomInitializer):
    """Elements whose variance is ``scale`` divided by a fan of the shape.

    Formula: n = max(1, fan_in | fan_out | (fan_in + fan_out)/2) by ``mode`` (see compute_fans);
        s = scale / n. truncated_normal: TruncatedNormal(0, sqrt(s)/0.87962566103423978, bound=2),
        whose variance is exactly s; untruncated_normal: N(0, s); uniform: U(-sqrt(3s), sqrt(3s)).
    Distribution: as in the formula.
    Defaults: scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
        input_axes=None, output_axes=None (Keras 3 only).
    Errors: scale <= 0; a mode outside fan_in/fan_out/fan_avg; a distribution outside
        truncated_normal/untruncated_normal/uniform/normal. The distribution is lower-cased first,
        and "normal" is silently stored as "truncated_normal" (get_config shows the latter).
    Editions: Keras 2 has no input_axes/output_axes (and no such config keys; its signature is
        VarianceScaling(scale=1.0, mode='fan_in', distribution='truncated_normal', seed=None)); otherwise the same.
    Seed page: states stddev = sqrt(scale / n) for the normal distribution, which is the standard
        deviation after truncation, not the parameter of a plain normal; the sample misspells
        ``kernel_initializer``.
    Erratum: the Keras docstring does not mention the "normal" alias, nor that input_axes and
        output_axes only take effect together.
    Source: keras/src/initializers/random_initializers.py VarianceScaling (Keras 3.15.1); seed page 000.
    """

    edition_signatures = {"keras2": {"init": "scale=1.0, mode='fan_in', distribution='truncated_normal', seed=None"}}

    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None,
                 input_axes=None, output_axes=None, *, edition=KERAS3):
        super().__init__(seed, edition=edition)
        require(scale > 0, "scale", f"Argument `scale` must be positive float. Received: scale={scale}")
        require(mode in MODES, "mode", f"Invalid `mode` argument: {mode}. Please use one of {MODES}")
        distribution = str(distribution).lower()
        if distribution == "normal":
            distribution = "truncated_normal"
        require(distribution in DISTRIBUTIONS, "distribution",
                f"Invalid `distribution` argument: {distribution}. Please use one of {DISTRIBUTIONS}")
        if edition == KERAS2:
            require(input_axes is None and output_axes is None, "input_axes", "Keras 2 has no input_axes/output_axes")
        self.scale, self.mode, self.distribution_name = _number(scale), mode, distribution
        self.input_axes, self.output_axes = input_axes, output_axes

    def variance(self, shape) -> float:
        fan_in, fan_out = compute_fans(shape, self.input_axes, self.output_axes)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2.0}[self.mode]
        return float(self.scale) / max(1.0, n)

    def distribution(self, shape):
        s = self.variance(shape)
        if self.distribution_name == "truncated_normal":
            return dist.TruncatedNormal(0.0, math.sqrt(s) / TRUNCATION_CORRECTION, 2.0)
        if self.distribution_name == "untruncated_normal":
            return dist.Normal(0.0, math.sqrt(s))
        limit = math.sqrt(3.0 * s)
        return dist.Uniform(-limit, limit)

    def get_config(self):
        config = {"scale": self.scale, "mode": self.mode, "distribution": self.distribution_name}
        if self.edition == KERAS3:
            config.update(input_axes=self.input_axes, output_axes=self.output_axes)
        return {**config, **super().get_config()}


def _variance_scaling_alias(name, scale, mode, distribution, formula):
    def __init__(self, seed=None, input_axes=None, output_axes=None, *, edition=KERAS3):
        VarianceScaling.__init__(self, scale, mode, distribution, seed, input_axes, output_axes, edition=edition)

    def get_config(self):
        if self.edition == KERAS2:
            return {"seed": self.seed}
        return {"seed": self.seed, "input_axes": self.input_axes, "output_axes": self.output_axes}

    doc = f"""VarianceScaling(scale={scale}, mode="{mode}", distribution="{distribution}").

    Formula: {formula}
    Distribution: as VarianceScaling with the arguments above.
    Defaults: seed=None, input_axes=None, output_axes=None (Keras 3).
        get_config() == {{"seed", "input_axes", "output_axes"}} in Keras 3, {{"seed"}} in Keras 2.
    Errors: a seed that is not an int or None is rejected.
    Editions: Keras 2 has no input_axes/output_axes: its signature is {name}(seed=None).
    Source: keras/src/initializers/random_initializers.py {name} (Keras 3.15.1); seed page 000.
    """
    cls = type(name, (VarianceScaling,), {"__init__": __init__, "get_config": get_config, "__doc__": doc,
                                          "__module__": __name__,
                                          "edition_signatures": {"keras2": {"init": "seed=None"}}})
    return feature("initializers")(cls)


LecunNormal = _variance_scaling_alias("LecunNormal", 1.0, "fan_in", "truncated_normal",
                                      "variance 1/fan_in (seed page: stddev = sqrt(1 / fan_in), after truncation)")
LecunUniform = _variance_scaling_alias("LecunUniform", 1.0, "fan_in", "uniform", "U(-l, l), l = sqrt(3 / fan_in)")
GlorotNormal = _variance_scaling_alias("GlorotNormal", 1.0, "fan_avg", "truncated_normal",
                                       "variance 2/(fan_in + fan_out) (after truncation)")
GlorotUniform = _variance_scaling_alias("GlorotUniform", 1.0, "fan_avg", "uniform",
                                        "U(-l, l), l = sqrt(6 / (fan_in + fan_out))")
HeNormal = _variance_scaling_alias("HeNormal", 2.0, "fan_in", "truncated_normal",
                                   "variance 2/fan_in (after truncation)")
HeUniform = _variance_scaling_alias("HeUniform", 2.0, "fan_in", "uniform", "U(-l, l), l = sqrt(6 / fan_in)")


@feature("initializers")
class Orthogonal(RandomInitializer):
    """A random (semi-)orthogonal matrix, reshaped, times ``gain``.

    Formula: rows = prod(shape[:-1]), cols = shape[-1]; Q, R = qr(A) for A ~ N(0, 1) of shape
        (max, min); Q *= sign(diag(R)); Q is transposed when rows < cols; w = gain * reshape(Q, shape).
        Exact property: rows >= cols gives w_flatᵀ w_flat = gain² I (orthonormal columns),
        rows < cols gives w_flat w_flatᵀ = gain² I (orthonormal rows).
    Distribution: Haar: each orthonormal column (or row) is uniform on the sphere of radius
        ``gain``, so each entry is a SphereCoordinate(dim=max(rows, cols), radius=gain).
    Defaults: gain=1.0, seed=None.
    Errors: a shape of rank < 2 is rejected when called ("must be at least two-dimensional").
    Editions: the same in Keras 2 and Keras 3.
    Source: keras/src/initializers/random_initializers.py Orthogonal (Keras 3.15.1); seed page 000.
    """

    def __init__(self, gain=1.0, seed=None, *, edition=KERAS3):
        super().__init__(seed, edition=edition)
        self.gain = _number(gain)

    @staticmethod
    def matrix_shape(shape):
        require(len(shape) >= 2, "shape", f"The tensor to initialize must be at least two-dimensional, got rank {len(shape)}")
        return int(np.prod(shape[:-1])), int(shape[-1])

    def distribution(self, shape):
        rows, cols = self.matrix_shape(shape)
        return dist.SphereCoordinate(max(rows, cols), float(self.gain))

    def sample(self, rng, shape):
        rows, cols = self.matrix_shape(shape)
        q, r = np.linalg.qr(rng.normal(size=(max(rows, cols), min(rows, cols))))
        q = q * np.sign(np.diag(r))
        if rows < cols:
            q = q.T
        return float(self.gain) * q.reshape(shape)

    def get_config(self):
        return {"gain": self.gain, **super().get_config()}


# Names accepted by keras.initializers.get, mapped to class names.
_SNAKE = {
    "zeros": "Zeros", "ones": "Ones", "constant": "Constant", "identity": "Identity",
    "random_normal": "RandomNormal", "random_uniform": "RandomUniform", "truncated_normal": "TruncatedNormal",
    "variance_scaling": "VarianceScaling", "lecun_normal": "LecunNormal", "lecun_uniform": "LecunUniform",
    "glorot_normal": "GlorotNormal", "glorot_uniform": "GlorotUniform", "he_normal": "HeNormal",
    "he_uniform": "HeUniform", "orthogonal": "Orthogonal",
}


def get(identifier: str, *, edition=KERAS3) -> tuple[str, dict]:
    """Resolve an initializer string (snake_case or class name) to (feature id, arguments): the
    initializer of that name with its defaults (no arguments).

    Errors: an unknown name is rejected ("Could not interpret initializer identifier").
    """
    name = _SNAKE.get(identifier, identifier)
    if name not in _SNAKE.values():
        raise SpecError("identifier", f"Could not interpret initializer identifier: {identifier}")
    return f"initializers.{name}", {}
