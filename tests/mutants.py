"""Deliberately broken adapters: each is the reference with one semantic made wrong.

Every mutant names the check that must catch it (``CAUGHT_BY``);
``tests/test_mutants.py`` runs that check against the mutant and requires a
divergence. Use one as ``--adapter=tests.mutants:<name>``.
"""

from __future__ import annotations

import importlib
import math
import os
from pathlib import Path

import numpy as np

import reference
from adapters.base import Rejected, Resolved
from adapters.reference import ReferenceAdapter
from conformance.cases import family
from reference import activations as A
from reference import constraints as C
from reference import distributions as dist
from reference import initializers as I
from reference import regularizers as R


# The --shapes every mutant run uses (tests/test_mutants.py, tests/argument_sweep.py): ``drawn`` by
# default; KERAS_CONFORMANCE_MUTANT_SHAPES=pooled proves the checks still catch them with the pools
# keras-jax is checked with.
SHAPES = os.environ.get("KERAS_CONFORMANCE_MUTANT_SHAPES", "drawn")


class Mutant(ReferenceAdapter):
    """The reference adapter with the spec objects in ``patches`` replaced."""

    patches: dict = {}

    def __init__(self, name, patches, device="cpu", edition=None):
        super().__init__(device=device, edition=edition or "keras3")
        self.name, self.patches = f"mutant:{name}", patches

    def _obj(self, feature):
        return self.patches.get(feature) or super()._obj(feature)


class Keras2Mutant(Mutant):
    """A mutant checked in edition keras2 unless told otherwise (the plugin's spec takes the adapter's
    edition): for a Keras-2-only feature (LocallyConnected) or a semantic of Keras 2."""

    def __init__(self, name, patches, device="cpu", edition=None):
        super().__init__(name, patches, device=device, edition=edition or "keras2")


# --- activations -------------------------------------------------------------------------------
def _hard_sigmoid_keras2(x, *, edition):
    return A.hard_sigmoid(x, edition="keras2")


def _relu_nan_to_zero(x, negative_slope=0.0, max_value=None, threshold=0.0, *, edition):
    return np.nan_to_num(A.relu(x, negative_slope, max_value, threshold), nan=0.0, posinf=np.inf, neginf=-np.inf)


def _softmax_last_axis(x, axis=-1, *, edition):
    return A.softmax(x, -1)


def _softmax_unshifted(x, axis=-1, *, edition):
    x = np.asarray(x, np.float64)
    with np.errstate(over="ignore", invalid="ignore"):
        e = np.exp(x)
        return e / e.sum(axis=axis, keepdims=True)


def _softmax_nan_ignored(x, axis=-1, *, edition):
    # A NaN input counted as -inf: its slice gets a number where the input was NaN.
    x = np.asarray(x, np.float64)
    return A.softmax(np.where(np.isnan(x), -np.inf, x), axis, edition=edition)


def _softmax_onednn(x, axis=-1, *, edition):
    # TensorFlow's oneDNN kernel: NaN only at NaN and +inf inputs (and where nothing is finite), 0 elsewhere.
    x = np.asarray(x, np.float64)
    y = A.softmax(x, axis, edition=edition)
    odd = ~A.softmax_defined(x, axis)
    with np.errstate(invalid="ignore"):
        return np.where(odd, np.where(np.isnan(x) | (x == np.inf) | np.all(x == -np.inf, axis=axis, keepdims=True),
                                      np.nan, 0.0), y)


def _elu_alpha_ignored(x, alpha=1.0, *, edition):
    return A.elu(x, 1.0)


def _selu_rounded(x, *, edition):
    return 1.05 * A.elu(x, 1.67)


def _softplus_naive(x, *, edition):
    with np.errstate(over="ignore"):
        return np.log(1.0 + np.exp(np.asarray(x, np.float64)))


def _softsign_saturating(x, *, edition):
    x = np.asarray(x, np.float64)
    with np.errstate(invalid="ignore"):
        return np.where(np.isinf(x), np.sign(x), x / (1 + np.abs(x)))


def _exponential_expm1(x, *, edition):
    with np.errstate(over="ignore"):
        return np.expm1(np.asarray(x, np.float64))


def _sigmoid_flipped(x, *, edition):
    return 1.0 - A.sigmoid(-np.asarray(x, np.float64) * 1.001)


