"""Stop sandboxed code that uses too much CPU time or memory, from a monitor thread.

Python cannot pre-empt a thread, but CPython can deliver an exception to another thread
(`PyThreadState_SetAsyncExc`): it is raised in that thread at its next bytecode boundary. So
`call_limited` registers the calling thread, and one daemon monitor thread per process looks at
every registered thread each POLL_SECONDS: the thread's own CPU clock
(`pthread_getcpuclockid`), and the process's resident memory (`/proc/self/statm`). A thread
over its CPU time, or a process that grew by more than the memory limit since the monitor first
saw the evaluation, gets `ScriptInterrupted`; the caller turns it into `ScriptLimitExceeded`, an
ordinary error that SpiffWorkflow reports on the task.

* `ScriptInterrupted` derives from BaseException, so a script's `except Exception:` cannot
  swallow it (bare `except:` is refused by the static checks); it is raised again every
  REFIRE_SECONDS while the script still runs (a `finally:` that loops).
* Registration and the raise happen under one lock, and leaving clears a pending raise, so the
  exception can never land in code after the evaluation.
* A single C-level call is not interrupted until it returns: that is why `guards.py` bounds the
  size of every operation that could make one call long (see the sandbox's module docstring).
* Per evaluation this costs creating one small object and a dict entry: the monitor, not the
  evaluating thread, reads the clocks. CPU time is counted from the monitor's first look (at
  most one poll late), memory is the whole process's (another thread's allocation may count).
"""
from __future__ import annotations

import ctypes
import logging
import os
import threading
import time

log = logging.getLogger(__name__)

POLL_SECONDS = 0.01
REFIRE_SECONDS = 0.1
IDLE_POLLS = 200  # the monitor sleeps until woken after this many polls without evaluations

_PAGE_SIZE = os.sysconf("SC_PAGE_SIZE") if hasattr(os, "sysconf") else 4096
_set_async_exc = ctypes.pythonapi.PyThreadState_SetAsyncExc


class ScriptInterrupted(BaseException):
    """Raised inside sandboxed code by the monitor (BaseException: scripts cannot catch it)."""


class ScriptLimitExceeded(Exception):
    """Sandboxed code used more CPU time or memory than allowed; ``args[0]`` says which."""


class _Run:
    """One registered evaluation: its thread and limits; the monitor fills in what it saw.

    Only four attributes are set when an evaluation starts (this is the hot path); the others
    stay unset until the monitor first looks.
    """

    __slots__ = ("ident", "cpu_seconds", "memory_mb", "clock", "cpu_start", "rss_start", "reason", "fired_at")

    def __init__(self, ident: int, cpu_seconds: float, memory_mb: float) -> None:
        self.ident = ident
        self.cpu_seconds = cpu_seconds
        self.memory_mb = memory_mb
        self.fired_at: float | None = None  # read on every exit: an unset slot would raise


class _State:
    """The process's registry and monitor thread (reset in a forked child)."""

    def __init__(self) -> None:
        self.runs: dict[int, _Run] = {}
        self.lock = threading.Lock()
        self.wake = threading.Event()
        self.awake = False
        self.thread: threading.Thread | None = None


_state = _State()


def call_limited(cpu_seconds: float, memory_mb: float, function, *args):
    """Return ``function(*args)``, stopped with ScriptLimitExceeded past the CPU or memory limit."""
    ident = threading.get_ident()
    runs = _state.runs
    if ident in runs:  # nested (instructions rendered inside an evaluation): the outer limits hold
        return function(*args)
    run = _Run(ident, cpu_seconds, memory_mb)
    try:
        try:
            runs[ident] = run
            if not _state.awake:
                _wake_monitor()
            return function(*args)
        finally:
            _leave(run)
    except ScriptInterrupted as interrupt:
        _leave(run)  # again: the interrupt may have landed inside the first _leave
        # Keep the interrupted frames: they tell SpiffWorkflow the line of the script.
        error = ScriptLimitExceeded(getattr(run, "reason", None) or "stopped by the sandbox's limits")
        raise error.with_traceback(interrupt.__traceback__) from None


def _leave(run: _Run) -> None:
    """Unregister; clear an interrupt that was sent but has not been raised yet."""
    with _state.lock:
        if _state.runs.get(run.ident) is run:
            del _state.runs[run.ident]
        if run.fired_at is not None:
            _set_async_exc(ctypes.c_ulong(run.ident), None)


def _wake_monitor() -> None:
    """Start the monitor thread, or wake it from its idle sleep."""
    with _state.lock:
        if _state.thread is None or not _state.thread.is_alive():
            _state.awake = True
            _state.thread = threading.Thread(target=_monitor, name="sandbox-watchdog", daemon=True)
            _state.thread.start()
            return
    _state.wake.set()


def _monitor() -> None:
    """Poll the registered evaluations; sleep until woken when there are none for a while."""
    try:
        _poll_forever()
    finally:  # should it ever fail, the next evaluation starts a new monitor
        _state.awake = False
        log.exception("the sandbox watchdog stopped")


def _poll_forever() -> None:
    """The monitor's loop."""
    idle = 0
    while True:
        if _state.runs:
            idle = 0
            _check_all(_resident_bytes(), time.monotonic())
        else:
            idle += 1
            if idle >= IDLE_POLLS:
                _state.awake = False
                if not _state.runs:  # re-check after saying so: a caller may have just registered
                    _state.wake.wait()
                _state.wake.clear()
                _state.awake = True
                idle = 0
                continue
        time.sleep(POLL_SECONDS)


def _check_all(rss: int | None, now: float) -> None:
    """Look at every registered evaluation once; interrupt those over a limit."""
    with _state.lock:
        for run in list(_state.runs.values()):
            try:
                if getattr(run, "clock", None) is None:
                    run.clock = time.pthread_getcpuclockid(run.ident)
                    run.cpu_start = time.clock_gettime(run.clock)
                    run.rss_start = rss or 0
                    run.reason = None
                    continue
                used = time.clock_gettime(run.clock) - run.cpu_start
            except (OSError, AttributeError):  # thread gone, or no per-thread clocks here
                continue
            if run.reason is None:
                if used > run.cpu_seconds:
                    run.reason = f"used more than {run.cpu_seconds:g} s of CPU time (SCRIPT_CPU_SECONDS)"
                elif rss is not None and rss - run.rss_start > run.memory_mb * 1024 * 1024:
                    run.reason = f"used more than {run.memory_mb:g} MB of memory (SCRIPT_MEMORY_MB)"
            if run.reason and (run.fired_at is None or now - run.fired_at > REFIRE_SECONDS):
                run.fired_at = now
                _set_async_exc(ctypes.c_ulong(run.ident), ctypes.py_object(ScriptInterrupted))


def _resident_bytes() -> int | None:
    """This process's resident memory (Linux); None where /proc is missing."""
    try:
        with open("/proc/self/statm", "rb") as handle:
            return int(handle.read().split()[1]) * _PAGE_SIZE
    except (OSError, ValueError, IndexError):
        return None


def _reset_after_fork() -> None:
    """A forked child has no monitor thread and none of the parent's evaluations."""
    global _state
    _state = _State()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_reset_after_fork)
