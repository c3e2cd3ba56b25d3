"""``--log-format json`` / ``CHROMA_LOG_FORMAT=json`` (issue 13, item 5): the real
``chroma application run`` and ``chroma worker`` write one JSON object per line."""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from chroma_cli import Chroma

from chroma.cli.logs import JsonFormatter

FIELDS = {"time", "level", "logger", "message"}


def json_lines(output: str) -> list[dict[str, Any]]:
    """Every line of ``output`` as JSON (fails on the first that is not one)."""
    lines = [json.loads(line) for line in output.splitlines() if line.strip()]
    for line in lines:
        assert set(line) >= FIELDS, line
    return lines


@pytest.mark.slow
@pytest.mark.parametrize("how", ["flag", "env"])
def test_the_server_logs_json_lines(chroma: Chroma, tmp_path: Path, how: str) -> None:
    args = ["--data-dir", str(tmp_path / "data")]
    env = {}
    if how == "flag":
        args += ["--log-format", "json"]
    else:
        env["CHROMA_LOG_FORMAT"] = "json"
    with chroma.serve(*args, env=env) as served:
        assert httpx.get(f"{served.url}/api/v1/nowhere-at-all", timeout=10).status_code == 404
        assert served.stop() == 0, served.output()

    lines = json_lines(served.output())
    messages = [line["message"] for line in lines]
    assert any(f"is running at {served.url}" in m for m in messages), messages
    assert messages[-1] == "Chroma stopped."
    access = [line for line in lines if line["logger"] == "uvicorn.access"]
    assert any(
        line["path"] == "/api/v1/nowhere-at-all" and line["status"] == 404 for line in access
    ), access
    assert {line["level"] for line in lines} <= {"debug", "info", "warning", "error"}
    assert lines[0]["time"].endswith("+00:00")


@pytest.mark.slow
def test_the_worker_logs_json_lines(chroma: Chroma, tmp_path: Path) -> None:
    """A worker whose broker is down says so, in JSON, and nothing else (no banner)."""
    command = chroma.command(
        "worker",
        "--data-dir",
        str(tmp_path / "data"),
        "--broker-url",
        "redis://127.0.0.1:9/0",  # nothing listens on the discard port
        "--log-format",
        "json",
    )
    log = tmp_path / "worker.log"
    with log.open("wb") as sink:
        process = subprocess.Popen(command, env=chroma.env, stdout=sink, stderr=subprocess.STDOUT)
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and "Cannot connect" not in log.read_text():
            assert process.poll() is None, log.read_text()
            time.sleep(0.2)
    finally:
        process.kill()
        process.wait()
    lines = json_lines(log.read_text())
    broker = [line for line in lines if "Cannot connect to redis://" in line["message"]]
    assert broker, lines
    assert broker[0]["level"] == "error", broker[0]
    assert broker[0]["logger"].startswith("celery."), broker[0]


def test_an_exception_goes_in_its_own_field() -> None:
    try:
        raise ValueError("boom")
    except ValueError:
        record = logging.LogRecord(
            "chroma.jobs", logging.ERROR, __file__, 1, "job %s failed", (7,), sys.exc_info()
        )
    line = json.loads(JsonFormatter().format(record))

    assert line["level"] == "error"
    assert line["logger"] == "chroma.jobs"
    assert line["message"] == "job 7 failed"
    assert line["exception"].startswith("Traceback")
    assert "ValueError: boom" in line["exception"]
    assert "\n" not in JsonFormatter().format(record)
