"""One runner interface, two backends: in-process (default) and Celery."""

from __future__ import annotations

from typing import Protocol

from chroma.db.store import Store
from chroma.settings import Settings


class JobRunner(Protocol):
    """Delivers queued jobs (by id) to something that runs :func:`execute_job`."""

    def start(self) -> None: ...

    def stop(self) -> None: ...

    def submit(self, job_id: int, *, delay_seconds: float = 0.0) -> None:
        """A job was queued (its row committed): get it run once it is due."""


def make_runner(settings: Settings, store: Store) -> JobRunner:
    if settings.job_backend == "celery":
        from chroma.jobs.celery_runner import CeleryRunner

        return CeleryRunner(settings, store)
    from chroma.jobs.inprocess import InProcessRunner

    return InProcessRunner(settings, store)
