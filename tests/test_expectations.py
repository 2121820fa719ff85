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
