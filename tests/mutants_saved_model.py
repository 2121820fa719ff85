"""Mutants of saving and loading a model (the ``saved_model`` checks: conformance/test_layers_*.py
test_saved_model).

Each is the reference adapter whose layer, saved to a ``.keras`` file and loaded, comes back wrong in
one way a file format goes wrong: weights not written, a tuple read back as a list, a setting lost.
"""

from __future__ import annotations

import dataclasses

import numpy as np

import reference
from adapters.base import LayerResult
from tests.mutants import Mutant


class SaveMutant(Mutant):
    """The reference, with ``patches[feature](adapter, case, roundtrip) -> roundtrip`` applied to its ``save``."""

    def _obj(self, feature):
        return reference.get_feature(feature).obj  # the layer itself is the spec's

    def save(self, case):
        saved = super().save(case)
        fix = self.patches.get(case.feature)
        return fix(self, case, saved) if fix else saved


def _weights_not_saved(adapter, case, saved):
    """The file holds no weights: the loaded layer computes with freshly initialized (here: zero) ones."""
    zeros = {k: np.zeros_like(w) for k, w in case.weights.items()}
    return dataclasses.replace(saved, clone=adapter._layer_call(dataclasses.replace(case, weights=zeros),
                                                                adapter._build(case)))


def _tuple_as_list(adapter, case, saved):
    """JSON has no tuples: kernel_size comes back as a list, which from_config does not turn back."""
    config = dict(saved.clone_config)
    config["kernel_size"] = list(config["kernel_size"])
    return dataclasses.replace(saved, clone_config=config)


def _mask_dropped(adapter, case, saved):
    """The loaded layer no longer computes a mask (supports_masking lost with the class)."""
    clone = saved.clone
    return dataclasses.replace(saved, clone=LayerResult(clone.outputs, [None] * len(clone.masks), clone.losses))


def _entry(feature, fix):
    from conformance.cases import family
    return SaveMutant, {feature: fix}, family(feature), "saved_model", feature


MUTANTS = {
    "saved_weights_not_saved": _entry("layers.Dense", _weights_not_saved),
    "saved_tuple_as_list": _entry("layers.Conv2D", _tuple_as_list),
    "saved_mask_dropped": _entry("layers.Masking", _mask_dropped),
}
