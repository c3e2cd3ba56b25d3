"""A SIGKILLed server leaves no job process behind, and its job does not stay "running".

The server is the real ``chroma application run`` in a subprocess, killed mid-job with
SIGKILL (nothing of it runs on the way out). Its job process (the warm one, started with the
server, running the job) and multiprocessing's resource tracker must end with it; the next
server on the same database finds the job its dead process left running and requeues it
(it then runs again) or fails it, long before any heartbeat timeout.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import psutil
import pytest
from job_helpers import (
    HOST,
    process_gone,
    queue_wait,
    read_job,
    wait_finished,
    wait_progressing,
)

from chroma.db.store import Store
from chroma.services.jobs import FAILED, RUNNING, SUCCEEDED
from chroma.settings import Settings
from server_process import ServerProcess
from waiting import wait_until

pytestmark = pytest.mark.slow  # servers started and killed: out of `make test-fast`

START = 60.0
GONE = 10.0
"""Ample for processes the kernel kills the moment their parent dies."""
HEARTBEAT_TIMEOUT = 3600.0
"""Far beyond the test: only the next server's look at the dead processes can free the
job, not the heartbeat timeout."""
JOB_SECONDS = 6.0


def _server(settings: Settings, tmp_path: Path) -> ServerProcess:
    return ServerProcess(
        data_dir=settings.data_dir,
        database_url=settings.resolved_database_url,
        log_dir=tmp_path,
        env={
            "CHROMA_JOB_HEARTBEAT_TIMEOUT": str(HEARTBEAT_TIMEOUT),
            "CHROMA_JOB_WORKERS": "2",
            "CHROMA_JOB_PREWARM": "true",  # the job runs in the process started ahead of it
        },
    )


def _job_pid(worker: str | None) -> int:
    host, _, pid = (worker or ":").rpartition(":")
    assert host == HOST, worker
    return int(pid)


@pytest.mark.parametrize(
    ("dialect", "max_attempts"), [("sqlite", 2), ("postgresql", 2), ("sqlite", 1)]
)
def test_job_processes_die_with_a_killed_server_and_the_next_one_recovers_the_job(
    settings: Settings, store: Store, tmp_path: Path, max_attempts: int
) -> None:
    with _server(settings, tmp_path) as server:
        server.start()
        job_id = queue_wait(store, JOB_SECONDS, max_attempts=max_attempts)
        job_pid = _job_pid(wait_progressing(store, job_id, timeout=START).worker)
        descendants = psutil.Process(server.pid).children(recursive=True)
        pids = {p.pid for p in descendants}
        assert job_pid in pids, f"the job's process {job_pid} is not the server's: {pids}"
        tracker = [p.pid for p in descendants if "resource_tracker" in " ".join(p.cmdline())]
        assert tracker, "no resource tracker: this test would not see it survive"
        assert len(pids) >= 2, f"expected the job's and the tracker's: {pids}"

        server.kill()  # mid-job
        try:
            wait_until(
                lambda: all(process_gone(pid) for pid in pids),
                timeout=GONE,
                what="the killed server's processes gone",
            )
        except AssertionError:
            left_over = {p.pid: p.cmdline() for p in descendants if not process_gone(p.pid)}
            raise AssertionError(f"orphans of the killed server: {left_over}") from None
        finally:  # a failed test leaves nothing running either
            for pid in pids:
                if not process_gone(pid):
                    os.kill(pid, signal.SIGKILL)
        left = read_job(store, job_id)
        assert (left.state, left.attempts) == (RUNNING, 1), "nobody else may touch it yet"

        server.start()
        done = wait_finished(store, job_id, timeout=START + JOB_SECONDS)
        if max_attempts == 1:
            assert done.state == FAILED, done
            assert done.attempts == 1
            assert done.error is not None
            assert "worker lost" in done.error
            assert f"{HOST}:{job_pid} has ended" in done.error
        else:
            assert done.state == SUCCEEDED, done
            assert done.attempts == 2
            assert _job_pid(done.worker) != job_pid
            assert done.result is not None
            assert done.result["waited_seconds"] >= JOB_SECONDS


def test_without_the_kernel_s_help_a_watcher_ends_the_orphan(tmp_path: Path) -> None:
    """The portable fallback (macOS has no PR_SET_PDEATHSIG): a process whose parent is
    killed ends by itself."""
    child = textwrap.dedent(
        """
        import os, sys, time
        from chroma.jobs.lifeline import watch_parent
        watch_parent(int(sys.argv[1]), every=0.05)
        print(os.getpid(), flush=True)
        time.sleep(600)
        """
    )
    parent = textwrap.dedent(
        f"""
        import os, subprocess, sys, time
        subprocess.Popen([sys.executable, "-c", {child!r}, str(os.getpid())])
        time.sleep(600)
        """
    )
    middle = subprocess.Popen([sys.executable, "-c", parent], stdout=subprocess.PIPE, cwd=tmp_path)
    try:
        assert middle.stdout is not None
        orphan = int(middle.stdout.readline())
        assert not process_gone(orphan)
    finally:
        os.kill(middle.pid, signal.SIGKILL)
        middle.wait(timeout=10)
    try:
        wait_until(lambda: process_gone(orphan), timeout=GONE, what="the orphan gone")
    finally:
        if not process_gone(orphan):  # the test failed: do not leave it behind
            os.kill(orphan, signal.SIGKILL)
