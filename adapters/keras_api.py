"""What Keras 2 (``tf_keras``) and Keras 3 (``keras``) share in their public API, for both editions' adapters.

Building a feature from its config, calling a layer with the case's weights, mask and training flag,
initial weights, config round trips, ``get``, and the standalone snippet are the same calls in
both; :class:`KerasAPIAdapter` makes them once. ``adapters/keras3.py`` (Keras 3 on any backend)
and ``adapters/tf_keras.py`` (Keras 2) subclass it and say where the editions differ:

- ``keras`` (the module), ``_tensor``/``_numpy``, ``_device_scope`` and ``_rejections``
  (the exception types that are rejections of an argument);
- ``_config``: the case's config in the edition's argument names;
- ``_lambda_ops``: the module a Lambda's catalog functions compute with;
- ``_weight_name``, ``_set_mask``/``_get_mask``: how a variable is named and a mask is carried;
- ``lambda_meta_keys``: what a Lambda's config holds beside its functions;
- the snippet's ``snippet_module``, ``_snippet_imports``, ``_snippet_input``, ``_snippet_mask``,
  ``snippet_weight_key`` and ``snippet_weight_name``.
"""

from __future__ import annotations

import dataclasses
import inspect
import os
import tempfile

import numpy as np

from adapters import lambdas, snippets
from adapters.base import (COMPILED_OPS, DTYPE_POLICIES, Adapter, Case, Gradients, LayerResult, Rejected, Resolved,
                           RoundTrip, Unsupported)
from reference.signatures import parameters

# Keys every Keras layer's get_config has, which are not the layer's own semantics.
BASE_LAYER_KEYS = ("name", "trainable", "dtype", "batch_input_shape", "batch_shape", "input_shape")


