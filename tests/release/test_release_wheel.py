"""The release check (scripts/release.sh, `make release-check`): the sdist and the wheel are
built with the UI inside, and the wheel, installed into a fresh virtual environment, runs a
server that takes logged vectors, draws a map and serves the UI. About 2 minutes here."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_the_wheel_installs_and_serves_the_ui() -> None:
    result = subprocess.run(
        ["bash", str(REPO / "scripts" / "release.sh")],
        cwd=REPO,
        capture_output=True,
        text=True,
        timeout=840,
        check=False,
    )
    print(result.stdout)
    assert result.returncode == 0, f"scripts/release.sh failed:\n{result.stdout}\n{result.stderr}"
    assert "--- release: passed" in result.stdout
