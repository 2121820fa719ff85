"""The reference itself: golden values worked out by hand, and complete docstrings."""

from __future__ import annotations

import math

import numpy as np
import pytest

import reference
from reference import activations as A
from reference import constraints as C
from reference import distributions as D
from reference import initializers as I
from reference import regularizers as R
from reference.registry import SECTIONS, features
from reference.resolve import resolve


@pytest.mark.parametrize("feature", [f.id for f in features()])
def test_docstring_has_every_section(feature):
    doc = reference.get_feature(feature).doc
    missing = [s for s in SECTIONS if f"{s}:" not in doc]
    assert not missing, f"{feature} docstring lacks sections {missing}"


def test_relu_golden():
    # notes: [-10,-5,0,5,10], slope .5, max 5, threshold 5 -> [-7.5,-5,-2.5,0,5]
    out = A.relu([-10, -5, 0, 5, 10], negative_slope=0.5, max_value=5, threshold=5)
    np.testing.assert_array_equal(out, [-7.5, -5, -2.5, 0, 5])
    assert np.isnan(A.relu([np.nan])[0]) and A.relu([np.nan], threshold=1.0)[0] == 0
    assert np.isnan(A.relu([-np.inf], threshold=1.0, edition="keras2")[0])


def test_hard_sigmoid_golden_per_edition():
    np.testing.assert_allclose(A.hard_sigmoid([-1, 0, 1]), [1 / 3, 0.5, 2 / 3])
    np.testing.assert_allclose(A.hard_sigmoid([-1, 0, 1], edition="keras2"), [0.3, 0.5, 0.7])


def test_softmax_golden():
    np.testing.assert_allclose(A.softmax([[0.0, math.log(3.0)]]), [[0.25, 0.75]])
    with pytest.raises(reference.SpecError):
        A.softmax([1.0, 2.0], edition="keras2")
    assert np.isnan(A.softmax([[1.0, np.inf]])).all()


def test_selu_elu_softplus_golden():
    assert A.elu([-1.0])[0] == pytest.approx(math.e**-1 - 1)
    assert A.selu([1.0])[0] == pytest.approx(1.0507009873554805)
    assert A.softplus([0.0])[0] == pytest.approx(math.log(2))
    assert A.softplus([800.0])[0] == 800.0
    assert np.isnan(A.softsign([np.inf])[0])


def test_compute_fans_golden():
    assert I.compute_fans(()) == (1, 1)
    assert I.compute_fans((7,)) == (7, 7)
    assert I.compute_fans((3, 5)) == (3, 5)
    assert I.compute_fans((3, 3, 16, 32)) == (144, 288)
    assert I.compute_fans((3, 3, 16, 32), input_axes=(2,), output_axes=(3,)) == (16, 32)
    assert I.compute_fans((3, 3, 16, 32), input_axes=(2,)) == (144, 288)  # one alone is ignored


def test_variance_scaling_golden():
    # Glorot uniform on (3, 5): limit = sqrt(6 / 8)
    assert I.GlorotUniform().distribution((3, 5)).high == pytest.approx(math.sqrt(6 / 8))
    # He normal on a (3,3,16,32) kernel: variance 2 / 144 after truncation
    d = I.HeNormal().distribution((3, 3, 16, 32))
    assert D.variance(d) == pytest.approx(2 / 144)
    assert d.support[1] == pytest.approx(2 * math.sqrt(2 / 144) / 0.87962566103423978)
    assert I.VarianceScaling(distribution="normal").get_config()["distribution"] == "truncated_normal"
    for bad in ({"scale": 0}, {"mode": "fan"}, {"distribution": "gauss"}):
        with pytest.raises(reference.SpecError):
            I.VarianceScaling(**bad)


def test_truncation_constant_is_the_truncated_std():
    assert math.sqrt(D.variance(D.TruncatedNormal(0.0, 1.0, 2.0))) == pytest.approx(0.87962566103423978, rel=1e-12)


def test_orthogonal_and_identity_golden():
    o = I.Orthogonal(gain=2.0).sample(np.random.default_rng(0), (3, 5))
    np.testing.assert_allclose(o @ o.T, 4 * np.eye(3), atol=1e-12)
    np.testing.assert_array_equal(I.Identity(gain=3.0).value((2, 3)), [[3, 0, 0], [0, 3, 0]])
    with pytest.raises(reference.SpecError):
        I.Identity().value((3, 3, 3))
    with pytest.raises(reference.SpecError):
        I.Orthogonal().distribution((3,))


