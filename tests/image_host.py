"""An HTTP server of the test's own on 127.0.0.1: somebody's image host, the true outside
edge of the image-fetch tests, served by the standard library."""

from __future__ import annotations

import threading
from collections.abc import Callable, Mapping
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

Reply = tuple[int, str, bytes]
"""A whole answer: status, content type, body."""
Route = Callable[["ImageHost", BaseHTTPRequestHandler, str], None]
"""Answers one GET: (the host, the request's handler, its path)."""


class ImageHost:
    """Answers every GET with ``route(host, handler, path)``; records each request's path
    and Host header; ``release`` (set when the host stops) ends whatever a route waits on.

    Example:
        >>> with ImageHost(static({"/a.png": (200, "image/png", data)})) as host:
        ...     fetch(f"{host.url}/a.png")
    """

    def __init__(
        self,
        route: Route,
        *,
        address: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        self.requests: list[tuple[str, str]] = []  # (path, Host header)
        self.release = threading.Event()
        self.lock = threading.Lock()
        host = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                with host.lock:
                    host.requests.append((self.path, self.headers.get("host", "")))
                route(host, self, self.path)

            def log_message(self, *_args: Any) -> None:
                pass

        self.httpd = ThreadingHTTPServer((address, port), Handler)
        self.port = int(self.httpd.server_address[1])
        self.url = f"http://{address}:{self.port}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)

    def __enter__(self) -> ImageHost:
        self.thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.release.set()
        self.httpd.shutdown()
        self.httpd.server_close()
        self.thread.join(timeout=10)

    def paths(self) -> list[str]:
        with self.lock:
            return [path for path, _host in self.requests]

    @staticmethod
    def answer(
        handler: BaseHTTPRequestHandler,
        status: int,
        body: bytes,
        *,
        content_type: str = "image/png",
        location: str | None = None,
    ) -> None:
        handler.send_response(status)
        handler.send_header("content-type", content_type)
        handler.send_header("content-length", str(len(body)))
        if location is not None:
            handler.send_header("location", location)
        handler.end_headers()
        handler.wfile.write(body)


def static(
    replies: Mapping[str, Reply],
) -> Callable[[ImageHost, BaseHTTPRequestHandler, str], None]:
    """A route answering from a table of paths; 404 for any other."""

    def route(host: ImageHost, handler: BaseHTTPRequestHandler, path: str) -> None:
        status, content_type, body = replies.get(path, (404, "text/plain", b"gone"))
        host.answer(handler, status, body, content_type=content_type)

    return route
