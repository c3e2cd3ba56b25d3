"""The Celery backend end to end: a server with ``job_backend="celery"`` sends job ids
through a real broker (Redis, RabbitMQ) to real ``chroma worker`` processes.

Workers are started per test on the test's database and killed (SIGKILL) when it ends.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import chroma
from chroma.services import jobs as job_service
from chroma.services.jobs import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED, JobRecord
from chroma.settings import Settings
from job_helpers import (
    StartServer,
    Worker,
    jobs_of_kind,
    read_job,
    wait_finished,
    wait_for,
    wait_progressing,
)

START = 30.0
HEARTBEAT_TIMEOUT = 2.0


def start_worker(name: str, settings: Settings, broker: str, tmp_path: Path) -> Worker:
    """A ``chroma worker`` on the test's database; its heartbeat timeout matches the
    server's (a worker beats at a quarter of its own setting)."""
    return Worker(
        name=name,
        broker_url=broker,
        data_dir=settings.data_dir,
        database_url=settings.resolved_database_url,
        log_path=tmp_path / f"{name}.log",
        env={"CHROMA_JOB_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT)},
    )


BROKERS_AND_DIALECTS = pytest.mark.parametrize(
    ("broker", "dialect"),
    [("redis", "sqlite"), ("redis", "postgresql"), ("rabbitmq", "postgresql")],
    indirect=["broker"],
)


@BROKERS_AND_DIALECTS
def test_jobs_run_on_a_worker_and_cancel_through_celery(
    start_server: StartServer, settings: Settings, broker: str, tmp_path: Path
) -> None:
    with start_worker("w1", settings, broker, tmp_path) as worker:
        server = start_server(
            job_backend="celery", broker_url=broker, job_heartbeat_timeout=HEARTBEAT_TIMEOUT
        )
        worker.wait_ready()

        ran = server.queue_wait(1.0)
        seen: list[JobRecord] = []
        done = wait_for(
            server.store, ran, lambda j: j.finished, timeout=START, what="finished", seen=seen
        )
        assert done.state == SUCCEEDED, done
        assert done.worker == worker.worker_column, "the job did not run in the worker"
        assert done.attempts == 1
        assert done.result is not None
        progress = [j.progress for j in seen if j.state == RUNNING]
        assert len({p for p in progress if 0 < p < 1}) >= 1, f"no progress seen: {progress}"

        running = server.queue_wait(60)
        wait_progressing(server.store, running, timeout=START)
        waiting = server.queue_wait(0.1)  # the worker (one job at a time) is busy
        assert job_service.cancel_job(server.store, waiting).state == CANCELLED
        assert job_service.cancel_job(server.store, running).cancel_requested
        cancelled = wait_finished(server.store, running, timeout=10)
        assert cancelled.state == CANCELLED, cancelled
        assert cancelled.worker == worker.worker_column

        # The worker goes on with the next job; the cancelled one's message ran nothing.
        after = server.queue_wait(0.1)
        assert wait_finished(server.store, after, timeout=START).state == SUCCEEDED
        never = read_job(server.store, waiting)
        assert (never.state, never.attempts, never.started_at) == (CANCELLED, 0, None)


@pytest.mark.parametrize("dialect", ["postgresql"])
@pytest.mark.parametrize("max_attempts", [2, 1])
def test_a_killed_worker_s_job_is_requeued_or_failed(
    start_server: StartServer,
    settings: Settings,
    redis_broker: str,
    tmp_path: Path,
    max_attempts: int,
) -> None:
    with start_worker("w1", settings, redis_broker, tmp_path) as first:
        server = start_server(
            job_backend="celery",
            broker_url=redis_broker,
            job_heartbeat_timeout=HEARTBEAT_TIMEOUT,
        )
        first.wait_ready()
        job_id = server.queue_wait(2.0, max_attempts=max_attempts)
        assert wait_progressing(server.store, job_id, timeout=START).worker == first.worker_column
        first.kill()  # mid-job, no chance to say goodbye

        if max_attempts == 1:
            done = wait_finished(server.store, job_id, timeout=START)
            assert done.state == FAILED, done
            assert done.attempts == 1
            assert done.error is not None
            assert "worker lost" in done.error
            return

        with start_worker("w2", settings, redis_broker, tmp_path) as second:
            second.wait_ready()
            done = wait_finished(server.store, job_id, timeout=START)
            assert done.state == SUCCEEDED, done
            assert done.attempts == 2
            assert done.worker == second.worker_column


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_debounced_refresh_and_its_follow_ups_run_on_the_worker(
    start_server: StartServer, settings: Settings, redis_broker: str, tmp_path: Path
) -> None:
    """The refresh message arrives before its (pushed back) time: the worker sends it
    again for later; the refresh's follow-up jobs are sent to Celery by the worker."""
    with start_worker("w1", settings, redis_broker, tmp_path) as worker:
        server = start_server(
            job_backend="celery",
            broker_url=redis_broker,
            job_heartbeat_timeout=HEARTBEAT_TIMEOUT,
            auto_jobs=True,
            auto_jobs_delay=1.0,
        )
        worker.wait_ready()
        rng = np.random.default_rng(0)
        not_before = []
        with chroma.init(project="p", dataset="train", space="s", url=server.url) as run:
            for batch in range(3):
                run.log(rng.standard_normal((5, 8)), ids=[f"b{batch}-{i}" for i in range(5)])
                run.flush()
                (refresh,) = jobs_of_kind(server.store, "space.refresh")
                assert refresh.state == QUEUED
                not_before.append(refresh.not_before)

        done = wait_finished(server.store, refresh.id, timeout=START)
        assert done.state == SUCCEEDED, done
        assert done.worker == worker.worker_column
        assert done.started_at is not None
        assert not_before[-1] is not None
        assert done.started_at >= not_before[-1]
        (update,) = jobs_of_kind(server.store, "neighbours.update")
        finished = wait_finished(server.store, update.id, timeout=START)
        assert finished.state == SUCCEEDED, finished
        assert finished.worker == worker.worker_column
