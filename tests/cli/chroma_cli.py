"""Drives the real ``chroma`` command in subprocesses (the console script from the venv)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from alembic.script import ScriptDirectory

from chroma.db.migrate import MIGRATIONS
from live_server import free_port
from waiting import wait_healthy

CONSOLE_SCRIPT = Path(sys.executable).with_name("chroma")
START_TIMEOUT_S = 30
STOP_TIMEOUT_S = 10


def head_revision() -> str:
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    assert head is not None
    return head


@dataclass
class Served:
    """A ``chroma application run`` process, its URL and its combined output."""

    process: subprocess.Popen[bytes]
    url: str
    log: Path

    def output(self) -> str:
        return self.log.read_text()

    def stop(self, sig: signal.Signals = signal.SIGINT) -> int:
        self.process.send_signal(sig)
        return self.process.wait(timeout=STOP_TIMEOUT_S)


class Chroma:
    """Runs ``chroma ...`` with a clean environment: no inherited ``CHROMA_*`` variable and
    a scratch HOME, so a test never reads or writes the real ``~/.chroma``."""

    def __init__(self, scratch: Path) -> None:
        self.scratch = scratch
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("CHROMA_")}
        self.env["HOME"] = str(scratch / "home")

    def command(self, *args: str) -> list[str]:
        if CONSOLE_SCRIPT.is_file():
            return [str(CONSOLE_SCRIPT), *args]
        return [sys.executable, "-m", "chroma", *args]

    def run(
        self, *args: str, env: dict[str, str] | None = None, timeout: float = 60
    ) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            self.command(*args),
            env={**self.env, **(env or {})},
            capture_output=True,
            text=True,
            timeout=timeout,
            check=False,
        )

    @contextmanager
    def serve(self, *args: str, env: dict[str, str] | None = None) -> Iterator[Served]:
        """Start ``chroma application run`` on a free port and wait until /healthz answers."""
        port = free_port()
        log = self.scratch / f"server-{port}.log"
        with log.open("wb") as sink:
            process = subprocess.Popen(
                self.command("application", "run", "--port", str(port), *args),
                env={**self.env, **(env or {})},
                stdout=sink,
                stderr=subprocess.STDOUT,
            )
        served = Served(process, f"http://127.0.0.1:{port}", log)
        try:
            wait_healthy(served.url, process, served.output, timeout=START_TIMEOUT_S)
            yield served
        finally:
            if process.poll() is None:
                process.kill()
                process.wait()
