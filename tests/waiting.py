"""Waiting for something a test set in motion, and reading what the SDK said meanwhile.

The wait is a safety net, never a timing: it fails only when the thing never happens,
after a bound far above any honest run on a loaded machine.
"""

from __future__ import annotations

import re
import subprocess
import time
from collections.abc import Callable

import httpx
import pytest


def wait_until(
    condition: Callable[[], bool], what: str, *, timeout: float = 120.0, poll: float = 0.05
) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"still waiting, after {timeout:g} s, for {what}")
        time.sleep(poll)


def sdk_messages(caplog: pytest.LogCaptureFixture, pattern: str) -> list[str]:
    """The ``chroma.sdk`` log messages captured so far that match ``pattern``."""
    return [
        record.getMessage()
        for record in caplog.records
        if record.name == "chroma.sdk" and re.search(pattern, record.getMessage())
    ]


def wait_healthy(
    url: str, process: subprocess.Popen[bytes], output: Callable[[], str], *, timeout: float
) -> None:
    """Wait until the server ``process`` started answers ``/healthz`` at ``url``; fail with
    its ``output`` when it exits or does not answer in ``timeout`` seconds."""
    deadline = time.monotonic() + timeout
    while True:
        if process.poll() is not None:
            raise AssertionError(f"the server exited early:\n{output()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=2).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise AssertionError(f"the server did not answer in {timeout:g} s:\n{output()}")
        time.sleep(0.1)
