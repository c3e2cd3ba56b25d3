"""The default runner: jobs run in child processes of the server, no broker needed.

A child process, not a thread, so a long projection (numba, BLAS) never holds the server's
GIL: the API answers while a map is computed. The job table is the queue: a dispatcher
thread polls it for due jobs (woken early by :meth:`submit`, and when the next waiting job
falls due), so jobs queued by another API process or left queued by a previous run are
picked up too. Each job slot has a pool of its own (one process, reused from job to job):
a child that dies (SIGKILL, out of memory) breaks only its pool, so only its job is
requeued or failed (at once), not the jobs running next to it, and a fresh pool takes the
slot.

Job processes are started, and have loaded the job code, before the first job comes
(``CHROMA_JOB_PREWARM``). Background kinds (the neighbour index) run in processes of lower
priority, so a map queued beside them gets the processor first.

Job processes die with the server, even a SIGKILLed one (``lifeline.py``); the job such a
server left "running" is found by the next server on the machine, once its process is seen
gone and two heartbeats are missed, and requeued or failed like any lost job.
"""

from __future__ import annotations

import logging
import multiprocessing
import os
import threading
from collections.abc import Callable
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from functools import partial
from typing import Any, TypeVar

from chroma.jobs.child import prepare, sigint_blocked
from chroma.jobs.context import heartbeat_seconds
from chroma.jobs.execute import execute_job, worker_gone
from chroma.services import jobs as job_service
from chroma.services.store import Store, open_store
from chroma.settings import Settings

T = TypeVar("T")

log = logging.getLogger("chroma.jobs")

POLL_SECONDS = 1.0
_child_store: Store | None = None


def _child_store_of(settings: Settings) -> Store:
    global _child_store
    if _child_store is None:
        _child_store = open_store(settings, migrate=False)
    return _child_store


def _run_in_child(settings: Settings, job_id: int) -> str | None:
    return execute_job(_child_store_of(settings), job_id)


def _warm_child(settings: Settings) -> None:
    """Run ahead of any job: this module's import loaded the job code; open the store."""
    _child_store_of(settings)


