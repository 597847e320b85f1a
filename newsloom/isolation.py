"""A function run in a child process with a time limit per call.

trafilatura can run for minutes on some pages (deeply nested or pathological markup; its own issue
tracker has several).  A thread cannot be stopped and SIGALRM only works in the main thread, so
each call goes to a long-lived child Python process over a pipe; a call that takes longer than the
limit gets the child killed, the caller a ``CallTimedOut``, and the next call a fresh child.

Why not multiprocessing (or pebble, built on it): Dask worker processes are daemonic, and a
daemonic process may not start multiprocessing children.  ``subprocess`` has no such rule, so this
works the same in a laptop run, a Prefect worker and a Dask worker.

The child imports only the target's module (``tasks.clean.pages`` imports neither Prefect nor pandas,
about 0.3 s and 50 MB), announces itself ready, then serves calls until its stdin closes; so it also
ends when the parent dies.  Arguments, results and exceptions travel pickled, each message with an
8-byte length in front.  Each thread has its own child (``for_thread``), kept for the life of the
thread, so a pool of worker threads extracts pages in parallel processes.

    python -m newsloom.isolation MODULE:FUNCTION     # the child's side, started by ``Isolated``
"""
from __future__ import annotations

import atexit
import importlib
import os
import pickle
import queue
import struct
import subprocess
import sys
import threading
import weakref
from pathlib import Path

HEADER = struct.Struct("!Q")
ROOT = Path(__file__).resolve().parent.parent  # the directory holding newsloom/ and tasks/
STARTUP_TIMEOUT = 120.0  # a loaded machine can take a while to import; this is not the per-call limit


class CallTimedOut(Exception):
    """The call took longer than the limit; the child that ran it was killed."""


class WorkerDied(Exception):
    """The child ended (crashed, was killed, ran out of memory) before answering."""


def _write(stream, obj) -> None:
    data = pickle.dumps(obj, protocol=pickle.HIGHEST_PROTOCOL)
    stream.write(HEADER.pack(len(data)))
    stream.write(data)
    stream.flush()


def _read_bytes(stream) -> bytes:
    head = stream.read(HEADER.size)
    if len(head) < HEADER.size:
        raise EOFError
    (n,) = HEADER.unpack(head)
    data = stream.read(n)
    if len(data) < n:
        raise EOFError
    return data


def _read(stream):
    return pickle.loads(_read_bytes(stream))