def test_constraints_golden():
    w = np.array([[3.0, 0.0], [4.0, 0.0]])  # column norms 5 and 0
    np.testing.assert_allclose(C.MaxNorm(2)(w), [[1.2 * 5 / (5 + 1e-7), 0], [1.6 * 5 / (5 + 1e-7), 0]])
    np.testing.assert_allclose(C.UnitNorm()(w)[:, 0], [0.6 * 5 / (5 + 1e-7), 0.8 * 5 / (5 + 1e-7)])
    assert C.MaxNorm(2)(np.array([[1.0]]))[0, 0] == pytest.approx(1 / (1 + 1e-7), rel=1e-15)
    out = C.MinMaxNorm(1.0, 2.0, rate=0.5)(np.array([[3.0], [4.0]]))  # norm 5 -> 0.5*2 + 0.5*5 = 3.5
    np.testing.assert_allclose(np.linalg.norm(out), 3.5 * 5 / (5 + 1e-7))
    k3, k2 = C.NonNeg()(np.array([-1.0, -np.inf])), C.NonNeg(edition="keras2")(np.array([-1.0, -np.inf]))
    assert not np.signbit(k3[0]) and k3[1] == 0 and np.signbit(k2[0]) and np.isnan(k2[1])


def test_regularizers_golden():
    x = np.array([1.0, -2.0, 3.0])
    assert R.L1()(x) == pytest.approx(0.06)
    assert R.L2()(x) == pytest.approx(0.14)
    assert R.L1L2(0.1, 0.2)(x) == pytest.approx(0.6 + 2.8)
    assert R.L1L2(l2=0.1)(np.array([np.inf])) == np.inf  # the zero l1 term is skipped
    assert R.get("l1l2") == ("regularizers.L1L2", {"l1": 0.0, "l2": 0.0})
    assert R.get("l1_l2", edition="keras2") == ("regularizers.L1L2", {"l1": 0.01, "l2": 0.01})
    with pytest.raises(reference.SpecError):
        R.get("l1_l2")
    with pytest.raises(reference.SpecError):
        R.L1(-1.0)
    assert R.L1(-1.0, edition="keras2").l1 == -1.0
    for bad in (math.inf, -math.inf, math.nan, "a"):  # Keras 2's _check_penalty_number (regularizers.py:32)
        for make in (lambda v: R.L1(v, edition="keras2"), lambda v: R.L2(v, edition="keras2"),
                     lambda v: R.L1L2(l2=v, edition="keras2")):
            with pytest.raises(reference.SpecError):
                make(bad)


def test_constant_float64_per_edition():
    # Keras 3 converts the Python float at floatx first; Keras 2 (tf.constant(value, dtype)) does not
    assert I.Constant(1e-7).value(())[()] == np.float64(np.float32(1e-7)) != 1e-7
    assert I.Constant(1e-7, edition="keras2").value((2,)).tolist() == [1e-7, 1e-7]


@pytest.mark.parametrize("area,identifier", [("activations", "relu"), ("initializers", "he_normal"),
                                             ("regularizers", "l2"), ("constraints", "non_neg")])
def test_every_get_gives_a_feature_and_its_arguments(area, identifier):
    fid, arguments = getattr(reference, area).get(identifier)
    assert fid in reference.FEATURES and fid.startswith(f"{area}.") and isinstance(arguments, dict)


def test_resolve_objects_none_dicts_and_strings():
    l2 = R.L2(0.5)
    assert resolve("regularizers", l2) is l2 and resolve("regularizers", None) is None
    assert resolve("constraints", None) is None and isinstance(resolve("constraints", "MaxNorm"), C.MaxNorm)
    glorot = resolve("initializers", None, edition="keras2")  # add_weight's fallback
    assert isinstance(glorot, I.GlorotUniform) and glorot.edition == "keras2"
    assert resolve("regularizers", {"class_name": "L1L2", "config": {"l1": 0.5}}).get_config() == {"l1": 0.5, "l2": 0.0}
    assert resolve("regularizers", "l1").get_config() == {"l1": 0.01}  # as given, bit for bit (Keras rounds it: an erratum)
    relu = resolve("activations", "relu")
    assert relu.__name__ == "relu" and relu(np.array([-1.0, 2.0])).tolist() == [0.0, 2.0]
    assert resolve("activations", None).__name__ == "linear"
    assert resolve("activations", "hard_sigmoid", edition="keras2")(np.array([1.0]))[0] == pytest.approx(0.7)
    assert resolve("activations", np.tanh) is np.tanh


@pytest.mark.parametrize("area,identifier,edition", [
    ("activations", "no_such", "keras3"), ("initializers", "no_such", "keras3"),
    ("regularizers", "l1_l2", "keras3"), ("constraints", "maxnorm", "keras3"),
    ("initializers", {"config": {}}, "keras3"), ("constraints", {"class_name": "NoSuch"}, "keras3")])
def test_resolve_rejects_naming_the_argument(area, identifier, edition):
    with pytest.raises(reference.SpecError) as info:
        resolve(area, identifier, argument="kernel_thing", edition=edition)
    assert info.value.argument == "kernel_thing"


def test_resolve_follows_the_edition():
    assert isinstance(resolve("constraints", "maxnorm", edition="keras2"), C.MaxNorm)
    assert resolve("regularizers", "l1_l2", edition="keras2").get_config() == {"l1": 0.01, "l2": 0.01}
    assert resolve("regularizers", "l1l2").get_config() == {"l1": 0.0, "l2": 0.0}
