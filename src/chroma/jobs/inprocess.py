"""The default runner: jobs run in child processes of the server, no broker needed.

A child process, not a thread, so a long projection (numba, BLAS) never holds the server's
GIL: the API answers while a map is computed. The job table is the queue: a dispatcher
thread polls it for due jobs (woken early by :meth:`submit`), so jobs queued by another API
process or left queued by a previous run are picked up too. A child that dies (SIGKILL,
out of memory) breaks the pool: its job is requeued or failed at once and a fresh pool
takes over.
"""

from __future__ import annotations

import logging
import multiprocessing
import threading
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial

from chroma.db.store import Store, open_store
from chroma.jobs.execute import execute_job
from chroma.services import jobs as job_service
from chroma.settings import Settings

log = logging.getLogger("chroma.jobs")

POLL_SECONDS = 1.0
_child_store: Store | None = None


def _run_in_child(settings: Settings, job_id: int) -> str | None:
    global _child_store
    if _child_store is None:
        _child_store = open_store(settings, migrate=False)
    return execute_job(_child_store, job_id)


class InProcessRunner:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[int, Future[str | None]] = {}
        self._pool: ProcessPoolExecutor | None = None
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="chroma-jobs", daemon=True)
        self._thread.start()

    def submit(self, job_id: int, *, delay_seconds: float = 0.0) -> None:
        self._wake.set()

    def child_pids(self) -> list[int]:
        """The job processes alive now (for operators and the kill test)."""
        pool = self._pool
        processes = getattr(pool, "_processes", None) or {}
        return [p.pid for p in processes.values() if p.is_alive()]

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
        # Taken before the kill: the dying pool fails the futures, whose callbacks drop
        # the jobs from _running, so a later look would miss them and leave them running.
        with self._lock:
            interrupted = list(self._running)
        pool, self._pool = self._pool, None
        if pool is not None:
            for process in list((getattr(pool, "_processes", None) or {}).values()):
                process.kill()
            pool.shutdown(wait=True, cancel_futures=True)
        for job_id in interrupted:
            job_service.worker_lost(self.store, job_id, None, "server stopped during the job")
        self._running.clear()

    def _ensure_pool(self) -> ProcessPoolExecutor:
        if self._pool is None:
            self._pool = ProcessPoolExecutor(
                max_workers=self.settings.job_workers,
                mp_context=multiprocessing.get_context("spawn"),
            )
        return self._pool

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                job_service.reap_lost_jobs(
                    self.store, heartbeat_timeout=self.settings.job_heartbeat_timeout
                )
                self._dispatch_due()
            except Exception:
                log.exception("job dispatcher")
            self._wake.wait(POLL_SECONDS)
            self._wake.clear()

    def _dispatch_due(self) -> None:
        with self._lock:
            free = self.settings.job_workers - len(self._running)
            if free <= 0:
                return
            with self.store.read() as session:
                due = job_service.due_job_ids(session, limit=free + len(self._running))
            for job_id in [j for j in due if j not in self._running][:free]:
                future = self._ensure_pool().submit(_run_in_child, self.settings, job_id)
                self._running[job_id] = future
                future.add_done_callback(partial(self._done, job_id))

    def _done(self, job_id: int, future: Future[str | None]) -> None:
        with self._lock:
            self._running.pop(job_id, None)
        if self._stopping.is_set():
            return
        error = future.exception() if not future.cancelled() else None
        if isinstance(error, BrokenProcessPool):
            log.error("job %s: its process died", job_id)
            job_service.worker_lost(self.store, job_id, None, "the job's process died")
            with self._lock:
                broken, self._pool = self._pool, None
            if broken is not None:
                broken.shutdown(wait=False, cancel_futures=True)
        elif error is not None:
            log.error("job %s: %r", job_id, error)
            job_service.worker_lost(self.store, job_id, None, f"{type(error).__name__}: {error}")
        self._wake.set()
