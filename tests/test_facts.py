"""Platform facts (adapters/facts.py): what they report, and that TensorFlow's kernel family is read,
not assumed (TF_ENABLE_ONEDNN_OPTS forces either on any x86 CPU)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from adapters import facts

ROOT = Path(__file__).resolve().parents[1]


def test_host_facts_name_the_cpu_and_numpy():
    host = facts.host()
    assert set(host) == {"device_model", "cpu_isa", "numpy_simd", "blas"} and all(host.values())


def test_repro_env_forces_the_kernel_family():
    assert facts.repro_env({"onednn": "on"}) == {"TF_ENABLE_ONEDNN_OPTS": "1"}
    assert facts.repro_env({"onednn": "off", "device": "cpu"}) == {"TF_ENABLE_ONEDNN_OPTS": "0"}
    assert facts.repro_env({"device": "cpu"}) == {}


@pytest.mark.parametrize("value, onednn", [("0", "off"), ("1", "on")])
def test_tf_reports_the_kernel_family_it_runs(value, onednn):
    code = "import json, adapters; print(json.dumps(adapters.load('tf').describe()['platform_facts']))"
    proc = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={**os.environ, "TF_ENABLE_ONEDNN_OPTS": value, "TF_CPP_MIN_LOG_LEVEL": "3"})
    got = json.loads(proc.stdout.strip().splitlines()[-1])
    assert got["onednn"] == onednn and got["onednn_set_by"] == f"TF_ENABLE_ONEDNN_OPTS={value}"
    assert got["device"] == "cpu" and got["cpu_isa"]
