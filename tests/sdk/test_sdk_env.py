"""The SDK finds the server and its token in the environment (issue 13, item 6):
``CHROMA_URL`` and ``CHROMA_TOKEN``, with ``CHROMA_AUTH_TOKEN`` still read when
``CHROMA_TOKEN`` is not set; the examples pass no fixed URL."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import chroma
from live_server import LiveServer

TOKEN = "s3cret-token-0123456789"  # token_server's
EXAMPLES = Path(__file__).parents[2] / "examples"


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> pytest.MonkeyPatch:
    for name in ("CHROMA_URL", "CHROMA_TOKEN", "CHROMA_AUTH_TOKEN"):
        monkeypatch.delenv(name, raising=False)
    return monkeypatch


def log_and_read(project: str) -> int:
    with chroma.init(project=project, dataset="d", space="s") as run:
        run.log(np.ones((3, 2)))
    return len(chroma.read_vectors(project, "s"))


def test_url_and_token_come_from_chroma_url_and_chroma_token(
    token_server: LiveServer, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("CHROMA_URL", token_server.url)
    with pytest.raises(chroma.Unauthorized) as info:
        chroma.init(project="p", dataset="d", space="s")
    assert any("CHROMA_TOKEN" in note for note in info.value.__notes__)

    clean_env.setenv("CHROMA_TOKEN", TOKEN)
    assert log_and_read("from-env") == 3


def test_chroma_token_wins_over_chroma_auth_token(
    token_server: LiveServer, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("CHROMA_URL", token_server.url)
    clean_env.setenv("CHROMA_AUTH_TOKEN", "not-this-one-0123456789")
    clean_env.setenv("CHROMA_TOKEN", TOKEN)
    assert log_and_read("token-first") == 3


def test_chroma_auth_token_still_works_alone(
    token_server: LiveServer, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("CHROMA_URL", token_server.url)
    clean_env.setenv("CHROMA_AUTH_TOKEN", TOKEN)
    assert log_and_read("old-name") == 3


def test_an_argument_wins_over_the_environment(
    token_server: LiveServer, clean_env: pytest.MonkeyPatch
) -> None:
    clean_env.setenv("CHROMA_URL", "http://127.0.0.1:9")  # nothing there
    clean_env.setenv("CHROMA_TOKEN", "wrong-token-0123456789")
    with chroma.init(
        project="args", dataset="d", space="s", url=token_server.url, token=TOKEN
    ) as run:
        run.log(np.ones((2, 2)))
    assert run.inserted == 2


@pytest.mark.slow
def test_the_quickstart_example_finds_the_server_in_the_environment(
    token_server: LiveServer,
) -> None:
    """No ``--url``: the example reaches a server with auth on through the environment."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHROMA_")}
    env.update(CHROMA_URL=token_server.url, CHROMA_TOKEN=TOKEN)
    result = subprocess.run(
        [sys.executable, str(EXAMPLES / "quickstart/quickstart.py"), "--rows", "300"],
        env=env,
        capture_output=True,
        text=True,
        timeout=240,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"Open {token_server.url}" in result.stdout
    table = chroma.read_datapoints("quickstart", url=token_server.url, token=TOKEN)
    assert len(table) == 400
