"""Adapters that fail the way native frameworks do: the reference adapter, except that one feature
kills its process (a segfault, an abort, an exit), hangs, or that the factory, ``describe()`` or
``supports()`` raises. tests/test_isolation.py runs the suite on each (conformance/isolation.py)."""

from __future__ import annotations

import ctypes
import os
import sys
import threading

from adapters.base import Unsupported
from adapters.reference import ReferenceAdapter


def _segfault():
    ctypes.string_at(0)  # reads address 0: SIGSEGV, as a native kernel's bad pointer would


def _hang():
    threading.Event().wait()  # a deadlock: waits for ever


def _not_implemented():
    raise Unsupported("this backend does not implement it: NotImplementedError: Softsign")  # as keras-openvino raises


FAULTS = {"segfault": _segfault, "abort": os.abort, "exit": lambda: os._exit(3), "hang": _hang,
          "unsupported": _not_implemented}


class Faulty(ReferenceAdapter):
    """The reference, but running ``feature`` triggers ``fault``."""

    def __init__(self, feature, fault, device="cpu", edition=None):
        super().__init__(device=device, edition=edition or "keras3")
        self.name, self.feature, self.fault = f"faulty:{fault}", feature, FAULTS[fault]

    def run(self, case):
        if case.feature == self.feature:
            print(f"fatal error in {case.feature}", file=sys.stderr, flush=True)  # a kernel's last words
            self.fault()
        return super().run(case)

    def snippet(self, case):
        # What a framework's snippet would be: the case's own call (asked of a fresh process after a crash).
        return f"faulty.run({case.feature!r}, dtype={case.dtype!r})"


def segfault_relu(device="cpu", edition=None):
    return Faulty("activations.relu", "segfault", device, edition)


def abort_elu(device="cpu", edition=None):
    return Faulty("activations.elu", "abort", device, edition)


def exit_selu(device="cpu", edition=None):
    return Faulty("activations.selu", "exit", device, edition)


def unsupported_softsign(device="cpu", edition=None):
    return Faulty("activations.softsign", "unsupported", device, edition)


def hang_tanh(device="cpu", edition=None):
    return Faulty("activations.tanh", "hang", device, edition)


def factory_raises(device="cpu", edition=None):
    raise RuntimeError("no licence for this framework on this machine")


class _DescribeRaises(ReferenceAdapter):
    def describe(self):
        raise KeyError("version")


def describe_raises(device="cpu", edition=None):
    return _DescribeRaises(device=device, edition=edition or "keras3")


class _FaultySupports(ReferenceAdapter):
    """The reference, but asking whether activations.relu is supported triggers ``fault``."""

    def __init__(self, name, fault, device="cpu", edition=None):
        super().__init__(device=device, edition=edition or "keras3")
        self.name, self.fault = name, fault

    def supports(self, feature, dtype=None):
        if feature == "activations.relu":
            self.fault(feature)
        return super().supports(feature, dtype)


def _cannot_tell(feature):
    raise ValueError(f"cannot tell whether {feature} is supported")


def supports_raises(device="cpu", edition=None):
    return _FaultySupports("supports-raises", _cannot_tell, device, edition)


def supports_crashes(device="cpu", edition=None):
    return _FaultySupports("supports-crashes", lambda feature: _segfault(), device, edition)
