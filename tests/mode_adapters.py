"""Adapters with execution modes for ``--mode`` tests (no framework needed): the reference, declaring
``graph`` and ``jit`` modes that run the same code, and mutants that differ only when traced, the
ways real tracing breaks.

``same``: every mode computes alike, so nothing differs. ``graph_branch``: a Python branch taken only
under a trace (elu's ``alpha`` read as a trace-time constant 1.0). ``first_trace_batch``: Flatten's
output reshaped to the batch size of the first call it was traced for, as a graph that baked in a
static shape returns it for every later batch. Under a mixed dtype policy: ``float16_variables``
creates the weights in the compute dtype; ``upcast_compute`` computes a layer in float32 and returns
float32 outputs.
"""

from __future__ import annotations

import dataclasses

import numpy as np

from adapters.base import Rejected
from adapters.dtypes import to_dtype
from adapters.reference import ReferenceAdapter


class Modes(ReferenceAdapter):
    modes = ("eager", "graph", "jit")

    def __init__(self, device="cpu", edition="keras3"):
        super().__init__(device=device, edition=edition)
        self.traced_batch: dict[str, int] = {}  # feature -> the batch size its first trace saw

    @property
    def traced(self) -> bool:
        return self.mode != "eager"


class GraphBranch(Modes):
    def call(self, case):
        if self.traced and case.feature == "activations.elu" and case.config.get("alpha", 1.0) != 1.0:
            case = dataclasses.replace(case, config={**case.config, "alpha": 1.0})
        return super().call(case)


class FirstTraceBatch(Modes):
    def call(self, case):
        out = super().call(case)
        if not (self.traced and case.feature == "layers.Flatten" and out.outputs[0].ndim):
            return out
        y = out.outputs[0]
        batch = self.traced_batch.setdefault(case.feature, y.shape[0])
        if y.size % max(batch, 1):
            raise Rejected(f"ValueError: cannot reshape an array of size {y.size} into shape ({batch}, -1)")
        return dataclasses.replace(out, outputs=[y.reshape(batch, -1) if batch else y])


class Float16Variables(Modes):
    def sample(self, case):
        weights = super().sample(case)
        if self.dtype_policy == "float32":
            return weights
        return {k: to_dtype(v, self.dtype_policy.removeprefix("mixed_")) for k, v in weights.items()}


class UpcastCompute(Modes):
    def call(self, case):
        out = super().call(case)
        if self.dtype_policy == "float32" or case.area != "layers":
            return out
        exact = ReferenceAdapter(edition=self.edition, exact=True).call(case)
        return dataclasses.replace(out, outputs=[to_dtype(y, "float32") for y in exact.outputs])


def same(device="cpu", edition=None):
    return Modes(device=device, edition=edition or "keras3")


def graph_branch(device="cpu", edition=None):
    return GraphBranch(device=device, edition=edition or "keras3")


def first_trace_batch(device="cpu", edition=None):
    return FirstTraceBatch(device=device, edition=edition or "keras3")


def float16_variables(device="cpu", edition=None):
    return Float16Variables(device=device, edition=edition or "keras3")


def upcast_compute(device="cpu", edition=None):
    return UpcastCompute(device=device, edition=edition or "keras3")