def _sigmoid_imprecise(x, *, edition):
    # 4 to 8 float32 ULP off everywhere: just beyond the tolerance policy's 4.
    return A.sigmoid(x) * (1 + 2.0**-21)


def _tanh_clipped(x, *, edition):
    return np.clip(A.tanh(x), -0.999, 0.999)


def _softmax_accepts_any_axis(x, axis=-1, *, edition):
    x = np.asarray(x, np.float64)
    return A.softmax(x, axis % x.ndim if isinstance(axis, int) else axis)


class _LenientGet(Mutant):
    """Accepts any name in get(): an unknown activation resolves to linear."""

    def resolve(self, case):
        try:
            return super().resolve(case)
        except Rejected:
            return Resolved("activations.linear", {})


class _WrongSerialize(Mutant):
    def roundtrip(self, case):
        rt = super().roundtrip(case)
        if case.area == "activations":
            rt.config = {"name": case.name.upper()}
        return rt


# --- initializers ------------------------------------------------------------------------------
class _FanOutIsFanIn(I.VarianceScaling):
    def variance(self, shape):
        fan_in, fan_out = I.compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_in, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        return self.scale / max(1.0, n)


class _NoReceptiveField(I.VarianceScaling):
    def variance(self, shape):
        fan_in, fan_out = (shape[-2], shape[-1]) if len(shape) >= 2 else I.compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[self.mode]
        return self.scale / max(1.0, n)


class _FanAvgIsSum(I.VarianceScaling):
    def variance(self, shape):
        fan_in, fan_out = I.compute_fans(shape)
        n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": fan_in + fan_out}[self.mode]
        return self.scale / max(1.0, n)


class _TruncatedAt3Sigma(I.VarianceScaling):
    def distribution(self, shape):
        d = super().distribution(shape)
        return dist.TruncatedNormal(0.0, d.stddev, 3.0) if isinstance(d, dist.TruncatedNormal) else d


class _NoTruncationCorrection(I.VarianceScaling):
    def distribution(self, shape):
        d = super().distribution(shape)
        return dist.TruncatedNormal(0.0, math.sqrt(self.variance(shape)), 2.0) if isinstance(d, dist.TruncatedNormal) else d


class _ClipInsteadOfRedraw(I.VarianceScaling):
    def sample(self, rng, shape):
        d = self.distribution(shape)
        if isinstance(d, dist.TruncatedNormal):
            return np.clip(rng.normal(0, d.stddev, size=shape), *d.support)
        return super().sample(rng, shape)


class _UniformLimitNoSqrt3(I.VarianceScaling):
    def distribution(self, shape):
        d = super().distribution(shape)
        return dist.Uniform(d.low / math.sqrt(3), d.high / math.sqrt(3)) if isinstance(d, dist.Uniform) else d


class _NormalAliasUntruncated(I.VarianceScaling):
    def __init__(self, scale=1.0, mode="fan_in", distribution="truncated_normal", seed=None, *a, **k):
        super().__init__(scale, mode, distribution, seed, *a, **k)
        if str(distribution).lower() == "normal":
            self.distribution_name = "untruncated_normal"


class _GlorotUniformIsHe(I.VarianceScaling):
    def __init__(self, seed=None, input_axes=None, output_axes=None, *, edition="keras3"):
        super().__init__(2.0, "fan_in", "uniform", seed, edition=edition)

    get_config = I.GlorotUniform.get_config


class _OrthogonalNoSignFix(I.Orthogonal):
    def sample(self, rng, shape):
        rows, cols = self.matrix_shape(shape)
        q, _ = np.linalg.qr(rng.normal(size=(max(rows, cols), min(rows, cols))))
        return self.gain * (q.T if rows < cols else q).reshape(shape)


class _OrthogonalNoGain(I.Orthogonal):
    def sample(self, rng, shape):
        return super().sample(rng, shape) / (self.gain if self.gain else 1.0)


class _SeedIgnored(Mutant):
    def _apply(self, case, built):
        if case.area == "initializers" and getattr(built, "random", False):
            built.seed = int(np.random.default_rng().integers(2**31))
        return super()._apply(case, built)


class _SeedConstant(Mutant):
    def _apply(self, case, built):
        if case.area == "initializers" and getattr(built, "random", False):
            built.seed = 7
        return super()._apply(case, built)


