"""Background threads that send encoded batches, and ride out a server that goes away.

Two batches are in flight by default, so the server parses and commits one while the
next is on the wire (on two cores this is worth ~1.4x). Order still holds where it
matters: a batch whose keys overlap an earlier batch still in flight waits for it, so the
last value logged for a key is the one stored.

Memory stays flat: at most ``max_queued`` encoded batches wait in memory, and when the
server is slower than the user's loop ``submit`` blocks. When the server does not answer
at all (a restart), each batch in flight is retried with backoff for the policy's
patience, the batches beyond the memory bound go to the spool on disk (``_spool.py``) so
the loop goes on, and a log line says once that the server is away (and how many rows
wait) and once that it is back.

A failure stops the sending: the batches behind it are not sent but kept in the spool (the
failed one too, unless the server refused it as invalid), and the error, naming every
batch not stored and where it is kept, is handed to the caller on its next call; sending
resumes with what is submitted after that.
"""

from __future__ import annotations

import itertools
import logging
import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path

from chroma.core.errors import InvalidInput
from chroma.sdk._client import OnRetry
from chroma.sdk._errors import ChromaConnectionError, UnsentBatch
from chroma.sdk._spool import Spool

logger = logging.getLogger("chroma.sdk")


@dataclass(frozen=True)
class Batch:
    body: bytes
    rows: int
    first_row: int
    """Index, in the run's logging order, of the batch's first row (for error notes)."""
    keys: frozenset[str] = field(default_factory=frozenset)
    """The batch's keys: batches sharing a key are sent one after the other, in order."""
    file: Path | None = None
    """Where the body waits on disk once spooled (``body`` is then empty)."""

    def payload(self) -> bytes:
        return self.body if self.file is None else self.file.read_bytes()


Send = Callable[[bytes, OnRetry], None]
"""Sends one body, retrying transient failures (telling the callback of each)."""


