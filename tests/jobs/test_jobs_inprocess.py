"""The in-process runner through a live server: jobs run in child processes of the server.

Every test starts a real server (``create_app``; its lifespan starts the runner) and
watches the job table. ``system.wait`` jobs only wait and report progress, so their length
is the test's choice.
"""

from __future__ import annotations

import os
import signal

import httpx
import pytest
from job_helpers import (
    HOST,
    JobServer,
    StartServer,
    insert_running,
    read_job,
    wait_finished,
    wait_for,
    wait_progressing,
)

from chroma.core.errors import Conflict
from chroma.jobs.inprocess import InProcessRunner
from chroma.services import jobs as job_service
from chroma.services.jobs import CANCELLED, FAILED, QUEUED, RUNNING, SUCCEEDED, JobRecord
from waiting import wait_until

# A child process starts in about a second (spawn + imports); give every wait room.
START = 30.0
LONG = 600.0
"""A job far longer than any wait here: one that ends first was stopped, not finished."""
JOB_STATE = "query ($id: ID!) { job(id: $id) { state } }"


def test_wait_job_runs_in_a_child_with_rising_progress_and_heartbeat(
    start_server: StartServer,
) -> None:
    server = start_server()
    job_id = server.queue_wait(1.5)
    assert read_job(server.store, job_id).state == QUEUED

    seen: list[JobRecord] = []
    done = wait_for(
        server.store, job_id, lambda j: j.finished, timeout=START, what="finished", seen=seen
    )

    assert done.state == SUCCEEDED, done
    assert done.progress == 1.0
    assert done.error is None
    assert done.attempts == 1
    assert done.result is not None
    assert done.result["waited_seconds"] >= 1.5
    assert done.started_at is not None
    assert done.finished_at is not None
    assert done.started_at <= done.finished_at
    assert (done.finished_at - done.started_at).total_seconds() >= 1.5
    running = [j for j in seen if j.state == RUNNING]
    assert running, "the job was never seen running"
    assert all(j.heartbeat_at is not None for j in running)
    progress = [j.progress for j in running]
    assert progress == sorted(progress), "progress went backwards"
    assert len({p for p in progress if 0 < p < 1}) >= 2, f"progress did not rise: {progress}"
    # The job ran in a child process of this server, not in the server itself.
    host, pid = (done.worker or ":").rsplit(":", 1)
    assert host == HOST
    assert int(pid) != os.getpid()


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_failing_job_records_its_error(start_server: StartServer) -> None:
    server = start_server()
    job_id = server.queue_wait(0.1, fail="the diagnostic was told to fail")

    done = wait_finished(server.store, job_id, timeout=START)

    assert done.state == FAILED
    assert done.error is not None
    assert "the diagnostic was told to fail" in done.error
    assert done.finished_at is not None
    assert done.attempts == 1, "a job that fails by itself is not retried"
    # A job kind nobody handles fails too, with the kind named. (Not submitted: the
    # runner finds queued jobs in the table by itself, e.g. those another process queued.)
    with server.store.write() as session:
        unknown = job_service.create_job(session, "no.such.kind", project_id=None).id
    done = wait_finished(server.store, unknown, timeout=START)
    assert done.state == FAILED
    assert done.error is not None
    assert "no.such.kind" in done.error


def test_cancel_a_queued_and_a_running_job(start_server: StartServer) -> None:
    server = start_server(job_workers=1)
    running = server.queue_wait(LONG)
    wait_progressing(server.store, running, timeout=START)
    waiting = server.queue_wait(0.1)  # the only job slot is taken: it stays queued
    assert read_job(server.store, waiting).state == QUEUED

    cancelled = job_service.cancel_job(server.store, waiting)
    assert cancelled.state == CANCELLED
    assert cancelled.finished_at is not None

    assert job_service.cancel_job(server.store, running).cancel_requested
    # Seen mid-job: the job stops at its next progress report, long before its own end (a
    # cancel seen only at the commit would leave it running past this wait).
    done = wait_finished(server.store, running, timeout=START)
    assert done.state == CANCELLED, done
    assert done.progress < 0.5, f"the job ran on after its cancel: {done}"
    assert done.result is None
    assert done.error is None
    assert done.finished_at is not None

    # The runner goes on with the next job; the cancelled queued job never runs.
    after = server.queue_wait(0.1)
    assert wait_finished(server.store, after, timeout=START).state == SUCCEEDED
    never = read_job(server.store, waiting)
    assert (never.state, never.attempts, never.started_at) == (CANCELLED, 0, None)
    # A finished job cannot be cancelled again.
    with pytest.raises(Conflict):
        job_service.cancel_job(server.store, running)


@pytest.mark.parametrize("dialect", ["sqlite"])
def test_the_api_answers_while_a_job_runs(start_server: StartServer) -> None:
    """A job that held up the server (run on its event loop, or holding the database)
    would leave these requests unanswered until it ended."""
    server = start_server()
    job_id = server.queue_wait(LONG)
    wait_progressing(server.store, job_id, timeout=START)

    # The client's timeout only keeps a held-up server from hanging the test: the job is
    # far longer, so a server that answers only once the job is over cannot pass.
    with httpx.Client(base_url=server.url, timeout=START) as http:
        for _ in range(20):
            assert http.get("/healthz").status_code == 200
            # A database read through the API, while the job's process writes its progress.
            answer = http.post(
                "/graphql", json={"query": JOB_STATE, "variables": {"id": str(job_id)}}
            )
            assert answer.json() == {"data": {"job": {"state": "RUNNING"}}}, answer.text
    assert read_job(server.store, job_id).state == RUNNING
    job_service.cancel_job(server.store, job_id)
    assert wait_finished(server.store, job_id, timeout=START).state == CANCELLED