class _IdentitySquareOnly(I.Identity):
    def value(self, shape):
        if len(shape) == 2 and shape[0] != shape[1]:
            raise reference.SpecError("shape", "Identity needs a square matrix")
        return super().value(shape)


class _ConstantExact(I.Constant):
    def value(self, shape):
        return np.full(shape, self.value_)


class _ScaleAnySign(I.VarianceScaling):
    def __init__(self, scale=1.0, *a, **k):
        super().__init__(abs(scale) or 1.0, *a, **k)
        self.scale = scale if scale else 1.0


class _ConfigDropsSeed(I.RandomNormal):
    def get_config(self):
        return {"mean": self.mean, "stddev": self.stddev}


def _float32(v: float) -> float:
    """``v`` rounded through float32, as a config that stores its arguments as float32 tensors gives it."""
    return float(np.float32(v))


class _RandomNormalConfigFloat32(I.RandomNormal):
    """get_config rounds mean and stddev through float32: the default stddev 0.05 is saved as
    0.05000000074505806 (the drawn values are float32 already; the default is not)."""

    def get_config(self):
        return {**super().get_config(), "mean": _float32(self.mean), "stddev": _float32(self.stddev)}


# --- constraints and regularizers -------------------------------------------------------------
class _MaxNormAxisIgnored(C.MaxNorm):
    def __call__(self, w):
        return C.MaxNorm(self.max_value, axis=0)(w) if np.ndim(w) else C.MaxNorm(self.max_value, self.axis)(w)


class _MaxNormNoEpsilon(C.MaxNorm):
    def __call__(self, w):
        w = np.asarray(w, np.float64)
        n = C._norms(w, self.axis)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.where(n > 0, w * (np.clip(n, 0, self.max_value) / np.where(n > 0, n, 1)), 0.0)


class _UnitNormLastAxis(C.UnitNorm):
    def __call__(self, w):
        return C.UnitNorm(axis=-1)(w)


class _MinMaxNormRateIgnored(C.MinMaxNorm):
    def __call__(self, w):
        return C.MinMaxNorm(self.min_value, self.max_value, 1.0, self.axis)(w)


class _NonNegKeras2(C.NonNeg):
    def __call__(self, w):
        return C.NonNeg(edition="keras2")(w)


class _MaxNormConfigAxisList(C.MaxNorm):
    """get_config gives a tuple axis as a list (Keras 3 keeps the tuple it was given)."""

    def get_config(self):
        axis = self.axis
        return {"max_value": self.max_value, "axis": list(axis) if isinstance(axis, tuple) else axis}


class _L2ConfigFloat32(R.L2):
    """get_config rounds l2 through float32 (tf_keras' cast_to_floatx): L2(0.01) is saved as
    0.009999999776482582, L2(0.3) as 0.30000001192092896; the penalty itself is right."""

    def get_config(self):
        return {"l2": _float32(self.l2)}


class _L2Half(R.L2):
    def __call__(self, x):
        return 0.5 * super().__call__(x)


class _L1L2NoSkip(R.L1L2):
    def __call__(self, x):
        x = np.asarray(x, np.float64)
        with np.errstate(invalid="ignore"):
            return np.float64(self.l1 * np.sum(np.abs(x)) + self.l2 * np.sum(np.square(x)))


class _L1NegativeAccepted(R.L1):
    def __init__(self, l1=0.01, *, edition="keras3"):
        super().__init__(abs(l1) if isinstance(l1, (int, float)) and math.isfinite(l1) else 0.01, edition=edition)


class _StringL1L2(Mutant):
    def resolve(self, case):
        if case.area == "regularizers" and case.identifier == "l1_l2":
            return Resolved("regularizers.L1L2", {"l1": 0.01, "l2": 0.01})
        return super().resolve(case)


