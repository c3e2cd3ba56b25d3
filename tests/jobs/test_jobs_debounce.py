"""Automatic jobs after ingest: many batches in a row make one ``space.refresh`` job, run
once ingest pauses, which queues the space's index update and first map."""

from __future__ import annotations

import numpy as np

import chroma
from chroma.services.jobs import QUEUED, SUCCEEDED
from job_helpers import StartServer, jobs_of_kind, wait_finished

DELAY = 2.0


def test_ingest_batches_make_one_refresh_job_pushed_back_by_each(
    start_server: StartServer,
) -> None:
    server = start_server(auto_jobs=True, auto_jobs_delay=DELAY)
    rng = np.random.default_rng(0)
    not_before = []
    with chroma.init(project="p", dataset="train", space="s", url=server.url) as run:
        for batch in range(3):
            run.log(rng.standard_normal((5, 8)), ids=[f"b{batch}-{i}" for i in range(5)])
            run.flush()  # one ingest request per batch
            refresh = jobs_of_kind(server.store, "space.refresh")
            assert len(refresh) == 1, refresh
            assert refresh[0].state == QUEUED
            assert refresh[0].not_before is not None
            not_before.append(refresh[0].not_before)

        assert not_before == sorted(not_before)
        assert len(set(not_before)) == 3, f"not_before did not move later: {not_before}"

        done = wait_finished(server.store, refresh[0].id, timeout=30 + DELAY)
        assert done.state == SUCCEEDED, done
        assert done.attempts == 1
        assert done.started_at is not None
        assert done.started_at >= not_before[-1], "the refresh started before ingest paused"
        assert len(jobs_of_kind(server.store, "space.refresh")) == 1
        # What the refresh queued: the neighbour index update and a first map (15 points).
        assert len(jobs_of_kind(server.store, "neighbours.update")) == 1
        assert len(jobs_of_kind(server.store, "projection.compute")) == 1

        # Ingest after the refresh ran starts a new debounce window: a second job.
        run.log(rng.standard_normal((1, 8)), ids=["late"])
        run.flush()
        refresh = jobs_of_kind(server.store, "space.refresh")
        assert [j.state for j in refresh] == [SUCCEEDED, QUEUED]
