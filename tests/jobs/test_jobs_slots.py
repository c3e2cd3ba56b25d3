"""Job slots of the in-process runner: warm before the first job, background jobs at a lower
priority, and a closed run's maps updated at once rather than after the quiet period."""

from __future__ import annotations

import os

import httpx
import pytest
from job_helpers import StartServer, jobs_of_kind, wait_finished

import chroma
from chroma.jobs.child import BACKGROUND_NICE
from chroma.jobs.inprocess import InProcessRunner
from chroma.services.jobs import SUCCEEDED, JobKind
from projection_helpers import gql, ingest, vectors
from waiting import wait_until

START = 180.0
"""A guard, not a timing: a fresh job process imports the compute stack before its first job,
which took over a minute with the suite's two workers on two cores."""


def _runner(server: object) -> InProcessRunner:
    runner = server.runner  # type: ignore[attr-defined]
    assert isinstance(runner, InProcessRunner)
    return runner


@pytest.mark.slow
@pytest.mark.parametrize("dialect", ["sqlite"])
def test_a_job_process_starts_with_the_server(start_server: StartServer) -> None:
    server = start_server(job_workers=2, job_prewarm=True)
    runner = _runner(server)
    wait_until(lambda: len(runner.child_pids()) == 1, timeout=START, what="a warm job process")
    [warm] = runner.child_pids()
    job = server.queue_wait(0.1)
    assert wait_finished(server.store, job, timeout=START).state == SUCCEEDED
    assert runner.child_pids() == [warm]  # the job ran in the warm process, none was added


def test_the_neighbour_index_runs_at_a_lower_priority_than_a_map(
    start_server: StartServer,
) -> None:
    server = start_server(job_workers=2)
    with httpx.Client(base_url=server.url, timeout=60) as http:
        ingest(http, [f"k{i}" for i in range(200)], vectors(200))
        built = gql(
            http, 'mutation { buildNeighbourIndex(project: "demo", space: "clip") { id } }'
        )["buildNeighbourIndex"]
    assert wait_finished(server.store, int(built["id"]), timeout=START).state == SUCCEEDED
    waited = server.queue_wait(0.1)
    assert wait_finished(server.store, waited, timeout=START).state == SUCCEEDED
    niceness = sorted(os.getpriority(os.PRIO_PROCESS, pid) for pid in _runner(server).child_pids())
    own = os.getpriority(os.PRIO_PROCESS, 0)
    assert niceness == [own, min(own + BACKGROUND_NICE, 19)]


@pytest.mark.slow
def test_a_closed_run_is_mapped_at_once_not_after_the_quiet_period(
    start_server: StartServer,
) -> None:
    # A quiet period far longer than the test: only the run's close starts the refresh.
    server = start_server(auto_jobs=True, auto_jobs_delay=3600.0)
    with chroma.init(project="demo", dataset="train", space="clip", url=server.url) as run:
        run.log(vectors(60), ids=[f"k{i}" for i in range(60)])
    wait_until(
        lambda: any(j.state == SUCCEEDED for j in jobs_of_kind(server.store, JobKind.REFRESH)),
        timeout=START,
        what="the refresh done",
    )
    [mapped] = jobs_of_kind(server.store, JobKind.PROJECTION_COMPUTE)
    assert wait_finished(server.store, mapped.id, timeout=START).state == SUCCEEDED