class Sender:
    def __init__(
        self,
        send: Send,
        *,
        max_queued: int,
        max_in_flight: int = 2,
        spool: Spool | None = None,
        url: str = "the server",
        patience: float | None = None,
    ) -> None:
        self._send = send
        self._max_queued = max(1, max_queued)
        self._spool = spool
        self._url = url
        self._patience = patience
        self._numbering = itertools.count()
        self._submitting = threading.Lock()
        self._changed = threading.Condition(threading.Lock())
        self._queue: deque[tuple[int, Batch]] = deque()
        self._queued_in_memory = 0
        self._unfinished = 0
        self._rows_waiting = 0
        self._in_flight: dict[int, frozenset[str]] = {}
        self._error: BaseException | None = None
        self._failed_row: int | None = None
        self._unsent: list[UnsentBatch] = []
        self._away_since: float | None = None
        self._abandoned = False
        self._stopping = False
        self._threads = [
            threading.Thread(target=self._loop, name=f"chroma-sender-{i}", daemon=True)
            for i in range(max(1, max_in_flight))
        ]
        for thread in self._threads:
            thread.start()

    # ---- the caller's side -------------------------------------------------------------------

    def submit(self, batch: Batch) -> None:
        """Queue a batch. Blocks while ``max_queued`` batches wait in memory, unless the
        server is away and the spool has room: then the batch waits on disk."""
        if not all(thread.is_alive() for thread in self._threads):
            raise RuntimeError("the run's sender threads have stopped")
        with self._submitting:  # numbers and queue order agree
            with self._changed:
                number = next(self._numbering)
                self._unfinished += 1
                self._rows_waiting += batch.rows
            while True:
                with self._changed:
                    self._changed.wait_for(
                        lambda: (
                            self._queued_in_memory < self._max_queued
                            or self._may_spool(len(batch.body))
                        )
                    )
                    if self._queued_in_memory < self._max_queued:
                        self._queued_in_memory += 1
                        self._enqueue(number, batch)
                        return
                    spool = self._spool
                assert spool is not None
                try:
                    file = spool.write(batch.first_row, batch.rows, batch.body)
                except OSError as exc:
                    self._spool_failed(spool, exc)
                    continue
                with self._changed:
                    self._enqueue(number, replace(batch, body=b"", file=file))
                return

    def wait(self) -> None:
        """Block until every submitted batch was sent, or set aside after a failure."""
        with self._changed:
            self._changed.wait_for(lambda: self._unfinished == 0)

    def raise_error(self) -> None:
        """Re-raise (once) the failure of a background send, if there was one.

        Everything queued when the error is raised is set aside first (quickly: nothing is
        sent once a send failed), so the error is complete and the rule simple: the failed
        batch and all batches queued behind it were not sent; the notes (and, for a
        connection error, ``unsent`` and ``spool``) say which rows and where they are kept.
        """
        with self._changed:
            if self._error is None:
                return
        self.wait()
        with self._changed:
            error, self._error = self._error, None
            unsent, self._unsent = self._unsent, []
            failed_row, self._failed_row = self._failed_row, None
            self._away_since = None  # the next send finds out afresh
            spool = self._spool
            saved = any(item.file is not None for item in unsent)
            if spool is not None and saved:
                self._spool = spool.successor()  # the handed-over folder is never touched again
        if error is None:
            return
        folder = spool.hand_over() if spool is not None and saved else None
        _describe(error, unsent, failed_row, folder)
        raise error

    def abandon(self, reason: BaseException) -> None:
        """Stop waiting for the server (the user interrupted ``close``): what waits is set
        aside at once, kept in the spool, and notes on ``reason`` say what and where."""
        with self._changed:
            self._abandoned = True
            if self._error is None:
                self._error = ChromaConnectionError(
                    f"Interrupted before the server at {self._url} acknowledged every batch.",
                    where="url",
                )
        try:
            self.raise_error()
        except Exception as error:
            reason.add_note(f"chroma: {error}")
            for note in getattr(error, "__notes__", []):
                if "error.unsent" not in note:  # the user gets no such error here
                    reason.add_note(note)

    def stop(self) -> None:
        with self._changed:
            self._stopping = True
            self._changed.notify_all()
        for thread in self._threads:
            if thread.is_alive():
                thread.join()
        if self._spool is not None:
            self._spool.close()

    # ---- the sender threads ------------------------------------------------------------------

    def _loop(self) -> None:
        while True:
            with self._changed:
                self._changed.wait_for(lambda: bool(self._queue) or self._stopping)
                if not self._queue:
                    return
                number, batch = self._queue.popleft()
                if batch.file is None:
                    self._queued_in_memory -= 1
                # Taking a batch and registering it as in flight is one step, so a later
                # batch can never look for conflicts before an earlier one is registered.
                self._in_flight[number] = batch.keys
                self._changed.notify_all()
            try:
                self._send_in_order(number, batch)
            finally:
                with self._changed:
                    del self._in_flight[number]
                    self._unfinished -= 1
                    self._rows_waiting -= batch.rows
                    self._changed.notify_all()

    def _send_in_order(self, number: int, batch: Batch) -> None:
        with self._changed:
            self._changed.wait_for(
                lambda: all(
                    keys.isdisjoint(batch.keys)
                    for other, keys in self._in_flight.items()
                    if other < number
                )
            )
            failed = self._error is not None
        if failed:
            self._set_aside(batch, keep=True)
            return
        try:
            body = batch.payload()
        except FileNotFoundError:
            return  # chroma.resend_spool sent it meanwhile (it removes files once stored)
        started, retried = time.monotonic(), False

        def on_retry(failure: Exception) -> None:
            nonlocal retried
            retried = True
            if self._abandoned:  # raised through the client's retry loop: no more tries
                raise ChromaConnectionError(
                    f"Gave up waiting for the server at {self._url}: interrupted.", where="url"
                ) from failure
            self._server_away(failure)

        try:
            self._send(body, on_retry)
        except BaseException as exc:  # handed to the caller's thread, never lost
            _note_rows(exc, batch)
            with self._changed:
                if self._error is None:
                    self._error, self._failed_row = exc, batch.first_row
            # A batch the server refused as invalid would be refused again: not kept.
            self._set_aside(batch, keep=not isinstance(exc, InvalidInput))
            return
        if batch.file is not None:
            self._discard(batch.file)
        # An answer to a request sent before the outage was noticed says nothing new.
        self._server_back(batch.rows, None if retried else started)

    def _set_aside(self, batch: Batch, *, keep: bool) -> None:
        """A batch that will not be sent now: keep it in the spool when worth it, list it."""
        file, spool = batch.file, self._spool
        if not keep:
            if file is not None:
                self._discard(file)
            return
        if file is None and spool is not None:
            try:
                file = spool.write(batch.first_row, batch.rows, batch.body)
            except OSError as exc:
                self._spool_failed(spool, exc)
        with self._changed:
            self._unsent.append(UnsentBatch(batch.first_row, batch.rows, batch.keys, file))

    def _discard(self, file: Path) -> None:
        spool = self._spool
        if spool is not None:
            spool.remove(file)
        else:  # the spool failed since this file was written
            file.unlink(missing_ok=True)

    def _may_spool(self, size: int) -> bool:
        return (
            self._away_since is not None and self._spool is not None and self._spool.has_room(size)
        )

    def _spool_failed(self, spool: Spool, exc: OSError) -> None:
        """A full or read-only disk: go on without the spool (``log`` blocks instead)."""
        with self._changed:
            if self._spool is not spool:
                return
            self._spool = None
            self._changed.notify_all()
        logger.warning(
            "chroma: cannot write to the spool in %s (%s); batches wait in memory only",
            spool.root,
            exc,
        )

    # ---- telling the user --------------------------------------------------------------------

    def _server_away(self, failure: Exception) -> None:
        """From the client's retry hook: the first failure of an outage is said once."""
        with self._changed:
            if self._away_since is not None:
                return
            self._away_since = time.monotonic()
            rows = self._rows_waiting
            spool = self._spool
            self._changed.notify_all()  # a submit blocked on memory may spool now
        patience = "" if self._patience is None else f" for up to {self._patience:g} s"
        if spool is not None:
            meanwhile = f"batches beyond {self._max_queued} in memory are saved in {spool.root}"
        else:
            meanwhile = f"log() blocks once {self._max_queued} batches wait"
        logger.warning(
            "chroma: the server at %s does not answer (%s: %s); %d rows wait. Retrying%s; "
            "meanwhile %s.",
            self._url,
            type(failure).__name__,
            failure,
            rows,
            patience,
            meanwhile,
        )

    def _server_back(self, sent_rows: int, sent_at: float | None) -> None:
        with self._changed:
            if self._away_since is None or (sent_at is not None and sent_at < self._away_since):
                return
            away = time.monotonic() - self._away_since
            self._away_since = None
            rows = self._rows_waiting - sent_rows
        logger.warning(
            "chroma: the server at %s answers again after %.0f s; sending the %d rows that wait.",
            self._url,
            away,
            rows,
        )

    def _enqueue(self, number: int, batch: Batch) -> None:
        self._queue.append((number, batch))
        self._changed.notify_all()


