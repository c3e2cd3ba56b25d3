"""The real ``chroma application run`` in a subprocess that a test can SIGKILL and start
again: what a crash, an OOM kill or a restart does to the server's clients and jobs."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from live_server import free_port
from waiting import wait_healthy


class ServerProcess:
    """A real ``chroma application run`` subprocess to SIGKILL (a crash, the OOM killer)
    and start again on the same port, data dir and database; killed when the block ends.

    The environment is clean (no inherited ``CHROMA_*``) plus ``env``; automatic jobs are
    off, so only the test's requests and jobs run. Without ``database_url`` the server
    uses SQLite in its data dir.
    """

    START_TIMEOUT = 120.0  # a guard against a server that never comes up, not a timing

    def __init__(
        self,
        *,
        data_dir: Path,
        log_dir: Path,
        database_url: str | None = None,
        env: dict[str, str] | None = None,
    ) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.command = [
            sys.executable,
            "-m",
            "chroma",
            "application",
            "run",
            "--port",
            str(self.port),
            "--data-dir",
            str(data_dir),
            "--log-level",
            "warning",
        ]
        if database_url is not None:
            self.command += ["--database-url", database_url]
        clean = {k: v for k, v in os.environ.items() if not k.startswith("CHROMA_")}
        self.env = {**clean, "CHROMA_AUTO_JOBS": "false", **(env or {})}
        self.log_dir = log_dir
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    @property
    def pid(self) -> int:
        assert self.process is not None
        return self.process.pid

    def log(self) -> str:
        return "\n".join(
            f"--- server start {n} ---\n{(self.log_dir / f'server-{n}.log').read_text()}"
            for n in range(1, self.starts + 1)
        )

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        with (self.log_dir / f"server-{self.starts}.log").open("wb") as sink:
            self.process = subprocess.Popen(
                self.command, env=self.env, stdout=sink, stderr=subprocess.STDOUT
            )
        wait_healthy(self.url, self.process, self.log, timeout=self.START_TIMEOUT)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no cleanup, like a crash or the OOM killer."""
        if self.process is not None and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
        if self.process is not None:
            self.process.wait(timeout=10)

    def __enter__(self) -> ServerProcess:
        return self

    def __exit__(self, exc_type: object, *exc: object) -> None:
        self.kill()
        if exc_type is not None:  # shown by pytest with the failure
            print(self.log())
