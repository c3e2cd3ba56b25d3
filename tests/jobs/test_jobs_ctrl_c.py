"""Ctrl+C in the terminal that runs ``chroma application run`` (``scripts/run.sh``) stops
the server and its job processes quietly.

A terminal sends SIGINT to its whole foreground process group: the server *and* the job
processes it spawned. The server shuts its pools down on its own; a job process that also
took the signal printed a ``KeyboardInterrupt`` traceback per process on the way out.
"""

from __future__ import annotations

import os
import signal
import subprocess
from pathlib import Path

import psutil
import pytest

from server_process import ServerProcess, wait_healthy
from waiting import wait_until

pytestmark = pytest.mark.slow  # a server started and interrupted: out of `make test-fast`


def _job_processes(pid: int) -> list[psutil.Process]:
    return [
        child
        for child in psutil.Process(pid).children(recursive=True)
        if "spawn_main" in " ".join(child.cmdline())
        and "resource_tracker" not in " ".join(child.cmdline())
    ]


def test_ctrl_c_stops_the_server_and_its_job_processes_without_tracebacks(tmp_path: Path) -> None:
    server = ServerProcess(
        data_dir=tmp_path / "data",
        log_dir=tmp_path,
        env={"CHROMA_JOB_PREWARM": "true", "CHROMA_JOB_WORKERS": "2"},
    )
    log = tmp_path / "server.log"
    with log.open("wb") as sink:
        # A session of its own: the test's process group stands for the terminal's.
        process = subprocess.Popen(
            server.command,
            env=server.env,
            stdout=sink,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        wait_healthy(server.url, process, log.read_text, timeout=ServerProcess.START_TIMEOUT)
        wait_until(
            lambda: len(_job_processes(process.pid)) > 0,
            timeout=ServerProcess.START_TIMEOUT,
            what="the server's warm job process",
        )
        jobs = _job_processes(process.pid)
        os.killpg(process.pid, signal.SIGINT)  # Ctrl+C: the whole foreground group
        process.wait(timeout=60)
        psutil.wait_procs(jobs, timeout=30)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait(timeout=10)
    output = log.read_text()
    assert "Traceback" not in output, output
    assert not [job.pid for job in jobs if job.is_running()], "job processes outlived the server"
