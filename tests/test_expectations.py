"""Expectation entries: their conditions (devices, package versions) and their validation."""

from __future__ import annotations

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
