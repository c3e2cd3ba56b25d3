"""Background threads that send encoded batches through a bounded queue.

Two batches are in flight by default, so the server parses and commits one while the
next is on the wire (on two cores this is worth ~1.4x). Order still holds where it
matters: a batch whose keys overlap an earlier batch still in flight waits for it, so the
last value logged for a key is the one stored.

The queue bound keeps memory flat: when the server is slower than the user's loop,
``submit`` blocks. A failure stops the sending: the batches queued behind it are dropped
(and counted in a note on the error), and the error is handed to the caller on its next
call; sending resumes with what is submitted after that.
"""

from __future__ import annotations

import itertools
import queue
import threading
from collections.abc import Callable
from dataclasses import dataclass, field


@dataclass(frozen=True)
class Batch:
    body: bytes
    rows: int
    first_row: int
    """Index, in the run's logging order, of the batch's first row (for error notes)."""
    keys: frozenset[str] = field(default_factory=frozenset)
    """The batch's keys: batches sharing a key are sent one after the other, in order."""


_STOP = object()


class Sender:
    def __init__(
        self, send: Callable[[Batch], None], max_queued: int, max_in_flight: int = 2
    ) -> None:
        self._send = send
        self._queue: queue.Queue[tuple[int, Batch] | object] = queue.Queue(
            maxsize=max(1, max_queued)
        )
        self._numbering = itertools.count()
        self._take = threading.Lock()
        self._lock = threading.Lock()
        self._done = threading.Condition(self._lock)
        self._in_flight: dict[int, frozenset[str]] = {}
        self._error: BaseException | None = None
        self._dropped_batches = 0
        self._dropped_rows = 0
        self._threads = [
            threading.Thread(target=self._loop, name=f"chroma-sender-{i}", daemon=True)
            for i in range(max(1, max_in_flight))
        ]
        for thread in self._threads:
            thread.start()

    def _loop(self) -> None:
        while True:
            # Taking a batch and registering it as in flight is one step, so a later batch
            # can never look for conflicts before an earlier one is registered.
            with self._take:
                item = self._queue.get()
                if isinstance(item, tuple):
                    with self._lock:
                        self._in_flight[item[0]] = item[1].keys
            try:
                if item is _STOP:
                    return
                assert isinstance(item, tuple)
                self._send_in_order(*item)
            finally:
                self._queue.task_done()

    def _send_in_order(self, number: int, batch: Batch) -> None:
        with self._lock:
            self._done.wait_for(
                lambda: all(
                    keys.isdisjoint(batch.keys)
                    for other, keys in self._in_flight.items()
                    if other < number
                )
            )
            if self._error is not None:
                self._dropped_batches += 1
                self._dropped_rows += batch.rows
                del self._in_flight[number]
                self._done.notify_all()
                return
        try:
            self._send(batch)
        except BaseException as exc:  # handed to the caller's thread, never lost
            _note_rows(exc, batch)
            with self._lock:
                if self._error is None:
                    self._error = exc
                else:
                    self._dropped_batches += 1
                    self._dropped_rows += batch.rows
        finally:
            with self._lock:
                del self._in_flight[number]
                self._done.notify_all()

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
        if not all(thread.is_alive() for thread in self._threads):
            raise RuntimeError("the run's sender threads have stopped")
        self._queue.put((next(self._numbering), batch))

    def wait(self) -> None:
        """Block until every submitted batch was sent (or dropped after a failure)."""
        self._queue.join()

    def stop(self) -> None:
        for _ in self._threads:
            self._queue.put(_STOP)
        for thread in self._threads:
            if thread.is_alive():
                thread.join()


def _note_rows(exc: BaseException, batch: Batch) -> None:
    last = batch.first_row + batch.rows - 1
    exc.add_note(
        f"chroma: the failed batch held rows {batch.first_row}..{last} of this run, "
        "counted from its first log() call; a row index in `where` counts from the "
        "batch's first row."
    )