# name: (adapter class, patches, test file, check, feature that must diverge)
MUTANTS = {
    "hard_sigmoid_keras2_slope": (Mutant, {"activations.hard_sigmoid": _hard_sigmoid_keras2}, "activations", "edges", "activations.hard_sigmoid"),
    "relu_nan_to_zero": (Mutant, {"activations.relu": _relu_nan_to_zero}, "activations", "edges", "activations.relu"),
    "softmax_last_axis": (Mutant, {"activations.softmax": _softmax_last_axis}, "activations", "values", "activations.softmax"),
    "softmax_unshifted": (Mutant, {"activations.softmax": _softmax_unshifted}, "activations", "edges", "activations.softmax"),
    "softmax_nan_ignored": (Mutant, {"activations.softmax": _softmax_nan_ignored}, "activations", "edges", "activations.softmax"),
    "softmax_any_axis": (Mutant, {"activations.softmax": _softmax_accepts_any_axis}, "activations", "rejects", "activations.softmax"),
    "elu_alpha_ignored": (Mutant, {"activations.elu": _elu_alpha_ignored}, "activations", "values", "activations.elu"),
    "selu_rounded_constants": (Mutant, {"activations.selu": _selu_rounded}, "activations", "edges", "activations.selu"),
    "softplus_naive": (Mutant, {"activations.softplus": _softplus_naive}, "activations", "edges", "activations.softplus"),
    "softsign_saturating": (Mutant, {"activations.softsign": _softsign_saturating}, "activations", "edges", "activations.softsign"),
    "exponential_expm1": (Mutant, {"activations.exponential": _exponential_expm1}, "activations", "values", "activations.exponential"),
    "sigmoid_off_scale": (Mutant, {"activations.sigmoid": _sigmoid_flipped}, "activations", "values", "activations.sigmoid"),
    "sigmoid_imprecise": (Mutant, {"activations.sigmoid": _sigmoid_imprecise}, "activations", "values", "activations.sigmoid"),
    "tanh_clipped": (Mutant, {"activations.tanh": _tanh_clipped}, "activations", "edges", "activations.tanh"),
    "activation_get_lenient": (_LenientGet, {}, "activations", "rejects", "activations.linear"),
    "activation_serialize_wrong": (_WrongSerialize, {}, "activations", "roundtrip", "activations.relu"),
    "fan_out_is_fan_in": (Mutant, {"initializers.VarianceScaling": _FanOutIsFanIn}, "initializers", "distribution", "initializers.VarianceScaling"),
    "receptive_field_ignored": (Mutant, {"initializers.VarianceScaling": _NoReceptiveField}, "initializers", "distribution", "initializers.VarianceScaling"),
    "fan_avg_is_sum": (Mutant, {"initializers.VarianceScaling": _FanAvgIsSum}, "initializers", "distribution", "initializers.VarianceScaling"),
    "truncation_at_3_sigma": (Mutant, {"initializers.VarianceScaling": _TruncatedAt3Sigma}, "initializers", "properties", "initializers.VarianceScaling"),
    "truncation_uncorrected": (Mutant, {"initializers.VarianceScaling": _NoTruncationCorrection}, "initializers", "distribution", "initializers.VarianceScaling"),
    "truncation_by_clipping": (Mutant, {"initializers.VarianceScaling": _ClipInsteadOfRedraw}, "initializers", "distribution", "initializers.VarianceScaling"),
    "uniform_limit_no_sqrt3": (Mutant, {"initializers.VarianceScaling": _UniformLimitNoSqrt3}, "initializers", "distribution", "initializers.VarianceScaling"),
    "normal_alias_untruncated": (Mutant, {"initializers.VarianceScaling": _NormalAliasUntruncated}, "initializers", "distribution", "initializers.VarianceScaling"),
    "glorot_uniform_is_he": (Mutant, {"initializers.GlorotUniform": _GlorotUniformIsHe}, "initializers", "distribution", "initializers.GlorotUniform"),
    "orthogonal_no_sign_fix": (Mutant, {"initializers.Orthogonal": _OrthogonalNoSignFix}, "initializers", "haar", "initializers.Orthogonal"),
    "orthogonal_no_gain": (Mutant, {"initializers.Orthogonal": _OrthogonalNoGain}, "initializers", "properties", "initializers.Orthogonal"),
    "seed_ignored": (_SeedIgnored, {}, "initializers", "seeding", "initializers.RandomNormal"),
    "seed_constant": (_SeedConstant, {}, "initializers", "seeding", "initializers.RandomNormal"),
    "identity_square_only": (Mutant, {"initializers.Identity": _IdentitySquareOnly}, "initializers", "values", "initializers.Identity"),
    "constant_not_through_float32": (Mutant, {"initializers.Constant": _ConstantExact}, "initializers", "values", "initializers.Constant"),
    "scale_sign_unchecked": (Mutant, {"initializers.VarianceScaling": _ScaleAnySign}, "initializers", "rejects", "initializers.VarianceScaling"),
    "config_drops_seed": (Mutant, {"initializers.RandomNormal": _ConfigDropsSeed}, "initializers", "roundtrip", "initializers.RandomNormal"),
    "random_normal_config_float32": (Mutant, {"initializers.RandomNormal": _RandomNormalConfigFloat32}, "initializers", "roundtrip", "initializers.RandomNormal"),
    "maxnorm_config_axis_list": (Mutant, {"constraints.MaxNorm": _MaxNormConfigAxisList}, "constraints", "roundtrip", "constraints.MaxNorm"),
    "maxnorm_axis_ignored": (Mutant, {"constraints.MaxNorm": _MaxNormAxisIgnored}, "constraints", "values", "constraints.MaxNorm"),
    "maxnorm_no_epsilon": (Mutant, {"constraints.MaxNorm": _MaxNormNoEpsilon}, "constraints", "values", "constraints.MaxNorm"),
    "unitnorm_last_axis": (Mutant, {"constraints.UnitNorm": _UnitNormLastAxis}, "constraints", "values", "constraints.UnitNorm"),
    "minmaxnorm_rate_ignored": (Mutant, {"constraints.MinMaxNorm": _MinMaxNormRateIgnored}, "constraints", "values", "constraints.MinMaxNorm"),
    "nonneg_keras2": (Mutant, {"constraints.NonNeg": _NonNegKeras2}, "constraints", "edges", "constraints.NonNeg"),
    "l2_half": (Mutant, {"regularizers.L2": _L2Half}, "regularizers", "values", "regularizers.L2"),
    "l1l2_no_skip": (Mutant, {"regularizers.L1L2": _L1L2NoSkip}, "regularizers", "edges", "regularizers.L1L2"),
    "l2_config_float32": (Mutant, {"regularizers.L2": _L2ConfigFloat32}, "regularizers", "roundtrip", "regularizers.L2"),
    "l1_negative_accepted": (Mutant, {"regularizers.L1": _L1NegativeAccepted}, "regularizers", "rejects", "regularizers.L1"),
    "string_l1_l2_accepted": (_StringL1L2, {}, "regularizers", "resolve", None),
}