class InProcessRunner:
    def __init__(self, settings: Settings, store: Store) -> None:
        self.settings = settings
        self.store = store
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._lock = threading.Lock()
        self._running: dict[int, Future[str | None]] = {}
        self._pools: dict[int, ProcessPoolExecutor] = {}  # job id -> the pool running it
        # Pools whose process waits for a job, by priority (True: background).
        self._idle: dict[bool, list[ProcessPoolExecutor]] = {False: [], True: []}
        self._background: dict[int, bool] = {}  # job id -> whether its pool is background
        self._thread: threading.Thread | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="chroma-jobs", daemon=True)
        self._thread.start()

    def submit(self, job_id: int, *, delay_seconds: float = 0.0) -> None:
        self._wake.set()

    def child_pids(self) -> list[int]:
        """The job processes alive now (for operators and the kill test)."""
        with self._lock:
            pools = [*self._pools.values(), *self._idle[False], *self._idle[True]]
        return [p.pid for pool in pools for p in _processes(pool) if p.pid and p.is_alive()]

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=10)

    def _run(self) -> None:
        """The dispatcher thread, which starts every job process and ends them all before
        it returns: a job process dies with the thread that started it (``lifeline.py``)."""
        try:
            if self.settings.job_prewarm:
                try:
                    self._prewarm()
                except Exception:  # jobs still get processes, started as they come
                    log.exception("could not start the job processes ahead of the first job")
            self._loop()
        finally:
            self._end_processes()

    def _prewarm(self) -> None:
        # One process: the first map, what the user waits for, starts warm. A second would
        # cost as much at start-up (~2.4 CPU-seconds, beside a client that may be logging
        # already) and rarely serve: the index job after the map runs in a background
        # process of its own, which replaces an idle foreground one (_start).
        with self._lock:
            pool = self._new_pool(background=False)
            self._submit(pool, _warm_child, self.settings)
            self._idle[False].append(pool)

    def _end_processes(self) -> None:
        # Taken before the kill: the dying pool fails the futures, whose callbacks drop
        # the jobs from _running, so a later look would miss them and leave them running.
        with self._lock:
            interrupted = list(self._running)
            pools = [*self._pools.values(), *self._idle[False], *self._idle[True]]
            self._pools.clear()
            self._idle = {False: [], True: []}
        for pool in pools:
            for process in _processes(pool):
                process.kill()
        for pool in pools:
            pool.shutdown(wait=True, cancel_futures=True)
        for job_id in interrupted:
            job_service.worker_lost(self.store, job_id, None, "server stopped during the job")
        self._running.clear()

    @staticmethod
    def _submit(pool: ProcessPoolExecutor, call: Callable[..., T], *args: Any) -> Future[T]:
        """``pool.submit``, which spawns the pool's process on first use: with SIGINT kept
        from it until it ignores the signal (``child.sigint_blocked``)."""
        with sigint_blocked():
            return pool.submit(call, *args)

    def _new_pool(self, *, background: bool) -> ProcessPoolExecutor:
        return ProcessPoolExecutor(
            max_workers=1,
            mp_context=multiprocessing.get_context("spawn"),
            initializer=prepare,
            initargs=(self.settings, background, os.getpid()),
        )

    def _start(
        self, job_id: int, *, background: bool
    ) -> tuple[ProcessPoolExecutor, Future[str | None]]:
        """Hand the job to an idle pool of its priority, else a new one (under the lock).

        A slot's idle pool of the other priority makes way: its process ends, so the
        slots never hold more processes than ``job_workers``.
        """
        idle, other = self._idle[background], self._idle[not background]
        while idle:
            pool = idle.pop()
            try:
                return pool, self._submit(pool, _run_in_child, self.settings, job_id)
            except BrokenProcessPool:  # its process died while it waited for a job
                pool.shutdown(wait=False, cancel_futures=True)
        if other and len(self._running) + len(idle) + len(other) >= self.settings.job_workers:
            other.pop().shutdown(wait=False, cancel_futures=True)
        pool = self._new_pool(background=background)
        return pool, self._submit(pool, _run_in_child, self.settings, job_id)

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._reap_lost_jobs()
                self._dispatch_due()
                wait = self._until_next_due()
            except Exception:
                log.exception("job dispatcher")
                wait = POLL_SECONDS
            self._wake.wait(wait)
            self._wake.clear()

    def _reap_lost_jobs(self) -> None:
        """Requeue or fail jobs whose worker was lost: after the heartbeat timeout, or as
        soon as two beats are missed when the worker was a process of this machine that
        has ended (one that died with a server killed before this one started)."""
        timeout = self.settings.job_heartbeat_timeout
        for job_id, state in job_service.reap_lost_jobs(
            self.store,
            heartbeat_timeout=timeout,
            worker_gone=worker_gone,
            quiet_for=2 * heartbeat_seconds(timeout),
        ):
            log.warning("job %s lost its worker: now %s", job_id, state)

    def _until_next_due(self) -> float:
        with self.store.read() as session:
            due_in = job_service.seconds_until_next_due(session)
        # A small margin: woken a moment early, the job is not due yet and would wait a poll.
        return POLL_SECONDS if due_in is None else min(POLL_SECONDS, due_in + 0.01)

    def _dispatch_due(self) -> None:
        with self._lock:
            free = self.settings.job_workers - len(self._running)
            if free <= 0:
                return
            with self.store.read() as session:
                due = job_service.due_jobs(session, limit=free + len(self._running))
            for job_id, kind in [j for j in due if j[0] not in self._running][:free]:
                background = kind in job_service.BACKGROUND
                pool, future = self._start(job_id, background=background)
                self._running[job_id] = future
                self._pools[job_id] = pool
                self._background[job_id] = background
                future.add_done_callback(partial(self._done, job_id))

    def _done(self, job_id: int, future: Future[str | None]) -> None:
        with self._lock:
            self._running.pop(job_id, None)
            pool = self._pools.pop(job_id, None)
            background = self._background.pop(job_id, False)
        if self._stopping.is_set():
            if pool is not None:  # stop() may have looked before we took it
                pool.shutdown(wait=False, cancel_futures=True)
            return
        error = future.exception() if not future.cancelled() else None
        if isinstance(error, BrokenProcessPool):
            log.error("job %s: its process died", job_id)
            job_service.worker_lost(self.store, job_id, None, "the job's process died")
            if pool is not None:
                pool.shutdown(wait=False, cancel_futures=True)
            pool = None
        elif error is not None:
            log.error("job %s: %r", job_id, error)
            job_service.worker_lost(self.store, job_id, None, f"{type(error).__name__}: {error}")
        if pool is not None:
            with self._lock:
                self._idle[background].append(pool)
        self._wake.set()


def _processes(pool: ProcessPoolExecutor) -> list[multiprocessing.process.BaseProcess]:
    return list((getattr(pool, "_processes", None) or {}).values())