class KerasAPIAdapter(Adapter):
    keras = None  # the Keras module: keras or tf_keras
    dtype_policies = DTYPE_POLICIES  # a layer's ``dtype`` argument takes any of them, in both editions
    lambda_meta_keys: tuple[str, ...] = ()  # a Lambda config's keys that describe how its functions were saved
    snippet_module = "keras"
    snippet_weight_key = "v.path"  # the snippet's expression naming a variable in ``out`` (sample)
    snippet_weight_name = "v.path.rsplit('/', 1)[-1]"  # ... and its short name, as the case's weights say

    # --- where the editions differ -------------------------------------------------------------

    def _config(self, feature: str, config: dict) -> dict:
        """``config`` (Keras 3 argument names, as the cases speak) in the edition's names."""
        return dict(config)

    def _lambda_ops(self):
        return self.keras.ops

    def _weight_name(self, variable) -> str:
        return variable.path.rsplit("/", 1)[-1]

    def _set_mask(self, tensor, mask) -> None:
        raise NotImplementedError

    def _get_mask(self, tensor):
        raise NotImplementedError

    def _device_scope(self):
        raise NotImplementedError

    def _tensor(self, x):
        raise NotImplementedError

    def _numpy(self, t):
        raise NotImplementedError

    def _vjp(self, fn, arrays: list, layer, cotangents: list):
        """(outputs, input gradients, trainable weights' gradients) of ``fn(*tensors) -> [outputs]`` at
        ``arrays``, for ``cotangents`` (one per output), with the framework's own autodiff: the floating
        inputs and ``layer.trainable_weights`` (``layer`` None: no weights) are differentiated; a gradient
        the framework leaves unconnected is zeros, an integer input's None."""
        raise NotImplementedError

    # --- the same in both editions -------------------------------------------------------------

    def _framework(self, fn):
        with self._device_scope():
            try:
                out = fn()
            except (Rejected, Unsupported):  # an adapter's own verdicts, raised inside fn
                raise
            except Exception as e:  # noqa: BLE001  (whatever Keras raises is what the user sees)
                # The argument errors are Keras' rejections; any other exception from the
                # framework is reported as a rejection of its own type.
                kind = type(e).__name__
                note = "" if isinstance(e, self._rejections) else " (not an argument error: a framework crash)"
                raise Rejected(f"{kind}: {e}{note}", kind) from None
        return out

    def _object(self, case: Case, config=None):
        config = self._config(case.feature, case.config if config is None else config)
        if case.area == "layers":
            if case.feature == "layers.Lambda":
                config = lambdas.resolve(config, self._lambda_ops())
            config.setdefault("dtype", self._layer_dtype(case))
        return getattr(getattr(self.keras, case.area), case.name)(**config)

    def _layer_dtype(self, case: Case) -> str:
        """A layer's ``dtype`` argument: the case's dtype, in which it computes; under a mixed policy the
        policy, which names the variables' dtype too (the case's dtype is its compute dtype: reference/policies.py)."""
        return case.dtype if self.dtype_policy == "float32" else self.dtype_policy

    def _build_for(self, layer, xs: list) -> None:
        """Build ``layer`` for the input arrays ``xs`` as its first call would."""
        layer.build(xs[0].shape if len(xs) == 1 else [x.shape for x in xs])

    def _prepare(self, case: Case, layer, xs: list) -> None:
        """Build ``layer`` for ``xs`` where the case needs it built before the call, and set ``case.weights``."""
        if case.weights is not None:
            layer.build(xs[0].shape if len(xs) == 1 else [x.shape for x in xs])
        elif self.mode != "eager" and not layer.built:
            # Built eagerly before a trace, as a model is before its compiled step: variables are not created in one.
            self._build_for(layer, xs)
        if case.weights is not None:
            names = [self._weight_name(v) for v in layer.weights]
            if sorted(names) != sorted(case.weights):
                raise Rejected(f"ValueError: the layer has weights {names}, the case gives {sorted(case.weights)}")
            for v, n in zip(layer.weights, names):
                v.assign(np.asarray(case.weights[n]))

    def _layer_call(self, case: Case, layer) -> LayerResult:
        xs = [np.asarray(x) for x in case.inputs]
        masks_in = case.mask if isinstance(case.mask, list) else [case.mask]
        masked = [i for i, m in enumerate(masks_in) if m is not None]
        self._prepare(case, layer, xs)

        def forward(*tensors):
            ts = list(tensors[:len(xs)])
            for i, m in zip(masked, tensors[len(xs):]):
                self._set_mask(ts[i], m)
            y = layer(ts if len(ts) > 1 else ts[0], training=case.training)
            ys = list(y) if isinstance(y, (list, tuple)) else [y]
            return ys, [self._get_mask(t) for t in ys], list(layer.losses)

        ys, masks, losses = self._in_mode(case, forward, xs + [np.asarray(masks_in[i], bool) for i in masked], layer)
        return LayerResult([self._numpy(t) for t in ys], [None if m is None else self._numpy(m).astype(bool)
                                                          for m in masks],
                           [float(self._numpy(v)) for v in losses])

    def _in_mode(self, case: Case, fn, arrays: list, layer=None):
        """``fn(*tensors)`` on ``arrays`` as tensors, in the adapter's mode: called as it is in ``eager`` (and
        for an operation no mode compiles); traced or compiled first in the others (``_traced``)."""
        tensors = [self._tensor(a) for a in arrays]
        if self.mode == "eager" or case.op not in COMPILED_OPS:
            return fn(*tensors)
        return self._traced(fn, tensors, layer)

    def _traced(self, fn, tensors: list, layer):
        """``fn(*tensors)`` traced or compiled as ``self.mode`` says (an adapter with more than eager in its
        ``modes``); ``layer``: the layer whose variables ``fn`` reads, or None."""
        raise NotImplementedError(f"adapter {self.name!r} lists mode {self.mode!r} but implements no _traced()")

    def _apply(self, case, obj):
        if case.area == "layers":
            return self._layer_call(case, obj)
        if case.area == "initializers":
            return self._numpy(obj(case.shape, dtype=case.dtype))
        if case.area == "activations":
            config = self._config(case.feature, case.config)
            return self._numpy(self._in_mode(case, lambda x: obj(x, **config), [case.inputs[0]]))
        return self._numpy(self._in_mode(case, obj, [case.inputs[0]]))

    def call(self, case):
        def run():
            obj = getattr(self.keras.activations, case.name) if case.area == "activations" else self._object(case)
            return self._apply(case, obj)

        return self._framework(run)

    def train(self, case):
        """One step of ``keras.optimizers.SGD(case.learning_rate)``'s ``apply_gradients`` on the gradients of
        ``sum(cotangent * outputs) + sum(layer.losses)`` (``_vjp``): the optimizer updates each trainable
        weight and then applies its constraint, as ``fit`` does. Eager in every mode."""
        def run():
            xs = [np.asarray(x) for x in case.inputs]
            layer = self._object(case)
            self._prepare(case, layer, xs)
            forward = self._loss_terms(case, layer)
            _, _, dws = self._vjp(forward, xs, layer, list(case.cotangent) + [np.ones((), np.float32)])
            optimizer = self.keras.optimizers.SGD(learning_rate=case.learning_rate)
            optimizer.apply_gradients(list(zip(dws, layer.trainable_weights)))
            return {self._weight_name(v): self._numpy(v) for v in layer.trainable_weights}

        return self._framework(run)

    @staticmethod
    def _loss_terms(case, layer):
        """``forward(*tensors)``: the layer's outputs, then sum(layer.losses) when it has any (ActivityRegularization's,
        the weight regularizers')."""
        def forward(*ts):
            y = layer(list(ts) if len(ts) > 1 else ts[0], training=case.training)
            losses = list(layer.losses)
            return (list(y) if isinstance(y, (list, tuple)) else [y]) + ([sum(losses)] if losses else [])

        return forward

    def grad(self, case):
        """The framework's VJP (``_vjp``) of ``sum(cotangent * outputs) + sum(layer.losses)``: the losses enter as
        they enter a training loss (ActivityRegularization's penalty). Eager in every mode; no mask."""
        def run():
            xs = [np.asarray(x) for x in case.inputs]
            if case.area == "activations":
                fn, config, layer = getattr(self.keras.activations, case.name), self._config(case.feature, case.config), None
                forward = lambda x: [fn(x, **config)]  # noqa: E731
            else:
                layer = self._object(case)
                self._prepare(case, layer, xs)  # a case with weights builds the layer before the differentiated call
                forward = self._loss_terms(case, layer)

            n = len(case.cotangent)
            ys, dxs, dws = self._vjp(forward, xs, layer, list(case.cotangent) + [np.ones((), np.float32)])
            ys = ys[:n]
            names = [self._weight_name(v) for v in layer.trainable_weights] if layer is not None else []
            return Gradients([self._numpy(y) for y in ys], [None if d is None else self._numpy(d) for d in dxs],
                             {n: self._numpy(d) for n, d in zip(names, dws)})

        return self._framework(run)

    def sample(self, case):
        if case.area != "layers":
            return self.call(case)

        def run():
            layer = self._object(case)
            layer.build(case.shape)
            return {self._weight_name(v): self._numpy(v) for v in layer.weights}

        return self._framework(run)

    def _plain_config(self, layer) -> dict:
        """``layer.get_config()`` without the base keys, nested objects as {"class_name", "config"},
        and a Lambda's functions as their catalog names (its config holds their bytecode, and in
        Keras 2 how each was saved: those keys go)."""
        lambda_layer = type(layer).__name__ == "Lambda"

        def plain(k, v):
            if lambda_layer and k in lambdas.CALLABLE_KEYS:
                return lambdas.name_of(getattr(layer, {"output_shape": "_output_shape"}.get(k, k)))
            if isinstance(v, dict) and "class_name" in v:
                return {"class_name": v["class_name"], "config": v.get("config", {})}
            return v

        return {k: plain(k, v) for k, v in layer.get_config().items()
                if k not in BASE_LAYER_KEYS and not (lambda_layer and k in self.lambda_meta_keys)}

    def roundtrip(self, case):
        keras = self.keras

        def run():
            if case.area == "activations":
                fn = getattr(keras.activations, case.name)
                name = keras.activations.serialize(fn)
                clone = keras.activations.deserialize(name)
                return RoundTrip({"name": name}, {"name": keras.activations.serialize(clone)},
                                 self._apply(case, fn), self._apply(case, clone))
            obj = self._object(case)
            config = obj.get_config()
            # Keras refuses to deserialize a Lambda's Python function in safe mode (the default):
            # a round trip of the catalog's functions is what the check is about, so allow it.
            with keras.src.saving.serialization_lib.SafeModeScope(case.feature != "layers.Lambda"):
                clone = type(obj).from_config(config)
            config, clone_config = obj.get_config(), clone.get_config()
            if case.area == "layers":
                config, clone_config = self._plain_config(obj), self._plain_config(clone)
            return RoundTrip(config, clone_config, self._apply(case, obj), self._apply(case, clone))

        return self._framework(run)

    def save(self, case):
        """The layer built, weighted and called as ``call`` does, then in a one-layer functional model
        saved to a ``.keras`` file (in a temporary directory) and loaded with ``models.load_model``:
        the original's and the loaded layer's configs and results (:class:`RoundTrip`); the loaded
        layer computes with the weights the file holds (the case's are not set again). A Lambda
        loads with ``safe_mode=False``, as ``roundtrip`` deserializes it (safe mode refuses its
        Python function)."""
        keras = self.keras

        def run():
            layer = self._object(case)
            original = self._layer_call(case, layer)
            xs = [np.asarray(x) for x in case.inputs]
            inputs = [keras.Input(shape=x.shape[1:], batch_size=x.shape[0], dtype=str(x.dtype)) for x in xs]
            model = keras.Model(inputs, layer(inputs if len(inputs) > 1 else inputs[0]))
            with tempfile.TemporaryDirectory() as tmp:
                path = os.path.join(tmp, "model.keras")
                model.save(path)
                loaded = keras.models.load_model(path, safe_mode=case.feature != "layers.Lambda")
            clones = [l for l in loaded.layers if type(l).__name__ != "InputLayer"]
            if len(clones) != 1:
                raise RuntimeError(f"the loaded model has layers {[type(l).__name__ for l in clones]}, not the one saved")
            clone = self._layer_call(dataclasses.replace(case, weights=None), clones[0])
            return RoundTrip(self._plain_config(layer), self._plain_config(clones[0]), original, clone)

        return self._framework(run)

    def resolve(self, case):
        area = getattr(self.keras, case.area)

        def run():
            obj = area.get(case.identifier)
            if case.area == "activations":
                return Resolved(f"activations.{obj.__name__}", {})
            return Resolved(f"{case.area}.{type(obj).__name__}", obj.get_config())

        return self._framework(run)

    def signature(self, feature):
        """The public signatures, read with ``inspect.signature``: ``keras.<area>.<name>.__init__`` (without
        ``self``; an activation: the function without its ``x``; ``keras.layers.Input``: the function)
        and, for a layer class, ``.call`` (without ``self``)."""
        area, _, name = feature.partition(".")
        obj = getattr(getattr(self.keras, area), name)
        if not inspect.isclass(obj):
            sig = inspect.signature(obj)
            skip = (next(iter(sig.parameters)),) if area == "activations" else ()
            return {"init": parameters(sig, skip), "call": None}

        def own(fn):  # an unbound method's parameters without the first (self)
            sig = inspect.signature(fn)
            return parameters(sig, skip=(next(iter(sig.parameters)),))

        return {"init": own(obj.__init__), "call": own(obj.call) if area == "layers" else None}

    # --- the snippet ---------------------------------------------------------------------------

    def _snippet_imports(self) -> list[str]:
        raise NotImplementedError

    def _snippet_input(self, i: int, array: str) -> str:
        return f"x{i} = {array}"

    def _snippet_grad(self, call: str, n_inputs: int, layer: bool) -> list[str]:
        """Lines that set ``out`` to the VJP of ``call`` (``g0`` its cotangent) with the backend's autodiff."""
        return ["# the gradient: differentiate sum(g0 * out) + sum(layer.losses) with this backend's autodiff"]

    def _snippet_mask(self, i: int, mask: str) -> list[str]:
        """Lines that put ``mask`` (a literal) on input ``x{i}``, where a Masking or Embedding layer would."""
        raise NotImplementedError

    def snippet(self, case: Case) -> str:
        """Plain Keras calls that redo ``case``: the layer built with the case's weights, called with
        its mask and training flag; the value the check compared is ``out``."""
        lines = []
        for i, x in enumerate(case.inputs):
            kind = case.dtype if np.asarray(x).dtype.kind == "f" or np.asarray(x).dtype.name == "bfloat16" \
                else str(np.asarray(x).dtype)  # integer indices stay integers
            lines.append(self._snippet_input(i, snippets.array(x, kind)))
        config = self._config(case.feature, case.config)
        if case.feature == "layers.Lambda":
            lines.append(f"# the functions named below are the catalog's, in adapters/lambdas.py "
                         f"(ops = {self._lambda_ops().__name__})")
        if case.area == "layers" and case.op != "shape":
            config.setdefault("dtype", self._layer_dtype(case))
        cfg = ", ".join(f"{k}={v!r}" for k, v in config.items())
        area = f"{self.snippet_module}.{case.area}"
        xs = "x0" if len(case.inputs) == 1 else "[" + ", ".join(f"x{i}" for i in range(len(case.inputs))) + "]"
        if case.op == "resolve":
            lines.append(f"out = {area}.get({case.identifier!r})")
        elif case.op == "roundtrip":
            lines += [f"obj = {area}.{case.name}({cfg})", "clone = type(obj).from_config(obj.get_config())",
                      "out = (obj.get_config(), clone.get_config())"]
        elif case.area == "activations":
            lines.append(f"out = {area}.{case.name}(x0{', ' + cfg if cfg else ''})")
        elif case.area == "initializers":
            lines.append(f"out = {area}.{case.name}({cfg})({case.shape!r}, dtype={case.dtype!r})")
        elif case.area != "layers":
            lines.append(f"out = {area}.{case.name}({cfg})(x0)")
        elif case.feature == "layers.Input" and case.op == "shape":
            lines.append(f"out = {self.snippet_module}.Input({cfg}).shape")
        elif case.op == "shape":
            if isinstance(case.shape, list):  # several inputs: Keras checks their shapes in build()
                lines += [f"layer = {area}.{case.name}({cfg})", f"layer.build({case.shape!r})",
                          f"out = layer.compute_output_shape({case.shape!r})"]
            else:
                lines.append(f"out = {area}.{case.name}({cfg}).compute_output_shape({case.shape!r})")
        elif case.op == "sample":
            lines += [f"layer = {area}.{case.name}({cfg})", f"layer.build({case.shape!r})",
                      f"out = {{{self.snippet_weight_key}: v.numpy() for v in layer.weights}}"]
        else:
            lines.append(f"layer = {area}.{case.name}({cfg})")
            if case.weights is not None:
                shapes = "x0.shape" if len(case.inputs) == 1 else "[x.shape for x in " + xs + "]"
                lines.append(f"layer.build({shapes})")
                lines.append("weights = {" + ", ".join(f"{k!r}: {snippets.array(w, case.dtype)}"
                                                       for k, w in case.weights.items()) + "}")
                lines.append(f"for v in layer.weights:\n    v.assign(weights[{self.snippet_weight_name}])")
            if case.mask is not None:
                masks = case.mask if isinstance(case.mask, list) else [case.mask]
                for i, m in enumerate(masks):
                    if m is not None:
                        lines += self._snippet_mask(i, snippets.array(np.asarray(m, bool), "bool"))
            lines += [f"out = layer({xs}{', training=True' if case.training else ''})",
                      "print('losses:', [float(v) for v in layer.losses])"]
        if case.op == "save":
            module = self.snippet_module
            lines += [f"inputs = [{module}.Input(shape=x.shape[1:], batch_size=x.shape[0], dtype=str(x.dtype)) "
                      f"for x in {xs if len(case.inputs) > 1 else '[x0]'}]",
                      f"model = {module}.Model(inputs, layer(inputs{'' if len(case.inputs) > 1 else '[0]'}))",
                      "model.save('model.keras')",
                      f"loaded = {module}.models.load_model('model.keras'"
                      f"{', safe_mode=False' if case.feature == 'layers.Lambda' else ''}).layers[-1]",
                      "print('config:', layer.get_config() == loaded.get_config())",
                      f"out = (out, loaded({xs}{', training=True' if case.training else ''}))"]
        if case.op in ("grad", "train"):
            lines += [f"g{i} = {snippets.array(c, case.dtype)}" for i, c in enumerate(case.cotangent)]
            call = (f"{area}.{case.name}(x0{', ' + cfg if cfg else ''})" if case.area == "activations"
                    else f"layer({xs}{', training=True' if case.training else ''})")
            lines += self._snippet_grad(call, len(case.inputs), case.area == "layers")
        if case.op == "train":
            lines += [f"optimizer = {self.snippet_module}.optimizers.SGD(learning_rate={case.learning_rate!r})",
                      f"optimizer.apply_gradients(zip(out[{len(case.inputs)}:], layer.trainable_weights))",
                      f"out = {{{self.snippet_weight_key}: v.numpy() for v in layer.trainable_weights}}"]
        lines.append("print(out)")
        return snippets.program(self._snippet_imports(), lines)
