"""Helpers for the job tests: queue jobs, poll the job table with deadlines, run workers.

The job table is the truth, so the tests watch it (never the runner's internals), polling
often with a deadline instead of sleeping for a fixed time.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from typing import Any

import psutil
from sqlalchemy import select

from chroma.db.models import Job, utcnow
from chroma.db.store import Store
from chroma.jobs.runner import JobRunner
from chroma.server.state import state_of
from chroma.services import jobs as job_service
from chroma.services.jobs import JobRecord
from live_server import LiveServer

POLL_SECONDS = 0.05
HOST = socket.gethostname()


def queue_wait(
    store: Store,
    seconds: float,
    *,
    fail: str | None = None,
    max_attempts: int = 2,
    allocate_mib: int = 0,
) -> int:
    """Queue a ``system.wait`` job (it waits, reporting progress; or fails with ``fail``;
    holding ``allocate_mib`` of memory meanwhile)."""
    params: dict[str, Any] = {"seconds": seconds}
    if fail is not None:
        params["fail"] = fail
    if allocate_mib:
        params["allocate_mib"] = allocate_mib
    with store.write() as session:
        job = job_service.create_job(
            session, "system.wait", project_id=None, params=params, max_attempts=max_attempts
        )
        return job.id


def insert_running(
    store: Store,
    *,
    worker: str,
    heartbeat_age: float,
    seconds: float = 0.5,
    attempts: int = 1,
    max_attempts: int = 2,
) -> int:
    """A ``system.wait`` row marked running by ``worker``, last heartbeat ``heartbeat_age``
    seconds ago: what a worker that died (or one that is alive elsewhere) leaves behind."""
    beat = utcnow() - timedelta(seconds=heartbeat_age)
    with store.write() as session:
        job = Job(
            kind="system.wait",
            project_id=None,
            target={},
            params={"seconds": seconds},
            state=job_service.RUNNING,
            progress=0.25,
            worker=worker,
            attempts=attempts,
            max_attempts=max_attempts,
            started_at=beat,
            heartbeat_at=beat,
        )
        session.add(job)
        session.flush()
        return job.id


def read_job(store: Store, job_id: int) -> JobRecord:
    with store.read() as session:
        return job_service.get_job(session, job_id)


def jobs_of_kind(store: Store, kind: str) -> list[JobRecord]:
    with store.read() as session:
        rows = session.scalars(select(Job).where(Job.kind == kind).order_by(Job.id))
        return [JobRecord.of(row) for row in rows]


def wait_for(
    store: Store,
    job_id: int,
    until: Callable[[JobRecord], bool],
    *,
    timeout: float,
    what: str,
    seen: list[JobRecord] | None = None,
) -> JobRecord:
    """Poll the job until ``until(record)``; fail after ``timeout`` s with the last record.

    Every record read is appended to ``seen`` (to check what happened on the way)."""
    deadline = time.monotonic() + timeout
    while True:
        record = read_job(store, job_id)
        if seen is not None:
            seen.append(record)
        if until(record):
            return record
        if time.monotonic() > deadline:
            raise AssertionError(f"job {job_id}: not {what} after {timeout} s; now {record}")
        time.sleep(POLL_SECONDS)


def wait_finished(store: Store, job_id: int, *, timeout: float) -> JobRecord:
    return wait_for(store, job_id, lambda j: j.finished, timeout=timeout, what="finished")


def wait_progressing(store: Store, job_id: int, *, timeout: float) -> JobRecord:
    """Until the job runs and its handler has reported progress (it is mid-job)."""
    return wait_for(
        store,
        job_id,
        lambda j: j.state == job_service.RUNNING and j.progress > 0,
        timeout=timeout,
        what="running with progress",
    )


@dataclass
class JobServer:
    """A live API server (create_app) and the store it uses."""

    live: LiveServer
    store: Store

    @property
    def url(self) -> str:
        return self.live.url

    @property
    def runner(self) -> JobRunner:
        return state_of(self.live.server.config.app).runner

    def queue_wait(self, seconds: float, **options: Any) -> int:
        """Queue a ``system.wait`` job and hand it to the runner, as the API does."""
        job_id = queue_wait(self.store, seconds, **options)
        self.runner.submit(job_id)
        return job_id


StartServer = Callable[..., JobServer]
"""The ``start_server`` fixture: ``start_server(**settings_fields) -> JobServer``."""


class Worker:
    """A real ``chroma worker`` subprocess (Celery, solo pool); killed when the block ends."""

    def __init__(
        self,
        *,
        name: str,
        broker_url: str,
        data_dir: Path,
        database_url: str,
        log_path: Path,
        env: dict[str, str] | None = None,
    ) -> None:
        self.name = name
        self.log_path = log_path
        command = [
            sys.executable,
            "-m",
            "chroma",
            "worker",
            "--broker-url",
            broker_url,
            "--database-url",
            database_url,
            "--data-dir",
            str(data_dir),
            "--name",
            f"{name}@%h",
        ]
        clean = {k: v for k, v in os.environ.items() if not k.startswith("CHROMA_")}
        self._log = log_path.open("wb")
        self.process = subprocess.Popen(
            command,
            stdout=self._log,
            stderr=subprocess.STDOUT,
            env={**clean, **(env or {})},
        )

    @property
    def pid(self) -> int:
        return self.process.pid

    @property
    def worker_column(self) -> str:
        """What the job table's ``worker`` column says for a job run by this worker."""
        return f"{HOST}:{self.pid}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def wait_ready(self, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while f"{self.name}@{HOST} ready." not in self.log():
            if self.process.poll() is not None:
                raise AssertionError(f"worker {self.name} exited:\n{self.log()}")
            if time.monotonic() > deadline:
                raise AssertionError(f"worker {self.name} not ready in {timeout} s:\n{self.log()}")
            time.sleep(POLL_SECONDS)

    def kill(self) -> None:
        """SIGKILL (no chance to clean up, like a lost machine) and reap the process."""
        if self.process.poll() is None:
            os.kill(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)
        self._log.close()

    def __enter__(self) -> Worker:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.kill()
        if exc_type is not None:  # shown by pytest with the failure
            print(f"--- log of worker {self.name} (pid {self.pid}) ---\n{self.log()}")


def process_gone(pid: int) -> bool:
    """The process has ended: no such pid, or a zombie (an orphan's parent is init, which
    in a container may never reap it)."""
    try:
        return psutil.Process(pid).status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True
