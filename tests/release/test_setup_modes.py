"""scripts/setup.sh's modes: what each installs, and which earlier install satisfies which
request. The real script runs in a copy of the checkout whose ``.venv/bin/python`` is a
stand-in that records the pip commands instead of installing (a real install of each mode
takes minutes; the benchmark ``make bench-first-minute`` does the runtime one for real)."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]

# Answers --version like an interpreter, fails `-c 'import torch'` until torch was
# "installed", and writes every `-m pip ...` command line to pip.log.
PYTHON = """#!/usr/bin/env bash
here="$(dirname "$0")"
case "$1" in
  --version) echo "Python 3.11.7" ;;
  -c) [[ -f "$here/torch-installed" ]] ;;
  -m)
    shift 2
    echo "$*" >>"$here/../../pip.log"
    if [[ " $* " == *" torch "* ]]; then touch "$here/torch-installed"; fi
    ;;
esac
"""


@pytest.fixture
def checkout(tmp_path: Path) -> Path:
    root = tmp_path / "chroma"
    (root / "scripts").mkdir(parents=True)
    (root / "requirements").mkdir()
    shutil.copy2(REPO / "scripts" / "setup.sh", root / "scripts" / "setup.sh")
    shutil.copy2(REPO / "pyproject.toml", root / "pyproject.toml")
    shutil.copy2(REPO / "requirements" / "lock.txt", root / "requirements" / "lock.txt")
    python = root / ".venv" / "bin" / "python"
    python.parent.mkdir(parents=True)
    python.write_text(PYTHON)
    python.chmod(0o755)
    return root


def setup(root: Path, *args: str) -> list[str]:
    """Run setup.sh; the pip installs it made (without the pip self-upgrade)."""
    log = root / "pip.log"
    log.unlink(missing_ok=True)
    done = subprocess.run(
        ["bash", "scripts/setup.sh", *args], cwd=root, capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    lines = log.read_text().splitlines() if log.exists() else []
    return [line for line in lines if "--upgrade" not in line]


def mode_of(root: Path) -> str:
    return (root / ".venv" / ".chroma-setup").read_text().split()[1]


def test_runtime_then_dev_then_runtime(checkout: Path) -> None:
    lock = "-c requirements/lock.txt"
    assert setup(checkout, "--runtime") == [f"install --quiet {lock} -e ."]
    assert mode_of(checkout) == "runtime"
    assert setup(checkout, "--runtime") == []  # up to date: nothing to do
    # A runtime install does not satisfy dev: torch first, then the rest.
    assert setup(checkout) == [f"install --quiet {lock} torch", f"install --quiet {lock} -e .[dev]"]
    assert mode_of(checkout) == "dev"
    # A dev install satisfies every other mode.
    assert setup(checkout, "--runtime") == []
    assert setup(checkout, "--examples") == []
    assert mode_of(checkout) == "dev"


def test_examples_mode_and_a_changed_lock(checkout: Path) -> None:
    lock = "-c requirements/lock.txt"
    assert setup(checkout, "--examples") == [
        f"install --quiet {lock} torch",
        f"install --quiet {lock} -e .[examples]",
    ]
    assert setup(checkout, "--runtime") == []
    # Another lock: the same mode installs again (torch is there already).
    with (checkout / "requirements" / "lock.txt").open("a") as lockfile:
        lockfile.write("# changed\n")
    assert setup(checkout, "--runtime") == [f"install --quiet {lock} -e ."]
    assert mode_of(checkout) == "runtime"


def test_a_stamp_from_before_the_modes_counts_as_dev(checkout: Path) -> None:
    setup(checkout)
    stamp = checkout / ".venv" / ".chroma-setup"
    stamp.write_text(stamp.read_text().split()[0] + "\n")  # the old format: no mode
    assert setup(checkout) == []
    assert setup(checkout, "--runtime") == []


def test_an_unknown_mode_is_refused(checkout: Path) -> None:
    done = subprocess.run(
        ["bash", "scripts/setup.sh", "--everything"], cwd=checkout, capture_output=True, text=True
    )
    assert done.returncode == 2
    assert "usage: scripts/setup.sh [--runtime|--examples|--dev]" in done.stderr
