"""Writers of one process take turns in arrival order before they ask SQLite for its lock.

SQLite has one write lock per database. A writer that finds it taken waits in SQLite's
busy handler, which sleeps and retries (1, 2, 5 ... then 100 ms at a time): a writer that
has waited long sleeps longest, so newcomers overtake it again and again, and the lock
sits idle while everyone sleeps. With 8 concurrent ingest clients the slowest batch waited
28 s of the 30 s busy timeout (issue 14, item 11). Queued here, in order, each writer is
handed the turn the moment the one before it finishes; SQLite's busy handler is then left
to arbitrate only between processes (job processes, a CLI), which write rarely.

A turn is given up only after the queue has not moved for ``stall_timeout`` seconds (one
writer held the database that long): the same promise as SQLite's busy timeout, without
failing a writer that is merely far back in a moving queue.
"""

from __future__ import annotations

import threading
from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager


def _nothing() -> None:
    pass


class WriteQueueStalled(RuntimeError):
    """A write waited ``stall_timeout`` seconds while one other write held the database."""


class WriteQueue:
    """A first-come, first-served lock for write transactions (one per store)."""

    def __init__(self, stall_timeout: float) -> None:
        self.stall_timeout = stall_timeout
        self._mutex = threading.Lock()
        self._waiting: deque[threading.Lock] = deque()
        self._busy = False
        self._owner: int | None = None
        self._handovers = 0
        """Turns handed over so far: a waiter that sees it move knows the queue is alive."""

    @property
    def waiting(self) -> int:
        """Writers waiting for their turn (not counting the one holding it)."""
        with self._mutex:
            return len(self._waiting)

    @property
    def held_here(self) -> bool:
        """Whether the calling thread holds the turn."""
        return self._owner == threading.get_ident()

    @contextmanager
    def turn(self) -> Iterator[Callable[[], None]]:
        """Hold the write turn for the block, or until the function it yields is called (the
        transaction ended early: a ``session.commit()`` inside the block must let the next
        writer in, as SQLite's own lock does, or a thread that then waits for another
        thread's write would wait for itself)."""
        me = threading.get_ident()
        if self._owner == me:
            # A write inside a write of the same thread must not wait for itself here:
            # SQLite answers it as it did before the queue (at once when the outer
            # transaction has not begun yet, else "database is locked" after the timeout).
            yield _nothing
            return
        self._acquire()
        self._owner = me
        held = True

        def release() -> None:
            nonlocal held
            if held:
                held = False
                self._owner = None
                self._release()

        try:
            yield release
        finally:
            release()

    def _acquire(self) -> None:
        with self._mutex:
            if not self._busy:
                self._busy = True
                return
            # Each waiter sleeps on its own lock, released by the writer before it: the
            # turn passes in order, with no thundering herd and no overtaking.
            baton = threading.Lock()
            baton.acquire()
            self._waiting.append(baton)
            seen = self._handovers
        try:
            turn = self._wait(baton, seen)
        except BaseException:
            with self._mutex:
                if baton in self._waiting:
                    self._waiting.remove(baton)
                    raise
            # The turn was handed to us while we were leaving: pass it on.
            self._release()
            raise
        if not turn:
            raise WriteQueueStalled(
                f"database is locked: one write has held it for over {self.stall_timeout:g} s "
                "while others waited (CHROMA_SQLITE_BUSY_TIMEOUT)"
            )

    def _wait(self, baton: threading.Lock, seen: int) -> bool:
        """Wait for ``baton``; False (out of the queue) once the queue stalls."""
        while not baton.acquire(timeout=self.stall_timeout):
            with self._mutex:
                if self._handovers != seen:
                    seen = self._handovers
                    continue
                if baton not in self._waiting:
                    return True  # handed over just as the wait ran out: the turn is ours
                self._waiting.remove(baton)
                return False
        return True

    def _release(self) -> None:
        with self._mutex:
            self._handovers += 1
            if self._waiting:
                self._waiting.popleft().release()  # still busy: the turn is theirs now
            else:
                self._busy = False
