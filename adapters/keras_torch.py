"""The ``keras-torch`` adapter: Keras 3 on PyTorch (``KERAS_BACKEND=torch``).

Everything Keras is in :mod:`adapters.keras3`; this module is PyTorch's part.

- Devices: Keras' torch backend puts every tensor and variable on ``get_device()``, which is
  CUDA whenever it is available unless a ``keras.device`` scope says otherwise
  (keras/src/backend/torch/core.py ``DEFAULT_DEVICE``, ``device_scope``); the adapter enters
  ``keras.device("cpu")`` or ``keras.device("cuda:0")`` around every case, and ``device="gpu"``
  is an error when ``torch.cuda.is_available()`` is false.
- Rejections: Keras raises ValueError/TypeError; PyTorch raises RuntimeError for inputs whose
  shapes do not fit (``mat1 and mat2 shapes cannot be multiplied``, ...) and IndexError for
  indices out of range: those are argument errors too.
- Modes: eager only. ``torch.compile`` (Inductor, which compiles C++ per graph) is not workable on
  the 2-core CI machine: measured with torch 2.13, 45 s for its first Dense call, 7 s to recompile
  it for a new batch size, 3 s for a bare elu; the ci profile runs about 28,500 examples, most of them a new
  config or shape, so a ``jit`` run would take about a day. ``--mode=jit`` is a usage error.
"""

from __future__ import annotations

from adapters import facts
from adapters.base import AdapterUnavailable
from adapters.keras3 import Keras3Adapter
from reference.policies import compute_dtype


class KerasTorchAdapter(Keras3Adapter):
    name = "keras-torch"
    framework = "torch"
    backend = "torch"
    devices = ("cpu", "gpu")
    needs = "PyTorch and Keras 3"
    install = (
        "pip install keras==3.15.1 && pip install torch==2.13.0 --index-url https://download.pytorch.org/whl/cpu "
        "(the CPU build; a plain `pip install torch` is a multi-GB CUDA download)")

    def _import_framework(self):
        import torch

        self.torch = torch

    def _versions(self):
        return {"keras": self.keras.__version__, "torch": self.torch.__version__}

    def platform(self):
        return {**super().platform(), **facts.torch(self.torch, self.device)}

    def _select_device(self, device):
        if device == "gpu":
            if not self.torch.cuda.is_available():
                raise AdapterUnavailable(
                    "--device=gpu: PyTorch sees no GPU on this machine (torch.cuda.is_available() is False); "
                    "run with --device=cpu, or on a GPU machine with a CUDA build of torch"
                )
            return "cuda:0"
        return "cpu"  # torch's own name: tensors on "cpu" need no copy to match it

    # PyTorch's CPU kernels that do not exist for a dtype (NotImplementedError from the kernel).
    CPU_MISSING = {
        ("initializers.Orthogonal", "float16"): "torch.linalg.qr has no CPU kernel for float16 ('geqrf_cpu' not implemented for 'Half')",
        ("initializers.Orthogonal", "bfloat16"):
            "torch.linalg.qr has no CPU kernel for bfloat16 ('geqrf_cpu' not implemented for 'BFloat16')",
        ("layers.AveragePooling3D", "float16"):
            "torch's avg_pool3d has no CPU kernel for float16 ('avg_pool3d_out_frame' not implemented for 'Half')",
        ("layers.AveragePooling3D", "bfloat16"):
            "torch's avg_pool3d has no CPU kernel for bfloat16 ('avg_pool3d_out_frame' not implemented for 'BFloat16')",
    }

    def supports(self, feature, dtype=None):
        if self.dtype_policy != "float32" and feature.startswith("layers."):
            # a layer under a mixed policy computes in the compute dtype, whatever its case's dtype
            dtype = compute_dtype(self.dtype_policy, dtype or "float32")
        if self.device == "cpu" and (feature, dtype) in self.CPU_MISSING:
            return self.CPU_MISSING[feature, dtype]
        return super().supports(feature, dtype)

    def _vjp(self, fn, arrays, layer, cotangents):
        """``torch.autograd.grad`` of the call's outputs, with the cotangents as ``grad_outputs``: the
        floating inputs (leaf tensors that require grad) and the trainable variables' parameters."""
        torch = self.torch
        tensors = [self._tensor(a) for a in arrays]
        floating = [i for i, t in enumerate(tensors) if t.is_floating_point()]
        for i in floating:
            tensors[i] = tensors[i].detach().requires_grad_(True)
        params = [v.value for v in layer.trainable_variables] if layer is not None else []
        ys = fn(*tensors)
        sources = [tensors[i] for i in floating] + params
        # An output that depends on no source (a zero activity penalty) has no graph: autograd refuses it.
        pairs = [(y, self._tensor(c).to(y.dtype)) for c, y in zip(cotangents, ys) if y.requires_grad]
        grads = torch.autograd.grad([y for y, _ in pairs], sources, grad_outputs=[c for _, c in pairs],
                                    allow_unused=True) if pairs else [None] * len(sources)
        grads = [torch.zeros_like(s) if g is None else g for s, g in zip(sources, grads)]
        found = dict(zip(floating, grads))
        return [y.detach() for y in ys], [found.get(i) for i in range(len(tensors))], grads[len(floating):]

    def _snippet_grad(self, call, n_inputs, layer):
        xs = ", ".join(f"x{i}" for i in range(n_inputs))
        weights = " + [v.value for v in layer.trainable_weights]" if layer else ""
        return ["import torch", *(f"x{i} = torch.tensor(x{i}, requires_grad=True)" for i in range(n_inputs)),
                f"y = {call}",
                "loss = (torch.as_tensor(g0).to(y.dtype) * y).sum()" + (" + sum(layer.losses)" if layer else ""),
                f"out = torch.autograd.grad(loss, [{xs}]{weights}, allow_unused=True)"]

    def _argument_errors(self):
        return (ValueError, TypeError, IndexError, RuntimeError)


def make(device="cpu", edition=None):
    return KerasTorchAdapter(device=device)
