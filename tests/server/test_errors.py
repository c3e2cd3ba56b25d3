"""A route that raises something unexpected answers 500 in the same JSON shape as a 4xx."""

from __future__ import annotations

import logging
import re
from collections.abc import Callable, Iterator
from pathlib import Path

import httpx
import pytest

from chroma.core.errors import ChromaError
from chroma.db.store import open_store
from chroma.sdk._client import Client
from chroma.settings import Settings
from live_server import LiveServer

FAILING = "/api/v1/test-only/fails"
SECRET = "postgresql://admin:hunter2@db.internal/chroma"


def _fails() -> None:
    raise RuntimeError(f"could not connect to {SECRET}")


@pytest.fixture
def failing_server(tmp_path: Path) -> Iterator[LiveServer]:
    """A real server (SQLite) with one extra route whose handler has a bug."""
    store = open_store(Settings(data_dir=tmp_path / "data", auto_jobs=False))
    live = LiveServer(store, owns_store=True)
    live.app.add_api_route(FAILING, _fails, methods=["GET"])
    # Ahead of the UI's catch-all GET route, which is added last.
    live.app.router.routes.insert(0, live.app.router.routes.pop())
    with live:
        yield live


def test_unexpected_exception_is_a_json_500_that_leaks_nothing(
    failing_server: LiveServer, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.ERROR, logger="chroma.server"):
        response = httpx.get(failing_server.url + FAILING, timeout=30)

    assert response.status_code == 500
    assert response.headers["content-type"] == "application/json"
    error = response.json()["error"]
    assert set(error) == {"code", "message", "where"}
    assert error["code"] == "internal"
    assert error["where"] is None
    found = re.fullmatch(
        r"internal server error \(id ([0-9a-f]{8}) in the server's log\)", error["message"]
    )
    assert found, error["message"]
    assert "hunter2" not in response.text
    assert "Traceback" not in response.text
    assert "RuntimeError" not in response.text

    # The server's log line carries the same id and what was raised.
    lines = [r.getMessage() for r in caplog.records if r.name == "chroma.server"]
    assert any(found.group(1) in line and "RuntimeError" in line for line in lines), lines


def test_a_4xx_and_the_500_share_one_shape(failing_server: LiveServer) -> None:
    missing = httpx.get(
        failing_server.url + "/api/v1/space", params={"project": "no", "space": "no"}, timeout=30
    )
    failed = httpx.get(failing_server.url + FAILING, timeout=30)
    assert missing.status_code == 404
    assert set(missing.json()["error"]) == set(failed.json()["error"])


def _request(client: Client) -> None:
    client.request("GET", FAILING)


def _download(client: Client) -> None:
    with client.download(FAILING):
        pass


@pytest.mark.parametrize("call", [_request, _download], ids=["httpx", "http.client"])
def test_the_sdk_raises_its_usual_error_with_the_servers_message(
    failing_server: LiveServer, call: Callable[[Client], None]
) -> None:
    client = Client(failing_server.url)  # the default retries: a 500 is not one to retry
    try:
        with pytest.raises(ChromaError) as info:
            call(client)
    finally:
        client.close()
    assert type(info.value) is ChromaError
    assert info.value.message.startswith("internal server error (id ")
    assert "hunter2" not in str(info.value)


def test_starlette_errors_answer_in_the_same_shape(failing_server: LiveServer) -> None:
    response = httpx.post(failing_server.url + "/healthz", timeout=30)  # a GET-only route
    assert response.status_code == 405
    assert response.headers["allow"] == "GET"
    assert response.json() == {
        "error": {
            "code": "method_not_allowed",
            "message": "Method Not Allowed",
            "where": "/healthz",
        }
    }
