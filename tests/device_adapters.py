"""Two-device adapters for ``--device=cpu,gpu`` tests (no GPU needed): the reference, declaring a
"gpu" that is the same code, and one whose "gpu" differs the ways real devices do.

``twin``: on "gpu", softsign rejects every input (a missing kernel) and tanh is 1e-3 off (a
different, less precise kernel). ``same``: both devices compute alike, so nothing differs.
"""

from __future__ import annotations

import numpy as np

from adapters.base import Rejected
from adapters.reference import ReferenceAdapter


class TwoDevices(ReferenceAdapter):
    devices = ("cpu", "gpu")
    differ = False

    def call(self, case):
        if self.differ and self.device == "gpu":
            if case.feature == "activations.softsign":
                raise Rejected("ValueError: no GPU kernel for softsign", "ValueError")
            if case.feature == "activations.tanh":
                return np.asarray(super().call(case)) * (1 + 1e-3)
        return super().call(case)


class Twin(TwoDevices):
    differ = True


def twin(device="cpu", edition=None):
    return Twin(device=device, edition=edition or "keras3")


def same(device="cpu", edition=None):
    return TwoDevices(device=device, edition=edition or "keras3")
