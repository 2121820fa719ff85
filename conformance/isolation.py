"""The adapter in a child process: a framework that crashes or hangs costs one check, not the run.

Native kernels segfault and deadlock. With ``--isolation=process`` (the default) the plugin loads
the adapter in a child process (``python -m conformance.isolation``) and talks to it over a socket:
every operation (``run``, ``supports``, ``signature``, ``snippet``) is a request, and the case being run is held
here, in the pytest process, while the child works on it. Then:

- the child dies (a signal, ``abort``, ``os._exit``): the check raises :class:`Crashed`
  (``crashed: SIGSEGV while running <case>``), and the next request starts a new child;
- the check runs past its time limit (``--check-timeout``, measured from the check's setup):
  the child is killed and the check raises :class:`TimedOut` (``timed out after N s while
  running <case>``).

Both are ``BaseException``\\ s, not ``Exception``\\ s, so that Hypothesis does not retry or shrink
the case (each retry would be another crash): the record shows the case that was running. The
plugin turns them into ``error`` records and the run goes on, serially and under xdist alike.

A Python exception inside the adapter is not a crash: it comes back as :class:`AdapterError`
with the child's traceback (status ``error``, as before). ``Rejected`` and ``Unsupported`` come back as themselves.
``--isolation=none`` runs the adapter in the pytest process (a debugger can step into it; a
crash then ends the run, and no time limit is enforced).
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
import traceback
from multiprocessing.connection import Connection

from adapters.base import Adapter, AdapterUnavailable, Case, Rejected, Unsupported

DEFAULT_CHECK_TIMEOUT = 300.0  # seconds; the slowest check of the tf gate takes about 1 s, of keras-jax tens
_deadline = [float("inf")]  # time.monotonic() by which the current check must finish


def start_check(timeout: float | None) -> None:
    """Start a check's clock: every framework call of the check must end within ``timeout`` s of now."""
    _deadline[0] = time.monotonic() + timeout if timeout else float("inf")


class Lost(BaseException):
    """The child process is gone while it ran ``case`` (or answered a query, ``case`` None)."""

    def __init__(self, message: str, case: Case | None):
        super().__init__(message)
        self.case = case


class Crashed(Lost):
    pass


class TimedOut(Lost):
    pass


class AdapterError(RuntimeError):
    """A Python exception the adapter raised in the child; the message carries its traceback."""


class UsageError(RuntimeError):
    """The adapter could not be loaded: unknown, unavailable, or its factory or describe() raised."""


def _what(case: Case | None, query: str) -> str:
    if case is None:
        return query
    from conformance.check import label

    return f"running {label(case)}"


class Isolated(Adapter):
    """An adapter that lives in a child process; see the module docstring."""

    def __init__(self, spec: str, device: str = "cpu", edition: str | None = None, timeout: float | None = None,
                 mode: str = "eager", dtype_policy: str = "float32"):
        self.spec, self._load = spec, ("load", spec, device, edition, mode, dtype_policy)
        self.timeout = timeout
        self._proc = self._conn = self._log = None
        self.framework_seconds = self.compile_seconds = 0.0
        info = self._start()
        for k in ("name", "edition", "framework", "version", "versions", "devices", "device", "modes", "mode",
                  "dtype_policies", "dtype_policy", "compiles_per_shape"):
            setattr(self, k, info[k])
        self._described = info["describe"]

    # --- the child ------------------------------------------------------------------------------

    def _start(self) -> dict:
        parent, child = socket.socketpair()
        env = {**os.environ, "PYTHONPATH": os.pathsep.join(p for p in sys.path if p)}
        # The child's output (framework logs, warnings, a fatal error's last words) goes to a file:
        # the tail of it is part of a crash's record, and it stays off the run's terminal.
        self._log = tempfile.TemporaryFile()
        self._proc = subprocess.Popen([sys.executable, "-m", "conformance.isolation", str(child.fileno())],
                                      pass_fds=[child.fileno()], env=env, stdin=subprocess.DEVNULL,
                                      stdout=self._log, stderr=self._log)
        child.close()
        self._conn = Connection(parent.detach())
        kind, payload = self._exchange(self._load, None, "loading the adapter", start_up=True)
        if kind == "usage":
            self.close()
            raise UsageError(payload)
        return payload

    def close(self) -> None:
        if self._proc is not None and self._proc.poll() is None:
            self._proc.kill()
            self._proc.wait()
        if self._conn is not None:
            self._conn.close()
        self._proc = self._conn = None

    def _exchange(self, request, case, query: str, start_up: bool = False, own_clock: bool = False):
        """Send ``request`` and wait for the answer, within the check's time limit (``own_clock``:
        within a time limit of its own, for what the plugin asks after the check, such as a snippet)."""
        if self._proc is None:
            self._start()
        wait = (self.timeout if start_up or own_clock else _deadline[0] - time.monotonic()) or float("inf")
        try:
            self._conn.send(request)
            ready = self._conn.poll(None if wait == float("inf") else max(wait, 0.0))
            if ready:
                return self._conn.recv()
        except (EOFError, OSError):
            pass
        else:  # no answer in time: the child hangs
            self.close()
            raise TimedOut(f"timed out after {self.timeout:g} s while {_what(case, query)} (--check-timeout)", case)
        rc = self._proc.wait()
        self._proc = None
        self._conn.close()
        how = (f"{signal.Signals(-rc).name}" if rc < 0 and -rc in signal.Signals._value2member_map_
               else f"exit status {rc}")
        self._log.seek(0)
        said = self._log.read()[-1500:].decode("utf-8", "replace").strip()
        said = f"; its last output:\n{said}" if said else ""
        if start_up:
            raise UsageError(f"adapter {self.spec!r}: its process died ({how}) while {query}{said}")
        raise Crashed(f"crashed: {how} while {_what(case, query)}{said}", case)

    def _ask(self, request, case=None, query="", own_clock=False):
        """The child's answer to ``request``: its value, or the ``Rejected``/``Unsupported``/``AdapterError`` it raised."""
        kind, value, seconds, compiling = self._exchange(request, case, query, own_clock=own_clock)
        self.framework_seconds += seconds
        self.compile_seconds += compiling
        if kind == "rejected":
            raise Rejected(*value)
        if kind == "unsupported":
            raise Unsupported(value)
        if kind == "raised":
            raise AdapterError(value)
        return value

    # --- the adapter interface ------------------------------------------------------------------

    def run(self, case: Case):
        return self._ask(("run", case), case)

    def supports(self, feature, dtype=None):
        return self._ask(("supports", feature, dtype), None, f"asking supports({feature!r}, {dtype!r})")

    def snippet(self, case: Case) -> str:
        return self._ask(("snippet", case), None, "writing the snippet", own_clock=True)

    def signature(self, feature):
        return self._ask(("signature", feature), None, f"asking signature({feature!r})")

    def describe(self) -> dict:
        return self._described

    def platform(self) -> dict:
        return self._described["platform_facts"]

    # The operations are reached through run(); these satisfy the abstract interface.
    def call(self, case):  # pragma: no cover
        return self.run(case)

    sample = roundtrip = resolve = shape = call


