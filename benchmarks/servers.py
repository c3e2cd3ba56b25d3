"""What the benchmarks share to run the real thing: a ``chroma application run`` server in a
subprocess, a scratch PostgreSQL database, and a process's peak memory."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

ADMIN_URL = os.environ.get(
    "CHROMA_TEST_POSTGRES_ADMIN_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/postgres"
)


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start_server(
    data_dir: Path,
    database_url: str | None = None,
    *,
    env: dict[str, str] | None = None,
    log: Path | None = None,
) -> tuple[subprocess.Popen[bytes], str]:
    """``chroma application run`` on 127.0.0.1 with this data dir (and database); its URL
    once ``/healthz`` answers. ``env`` adds ``CHROMA_*`` settings."""
    port = free_port()
    command = [sys.executable, "-m", "chroma", "application", "run", "--port", str(port)]
    command += ["--data-dir", str(data_dir), "--log-level", "warning"]
    if database_url:
        command += ["--database-url", database_url]
    output = log.open("wb") if log is not None else subprocess.DEVNULL
    process = subprocess.Popen(
        command, stdout=output, stderr=subprocess.STDOUT, env={**os.environ, **(env or {})}
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                wait_until_settled(process.pid)
                return process, url
        except httpx.TransportError:
            time.sleep(0.2)
    process.kill()
    raise RuntimeError("the server did not start")


def wait_until_settled(pid: int, *, timeout: float = 30.0) -> None:
    """Wait until the server's child processes stop using the processor.

    The server answers ``/healthz`` before its job processes have loaded the job code
    (``CHROMA_JOB_PREWARM``: about 2.4 CPU-seconds each here). A benchmark that starts at
    once would time the warm-up too (it took 200k rows of ingest from 1.4 s to 2.6 s on 2
    cores), which a user, who starts the server before logging, never waits for.
    """
    import psutil

    server = psutil.Process(pid)
    deadline = time.monotonic() + timeout
    busy = -1.0
    while time.monotonic() < deadline:
        used = 0.0
        for child in server.children(recursive=True):
            try:
                times = child.cpu_times()
            except psutil.NoSuchProcess:
                continue
            used += times.user + times.system
        if used - busy < 0.02:
            return
        busy = used
        time.sleep(0.3)


def stop_server(process: subprocess.Popen[bytes]) -> None:
    process.terminate()
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


@contextmanager
def scratch_postgres() -> Iterator[str]:
    """A new, empty PostgreSQL database on the local server; dropped at the end."""
    from sqlalchemy import create_engine, text

    name = f"chroma_bench_{uuid.uuid4().hex[:8]}"
    engine = create_engine(ADMIN_URL, isolation_level="AUTOCOMMIT")
    with engine.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield ADMIN_URL.rsplit("/", 1)[0] + f"/{name}"
    finally:
        with engine.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        engine.dispose()


def peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return float("nan")
