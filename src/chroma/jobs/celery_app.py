"""Celery wiring: one task, ``chroma.run_job(job_id)``, that runs :func:`execute_job`.

Messages carry only a job id; the job table stays the truth. A message that arrives
before its job is due (a debounced job pushed back by more ingest) sends itself again for
the new time. Workers are started with ``chroma worker`` (solo pool: the job runs in the
worker process itself, so killing the worker kills the job, and the reaper requeues it).
"""

from __future__ import annotations

from typing import Any

from celery import Celery

from chroma.jobs.execute import execute_job
from chroma.services import jobs as job_service
from chroma.services.store import Store, open_store
from chroma.settings import Settings

TASK_NAME = "chroma.run_job"
QUEUE = "chroma"


def make_celery(settings: Settings) -> Celery:
    if not settings.broker_url:
        raise ValueError("the celery job backend needs CHROMA_BROKER_URL (e.g. redis://...)")
    app = Celery("chroma", broker=settings.broker_url, set_as_current=False)
    app.conf.update(
        task_default_queue=QUEUE,
        task_acks_late=False,  # the reaper, not redelivery, recovers a lost job
        worker_prefetch_multiplier=1,
        worker_hijack_root_logger=False,
        broker_connection_retry_on_startup=True,
        task_ignore_result=True,
    )
    state: dict[str, Any] = {}

    def store() -> Store:
        if "store" not in state:
            state["store"] = open_store(settings, migrate=False)
        return state["store"]  # type: ignore[no-any-return]

    def dispatch(job_id: int, countdown: float = 0.0) -> None:
        app.send_task(TASK_NAME, args=[job_id], countdown=countdown or None)

    @app.task(name=TASK_NAME)  # type: ignore[untyped-decorator]
    def run_job(job_id: int) -> str | None:
        outcome = execute_job(store(), job_id, dispatch=dispatch)
        if outcome is None:
            _send_again_if_postponed(store(), job_id, dispatch)
        return outcome

    return app


def _send_again_if_postponed(store: Store, job_id: int, dispatch: Any) -> None:
    """The job could not be claimed: if it is still queued, it was not due yet (pushed
    back, or the message came a moment early), so send the message again for its time.

    Even when it is due by now: the claim a few milliseconds ago saw it not due, and this
    message is the only one (dropping it would leave the job queued until the server's
    resend of overdue jobs, a minute later).
    """
    with store.read() as session:
        wait = job_service.seconds_until_due(session, job_id)
    if wait is not None:
        dispatch(job_id, wait + 0.05)
