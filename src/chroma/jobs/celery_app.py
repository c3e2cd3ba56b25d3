"""Celery wiring: one task, ``chroma.run_job(job_id)``, that runs :func:`execute_job`.

Messages carry only a job id; the job table stays the truth. A message that arrives
before its job is due (a debounced job pushed back by more ingest) sends itself again for
the new time. Workers are started with ``chroma worker`` (solo pool: the job runs in the
worker process itself, so killing the worker kills the job, and the reaper requeues it).

The reaper (:func:`reap_and_resend`) runs in every API server of the Celery backend
(``CeleryRunner``, every 2 s) and in every worker (every 5 s, a thread beside the job), so a
lost worker's job is found while any of them lives: with workers only, or while the API
servers restart.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable
from typing import Any

from celery import Celery, bootsteps

from chroma.jobs.execute import execute_job
from chroma.services import jobs as job_service
from chroma.services.store import Store, open_store
from chroma.settings import Settings

log = logging.getLogger("chroma.jobs")

TASK_NAME = "chroma.run_job"
QUEUE = "chroma"
WORKER_REAP_SECONDS = 5.0
"""How often each worker looks for lost jobs: within the 30 s a lost job may take to be
found (``job_heartbeat_timeout``, 20 s, plus this), without every worker of a large
deployment querying every 2 s as the servers do."""


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
    opening = threading.Lock()  # the task and the reaper thread may both be first

    def store() -> Store:
        with opening:
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

    class Reaper(bootsteps.StartStopStep):  # type: ignore[misc]
        """A worker's reaper thread, started before the worker consumes its first message
        (only a worker runs its blueprint: in an API server this class is never used)."""

        requires = ("celery.worker.components:Pool",)

        def __init__(self, parent: Any, **options: Any) -> None:
            super().__init__(parent, **options)
            self.stopping = threading.Event()

        def start(self, parent: Any) -> None:
            def reap() -> None:
                while not self.stopping.wait(WORKER_REAP_SECONDS):
                    try:
                        reap_and_resend(store(), settings, dispatch)
                    except Exception:  # the database is away: the next round retries
                        log.exception("job reaper")

            threading.Thread(target=reap, name="chroma-reaper", daemon=True).start()

        def stop(self, parent: Any) -> None:
            self.stopping.set()

        terminate = stop  # a worker's hard shutdown calls this one instead

    app.steps["worker"].add(Reaper)
    return app


def reap_and_resend(store: Store, settings: Settings, send: Callable[[int], None]) -> None:
    """Requeue (and send again) or fail the jobs whose worker stopped beating.

    Several reapers at once (servers, workers) are harmless: each job's requeue is one
    conditional UPDATE, so one of them wins it and sends its one message.
    """
    lost = job_service.reap_lost_jobs(store, heartbeat_timeout=settings.job_heartbeat_timeout)
    for job_id, state in lost:
        log.warning("job %s lost its worker: now %s", job_id, state)
        if state == job_service.QUEUED:
            send(job_id)


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
