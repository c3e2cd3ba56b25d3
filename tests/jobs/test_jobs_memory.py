"""A job that needs more memory than its slot's budget fails with an error that says so;
the server, and the slot's next job, are unharmed."""

from __future__ import annotations

import httpx
from job_helpers import StartServer, wait_finished

from chroma.services.jobs import FAILED, SUCCEEDED

START = 60.0


def test_a_job_over_its_memory_budget_fails_clearly_and_the_server_goes_on(
    start_server: StartServer,
) -> None:
    server = start_server(job_workers=1, job_memory_budget_gib=1.0)
    greedy = server.queue_wait(0.1, allocate_mib=3072)
    failed = wait_finished(server.store, greedy, timeout=START)
    assert failed.state == FAILED, failed
    assert failed.error is not None
    assert "ran out of its memory budget of 1.0 GiB" in failed.error
    assert "CHROMA_JOB_MEMORY_BUDGET_GIB" in failed.error
    assert failed.attempts == 1  # a clear failure, not a lost worker retried

    with httpx.Client(base_url=server.url, timeout=30) as http:
        assert http.get("/healthz").status_code == 200
    modest = server.queue_wait(0.1, allocate_mib=64)
    assert wait_finished(server.store, modest, timeout=START).state == SUCCEEDED
