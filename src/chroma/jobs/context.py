"""What a running job sees: progress reporting that doubles as the cancel check, and a
heartbeat thread that tells the reaper this process is alive."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import Any

from chroma.services import jobs as job_service
from chroma.services.store import Session, Store

HEARTBEAT_SECONDS = 5.0
"""Beat at least this often; more often when the heartbeat timeout is short (a quarter of
it), so that a live job that reports no progress is never taken for lost."""

PROGRESS_EVERY_SECONDS = 0.5  # progress writes are transactions: at most two a second


def heartbeat_seconds(heartbeat_timeout: float) -> float:
    """How often a running job beats, for a given ``job_heartbeat_timeout``."""
    return min(HEARTBEAT_SECONDS, heartbeat_timeout / 4)


class JobCancelled(Exception):
    """Raised inside a job when a cancel was requested (or the job was taken from us)."""


@dataclass
class JobContext:
    store: Store
    job_id: int
    attempt: int
    committed: bool = False
    followups: list[int] = field(default_factory=list)
    """Jobs this job queued (in its commit), for the runner to dispatch after it."""
    _last_write: float = 0.0
    _stop: threading.Event = field(default_factory=threading.Event)

    @contextmanager
    def commit(self, result: dict[str, Any] | None = None) -> Iterator[Session]:
        """The one transaction that writes the job's result and marks it succeeded.

        Raises :class:`JobCancelled` (and writes nothing) when a cancel was requested or
        the job was given to another worker meanwhile: a job's result lands whole or not
        at all.
        """
        with self.store.write() as session:
            if not job_service.still_owned(session, self.job_id, self.attempt):
                raise JobCancelled(f"job {self.job_id} is no longer ours")
            if job_service.cancel_requested(session, self.job_id):
                raise JobCancelled(f"job {self.job_id} was cancelled")
            yield session
            job_service.finish(session, self.job_id, self.attempt, result)
        self.committed = True

    def progress(self, fraction: float, message: str | None = None) -> None:
        """Report progress; raises :class:`JobCancelled` when the job should stop.

        Writes are throttled, so calling this in a tight loop is cheap.
        """
        now = time.monotonic()
        if now - self._last_write < PROGRESS_EVERY_SECONDS and fraction < 1.0:
            return
        self._last_write = now
        if not job_service.report_progress(
            self.store, self.job_id, self.attempt, fraction, message
        ):
            raise JobCancelled(f"job {self.job_id} was cancelled")

    def part(self, start: float, stop: float) -> _Part:
        """Progress of a sub-step, mapped onto ``[start, stop]`` of the whole job."""
        return _Part(self, start, stop)

    def start_heartbeat(self) -> None:
        every = heartbeat_seconds(self.store.settings.job_heartbeat_timeout)

        def beat() -> None:
            while not self._stop.wait(every):
                try:
                    job_service.heartbeat(self.store, self.job_id, self.attempt)
                except Exception:  # a missed beat is retried; the job goes on
                    continue

        threading.Thread(target=beat, name=f"job-{self.job_id}-heartbeat", daemon=True).start()

    def stop_heartbeat(self) -> None:
        self._stop.set()


@dataclass
class _Part:
    context: JobContext
    start: float
    stop: float

    def __call__(self, fraction: float, message: str | None = None) -> None:
        self.context.progress(self.start + (self.stop - self.start) * fraction, message)