# --- the child's side -------------------------------------------------------------------------------

def _load(spec, device, edition, mode, dtype_policy):
    import adapters

    try:
        adapter = adapters.load(spec, device=device, edition=edition, mode=mode, dtype_policy=dtype_policy)
    except (adapters.UnknownAdapter, AdapterUnavailable) as e:
        return None, ("usage", str(e))
    except Exception as e:  # noqa: BLE001  (a third party's factory: name it and what it raised)
        target = adapters.available().get(spec, spec)
        return None, ("usage", f"adapter {spec!r}: its factory {target} raised {type(e).__name__}: {e}")
    try:
        described = adapter.describe()
    except Exception as e:  # noqa: BLE001
        return None, ("usage", f"adapter {spec!r}: describe() raised {type(e).__name__}: {e}")
    info = {k: getattr(adapter, k) for k in ("name", "edition", "framework", "version", "device", "mode", "dtype_policy")}
    info["compiles_per_shape"] = bool(getattr(adapter, "compiles_per_shape", False))
    info.update(versions=dict(getattr(adapter, "versions", {})), devices=tuple(adapter.devices),
                modes=tuple(adapter.modes), dtype_policies=tuple(adapter.dtype_policies), describe=described)
    return adapter, ("ok", info)


def _serve(conn: Connection) -> None:
    adapter = None
    while True:
        try:
            request = conn.recv()
        except EOFError:
            return
        op = request[0]
        if op == "load":
            adapter, answer = _load(*request[1:])
            conn.send(answer)
            continue
        before, compiled_before = adapter.framework_seconds, getattr(adapter, "compile_seconds", 0.0)
        try:
            if op == "run":
                answer = ("ok", adapter.run(request[1]))
            elif op == "supports":
                answer = ("ok", adapter.supports(request[1], request[2]))
            elif op == "signature":
                answer = ("ok", adapter.signature(request[1]))
            else:
                answer = ("ok", adapter.snippet(request[1]))
        except Rejected as e:
            answer = ("rejected", (str(e), e.kind))
        except Unsupported as e:
            answer = ("unsupported", str(e))
        except Exception as e:  # noqa: BLE001  (reported as the adapter's error, with its traceback)
            where = (f"{op}({', '.join(map(repr, request[1:]))})" if op in ("supports", "signature") else f"{op}()")
            answer = ("raised", f"adapter {adapter.name!r}: {where} raised {type(e).__name__}: {e}\n"
                                f"{''.join(traceback.format_exc(limit=-8))}")
        answer = (*answer, adapter.framework_seconds - before, getattr(adapter, "compile_seconds", 0.0) - compiled_before)
        try:
            conn.send(answer)
        except Exception:  # noqa: BLE001  (a framework's container type that does not pickle: send it plain)
            conn.send(_plain(answer))


def _plain(value):
    """``value`` with framework containers made plain (Keras' tracked lists hold a lambda, which
    does not pickle): mappings become dicts, lists lists, tuples tuples, dataclasses keep their type;
    anything else that does not pickle becomes its repr."""
    import dataclasses
    import pickle
    from collections.abc import Mapping

    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return dataclasses.replace(value, **{f.name: _plain(getattr(value, f.name)) for f in dataclasses.fields(value)})
    if isinstance(value, Mapping):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        items = [_plain(v) for v in value]
        return items if isinstance(value, list) else tuple(items)
    try:
        pickle.dumps(value)
        return value
    except Exception:  # noqa: BLE001
        return repr(value)


if __name__ == "__main__":
    _serve(Connection(int(sys.argv[1])))
