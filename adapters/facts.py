"""Platform facts: what a run's results can depend on besides the framework's version.

Frameworks pick kernels by CPU, by device and by build: TensorFlow runs its oneDNN kernels only on
CPUs with AVX512_VNNI, AVX512_BF16, AVX_VNNI or AMX unless ``TF_ENABLE_ONEDNN_OPTS`` says
otherwise, and its Eigen kernels elsewhere; PyTorch dispatches its vectorized kernels by CPU
capability and routes convolutions through oneDNN (mkldnn) when it is on; NumPy (the reference's
arithmetic, and Keras' NumPy backend) dispatches its SIMD loops by CPU. Each adapter's
``platform()`` returns these facts as a flat ``{name: str}`` dict; the run records them (run.json,
every record, the report's header) and expectations can be conditioned on them
(``platform = { onednn = "on" }``, conformance/expectations.py).

Names used by the built-in adapters:

- ``device`` (cpu, gpu) and ``device_model`` (the CPU's model name, or the GPU's);
- ``cpu_isa``: the kernel-selecting x86 extensions the CPU has (avx2, avx512f, avx512_vnni,
  avx512_bf16, avx512_fp16, avx_vnni, avx_ne_convert, amx), or the machine's architecture elsewhere;
- ``numpy_simd`` (NumPy's best dispatched SIMD target) and ``blas`` (NumPy's BLAS and version);
- TensorFlow: ``onednn`` (on, off), ``onednn_set_by`` (the variable, or the CPU's default) and
  ``float16_kernels`` (onednn, eigen): oneDNN runs float16 ops only where it is on and the CPU does
  float16 (TensorFlow's ``IsDataTypeSupportedByOneDNNOnThisCPU``: AVX512BW with AVX512_FP16 or
  AMX_FP16, or AVX_NE_CONVERT); elsewhere float16 ops take the Eigen kernels, with their limits;
  ``bfloat16_kernels`` likewise for bfloat16 (AVX-512 or AVX_NE_CONVERT; an AVX2-only CPU: eigen);
- PyTorch: ``mkldnn`` (on, off, unavailable), ``onednn_version``, ``cpu_capability`` (AVX512, AVX2, ...);
- JAX: ``xla_platform`` (the backend's platform version string).
"""

from __future__ import annotations

import functools
import hashlib
import os
import platform
import re

# x86 flags (as /proc/cpuinfo names them) whose presence changes which kernels a framework runs.
KERNEL_FLAGS = ("avx2", "avx512f", "avx512_vnni", "avx512_bf16", "avx512_fp16", "avx_vnni", "avx_ne_convert", "amx_tile")
# The flags with which TensorFlow's oneDNN runs float16 ops (tensorflow/core/util/util.cc,
# IsDataTypeSupportedByOneDNNOnThisCPU(DT_HALF)): AVX512BW and (AVX512_FP16 or AMX_FP16), or AVX_NE_CONVERT.
ONEDNN_FLOAT16 = (("avx512bw", "avx512_fp16"), ("avx512bw", "amx_fp16"), ("avx_ne_convert",))
# bfloat16 in oneDNN needs AVX-512 (emulated on avx512_core, native with avx512_bf16 or AMX) or AVX_NE_CONVERT
# (TensorFlow's IsDataTypeSupportedByOneDNNOnThisCPU): an AVX2-only CPU runs bfloat16 on Eigen.
ONEDNN_BFLOAT16 = (("avx512f",), ("avx_ne_convert",))


@functools.cache
def _cpuinfo() -> dict[str, str]:
    try:
        text = open("/proc/cpuinfo", encoding="utf-8", errors="replace").read()
    except OSError:
        return {}
    first = text.split("\n\n", 1)[0]
    return {k.strip(): v.strip() for k, _, v in (line.partition(":") for line in first.splitlines()) if k.strip()}


def cpu_model() -> str:
    info = _cpuinfo()
    return info.get("model name") or info.get("Model") or platform.processor() or platform.machine() or "unknown"


def _flags() -> set[str]:
    return set(_cpuinfo().get("flags", "").split())


def host_key() -> str:
    """A short name for this CPU (model and every flag): what a compiled-program cache is kept per, since a
    program compiled for the host's instruction set need not run on another CPU."""
    text = cpu_model() + " " + " ".join(sorted(_flags())) + " " + platform.machine()
    return hashlib.sha256(text.encode()).hexdigest()[:12]


