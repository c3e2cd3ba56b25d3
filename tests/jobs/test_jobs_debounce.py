"""Automatic jobs after ingest: many batches in a row make one ``space.refresh`` job, run
once ingest pauses, which queues the space's index update and first map."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import httpx
import numpy as np
import pyarrow as pa
import pytest
from job_helpers import StartServer, jobs_of_kind, wait_finished

import chroma
from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE
from chroma.services import jobs as job_service
from chroma.services.jobs import QUEUED, SUCCEEDED

DELAY = 2.0
REFRESH = "space.refresh"


@pytest.mark.slow
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
            refresh = jobs_of_kind(server.store, REFRESH)
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
        assert len(jobs_of_kind(server.store, REFRESH)) == 1
        # What the refresh queued: the neighbour index update and a first map (15 points).
        assert len(jobs_of_kind(server.store, "neighbours.update")) == 1
        assert len(jobs_of_kind(server.store, "projection.compute")) == 1

        # Ingest after the refresh ran starts a new debounce window: a second job.
        run.log(rng.standard_normal((1, 8)), ids=["late"])
        run.flush()
        refresh = jobs_of_kind(server.store, REFRESH)
        assert [j.state for j in refresh] == [SUCCEEDED, QUEUED]


def _arrow_body(keys: list[str], vectors: np.ndarray) -> bytes:
    """An ingest request body (Arrow IPC stream of key + vector), as any client sends."""
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1))
    table = pa.table(
        {"key": keys, "vector": pa.FixedSizeListArray.from_arrays(flat, vectors.shape[1])}
    )
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def test_concurrent_batches_still_make_one_refresh_job(start_server: StartServer) -> None:
    """Batches sent in parallel (the SDK sends two at once): schedulers racing for one
    space must not each queue a refresh (on PostgreSQL, read-committed reads let every
    one of them see none waiting)."""
    server = start_server(auto_jobs=True, auto_jobs_delay=600)  # none runs in this test
    query = {"project": "p", "dataset": "train", "space": "s"}
    http = httpx.Client(base_url=server.url, timeout=60)

    def send(batch: str) -> int:
        vectors = np.random.default_rng(abs(hash(batch))).standard_normal((3, 4))
        body = _arrow_body([f"{batch}-{i}" for i in range(3)], vectors)
        headers = {"content-type": ARROW_STREAM_MEDIA_TYPE}
        return http.post("/api/v1/ingest", params=query, content=body, headers=headers).status_code

    with http, ThreadPoolExecutor(16) as pool:
        assert send("first") == 200  # the space exists before the races
        # SQLite's writers take turns anyway (and each costs an fsync): fewer races there.
        for race in range(4 if server.store.is_sqlite else 16):
            job_service.cancel_job(server.store, jobs_of_kind(server.store, REFRESH)[-1].id)
            codes = list(pool.map(send, [f"{race}-{n}" for n in range(16)]))
            assert codes == [200] * 16
            waiting = [j for j in jobs_of_kind(server.store, REFRESH) if j.state == QUEUED]
            assert len(waiting) == 1, f"race {race}: {len(waiting)} refresh jobs queued"
