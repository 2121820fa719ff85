"""The ``keras-jax`` adapter: Keras 3 on JAX (``KERAS_BACKEND=jax``).

Everything Keras is in :mod:`adapters.keras3`; this module is JAX's part.

- float64: JAX's default configuration, as Keras' own test suite runs it (``jax_enable_x64``
  unset): JAX then stores a requested float64 as float32. Setting the option would not give
  float64 either: Keras' ``result_type`` maps float64 to float32 on every backend but TensorFlow
  (keras-team/keras#23223), so most ops would still return float32.
- Devices: ``keras.device("cpu:0")`` is ``jax.default_device(jax.devices("cpu")[0])``
  (keras/src/backend/jax/core.py ``device_scope``), so a CPU run stays on the CPU on a GPU
  machine; ``device="gpu"`` is an error when ``jax.devices("gpu")`` has none.
- Rejections: Keras raises ValueError/TypeError; JAX raises TypeError (dtypes, shapes of
  ``dot_general``), ValueError and IndexError for invalid inputs.
- Modes: ``jit`` is ``jax.jit`` over the layer's stateless call, as Keras' JAX trainer compiles a
  step: the variables' values go in as arguments (``StatelessScope``, the scope
  ``Layer.stateless_call`` opens), their new values (a dropout's seed state) come out and are
  assigned back. The program is lowered and compiled explicitly, its time counted as compile
  time, then run once. JAX has no graph mode without compiling: ``graph`` is not offered.
- Shapes: JAX runs an eager op as an XLA program compiled for its shapes and dtypes, about 40 ms
  a compile here, so the suite draws pooled shapes for this adapter (``compiles_per_shape``).
- Compile cache: with ``--compile-cache=DIR`` (conformance/compile_cache.py) JAX's persistent
  compilation cache keeps every program, however fast it compiled (JAX's defaults keep only those
  over 1 s), in a subdirectory of DIR per CPU: JAX's key names the CPU only as "cpu", and XLA
  compiles for the host's instruction set. A JAX_COMPILATION_CACHE_DIR the user set is left as it is.
- Compile time (``compile_seconds``, for benchmarks/gate.py): in every mode the XLA compiles of eager
  ops, as JAX reports them (its ``backend_compile_duration`` event), plus, under ``jit``, the
  tracing, lowering and compiling of each compiled call, timed as a whole.
"""

from __future__ import annotations

import functools
import os
import time

from adapters import facts
from adapters.base import COMPILE_CACHE_ENV, AdapterUnavailable
from adapters.keras3 import Keras3Adapter


_RUNNING = [None]  # the adapter inside Adapter.run, whose compile_seconds JAX's compiles add to


@functools.cache  # one listener per process, however many adapters (variants) it loads
def _count_compiles(jax) -> None:
    """Add each XLA compile JAX reports (its ``backend_compile_duration`` event) to the running adapter's
    ``compile_seconds``, but for those inside a window ``_traced`` times whole."""
    from jax._src import dispatch

    def on_duration(event, seconds, **_):
        adapter = _RUNNING[0]
        if event == dispatch.BACKEND_COMPILE_EVENT and adapter is not None and not adapter._timing_a_compile:
            adapter.compile_seconds += seconds

    jax.monitoring.register_event_duration_secs_listener(on_duration)


