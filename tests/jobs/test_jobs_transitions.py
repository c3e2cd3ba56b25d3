"""Job transitions are single conditional UPDATEs: two sessions racing on one job cannot
both win (``chroma.services.jobs``).

Each race holds one transaction open on the job (the job's own commit that marks it
succeeded, or a claim) while a second session (another thread, as the reaper or a cancel
from the API would) changes the same job. On PostgreSQL the test waits until the second
session is blocked on the first one's row lock before committing the first: a read-then-
write transition would have read the old state by then and overwrite the new one. SQLite
serialises write transactions (``BEGIN IMMEDIATE``), so there the second simply runs after.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any, TypeVar

import pytest
from job_helpers import queue_wait, read_job
from sqlalchemy import text

from chroma.core.errors import Conflict
from chroma.db.store import Store
from chroma.services import jobs as job_service
from chroma.services.jobs import CANCELLED, QUEUED, RUNNING, SUCCEEDED, JobKind
from waiting import wait_until

T = TypeVar("T")
BLOCKED = """
SELECT count(*) FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid
WHERE NOT l.granted AND a.datname = current_database()
"""


def _blocked_sessions(store: Store) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(text(BLOCKED)).scalar_one())


@contextmanager
def racing(store: Store, second: Callable[[], T]) -> Iterator[Future[T]]:
    """Run ``second`` in another thread while the caller's open transaction holds the job;
    wait (PostgreSQL) until it is blocked on that transaction. The caller commits by
    leaving its own ``with store.write()`` block, then reads the future."""
    started = threading.Event()

    def run() -> T:
        started.set()
        return second()

    with ThreadPoolExecutor(max_workers=1) as pool:
        future = pool.submit(run)
        started.wait(timeout=10)
        if not store.is_sqlite:
            wait_until(
                lambda: _blocked_sessions(store) >= 1,
                timeout=10,
                what="the second session waiting for the first one's lock",
            )
        yield future


def _running_job(store: Store) -> tuple[int, int]:
    job_id = queue_wait(store, 1.0)
    attempt = job_service.claim(store, job_id, "worker-1")
    assert attempt == 1
    return job_id, attempt


def test_a_job_that_succeeds_while_declared_lost_stays_succeeded(store: Store) -> None:
    job_id, attempt = _running_job(store)
    lost: Future[Any]
    with store.write() as session:  # the job's commit: its result and "succeeded"
        assert job_service.finish(session, job_id, attempt, {"done": True})
        with racing(store, lambda: job_service.worker_lost(store, job_id, attempt, "lost")) as lost:
            session.commit()
    assert lost.result(timeout=10) is None  # nothing to do: the job was no longer running
    job = read_job(store, job_id)
    assert (job.state, job.result, job.attempts) == (SUCCEEDED, {"done": True}, 1)
    assert job.message == "done"


def test_a_cancel_that_meets_a_finishing_job_is_a_conflict(store: Store) -> None:
    job_id, attempt = _running_job(store)
    with store.write() as session:
        assert job_service.finish(session, job_id, attempt, None)
        with racing(store, lambda: job_service.cancel_job(store, job_id)) as cancel:
            session.commit()
    with pytest.raises(Conflict, match="already succeeded"):
        cancel.result(timeout=10)
    job = read_job(store, job_id)
    assert (job.state, job.cancel_requested) == (SUCCEEDED, False)


def test_a_cancel_that_meets_a_claim_asks_the_running_job_to_stop(store: Store) -> None:
    job_id = queue_wait(store, 1.0)
    with store.write() as session:  # a worker's claim, not yet committed
        session.execute(
            text("UPDATE job SET state = 'running', attempts = 1 WHERE id = :id"), {"id": job_id}
        )
        with racing(store, lambda: job_service.cancel_job(store, job_id)) as cancel:
            session.commit()
    answered = cancel.result(timeout=10)
    job = read_job(store, job_id)
    # Not "cancelled" under a worker that runs it: the running job is asked to stop.
    assert (answered.state, answered.cancel_requested) == (RUNNING, True)
    assert (job.state, job.cancel_requested, job.finished_at) == (RUNNING, True, None)


def test_worker_lost_requeues_then_fails_and_honours_a_cancel(store: Store) -> None:
    job_id, attempt = _running_job(store)
    assert job_service.worker_lost(store, job_id, attempt, "gone") == QUEUED
    job = read_job(store, job_id)
    assert (job.worker, job.message) == (None, "requeued after attempt 1: gone")
    assert job_service.worker_lost(store, job_id, attempt, "gone again") is None  # not running

    attempt = job_service.claim(store, job_id, "worker-2")
    assert attempt == 2
    assert job_service.worker_lost(store, job_id, 1, "an old attempt") is None
    assert job_service.worker_lost(store, job_id, attempt, "gone") == "failed"
    job = read_job(store, job_id)
    assert job.error == "gone (attempt 2 of 2)"
    assert job.finished_at is not None

    other, attempt = _running_job(store)
    job_service.cancel_job(store, other)
    assert job_service.worker_lost(store, other, attempt, "gone") == CANCELLED
    assert read_job(store, other).error is None


def test_cancel_for_target_cancels_only_that_targets_jobs(store: Store) -> None:
    with store.write() as session:
        mine = job_service.create_job(
            session, JobKind.PROJECTION_COMPUTE, project_id=None, target={"projection_id": 7}
        ).id
        placing = job_service.create_job(
            session, JobKind.PROJECTION_PLACE, project_id=None, target={"projection_id": 7}
        ).id
        other_map = job_service.create_job(
            session, JobKind.PROJECTION_COMPUTE, project_id=None, target={"projection_id": 70}
        ).id
        other_kind = job_service.create_job(
            session, JobKind.ANALYSIS_COMPUTE, project_id=None, target={"analysis_id": 7}
        ).id
    running = job_service.claim(store, placing, "worker-1")
    assert running is not None
    with store.write() as session:
        kinds = (JobKind.PROJECTION_COMPUTE, JobKind.PROJECTION_PLACE)
        assert job_service.cancel_for_target(session, kinds, "projection_id", 7) == 2
    assert read_job(store, mine).state == CANCELLED
    assert (read_job(store, placing).state, read_job(store, placing).cancel_requested) == (
        RUNNING,
        True,
    )
    assert read_job(store, other_map).state == QUEUED
    assert read_job(store, other_kind).state == QUEUED


def test_every_job_kind_has_a_handler() -> None:
    from chroma.jobs.handlers import HANDLERS

    assert set(HANDLERS) == set(JobKind)