def _child_pids(server: JobServer) -> list[int]:
    runner = server.runner
    assert isinstance(runner, InProcessRunner)
    return runner.child_pids()


def _kill_the_job_process(server: JobServer, job_id: int) -> int:
    """SIGKILL the child process running the job, once the job is under way."""
    job = wait_progressing(server.store, job_id, timeout=START)
    pids = _child_pids(server)
    pid = int((job.worker or ":0").rsplit(":", 1)[1])
    assert pid in pids, f"the job's process {pid} is not among the children {pids}"
    os.kill(pid, signal.SIGKILL)
    return pid


@pytest.mark.slow
def test_a_killed_job_process_is_requeued_and_succeeds_on_a_second_attempt(
    start_server: StartServer,
) -> None:
    server = start_server()
    job_id = server.queue_wait(1.5)
    killed = _kill_the_job_process(server, job_id)

    done = wait_finished(server.store, job_id, timeout=START)

    assert done.state == SUCCEEDED, done
    assert done.attempts == 2
    assert done.worker != f"{HOST}:{killed}", "the second attempt ran in a fresh process"
    assert killed not in _child_pids(server)


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_killed_job_process_on_its_last_attempt_fails_the_job(
    start_server: StartServer,
) -> None:
    server = start_server()
    job_id = server.queue_wait(30, max_attempts=1)
    _kill_the_job_process(server, job_id)

    done = wait_finished(server.store, job_id, timeout=10)

    assert done.state == FAILED, done
    assert done.attempts == 1
    assert done.error is not None
    assert "process died" in done.error
    assert done.finished_at is not None
    # The runner is not broken by it: the next job runs in a fresh process.
    after = server.queue_wait(0.1)
    assert wait_finished(server.store, after, timeout=START).state == SUCCEEDED


@pytest.mark.slow
def test_a_job_whose_heartbeat_stopped_is_reaped(start_server: StartServer) -> None:
    """Rows a dead worker left: running, last heartbeat an hour ago. The runner requeues
    (and then runs) the one with attempts left, fails the one without, and leaves alone a
    running job whose worker still beats."""
    server = start_server(job_heartbeat_timeout=30)
    dead = "dead-host:4242"
    retried = insert_running(server.store, worker=dead, heartbeat_age=3600, max_attempts=2)
    spent = insert_running(server.store, worker=dead, heartbeat_age=3600, max_attempts=1)
    alive = insert_running(server.store, worker="busy-host:7", heartbeat_age=0, max_attempts=1)
    server.runner.submit(retried)

    done = wait_finished(server.store, retried, timeout=START)
    assert done.state == SUCCEEDED, done
    assert done.attempts == 2
    assert done.worker is not None
    assert done.worker != dead
    failed = wait_finished(server.store, spent, timeout=10)
    assert failed.state == FAILED
    assert failed.error is not None
    assert "worker lost" in failed.error
    assert "no heartbeat" in failed.error
    untouched = read_job(server.store, alive)
    assert (untouched.state, untouched.worker) == (RUNNING, "busy-host:7")


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["sqlite"])
def test_stopping_the_server_mid_job_requeues_the_job(start_server: StartServer) -> None:
    server = start_server()
    job_id = server.queue_wait(LONG)
    job = wait_progressing(server.store, job_id, timeout=START)
    job_pid = int((job.worker or ":0").rsplit(":", 1)[1])

    # The lifespan stops the runner; __exit__ gives the server 20 s (a safety net): a stop
    # that waited for the job (LONG) would still be going on after it.
    server.live.__exit__(None, None, None)
    assert not server.live.thread.is_alive(), "stopping the server waited for its job"
    with pytest.raises(ProcessLookupError):
        os.kill(job_pid, 0)  # the job's process was stopped with the server, and reaped

    after = read_job(server.store, job_id)
    assert after.state == QUEUED, f"the job was left {after.state} by a stopped server"
    assert after.message is not None
    assert "server stopped" in after.message


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_killed_job_process_does_not_take_other_jobs_with_it(
    start_server: StartServer,
) -> None:
    """With two job slots, the death of one job's process (out of memory, say) must not
    cost the job running next to it an attempt, or fail it."""
    server = start_server(job_workers=2)
    doomed = server.queue_wait(30, max_attempts=1)
    bystander = server.queue_wait(2.0, max_attempts=1)
    wait_progressing(server.store, bystander, timeout=START)
    _kill_the_job_process(server, doomed)

    assert wait_finished(server.store, doomed, timeout=10).state == FAILED
    done = wait_finished(server.store, bystander, timeout=START)
    assert done.state == SUCCEEDED, done
    assert done.attempts == 1


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["sqlite"])
def test_an_idle_job_process_that_died_does_not_stop_the_runner(
    start_server: StartServer,
) -> None:
    """The process kept for the next job is killed while it waits (an operator, the OOM
    killer): the next job must still run."""
    server = start_server()
    first = server.queue_wait(0.1)
    assert wait_finished(server.store, first, timeout=START).state == SUCCEEDED
    (idle,) = _child_pids(server)
    os.kill(idle, signal.SIGKILL)
    wait_until(lambda: idle not in _child_pids(server), timeout=10, what="the idle child gone")

    second = server.queue_wait(0.1)
    done = wait_finished(server.store, second, timeout=START)
    assert done.state == SUCCEEDED, done
    assert done.attempts == 1