class KerasJaxAdapter(Keras3Adapter):
    name = "keras-jax"
    framework = "jax"
    backend = "jax"
    devices = ("cpu", "gpu")
    modes = ("eager", "jit")
    needs = "JAX and Keras 3"
    install = "pip install jax==0.10.2 jaxlib keras==3.15.1"

    compiles_per_shape = True  # every eager op is an XLA program compiled per shape and dtype

    def _import_framework(self):
        import jax

        self.jax = jax
        self._timing_a_compile = False
        _count_compiles(jax)
        root = os.environ.get(COMPILE_CACHE_ENV)
        if root and not jax.config.jax_compilation_cache_dir:
            jax.config.update("jax_compilation_cache_dir", os.path.join(root, "jax-" + facts.host_key()))
            jax.config.update("jax_persistent_cache_min_compile_time_secs", 0.0)
            jax.config.update("jax_persistent_cache_min_entry_size_bytes", 0)

    def run(self, case):
        """``Adapter.run``, with this adapter the one JAX's compiles during it count for (``_count_compiles``)."""
        outer, _RUNNING[0] = _RUNNING[0], self
        try:
            return super().run(case)
        finally:
            _RUNNING[0] = outer

    def _versions(self):
        return {"keras": self.keras.__version__, "jax": self.jax.__version__}

    def platform(self):
        return {**super().platform(), **facts.jax(self.jax, self.device)}

    def _select_device(self, device):
        if device == "gpu":
            try:
                gpus = self.jax.devices("gpu")
            except RuntimeError as e:  # JAX raises when no backend of that platform exists
                gpus, why = [], str(e)
            else:
                why = "no devices"
            if not gpus:
                raise AdapterUnavailable(
                    f"--device=gpu: JAX sees no GPU on this machine (jax.devices('gpu'): {why}); "
                    "run with --device=cpu, or on a GPU machine with a CUDA jaxlib (pip install 'jax[cuda12]')"
                )
            return "gpu:0"
        return "cpu:0"

    def supports(self, feature, dtype=None):
        if feature == "initializers.Orthogonal" and dtype in ("float16", "bfloat16") and self.device == "cpu":
            return (f"jnp.linalg.qr (LAPACK geqrf on the CPU), which Keras' JAX backend Orthogonal calls, has no "
                    f"{dtype} kernel: NotImplementedError 'Unsupported dtype {dtype}.'")
        return super().supports(feature, dtype)

    def _traced(self, fn, tensors, layer):
        scope_of = self.keras.src.backend.StatelessScope
        variables = list(layer.variables) if layer is not None else []

        def stateless(values, *xs):
            with scope_of(state_mapping=list(zip(variables, values)), collect_losses=True) as scope:
                out = fn(*xs)
            return out, [scope.get_current_value(v) for v in variables]

        start, self._timing_a_compile = time.perf_counter(), True
        try:
            compiled = self.jax.jit(stateless).lower([v.value for v in variables], *tensors).compile()
        finally:
            self._timing_a_compile = False
        self.compile_seconds += time.perf_counter() - start
        out, values = compiled([v.value for v in variables], *tensors)
        for v, value in zip(variables, values):
            v.assign(value)
        return out

    def _vjp(self, fn, arrays, layer, cotangents):
        """``jax.vjp`` of the stateless call, as Keras' JAX trainer differentiates a step: the floating
        inputs and the trainable variables' values are the arguments, the other variables (a dropout's
        seed state) enter at their values, so the backward pass reuses the forward pass's mask."""
        jnp = self.jax.numpy
        scope_of = self.keras.src.backend.StatelessScope
        tensors = [self._tensor(a) for a in arrays]
        floating = [i for i, t in enumerate(tensors) if jnp.issubdtype(t.dtype, jnp.floating)]
        trainable = list(layer.trainable_variables) if layer is not None else []
        others = [v for v in (layer.variables if layer is not None else []) if all(v is not t for t in trainable)]

        def pure(inputs, values):
            ts = list(tensors)
            for i, t in zip(floating, inputs):
                ts[i] = t
            mapping = list(zip(trainable, values)) + [(v, v.value) for v in others]
            with scope_of(state_mapping=mapping, collect_losses=True):
                return fn(*ts)

        ys, pull = self.jax.vjp(pure, [tensors[i] for i in floating], [v.value for v in trainable])
        dxs, dws = pull([jnp.asarray(c, dtype=y.dtype) for c, y in zip(cotangents, ys)])
        found = dict(zip(floating, dxs))
        return ys, [found.get(i) for i in range(len(tensors))], list(dws)

    def _snippet_grad(self, call, n_inputs, layer):
        xs = ", ".join(f"x{i}" for i in range(n_inputs))
        if not layer:
            return ["import jax, jax.numpy as jnp", f"out = jax.grad(lambda x0: jnp.sum(g0 * {call}))(x0)"]
        return ["import jax, jax.numpy as jnp",
                "train, other = [v.value for v in layer.trainable_variables], [v.value for v in layer.non_trainable_variables]",
                f"def loss(train, {xs}):",
                f"    y, _ = layer.stateless_call(train, other, {xs if n_inputs == 1 else '[' + xs + ']'})",
                "    return jnp.sum(g0 * y)  # + the activity penalty's terms, for ActivityRegularization",
                f"out = jax.grad(loss, argnums=tuple(range({n_inputs + 1})))(train, {xs})"]

    def _argument_errors(self):
        return (ValueError, TypeError, IndexError)


def make(device="cpu", edition=None):
    return KerasJaxAdapter(device=device)