class Isolated:
    """``Isolated("tasks.clean.pages:clean_html_page", timeout=30)(html, url)`` runs the function in a child
    process and returns its result or raises its exception (pickled back as it was); a call longer
    than ``timeout`` seconds raises ``CallTimedOut``, a child that dies ``WorkerDied``."""

    def __init__(self, target: str, timeout: float):
        if ":" not in target:
            raise ValueError(f"target must be 'module:function', got {target!r}")
        if not timeout > 0:
            raise ValueError(f"timeout must be > 0 seconds, got {timeout!r}")
        self.target, self.timeout = target, timeout
        self.proc: subprocess.Popen | None = None
        self._replies: queue.Queue | None = None
        self._finalizer = None
        self.started = 0  # children started so far: 1 plus one per timeout or crash

    # -- the child process --------------------------------------------------------------------------------
    def _start(self) -> None:
        env = dict(os.environ)
        env["PYTHONPATH"] = os.pathsep.join([str(ROOT), *filter(None, [env.get("PYTHONPATH")])])
        self.proc = subprocess.Popen([sys.executable, "-m", "newsloom.isolation", self.target],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, env=env)
        self.started += 1
        replies: queue.Queue = queue.Queue()
        threading.Thread(target=self._pump, args=(self.proc.stdout, replies), daemon=True,
                         name=f"isolated-{self.proc.pid}").start()
        self._replies = replies
        self._finalizer = weakref.finalize(self, _forget, self.proc)  # a worker dropped with its thread
        _LIVE.add(self.proc)
        try:
            status, value = replies.get(timeout=STARTUP_TIMEOUT)
        except queue.Empty:
            self.close()
            raise WorkerDied(f"the worker for {self.target} did not start within {STARTUP_TIMEOUT:.0f} s") from None
        if status != "ready":
            self.close()
            raise WorkerDied(f"the worker for {self.target} failed to start: {value}")

    @staticmethod
    def _pump(stream, replies: queue.Queue) -> None:
        """Reader thread: every message from the child into the queue, then ("eof", None)."""
        while True:
            try:
                data = _read_bytes(stream)
            except (EOFError, OSError):
                replies.put(("eof", None))
                return
            try:
                replies.put(pickle.loads(data))
            except Exception as exc:  # e.g. an exception class that cannot be rebuilt here
                replies.put(("raised", RuntimeError(f"a reply that cannot be unpickled: {type(exc).__name__}: {exc}")))

    def close(self) -> None:
        if self.proc is not None:
            _kill(self.proc)
            _LIVE.discard(self.proc)
            if self._finalizer is not None:
                self._finalizer.detach()
            self.proc = None

    # -- a call -----------------------------------------------------------------------------------------------
    def __call__(self, *args, **kwargs):
        if self.proc is None or self.proc.poll() is not None:
            self.close()
            self._start()
        try:
            _write(self.proc.stdin, (args, kwargs))
        except (BrokenPipeError, OSError) as exc:
            self.close()
            raise WorkerDied(f"the worker for {self.target} went away: {exc}") from None
        try:
            status, value = self._replies.get(timeout=self.timeout)
        except queue.Empty:
            self.close()
            raise CallTimedOut(f"{self.target} took longer than {self.timeout:g} s") from None
        if status == "ok":
            return value
        if status == "raised":
            raise value
        code = self.proc.wait() if self.proc is not None else None
        self.close()
        raise WorkerDied(f"the worker for {self.target} ended with exit code {code}")


def _kill(proc: subprocess.Popen) -> None:
    if proc.poll() is None:
        proc.kill()
    try:
        proc.wait(timeout=10)
    except subprocess.TimeoutExpired:
        pass
    for stream in (proc.stdin, proc.stdout):
        try:
            stream.close()
        except OSError:
            pass


def _forget(proc: subprocess.Popen) -> None:
    _kill(proc)
    _LIVE.discard(proc)


_LIVE: set = set()
_PER_THREAD = threading.local()


@atexit.register
def _kill_all() -> None:
    for proc in list(_LIVE):
        _kill(proc)


def for_thread(target: str, timeout: float) -> Isolated:
    """This thread's worker for ``target`` with this limit, started on first use and reused after."""
    workers = getattr(_PER_THREAD, "workers", None)
    if workers is None:
        workers = _PER_THREAD.workers = {}
    key = (target, timeout)
    if key not in workers:
        workers[key] = Isolated(target, timeout)
    return workers[key]


# -- the child's side ------------------------------------------------------------------------------------------
def serve(target: str) -> None:
    out = sys.stdout.buffer
    sys.stdout = sys.stderr  # a stray print in the target must not corrupt the pipe
    inp = sys.stdin.buffer
    try:
        module, name = target.split(":", 1)
        fn = getattr(importlib.import_module(module), name)
    except Exception as exc:  # reported to the parent, which raises WorkerDied with it
        _write(out, ("failed", f"{type(exc).__name__}: {exc}"))
        return
    _write(out, ("ready", None))
    while True:
        try:
            args, kwargs = _read(inp)
        except EOFError:
            return
        try:
            reply = ("ok", fn(*args, **kwargs))
        except Exception as exc:
            reply = ("raised", exc)
        try:
            _write(out, reply)
        except (pickle.PicklingError, TypeError, AttributeError) as exc:
            _write(out, ("raised", RuntimeError(f"{target}: result or error not picklable: {exc}")))


if __name__ == "__main__":
    serve(sys.argv[1])
