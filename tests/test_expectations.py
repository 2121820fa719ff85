"""Expectation entries: their conditions (devices, package versions) and their validation."""

from __future__ import annotations

from pathlib import Path

import pytest

from conformance import expectations


def _load(tmp_path, body: str):
    path = tmp_path / "exp.toml"
    path.write_text('[[expected]]\nfeature = "layers.Dense"\ncheck = "values"\nreason = "r"\n' + body)
    return expectations.load(path)[0]


def test_conditions_select_device_and_versions(tmp_path):
    e = _load(tmp_path, 'devices = ["gpu"]\nversions = { keras = ">=3.15,<3.16", tensorflow = "==2.21.*" }\n')
    ok = {"keras": "3.15.1", "tensorflow": "2.21.0"}
    assert e.applies(["gpu"], ok) and e.applies(["cpu", "gpu"], ok)
    assert not e.applies(["cpu"], ok)
    assert not e.applies(["gpu"], {**ok, "keras": "3.16.0"})
    assert not e.applies(["gpu"], {"keras": "3.15.1"})  # the adapter has no tensorflow
    assert e.applies(["gpu"], {**ok, "tensorflow": "2.21.0+cu12"})  # a local build tag is the same release
    assert _load(tmp_path, "").applies(["cpu"], {})  # no conditions: always


@pytest.mark.parametrize("body, why", [('versions = { keras = "3.15 or so" }\n', "not a version specifier"),
                                       ('devices = "gpu"\n', "devices must be a list"),
                                       ('device = ["gpu"]\n', "unknown keys")])
def test_bad_conditions_are_clear_errors(tmp_path, body, why):
    with pytest.raises(expectations.ExpectationsError, match=why):
        _load(tmp_path, body)


def test_platform_conditions_select_facts(tmp_path):
    e = _load(tmp_path, 'platform = { onednn = "off", cpu_capability = ["AVX2", "DEFAULT"] }\n')
    facts = {"onednn": "off", "cpu_capability": "AVX2"}
    assert e.applies(["cpu"], {}, facts)
    assert not e.applies(["cpu"], {}, {**facts, "onednn": "on"})
    assert not e.applies(["cpu"], {}, {"onednn": "off"})  # a fact the adapter does not report: inactive
    assert e.applies(["cpu", "gpu"], {}, {**facts, "onednn": "on,off"})  # cross-device: either device's value


def test_platform_value_joined_with_plus_needs_each(tmp_path):
    """A difference between modes exists only in a run in both: mode = "eager+jit" is active in
    --mode=eager,jit (and eager,graph,jit), not in --mode=jit or --mode=eager alone."""
    both = _load(tmp_path, 'platform = { mode = "eager+jit" }\n')
    assert both.applies(["cpu"], {}, {"mode": "eager,jit"}) and both.applies(["cpu"], {}, {"mode": "eager,graph,jit"})
    assert not both.applies(["cpu"], {}, {"mode": "jit"}) and not both.applies(["cpu"], {}, {"mode": "eager"})
    either = _load(tmp_path, 'platform = { mode = ["eager", "graph"] }\n')  # TensorFlow's own kernels
    assert either.applies(["cpu"], {}, {"mode": "eager,jit"}) and not either.applies(["cpu"], {}, {"mode": "jit"})


