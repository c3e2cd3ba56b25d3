"""One runner interface, two backends: in-process (default) and Celery; one way in."""

from __future__ import annotations

import logging
from typing import Protocol

from chroma.services.store import Store
from chroma.settings import Settings

log = logging.getLogger("chroma.jobs")


class JobRunner(Protocol):
    """Delivers queued jobs (by id) to something that runs :func:`execute_job`."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def submit(self, job_id: int, *, delay_seconds: float = 0.0) -> None:
        """A job was queued (its row committed): get it run once it is due."""


def hand_over(runner: JobRunner | None, job_id: int, *, delay_seconds: float = 0.0) -> None:
    """Tell the runner about a job whose row has committed; never fails the caller.

    The job table, not this message, is the truth: the in-process runner polls it, and the
    Celery runner sends again every job left queued past its time, so a job whose hand-over
    failed (its broker down) still runs, later. A request that committed its work (an
    ingest batch, a queued map) is therefore acknowledged whatever the broker does.
    """
    if runner is None:
        return
    try:
        runner.submit(job_id, delay_seconds=delay_seconds)
    except Exception:
        log.warning("job %s: could not hand it to the runner now", job_id, exc_info=True)


def make_runner(settings: Settings, store: Store) -> JobRunner:
    if settings.job_backend == "celery":
        from chroma.jobs.celery_runner import CeleryRunner

        return CeleryRunner(settings, store)
    from chroma.jobs.inprocess import InProcessRunner

    return InProcessRunner(settings, store)