def cpu_isa() -> str:
    flags = _flags()
    if not flags:
        return platform.machine() or "unknown"
    have = [f.replace("_tile", "") for f in KERNEL_FLAGS if f in flags]
    return " ".join(have) if have else f"{platform.machine()} without avx2"


def host() -> dict[str, str]:
    """The CPU and NumPy: facts of every run (the reference computes with NumPy)."""
    import numpy as np

    facts = {"device_model": cpu_model(), "cpu_isa": cpu_isa()}
    try:
        from numpy._core import _multiarray_umath as umath
    except ImportError:  # NumPy < 2
        from numpy.core import _multiarray_umath as umath
    supported = getattr(umath, "__cpu_features__", {})
    dispatched = [t for t in getattr(umath, "__cpu_dispatch__", []) if supported.get(t)]
    facts["numpy_simd"] = dispatched[-1] if dispatched else "baseline"
    try:
        blas = np.show_config(mode="dicts")["Build Dependencies"]["blas"]
        facts["blas"] = f"{blas.get('name', '?')} {blas.get('version', '?')}"
    except Exception:  # noqa: BLE001  (an old or unusual NumPy build: the fact is unknown, not an error)
        facts["blas"] = "unknown"
    return facts


def tensorflow(tf, device: str) -> dict[str, str]:
    """TensorFlow's kernel family on the CPU (oneDNN or Eigen) and, on a GPU, the GPU's name."""
    from tensorflow.python.util import _pywrap_util_port

    set_by = os.environ.get("TF_ENABLE_ONEDNN_OPTS")
    onednn = _pywrap_util_port.IsMklEnabled()
    cpu_float16 = any(all(f in _flags() for f in need) for need in ONEDNN_FLOAT16)
    cpu_bfloat16 = any(all(f in _flags() for f in need) for need in ONEDNN_BFLOAT16)
    facts = {"onednn": "on" if onednn else "off",
             "onednn_set_by": f"TF_ENABLE_ONEDNN_OPTS={set_by}" if set_by is not None else "the CPU's default",
             "float16_kernels": "onednn" if onednn and cpu_float16 else "eigen",
             "bfloat16_kernels": "onednn" if onednn and cpu_bfloat16 else "eigen"}
    if device == "gpu":
        gpus = tf.config.list_physical_devices("GPU")
        details = tf.config.experimental.get_device_details(gpus[0]) if gpus else {}
        facts["device_model"] = details.get("device_name", "unknown GPU")
    return facts


def torch(torch_module, device: str) -> dict[str, str]:
    """PyTorch's oneDNN (mkldnn) state and version, its CPU capability and, on a GPU, the GPU's name."""
    backends = torch_module.backends
    mkldnn = ("unavailable" if not backends.mkldnn.is_available()
              else "on" if backends.mkldnn.enabled else "off")
    found = re.search(r"MKL-DNN v([\w.]+)", torch_module.__config__.show())
    facts = {"mkldnn": mkldnn, "onednn_version": found.group(1) if found else "none",
             "cpu_capability": backends.cpu.get_cpu_capability()}
    if device == "gpu":
        facts["device_model"] = torch_module.cuda.get_device_name(0)
    return facts


def jax(jax_module, device: str) -> dict[str, str]:
    """The XLA backend JAX runs on and, on a GPU, the GPU's name."""
    dev = jax_module.devices("gpu" if device == "gpu" else "cpu")[0]
    facts = {"xla_platform": getattr(dev.client, "platform_version", "unknown")}
    if device == "gpu":
        facts["device_model"] = dev.device_kind
    return facts


# A fact a variable can force, and the variable's value for each of its values: a repro command sets
# it, so that the same kernels run on a machine whose default differs.
FORCED_BY = {"onednn": ("TF_ENABLE_ONEDNN_OPTS", {"on": "1", "off": "0"})}


def repro_env(facts: dict[str, str]) -> dict[str, str]:
    """The environment that makes another machine pick this run's kernels (``TF_ENABLE_ONEDNN_OPTS``)."""
    return {var: values[facts[fact]] for fact, (var, values) in FORCED_BY.items() if facts.get(fact) in values}


def summary(facts: dict[str, str]) -> str:
    """One line for a terminal or a page: the device, then the kernel facts."""
    order = ["device", "mode", "dtype_policy", "device_model", "onednn", "onednn_set_by", "float16_kernels", "bfloat16_kernels", "mkldnn", "cpu_capability", "cpu_isa", "numpy_simd"]
    keys = [k for k in order if k in facts] + sorted(k for k in facts if k not in order)
    return "; ".join(f"{k}={facts[k]}" for k in keys)