def test_measured_platforms_and_new_ones(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text('[[measured]]\ndevice = "cpu"\nonednn = "off"\ntensorflow = "2.21.0"\n\n'
                    '[[measured]]\ndevice = "cpu"\nonednn = "on"\ntensorflow = "2.21.0"\n')
    tables = expectations.measured_on(path)
    assert len(tables) == 2 and expectations.load(path) == []
    assert not expectations.new_to(tables, {"device": "cpu", "onednn": "on", "tensorflow": "2.21.0", "keras": "3"})
    assert expectations.new_to(tables, {"device": "gpu", "onednn": "off", "tensorflow": "2.21.0"})
    assert expectations.new_to(tables, {"device": "cpu", "onednn": "off", "tensorflow": "2.22.0"})
    assert not expectations.new_to([], {"device": "gpu"})  # a file that lists no platform claims none


@pytest.mark.parametrize("body, why", [('platform = { onednn = 1 }\n', "platform must be a table"),
                                       ('platform = "onednn"\n', "platform must be a table")])
def test_bad_platform_conditions_are_clear_errors(tmp_path, body, why):
    with pytest.raises(expectations.ExpectationsError, match=why):
        _load(tmp_path, body)


def test_bad_measured_table_is_a_clear_error(tmp_path):
    path = tmp_path / "exp.toml"
    path.write_text('[[measured]]\nonednn = true\n')
    with pytest.raises(expectations.ExpectationsError, match=r"\[\[measured\]\] table 1"):
        expectations.measured_on(path)


def _case(feature="layers.Dense", config=None, shapes=((2, 3),), dtype="float32"):
    import numpy as np

    from adapters.base import Case

    return Case(feature, "call", config or {}, tuple(np.ones(s, dtype) for s in shapes), dtype=dtype)


def test_case_conditions_and_lists(tmp_path):
    """``when`` and ``config`` select cases; feature, check and params may list several values."""
    e = _load(tmp_path, 'when = ["broadcast"]\nconfig = { activation = ["tanh", "sigmoid"] }\n')
    assert e.conditional and not e.strict
    assert e.covers(_case(config={"activation": "tanh"}, shapes=((2, 3), (2, 1))))
    assert not e.covers(_case(config={"activation": "relu"}, shapes=((2, 3), (2, 1))))
    assert not e.covers(_case(config={"activation": "tanh"}, shapes=((2, 3), (2, 3))))
    path = tmp_path / "lists.toml"
    path.write_text('[[expected]]\nfeature = ["layers.Dense", "layers.Conv1D"]\ncheck = ["values", "forms"]\n'
                    'params = { dtype = ["float32", "float64"] }\nreason = "r"\n')
    [listed] = expectations.load(path)
    assert listed.matches("layers.Conv1D", "forms", {"dtype": "float64"}) and listed.strict
    assert not listed.matches("layers.Conv2D", "forms", {"dtype": "float64"})
    assert not listed.matches("layers.Dense", "values", {"dtype": "float16"})


def test_a_check_matched_by_several_entries(tmp_path):
    """A strict entry governs the whole check; otherwise each conditional entry covers its cases and
    the widest ``ulps`` bound covering a case applies to it."""
    path = tmp_path / "many.toml"
    path.write_text('[[expected]]\nfeature = "layers.Dense"\ncheck = "values"\nconfig = { activation = "tanh" }\n'
                    'ulps = 8\nreason = "tanh"\n\n[[expected]]\nfeature = "layers.Dense"\ncheck = "values"\n'
                    'ulps = 6\nreason = "all"\n\n[[expected]]\nfeature = "layers.Dense"\ncheck = "values"\n'
                    'when = ["broadcast"]\nreason = "broadcast"\n')
    match = expectations.Match(expectations.load(path))
    assert match.strict is None and match.knows_some()
    assert match.bound(_case(config={"activation": "tanh"})).ulps == 8
    assert match.bound(_case(config={"activation": "relu"})).ulps == 6
    assert match.known(_case(shapes=((2, 3), (2, 1)))).reason == "broadcast"
    assert match.known(_case()) is None
    strict = expectations.Expectation("layers.Dense", "values", "always")
    assert expectations.Match([*match.entries, strict]).strict is strict


@pytest.mark.parametrize("body, why", [
    ('when = ["sometimes"]\n', "sometimes"),
    ('when = "broadcast"\n', "list of conditions"),
    ('config = "tanh"\n', "table of config"),
])
def test_bad_case_conditions_are_clear_errors(tmp_path, body, why):
    with pytest.raises(expectations.ExpectationsError, match=why):
        _load(tmp_path, body)


def test_daz_is_accepted_for_values_and_nothing_else():
    """A subnormal input read as zero (DAZ) is accepted where the spec's value on the flushed case
    matches: selu of the bfloat16 subnormal 1.13e-38 is normal (1.19e-38), and 0 with DAZ."""
    import ml_dtypes
    import numpy as np

    from adapters.base import Case
    from adapters.reference import ReferenceAdapter
    from conformance.check import accept_daz, assert_close, run_both
    from conformance.divergence import Divergence

    spec = ReferenceAdapter()
    x = np.array([1.1296e-38, 1.0], ml_dtypes.bfloat16)
    case = Case("activations.selu", "call", {}, (x,), dtype="bfloat16")
    expected, _ = run_both(spec, spec, case)
    assert float(np.asarray(expected, np.float64)[0]) > float(ml_dtypes.finfo(ml_dtypes.bfloat16).smallest_normal)
    daz = np.array([0.0, np.asarray(expected)[1]], ml_dtypes.bfloat16)
    accept_daz(spec, case, lambda e: assert_close(daz, e, case, spec), expected)
    wrong = np.array([2.0, np.asarray(expected)[1]], ml_dtypes.bfloat16)
    with pytest.raises(Divergence):
        accept_daz(spec, case, lambda e: assert_close(wrong, e, case, spec), expected)


def test_conditions_on_convolution_cases():
    """kernel_exceeds_input reads the kernel, dilation and data format; bias_on_last_axis and
    output_past_last_tap the spec's output shape; xla_wrapped_conv the groups and data format."""
    import numpy as np

    from adapters.base import Case
    from conformance import conditions

    def conv(feature, config, shape):
        return Case(feature, "call", config, (np.ones(shape, np.float32),), dtype="float32")

    assert conditions.kernel_exceeds_input(conv("layers.Conv3D", {"kernel_size": (3, 1, 2), "padding": "same"},
                                                (2, 1, 4, 2, 1)))
    assert not conditions.kernel_exceeds_input(conv("layers.Conv3D", {"kernel_size": 3}, (2, 3, 4, 4, 1)))
    assert conditions.kernel_exceeds_input(conv("layers.Conv1D", {"kernel_size": 2, "dilation_rate": 3}, (1, 3, 1)))
    assert not conditions.kernel_exceeds_input(conv("layers.Conv1D", {"kernel_size": 2, "data_format": "channels_first"},
                                                    (1, 5, 2)))
    first = {"filters": 3, "kernel_size": (2,), "data_format": "channels_first"}
    assert conditions.bias_on_last_axis(conv("layers.Conv1DTranspose", first, (1, 3, 2)))  # output (1, 3, 3)
    assert not conditions.bias_on_last_axis(conv("layers.Conv1DTranspose", {**first, "use_bias": False}, (1, 3, 2)))
    assert not conditions.bias_on_last_axis(conv("layers.Conv1DTranspose", first, (1, 3, 4)))
    assert set(conditions.met(conv("layers.Conv1DTranspose", first, (1, 3, 2)))) == {"bias_on_last_axis", "channels_first"}
    # Keras' TF backend runs grouped convolutions and channels_first Conv3D through XLA
    assert conditions.xla_wrapped_conv(conv("layers.Conv1D", {"kernel_size": 3, "filters": 3, "groups": 3}, (1, 4, 3)))
    assert conditions.xla_wrapped_conv(conv("layers.Conv3D", {"kernel_size": 1, "data_format": "channels_first"},
                                            (1, 2, 2, 2, 2)))
    assert not conditions.xla_wrapped_conv(conv("layers.Conv2D", {"kernel_size": 1, "data_format": "channels_first"},
                                                (1, 2, 2, 2)))
    # a transposed output past the last kernel tap: stride > kernel, or output_padding beyond the kernel
    assert conditions.output_past_last_tap(conv("layers.Conv2DTranspose", {"filters": 1, "kernel_size": 1,
                                                                           "strides": (1, 2)}, (1, 2, 3, 1)))
    assert conditions.output_past_last_tap(conv("layers.Conv1DTranspose", {"filters": 1, "kernel_size": 2, "strides": 2,
                                                                           "output_padding": 1}, (1, 2, 1)))
    assert not conditions.output_past_last_tap(conv("layers.Conv1DTranspose", {"filters": 1, "kernel_size": 2,
                                                                               "strides": 2, "padding": "same"}, (1, 2, 1)))


def test_conditions_extreme_input_and_identity_cropping():
    """extreme_input measures against the case's dtype's largest value; identity_cropping reads the
    spec's default cropping when the config gives none (Cropping2D's crops nothing, Cropping1D's does)."""
    import numpy as np

    from adapters.base import Case
    from conformance import conditions

    def act(values, dtype):
        return Case("activations.elu", "call", {}, (np.asarray(values, dtype),), dtype=dtype)

    assert conditions.extreme_input(act([1.0, 20000.0], "float16"))  # above 65504 / 4
    assert not conditions.extreme_input(act([1.0, 20000.0], "float32"))
    assert conditions.extreme_input(act([1.0, np.inf], "float32"))
    assert conditions.extreme_input(act([np.nan], "float64"))

    # a masked timestep (all mask_value) whose product with 0 is not +0
    def masking(x, **config):
        return Case("layers.Masking", "call", config, (np.asarray(x, "float32"),), dtype="float32")

    assert conditions.masked_step_not_plus_zero(masking([[[-0.0, 0.0], [1.0, 2.0]]]))  # default mask_value 0.0
    assert not conditions.masked_step_not_plus_zero(masking([[[0.0, 0.0], [-1.0, 2.0]]]))  # the negative step is kept
    assert conditions.masked_step_not_plus_zero(masking([[[np.inf, np.inf]]], mask_value=np.inf))
    assert conditions.masked_step_not_plus_zero(masking([[[-2.0, -2.0], [1.0, 0.0]]], mask_value=-2.0))
    assert not conditions.masked_step_not_plus_zero(masking([[[3.0, 3.0]]], mask_value=3.0))

    # RandomUniform's bounds, given or default; a dropout rate the case's dtype cannot hold
    assert conditions.reversed_bounds(Case("initializers.RandomUniform", "sample", {"maxval": -1.0}, (), dtype="float32"))
    assert not conditions.reversed_bounds(Case("initializers.RandomUniform", "sample", {}, (), dtype="float32"))
    drop = Case("layers.Dropout", "call", {"rate": 0.3}, (np.ones(2, np.float16),), dtype="float16")
    assert conditions.rate_inexact_in_dtype(drop)
    assert not conditions.rate_inexact_in_dtype(Case("layers.Dropout", "call", {"rate": 0.5}, (), dtype="bfloat16"))

    def crop(feature, config, shape):
        return Case(feature, "call", config, (np.ones(shape, np.float32),), dtype="float32")

    assert conditions.identity_cropping(crop("layers.Cropping2D", {}, (1, 3, 3, 1)))
    assert not conditions.identity_cropping(crop("layers.Cropping1D", {}, (1, 3, 1)))
    assert conditions.identity_cropping(crop("layers.Cropping3D", {"cropping": ((0, 0), (0, 0), (0, 0))}, (1, 2, 2, 2, 1)))
    assert not conditions.identity_cropping(crop("layers.Cropping2D", {"cropping": ((0, 1), (0, 0))}, (1, 3, 3, 1)))
    assert not conditions.identity_cropping(crop("layers.ZeroPadding2D", {}, (1, 3, 3, 1)))


@pytest.mark.parametrize("path", sorted((Path(__file__).parents[1] / "conformance" / "expectations").glob("*.toml")),
                         ids=lambda p: p.name)
def test_shipped_files_load_and_name_spec_features(path):
    """Every adapter's expectations file loads (its conditions and fields valid) and names only features the
    spec has: a misspelled feature would match nothing and only show up as a stale info record."""
    import reference  # noqa: F401  (registers the features)
    from reference.registry import FEATURES

    lookups = {f"{f.area}.get" for f in FEATURES.values()}  # the resolve checks' feature: keras.<area>.get
    entries = expectations.load(path)
    assert entries, f"{path.name} holds no entries"
    for e in entries:
        for f in [e.feature] if isinstance(e.feature, str) else e.feature:
            assert f in FEATURES or f in lookups, f"{path.name}: {f!r} is no spec feature"


@pytest.mark.parametrize("extra", ['crash = "yes"', 'crash = true\nwhen = ["broadcast"]', 'crash = true\nulps = 4'])
def test_a_crash_entry_is_plain_and_boolean(tmp_path, extra):
    path = tmp_path / "e.toml"
    path.write_text(f'[[expected]]\nfeature = "activations.elu"\ncheck = "values"\nreason = "r"\n{extra}\n')
    with pytest.raises(expectations.ExpectationsError, match="crash must be true or false"):
        expectations.load(path)
