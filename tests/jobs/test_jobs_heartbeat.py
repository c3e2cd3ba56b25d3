"""The heartbeat of a quiet job keeps the reaper away, however short the timeout.

A handler may compute for a long time without reporting progress (a UMAP fit is one long
call): only the context's heartbeat thread then tells the reaper the job is alive. These
tests run a real job context on a real store (no runner: the handler is this test, quiet)
next to the real reaper.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator

import pytest
from job_helpers import queue_wait, read_job

from chroma.db.store import Store, open_store
from chroma.jobs.context import JobContext
from chroma.services import jobs as job_service
from chroma.settings import Settings
from waiting import wait_until

TIMEOUT = 2.0


@pytest.fixture
def short_store(settings: Settings, store: Store) -> Iterator[Store]:
    """The test's database, opened with a short heartbeat timeout (as a worker would be)."""
    short = open_store(settings.model_copy(update={"job_heartbeat_timeout": TIMEOUT}))
    try:
        yield short
    finally:
        short.dispose()


def _claimed(store: Store) -> tuple[int, int]:
    job_id = queue_wait(store, 60)
    attempt = job_service.claim(store, job_id, "this-test:1")
    assert attempt == 1
    return job_id, attempt


def test_a_quiet_job_beats_well_within_the_timeout(short_store: Store) -> None:
    job_id, attempt = _claimed(short_store)
    first = read_job(short_store, job_id).heartbeat_at
    context = JobContext(short_store, job_id, attempt)
    context.start_heartbeat()
    try:
        wait_until(
            lambda: read_job(short_store, job_id).heartbeat_at != first,
            timeout=TIMEOUT / 2,
            what=f"beating within half the heartbeat timeout ({TIMEOUT} s)",
        )
    finally:
        context.stop_heartbeat()


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_a_quiet_job_is_not_reaped_while_its_process_lives(short_store: Store) -> None:
    job_id, attempt = _claimed(short_store)
    context = JobContext(short_store, job_id, attempt)
    context.start_heartbeat()
    reaped: list[tuple[int, str]] = []
    stop = threading.Event()

    def reaper() -> None:  # what a runner's watcher does, only more often
        while not stop.wait(0.1):
            reaped.extend(job_service.reap_lost_jobs(short_store, heartbeat_timeout=TIMEOUT))

    watcher = threading.Thread(target=reaper, daemon=True)
    watcher.start()
    try:
        time.sleep(TIMEOUT * 1.5)  # the job is quiet: no progress for longer than the timeout
    finally:
        stop.set()
        watcher.join(timeout=10)
        context.stop_heartbeat()
    assert reaped == [], "a live job was taken for lost"
    job = read_job(short_store, job_id)
    assert (job.state, job.attempts) == (job_service.RUNNING, 1)
    # Once the heartbeat stops (the process died), the same reaper requeues it.
    wait_until(
        lambda: job_service.reap_lost_jobs(short_store, heartbeat_timeout=TIMEOUT) != [],
        timeout=TIMEOUT * 3,
        what="reaped after its heartbeat stopped",
    )
    assert read_job(short_store, job_id).state == job_service.QUEUED
