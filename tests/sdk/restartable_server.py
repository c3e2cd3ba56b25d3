"""The real ``chroma application run`` in a subprocess that a test can SIGKILL and start
again on the same port, data folder and database (as tests/cli/chroma_cli.py starts it)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from pathlib import Path

from live_server import free_port
from waiting import wait_healthy

CONSOLE_SCRIPT = Path(sys.executable).with_name("chroma")
START_TIMEOUT_S = 120  # a guard against a server that never comes up, not a timing


class RestartableServer:
    """``start()``, ``kill()``, ``start()`` again: the URL, data and database stay.

    The environment is clean (no inherited ``CHROMA_*``, a scratch HOME) and automatic jobs
    are off, so only the test's requests reach the server.
    """

    def __init__(self, scratch: Path, *, database_url: str | None = None) -> None:
        self.scratch = scratch
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.data_dir = scratch / "data"
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self.database_url = database_url
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CHROMA_")}
        self.env.update(
            HOME=str(scratch / "home"), CHROMA_AUTO_JOBS="false", CHROMA_JOB_PREWARM="false"
        )
        self.process: subprocess.Popen[bytes] | None = None
        self.starts = 0

    def command(self) -> list[str]:
        base = (
            [str(CONSOLE_SCRIPT)] if CONSOLE_SCRIPT.is_file() else [sys.executable, "-m", "chroma"]
        )
        args = ["application", "run", "--port", str(self.port), "--data-dir", str(self.data_dir)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        return [*base, *args, "--log-level", "warning"]

    def start(self) -> None:
        assert self.process is None or self.process.poll() is not None, "already running"
        self.starts += 1
        log = self.scratch / f"server-{self.starts}.log"
        with log.open("wb") as sink:
            self.process = subprocess.Popen(
                self.command(), env=self.env, stdout=sink, stderr=subprocess.STDOUT
            )
        wait_healthy(self.url, self.process, log.read_text, timeout=START_TIMEOUT_S)

    def kill(self) -> None:
        """SIGKILL: no shutdown, no flush, like a crash or an OOM kill."""
        assert self.process is not None
        self.process.send_signal(signal.SIGKILL)
        self.process.wait()

    def __enter__(self) -> RestartableServer:
        return self

    def __exit__(self, *exc: object) -> None:
        if self.process is not None and self.process.poll() is None:
            self.kill()
