"""A real uvicorn server on 127.0.0.1 in a thread, for tests; stopped when the block ends."""

from __future__ import annotations

import socket
import threading
import time
from pathlib import Path

import uvicorn

from chroma.db.store import Store
from chroma.server.app import create_app
from chroma.server.process import uvicorn_options


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class LiveServer:
    """Serves ``create_app(store=store)``; disposes the store on exit when it owns it.

    With ``tls=(certfile, keyfile)`` (PEM files) it serves HTTPS.
    """

    def __init__(
        self, store: Store, *, owns_store: bool = False, tls: tuple[Path, Path] | None = None
    ) -> None:
        self.store = store
        self.owns_store = owns_store
        self.port = free_port()
        self.url = f"{'https' if tls else 'http'}://127.0.0.1:{self.port}"
        # Tests may add test-only routes to ``app`` before the block starts the server.
        self.app = create_app(store.settings, store=store)
        config = uvicorn.Config(
            self.app,
            host="127.0.0.1",
            port=self.port,
            log_level="warning",
            ssl_certfile=tls[0] if tls else None,
            ssl_keyfile=tls[1] if tls else None,
            **uvicorn_options(),
        )
        self.server = uvicorn.Server(config)
        self.thread = threading.Thread(target=self.server.run, daemon=True)

    def __enter__(self) -> LiveServer:
        self.thread.start()
        deadline = time.monotonic() + 20
        while not self.server.started:
            if time.monotonic() > deadline or not self.thread.is_alive():
                raise RuntimeError("test server did not start")
            time.sleep(0.02)
        return self

    def __exit__(self, *exc: object) -> None:
        self.server.should_exit = True
        self.thread.join(timeout=20)
        if self.owns_store:
            self.store.dispose()
