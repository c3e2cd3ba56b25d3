"""With the Celery backend and its broker down, work the server committed is still
acknowledged (an ingest batch: 200, not a 500 the SDK would report as failed; a queued
map: answered), and its jobs run once the broker is back: the server sends queued jobs
that are overdue again (``job_resend_after``).

The broker is a real ``redis-server`` on a port of the test's own, not started until the
data is in: "down" is exactly what a stopped broker looks like to the server.
"""

from __future__ import annotations

import shutil
import socket
import subprocess
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx
import pytest
from job_helpers import StartServer, Worker, jobs_of_kind, wait_for

from chroma.services.jobs import QUEUED, SUCCEEDED, JobKind
from chroma.settings import Settings
from projection_helpers import CREATE_PROJECTION, gql, ingest, vectors
from waiting import wait_until

REDIS_SERVER = shutil.which("redis-server") or "/usr/bin/redis-server"


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@contextmanager
def redis_on(port: int, tmp_path: Path) -> Iterator[None]:
    """A throwaway Redis on 127.0.0.1:``port`` (nothing on disk), stopped at the end."""
    options = {"port": port, "bind": "127.0.0.1", "save": "", "appendonly": "no", "dir": tmp_path}
    process = subprocess.Popen(
        [REDIS_SERVER, *(part for k, v in options.items() for part in (f"--{k}", str(v)))],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:

        def listening() -> bool:
            with socket.socket() as sock:
                return sock.connect_ex(("127.0.0.1", port)) == 0

        wait_until(listening, timeout=20, what=f"redis-server listening on {port}")
        yield
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.mark.slow
def test_work_committed_while_the_broker_is_down_is_acknowledged_and_runs_later(
    start_server: StartServer, settings: Settings, tmp_path: Path
) -> None:
    if not Path(REDIS_SERVER).exists():
        pytest.fail("redis-server is not installed: scripts/services.sh installs it")
    port = _free_port()
    broker = f"redis://127.0.0.1:{port}/0"
    server = start_server(
        job_backend="celery",
        broker_url=broker,
        auto_jobs=True,
        auto_jobs_delay=0.2,
        job_resend_after=1.0,
    )
    with httpx.Client(base_url=server.url, timeout=60) as http:
        answer = ingest(
            http, [f"k{i}" for i in range(40)], vectors(40), labels=["ab"[i % 2] for i in range(40)]
        )
        assert answer["inserted"] == 40  # acknowledged, though no job could be sent
        created = gql(http, CREATE_PROJECTION, project="demo", space="clip", algorithm="pca")
        projection = created["createProjection"]
        assert projection["state"] == "QUEUED"
        [refresh] = jobs_of_kind(server.store, JobKind.REFRESH)
        assert refresh.state == QUEUED

        with (
            redis_on(port, tmp_path),
            Worker(
                name="late",
                broker_url=broker,
                data_dir=settings.data_dir,
                database_url=settings.resolved_database_url,
                log_path=tmp_path / "worker.log",
            ) as worker,
        ):
            worker.wait_ready()
            done = wait_for(
                server.store,
                int(projection["job"]["id"]),
                lambda job: job.finished,
                timeout=90,
                what="finished once the broker is back",
            )
            assert done.state == SUCCEEDED, done
            refreshed = wait_for(
                server.store,
                refresh.id,
                lambda job: job.finished,
                timeout=90,
                what="finished once the broker is back",
            )
            assert refreshed.state == SUCCEEDED, refreshed
