"""A job process ends when the server that started it ends, however the server ends.

A server stopped cleanly ends its job processes itself (``InProcessRunner.stop``). One that
is SIGKILLed (the OOM killer, ``kill -9``, a container stopped hard) cannot: its job
processes used to live on as orphans, computing, writing heartbeats (so every reaper took
their jobs for alive) and holding the pipe of multiprocessing's resource tracker open (so
it lived on too: it ends when the last holder of its pipe does).

On Linux a job process asks the kernel to SIGKILL it when its parent ends
(``prctl(PR_SET_PDEATHSIG)``): nothing in the process has to run, so a job deep in a numba
or BLAS call dies as promptly as an idle one. The kernel follows the parent *thread*, not
the process: the runner starts every job process from its dispatcher thread, which ends
them before it returns (``inprocess.py``). Elsewhere (macOS) a daemon thread polls the
parent's pid and ends the process once it has been handed to another parent.
"""

from __future__ import annotations

import ctypes
import os
import signal
import sys
import threading
import time

PR_SET_PDEATHSIG = 1  # <linux/prctl.h>
PARENT_POLL_SECONDS = 0.5
"""How often the portable fallback looks at the parent's pid: an orphan lives at most this
long (plus the moment a GIL-holding call takes to return)."""


def die_with_parent(parent_pid: int) -> str:
    """End this process when the process ``parent_pid`` (its parent) ends.

    Returns how: ``"kernel"`` (Linux) or ``"watcher"`` (a thread polling the parent).
    """
    if _ask_kernel():
        # The parent may have ended before the kernel was asked: no signal would come then.
        if os.getppid() != parent_pid:
            _die()
        return "kernel"
    watch_parent(parent_pid)
    return "watcher"


def watch_parent(parent_pid: int, *, every: float = PARENT_POLL_SECONDS) -> threading.Thread:
    """The portable fallback: a daemon thread that ends this process once its parent is no
    longer ``parent_pid`` (an orphan is handed to init or a subreaper)."""

    def watch() -> None:
        while os.getppid() == parent_pid:
            time.sleep(every)
        _die()

    thread = threading.Thread(target=watch, name="chroma-parent-watch", daemon=True)
    thread.start()
    return thread


def _ask_kernel() -> bool:
    if not sys.platform.startswith("linux"):
        return False
    try:
        # The process's own symbols include libc's (glibc or musl): no library search.
        prctl = ctypes.CDLL(None, use_errno=True).prctl
    except (OSError, AttributeError):
        return False
    prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong]
    prctl.restype = ctypes.c_int
    return bool(prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) == 0)


def _die() -> None:
    """As the kernel would: SIGKILL, nothing run on the way out (the job's row is left
    running; the next server finds it, ``execute.worker_gone``)."""
    os.kill(os.getpid(), signal.SIGKILL)
