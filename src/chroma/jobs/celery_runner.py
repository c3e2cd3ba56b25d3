"""The Celery backend, seen from the API server: send job ids, watch for lost workers.

A worker process that dies (SIGKILL, a lost machine) stops its job's heartbeat; the
server's watcher thread (and every live worker's, ``celery_app``) requeues such jobs (or
fails them after ``max_attempts``) and sends them again. Queued jobs past due by
``job_resend_after`` (a send lost while the broker was down) are sent again too: a
duplicate message is harmless, since only one claim of a job can succeed.
"""

from __future__ import annotations

import logging
import threading
import time

from chroma.jobs.celery_app import TASK_NAME, make_celery, reap_and_resend
from chroma.services import jobs as job_service
from chroma.services.store import Store
from chroma.settings import Settings

log = logging.getLogger("chroma.jobs")

WATCH_SECONDS = 2.0


class CeleryRunner:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self.app = make_celery(settings)
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None
        self._resent: dict[int, float] = {}

    def start(self) -> None:
        self._thread = threading.Thread(target=self._watch, name="chroma-jobs", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def submit(self, job_id: int, *, delay_seconds: float = 0.0) -> None:
        self.app.send_task(TASK_NAME, args=[job_id], countdown=delay_seconds or None)

    def _watch(self) -> None:
        while not self._stopping.wait(WATCH_SECONDS):
            try:
                reap_and_resend(self.store, self.settings, self.submit)
                self._resend_overdue()
            except Exception:
                log.exception("job watcher")

    def _resend_overdue(self) -> None:
        every = self.settings.job_resend_after
        with self.store.read() as session:
            overdue = job_service.due_job_ids(session, overdue_by=every, limit=100)
        now = time.monotonic()
        for job_id in overdue:
            if now - self._resent.get(job_id, -every) >= every:
                self._resent[job_id] = now
                self.submit(job_id)
