"""``chroma application run``: serves, greets, stops cleanly, refuses unsafe binds."""

from __future__ import annotations

import http.client
import signal
import socket
import time
from pathlib import Path

import httpx
import pytest
from chroma_cli import Chroma

from chroma.cli.application import is_loopback
from chroma.server.static import STATIC_DIR
from live_server import free_port


@pytest.mark.slow
@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_run_serves_the_ui_and_stops_cleanly_on_a_signal(
    chroma: Chroma, tmp_path: Path, sig: signal.Signals
) -> None:
    data_dir = tmp_path / "data"
    with chroma.serve("--data-dir", str(data_dir)) as served:
        root = httpx.get(f"{served.url}/", timeout=10)
        assert root.status_code == 200
        assert root.headers["content-type"].startswith("text/html")
        if (STATIC_DIR / "index.html").is_file():
            assert "has not been built" not in root.text
        else:
            assert "has not been built" in root.text

        assert served.stop(sig) == 0, served.output()

    output = served.output()
    assert f"is running at {served.url} (database sqlite:///{data_dir / 'chroma.db'})" in output
    assert output.rstrip().endswith("Chroma stopped.")
    assert "Traceback" not in output
    assert (data_dir / "chroma.db").is_file()  # migrated at start


@pytest.mark.slow
def test_an_idle_connection_outlives_the_sdk_s_pool(chroma: Chroma, tmp_path: Path) -> None:
    """The SDK (httpx) drops a pooled connection after 5 s idle; uvicorn's own default
    closes it after 5 s too, and a request sent on it at that moment is lost with
    "connection closed without response". The server must keep it open longer."""
    with chroma.serve("--data-dir", str(tmp_path / "data")) as served:
        connection = http.client.HTTPConnection(served.url.removeprefix("http://"), timeout=10)
        try:

            def healthz() -> int:
                connection.request("GET", "/healthz")
                answer = connection.getresponse()
                answer.read()
                return answer.status

            assert healthz() == 200
            opened = connection.sock
            time.sleep(6)
            # http.client sends on the open socket: had the server closed it, this fails.
            assert healthz() == 200
            assert connection.sock is opened  # one connection, reused
        finally:
            connection.close()
        assert served.stop() == 0


@pytest.mark.slow
def test_auth_token_from_the_environment_guards_every_route_but_health(
    chroma: Chroma, tmp_path: Path
) -> None:
    env = {"CHROMA_AUTH_TOKEN": "s3cret-token-0123456789"}
    with chroma.serve("--data-dir", str(tmp_path / "data"), env=env) as served:
        assert httpx.get(f"{served.url}/healthz", timeout=10).status_code == 200
        # The UI's shell is open (it shows the sign-in page); the APIs are not.
        assert httpx.get(f"{served.url}/", timeout=10).status_code == 200
        assert httpx.get(f"{served.url}/api/v1/me", timeout=10).status_code == 401
        authorized = {"Authorization": "Bearer s3cret-token-0123456789"}
        me = httpx.get(f"{served.url}/api/v1/me", headers=authorized, timeout=10)
        assert me.status_code == 200
        assert served.stop() == 0
    assert "API calls need the bearer token" in served.output()


@pytest.mark.parametrize(
    ("token", "why"),
    [("", "empty or blank"), ("   ", "empty or blank"), ("s3cret", "too short (6 characters")],
    ids=["empty", "blank", "short"],
)
def test_a_weak_auth_token_is_refused_at_start(
    chroma: Chroma, tmp_path: Path, token: str, why: str
) -> None:
    data_dir = tmp_path / "data"
    result = chroma.run(
        "application",
        "run",
        "--port",
        str(free_port()),
        "--data-dir",
        str(data_dir),
        env={"CHROMA_AUTH_TOKEN": token},
    )
    assert result.returncode == 2
    assert f"CHROMA_AUTH_TOKEN is {why}" in result.stderr
    assert "secrets.token_urlsafe" in result.stderr
    assert not data_dir.exists()  # refused before touching anything


@pytest.mark.parametrize(
    ("args", "env"),
    [(["--host", "0.0.0.0"], {}), ([], {"CHROMA_HOST": "0.0.0.0"})],
    ids=["flag", "environment"],
)
def test_non_loopback_host_without_a_token_is_refused(
    chroma: Chroma, tmp_path: Path, args: list[str], env: dict[str, str]
) -> None:
    data_dir = tmp_path / "data"
    result = chroma.run(
        "application",
        "run",
        "--port",
        str(free_port()),
        "--data-dir",
        str(data_dir),
        *args,
        env=env,
    )
    assert result.returncode == 2
    assert "refusing to listen on 0.0.0.0 without an auth token" in result.stderr
    assert "CHROMA_AUTH_TOKEN" in result.stderr
    assert not data_dir.exists()  # refused before touching anything


@pytest.mark.slow
def test_port_in_use_fails_without_claiming_to_run(chroma: Chroma, tmp_path: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = str(taken.getsockname()[1])
        result = chroma.run(
            "application", "run", "--port", port, "--data-dir", str(tmp_path / "data")
        )
    assert result.returncode != 0
    assert "address already in use" in result.stderr
    assert "is running at" not in result.stdout


@pytest.mark.parametrize(
    ("host", "loopback"),
    [
        ("127.0.0.1", True),
        ("127.0.0.2", True),
        ("::1", True),
        ("[::1]", True),
        ("localhost", True),
        ("0.0.0.0", False),
        ("::", False),
        ("192.168.1.10", False),
        ("example.com", False),
    ],
)
def test_is_loopback(host: str, loopback: bool) -> None:
    assert is_loopback(host) is loopback
