"""The command starts, says its version and reports bad input without a traceback."""

from __future__ import annotations

import subprocess
import sys

import pytest
from chroma_cli import Chroma

from chroma._version import __version__


@pytest.mark.parametrize(
    "prefix",
    [[], [sys.executable, "-m", "chroma"], [sys.executable, "-m", "chroma.cli.main"]],
    ids=["console-script", "python-m-chroma", "python-m-chroma.cli.main"],
)
def test_version_from_every_entry_point(chroma: Chroma, prefix: list[str]) -> None:
    command = [*prefix, "--version"] if prefix else chroma.command("--version")
    result = subprocess.run(
        command, env=chroma.env, capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == f"chroma {__version__}\n"


REFUSED = "postgresql+psycopg://postgres@127.0.0.1:1/chroma"


@pytest.mark.parametrize(
    ("command", "url", "reason"),
    [
        (["db", "current"], REFUSED, "Connection refused"),
        (["db", "upgrade"], REFUSED, "Connection refused"),
        (["application", "run"], REFUSED, "Connection refused"),
        (["db", "upgrade"], "not a url", "Could not parse"),
    ],
    ids=["current-refused", "upgrade-refused", "run-refused", "upgrade-unparsable"],
)
def test_unusable_database_is_one_clear_line(
    chroma: Chroma, command: list[str], url: str, reason: str
) -> None:
    result = chroma.run(*command, "--database-url", url)
    assert result.returncode == 1
    assert "Traceback" not in result.stderr
    assert result.stderr.count("\n") == 1, result.stderr
    assert result.stderr.startswith("Error: cannot use the database ")
    assert reason in result.stderr


def test_database_password_is_never_printed(chroma: Chroma) -> None:
    result = chroma.run(
        "db", "current", "--database-url", "postgresql+psycopg://me:s3cret@127.0.0.1:1/x"
    )
    assert result.returncode == 1
    assert "s3cret" not in result.stdout + result.stderr
    assert "me:***@127.0.0.1" in result.stderr


def test_bad_setting_in_the_environment_names_the_variable(chroma: Chroma) -> None:
    result = chroma.run("application", "run", env={"CHROMA_PORT": "eighty"})
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    assert "invalid setting CHROMA_PORT" in result.stderr
