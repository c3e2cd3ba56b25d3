"""A server that accepts the connection but answers /healthz slowly is waited for.

The SDK fails fast when nothing listens at its URL (connection refused: "No Chroma server
answered"), but a loaded machine's server can take longer than that fail-fast deadline to
answer; it is there, and `check_health` waits for it up to the client's timeout.
"""

from __future__ import annotations

import socket
import threading
import time
from collections.abc import Iterator

import pytest

import chroma
from chroma.sdk._client import HEALTH_DEADLINE_S, Client


def _serve_slowly(listener: socket.socket, delay: float, stop: threading.Event) -> None:
    while not stop.is_set():
        try:
            connection, _ = listener.accept()
        except OSError:
            return
        with connection:
            connection.recv(65536)
            time.sleep(delay)
            connection.sendall(
                b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
            )


@pytest.fixture
def slow_server() -> Iterator[str]:
    """/healthz answered only after the SDK's fail-fast deadline has passed."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    stop = threading.Event()
    thread = threading.Thread(
        target=_serve_slowly, args=(listener, HEALTH_DEADLINE_S + 1.0, stop), daemon=True
    )
    thread.start()
    try:
        yield f"http://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        listener.close()


def test_a_slow_server_is_waited_for(slow_server: str) -> None:
    client = Client(slow_server, timeout=10.0)
    try:
        client.check_health()  # answers after the fail-fast deadline: no error
    finally:
        client.close()


def test_a_slow_server_past_the_timeout_is_reported(slow_server: str) -> None:
    client = Client(slow_server, timeout=1.0)
    try:
        with pytest.raises(chroma.ChromaConnectionError, match="No Chroma server answered"):
            client.check_health()
    finally:
        client.close()