def target(check: str, feature: str, cls, adapter=None) -> tuple:
    """A MUTANTS entry: ``adapter`` (default Mutant) with ``feature``'s spec object replaced by
    ``cls``, which ``check`` must catch on ``feature``, in the feature's family's test module."""
    return adapter or Mutant, {feature: cls}, family(feature), check, feature


# More mutants live in tests/mutants_*.py (one module per group of layer checks), each with a
# MUTANTS dict of the same shape; they import Mutant from here.
for _path in sorted(Path(__file__).parent.glob("mutants_*.py")):
    MUTANTS.update(importlib.import_module(f"tests.{_path.stem}").MUTANTS)


def _factory(name):
    cls, patches = MUTANTS[name][:2]
    return lambda device="cpu", edition=None: cls(name, patches, device=device, edition=edition)


globals().update({name: _factory(name) for name in MUTANTS})


def softmax_onednn(device="cpu", edition=None):
    """Not a mutant: TensorFlow's oneDNN softmax, which the spec leaves implementation-defined."""
    return Mutant("softmax_onednn", {"activations.softmax": _softmax_onednn}, device=device, edition=edition)


def masking_daz(device="cpu", edition=None):
    """Not a mutant: Masking comparing with subnormals as zero (DAZ), which the policy accepts."""
    from tests.mutants_layers_masking import _MaskingDenormalsAreZero

    return Mutant("masking_daz", {"layers.Masking": _MaskingDenormalsAreZero}, device=device, edition=edition)


def dropout_extra_argument(device="cpu", edition=None):
    """Not a mutant: a Dropout taking one argument more than the spec documents, which is information
    (an ``info`` record of test_signature), not a divergence."""
    from tests.mutants_signatures import _DropoutExtraArgument

    return Mutant("dropout_extra_argument", {"layers.Dropout": _DropoutExtraArgument}, device=device, edition=edition)
