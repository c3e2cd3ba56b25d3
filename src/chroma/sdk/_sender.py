"""One background thread that sends encoded batches, in order, through a bounded queue.

The queue bound keeps memory flat: when the server is slower than the user's loop, ``submit``
blocks. A failure stops the sending: the batches queued behind it are dropped (and counted
in a note on the error), and the error is handed to the caller on its next call; sending
resumes with what is submitted after that.
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass


@dataclass(frozen=True)
class Batch:
    body: bytes
    rows: int
    first_row: int
    """Index, in the run's logging order, of the batch's first row (for error notes)."""


_STOP = object()


class Sender:
    def __init__(self, send: Callable[[Batch], None], max_queued: int) -> None:
        self._send = send
        self._queue: queue.Queue[Batch | object] = queue.Queue(maxsize=max(1, max_queued))
        self._lock = threading.Lock()
        self._error: BaseException | None = None
        self._dropped_batches = 0
        self._dropped_rows = 0
        self.sent_rows = 0
        self._thread = threading.Thread(target=self._loop, name="chroma-sender", daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        while True:
            item = self._queue.get()
            try:
                if item is _STOP:
                    return
                assert isinstance(item, Batch)
                with self._lock:
                    failed = self._error is not None
                    if failed:
                        self._dropped_batches += 1
                        self._dropped_rows += item.rows
                if failed:
                    continue
                try:
                    self._send(item)
                except BaseException as exc:  # handed to the caller's thread, never lost
                    _note_rows(exc, item)
                    with self._lock:
                        self._error = exc
                else:
                    with self._lock:
                        self.sent_rows += item.rows
            finally:
                self._queue.task_done()

    def raise_error(self) -> None:
        """Re-raise (once) the failure of a background send, if there was one.

        Everything queued when the error is raised is dropped first (quickly: nothing is
        sent once a send failed), so the note's count is complete and the rule simple: the
        failed batch and all batches queued behind it were not sent.
        """
        with self._lock:
            failed = self._error is not None
        if not failed:
            return
        self._queue.join()
        with self._lock:
            error, self._error = self._error, None
            dropped, rows = self._dropped_batches, self._dropped_rows
            self._dropped_batches = self._dropped_rows = 0
        if error is None:
            return
        if dropped:
            error.add_note(
                f"chroma: {dropped} batch(es) ({rows} rows) queued behind the failed one "
                "were not sent; log them again."
            )
        raise error

    def submit(self, batch: Batch) -> None:
        if not self._thread.is_alive():
            raise RuntimeError("the run's sender thread has stopped")
        self._queue.put(batch)

    def wait(self) -> None:
        """Block until every submitted batch was sent (or dropped after a failure)."""
        self._queue.join()

    def stop(self) -> None:
        if self._thread.is_alive():
            self._queue.put(_STOP)
            self._thread.join()


def _note_rows(exc: BaseException, batch: Batch) -> None:
    last = batch.first_row + batch.rows - 1
    exc.add_note(
        f"chroma: the failed batch held rows {batch.first_row}..{last} of this run, "
        "counted from its first log() call; a row index in `where` counts from the "
        "batch's first row."
    )
