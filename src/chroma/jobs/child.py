"""What a job process of the in-process runner does before its first job: tie its life to
the server's, take its memory budget and its priority. Kept light (no compute imports),
since it runs first in a freshly spawned process."""

from __future__ import annotations

import os
import signal
from collections.abc import Iterator
from contextlib import contextmanager

from chroma.jobs.lifeline import die_with_parent
from chroma.jobs.limits import apply_memory_budget
from chroma.settings import Settings

BACKGROUND_NICE = 10
"""How much a background job (the neighbour index) yields: the kernel gives a job somebody
waits for (a first map, on the same two cores) nearly all the processor while both run."""


@contextmanager
def sigint_blocked() -> Iterator[None]:
    """Spawn job processes inside this: they start with SIGINT blocked (a thread's signal
    mask survives fork and exec) until :func:`prepare` ignores it.

    Ctrl+C in a terminal signals the whole foreground group, job processes included; the
    server stops them itself, and a job process that took the signal printed a
    ``KeyboardInterrupt`` traceback, even while still importing, before any code of ours
    could set a handler.
    """
    previous = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
    try:
        yield
    finally:
        signal.pthread_sigmask(signal.SIG_SETMASK, previous)


def prepare(settings: Settings, background: bool, server_pid: int) -> None:
    die_with_parent(server_pid)  # first: an orphan must not live to take a job
    # Ignoring drops a Ctrl+C that arrived while blocked (sigint_blocked); the server ends us.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
    apply_memory_budget(settings)
    if background:
        os.nice(BACKGROUND_NICE)
