"""Folding SQLite's write-ahead log back into the database file, on a thread of its own.

SQLite checkpoints by itself at the end of the COMMIT that fills the log past 1,000 pages
(64 MB with our pages). It has released its write lock by then, but the committing thread
has not returned yet, and this process's writers take turns in Python around the whole
transaction (``db/write_queue.py``): every writer would wait for the checkpoint's copy and
fsync. Measured with 8 concurrent ingest clients, that halved the rows written per second.
So every connection turns the automatic checkpoint off, and this thread runs a PASSIVE
checkpoint (it never blocks a reader or a writer) after writes, at most once a second: the
log is copied while the next writers go on, as before.
"""

from __future__ import annotations

import logging
import os
import threading

from sqlalchemy import Engine

_log = logging.getLogger(__name__)

CHECKPOINT_EVERY_SECONDS = 1.0
"""At most this often; the log holds at most about a second of writes between two."""


class WalCheckpointer:
    """Checkpoints the engine's database after writes (:meth:`nudge`), one at a time."""

    def __init__(self, engine: Engine, every: float = CHECKPOINT_EVERY_SECONDS) -> None:
        self._engine = engine
        self._every = every
        self._wrote = threading.Event()
        self._stop = threading.Event()
        self._start = threading.Lock()
        self._thread: threading.Thread | None = None
        self._pid = os.getpid()

    def nudge(self) -> None:
        """A write has committed: checkpoint soon (cheap; call it outside the write's turn)."""
        self._wrote.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            return
        with self._start:  # first write, or a forked child (threads do not survive fork)
            if self._stop.is_set():
                return
            if self._thread is None or not self._thread.is_alive() or self._pid != os.getpid():
                self._pid = os.getpid()
                self._thread = threading.Thread(
                    target=self._run, name="chroma-wal-checkpoint", daemon=True
                )
                self._thread.start()

    def checkpoint(self) -> None:
        """One PASSIVE checkpoint now: copies what no reader still needs, waits for no one."""
        with self._engine.connect() as conn:  # the driver's own: outside any transaction
            raw = conn.connection.driver_connection
            assert raw is not None
            raw.execute("PRAGMA wal_checkpoint(PASSIVE)").fetchall()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._wrote.wait()
            if self._stop.is_set():
                return
            self._wrote.clear()
            try:
                self.checkpoint()
            except Exception:  # the next write tries again; SQLite's log stays valid
                _log.warning("SQLite WAL checkpoint failed", exc_info=True)
            self._stop.wait(self._every)

    def close(self) -> None:
        """Stop the thread (after a last checkpoint it may be running)."""
        self._stop.set()
        self._wrote.set()
        thread = self._thread
        if thread is not None and thread.is_alive() and self._pid == os.getpid():
            thread.join(timeout=60)