def _note_rows(exc: BaseException, batch: Batch) -> None:
    last = batch.first_row + batch.rows - 1
    exc.add_note(
        f"chroma: the failed batch held rows {batch.first_row}..{last} of this run, "
        "counted from its first log() call; a row index in `where` counts from the "
        "batch's first row."
    )


def _describe(
    error: BaseException, unsent: list[UnsentBatch], failed_row: int | None, folder: Path | None
) -> None:
    """Notes on ``error`` (and its ``unsent``/``spool``) saying what was not stored, where."""
    unsent = sorted(unsent, key=lambda item: item.first_row)
    if isinstance(error, ChromaConnectionError):
        error.unsent = tuple(unsent)
        error.spool = folder
    behind = [item for item in unsent if item.first_row != failed_row]
    if behind and failed_row is not None:
        error.add_note(
            f"chroma: {len(behind)} batch(es) ({sum(item.rows for item in behind)} rows) "
            "queued behind the failed one were not sent."
        )
    saved = [item for item in unsent if item.file is not None]
    lost = [item for item in unsent if item.file is None]
    if saved:
        error.add_note(
            f"chroma: not stored, saved in {folder}: rows {_ranges(saved)} of this run "
            f"({len(saved)} file(s): the request bodies as sent). Once a server answers, "
            f"send them with chroma.resend_spool({str(folder)!r})."
        )
    if lost:
        error.add_note(
            f"chroma: not stored and not saved: rows {_ranges(lost)} of this run; log them again."
        )
    if unsent and isinstance(error, ChromaConnectionError):
        error.add_note("chroma: error.unsent lists each batch's rows, keys and file.")


def _ranges(batches: Sequence[UnsentBatch]) -> str:
    """``"0..9, 20..29"``: the batches' rows, adjacent batches merged."""
    spans: list[list[int]] = []
    for item in batches:
        last = item.first_row + item.rows - 1
        if spans and spans[-1][1] + 1 == item.first_row:
            spans[-1][1] = last
        else:
            spans.append([item.first_row, last])
    return ", ".join(f"{first}..{last}" for first, last in spans)
