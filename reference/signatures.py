"""The spec's public signatures: what every registered feature's constructor (an activation: the
function) and a layer's ``call`` accept, by name, kind and default, as plain data.

The constructor's signature is ``inspect.signature`` of the registered object without the
spec-only keyword ``edition`` (and, for an activation, its first positional argument ``x``),
unless the object declares one where its Python signature cannot say Keras' (a required argument
the spec validates itself, a sentinel default):

- ``init_signature``: the constructor's parameters as Python source, e.g.
  ``"pool_size, strides=None, padding='valid', data_format=None"``;
- ``call_signature`` (every layer class): Keras' ``call``, e.g. ``"inputs, training=None"``: the
  spec's layers are called as ``layer(x, *, weights, training, mask, rng)``, which is not Keras';
- ``edition_signatures``: per edition, ``{"init": source, "call": source}`` replacing the above
  where that edition's Keras differs (Keras 2: ``relu``'s ``alpha``, no ``lora_rank``).

Each declared signature is written in the feature's docstring too (Defaults, or a line of its own).
A parameter is ``{"name", "kind", "default"}``: ``kind`` is ``inspect.Parameter.kind``'s name
(``POSITIONAL_OR_KEYWORD``, ``KEYWORD_ONLY``, ...), ``default`` the ``repr`` of the default, absent
for a required argument. ``**kwargs`` appears where the spec documents an argument that Keras
takes only through it (``VAR_KEYWORD``).
"""

from __future__ import annotations

import ast
import inspect

from reference.editions import check_edition

SPEC_ONLY = ("edition",)  # the spec's own keyword: which edition to follow


def parameters(signature: inspect.Signature, skip=()) -> list[dict]:
    """A signature's parameters as plain data (see the module docstring), without those in ``skip``."""
    out = []
    for p in signature.parameters.values():
        if p.name in skip:
            continue
        entry = {"name": p.name, "kind": p.kind.name}
        if p.default is not inspect.Parameter.empty:
            entry["default"] = repr(p.default)
        out.append(entry)
    return out


def parse(source: str) -> inspect.Signature:
    """The signature of ``def f(<source>)``: a declared signature, written as Python parameters."""
    namespace: dict = {}
    exec(f"def f({source}):\n    pass", {}, namespace)  # noqa: S102  (the spec's own literal text)
    return inspect.signature(namespace["f"])


def _declared(obj, key: str, edition: str):
    """The declared ``init``/``call`` source of ``obj`` in ``edition``, or None."""
    override = (getattr(obj, "edition_signatures", None) or {}).get(edition, {})
    if key in override:
        return override[key]
    return getattr(obj, f"{key}_signature", None)


def of(obj, area: str, edition: str) -> dict:
    """``{"init": [...], "call": [...] or None}`` of the spec object ``obj`` (a registered feature's)
    in ``edition``: the constructor (an activation: the function without ``x``) and a layer's
    Keras ``call`` (None for what has none: keras.Input, the other areas)."""
    check_edition(edition)
    declared = _declared(obj, "init", edition)
    if declared is not None:
        init = parameters(parse(declared))
    elif area == "activations":
        sig = inspect.signature(obj)
        first = next(iter(sig.parameters))
        init = parameters(sig, skip=(first, *SPEC_ONLY))
    else:
        init = parameters(inspect.signature(obj), skip=SPEC_ONLY)  # a class: its __init__ without self
    call = _declared(obj, "call", edition)
    return {"init": init, "call": None if call is None else parameters(parse(call))}


def documented(doc: str, text: str) -> str:
    """``doc`` (a feature docstring) with ``text`` (its declared signatures, in words) as the last line
    of its Defaults section: how a templated docstring documents its class's declared signatures."""
    head, sep, tail = doc.partition("\n    Errors:")
    if not sep:
        raise ValueError("a feature docstring has a Defaults section followed by Errors")
    return f"{head}\n        Signature: {text}.{sep}{tail}"


def constructor_arguments(obj, area: str, edition: str = "keras3") -> list[tuple[str, object]]:
    """(name, default) of every argument the spec's constructor of ``obj`` takes (an activation: its
    keywords), in order; the default is the declared signature's where it states one (a sentinel's
    meaning, a tuple Keras writes for an int), else the Python one; ``inspect.Parameter.empty`` for a
    required argument."""
    params = list(inspect.signature(obj).parameters.values())
    if area == "activations":
        params = params[1:]
    declared = {p["name"]: p["default"] for p in of(obj, area, edition)["init"] if "default" in p}
    out = []
    for p in params:
        if p.name in SPEC_ONLY or p.kind in (p.VAR_KEYWORD, p.VAR_POSITIONAL):
            continue
        default = p.default
        if p.name in declared:
            try:
                default = ast.literal_eval(declared[p.name])
            except (ValueError, SyntaxError):
                pass
        out.append((p.name, default))
    return out
