"""What every request must be before a route sees it: addressed to this server, and a
write only from a page of this server (or of an origin the admin named).

A browser lets any web page its user visits send requests to ``127.0.0.1:8000``; it only
keeps the page from reading the answers, and not even that after a DNS rebinding (the
page's own name re-pointed at 127.0.0.1). So, in this order:

1. **Host allow-list** (``Settings.allowed_hosts`` and the bind host, any port): another
   name in ``Host`` is a rebinding page (or a misrouted proxy): 421, nothing runs.
2. **Origin**: a write (POST, PUT, PATCH, DELETE) or a WebSocket whose ``Origin`` is not
   this server's own, a loopback page (the UI's dev server) or one of
   ``Settings.cors_origins`` is refused with 403. Browsers send ``Origin`` on every such
   request; the SDK and the CLI send none.
3. **Media types**: each write under ``/api/`` and ``/graphql`` takes only its own media
   type (ingest: the Arrow stream type; the rest: ``application/json``; a write without a
   body: none), refused with 415 otherwise. A cross-site form or ``text/plain`` request,
   the kinds a browser sends without asking the server first, never reaches a route.
4. **CORS** stays off (no ``Access-Control-*`` header) unless ``cors_origins`` names some.

Refusals use the shared error shape; nothing behind them runs.
"""

from __future__ import annotations

import ipaddress
from urllib.parse import urlsplit

from fastapi import FastAPI
from starlette.datastructures import Headers
from starlette.middleware.cors import CORSMiddleware
from starlette.types import ASGIApp, Receive, Scope, Send

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE
from chroma.server.errors import error_response
from chroma.services.remote_images import host_matches
from chroma.settings import Settings

JSON = "application/json"
BODY_MEDIA_TYPES = {"/api/v1/ingest": ARROW_STREAM_MEDIA_TYPE}
"""Writes that take another body than JSON, by path."""
GUARDED_PREFIXES = ("/api/", "/graphql")
SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS"})
WILDCARD_BINDS = frozenset({"0.0.0.0", "::", ""})


def install_request_guard(app: FastAPI, settings: Settings) -> None:
    """Install the guard (outermost: call it after every other middleware) and, when
    ``cors_origins`` names some, CORS for them."""
    if settings.cors_origins:
        app.add_middleware(
            CORSMiddleware,
            allow_origins=[origin_of(o) or o for o in settings.cors_origins],
            allow_methods=["GET", "POST"],
            allow_headers=["authorization", "content-type", "if-none-match"],
            expose_headers=[
                "content-disposition",
                "etag",
                "x-chroma-points",
                "x-chroma-rows",
                "x-chroma-uncompressed-bytes",
            ],
        )
    app.add_middleware(RequestGuard, settings=settings)


class RequestGuard:
    """The checks of the module docstring, as plain ASGI middleware (streams pass through
    untouched)."""

    def __init__(self, app: ASGIApp, settings: Settings) -> None:
        self.app = app
        self.hosts = [*settings.allowed_hosts, settings.host]
        self.origin_hosts = [host for host in self.hosts if host.strip() != "*"]
        self.any_address = settings.host.strip("[]") in WILDCARD_BINDS
        self.origins = {key for o in settings.cors_origins if (key := origin_of(o))}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] not in ("http", "websocket"):
            await self.app(scope, receive, send)
            return
        headers = Headers(scope=scope)
        refusal = self._refusal(scope, headers)
        if refusal is None:
            await self.app(scope, receive, send)
        elif scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})  # the handshake gets a 403
        else:
            status, code, message, where = refusal
            await error_response(status, code, message, where)(scope, receive, send)

    def _refusal(self, scope: Scope, headers: Headers) -> tuple[int, str, str, str] | None:
        host = headers.get("host", "")
        if not self._host_allowed(host):
            return (
                421,
                "host_not_allowed",
                "this server does not answer to the name in the Host header; if it is this "
                "server's name, add it to CHROMA_ALLOWED_HOSTS",
                "host",
            )
        method = scope.get("method", "GET")
        if scope["type"] == "http" and method in SAFE_METHODS:
            return None
        origin = headers.get("origin")
        if origin is not None and not self._origin_allowed(origin, host):
            return (
                403,
                "forbidden",
                "a cross-site request was refused: pages of other origins may not write to "
                "this server (CHROMA_CORS_ORIGINS names those that may)",
                "origin",
            )
        path = scope["path"]
        if scope["type"] == "http" and path.startswith(GUARDED_PREFIXES):
            return _media_type_refusal(path, method, headers)
        return None

    def _host_allowed(self, host: str) -> bool:
        name = _host_name(host)
        if not name:
            return False
        if self.any_address and _is_ip(name):
            return True
        return host_matches(name, self.hosts)

    def _origin_allowed(self, origin: str, host: str) -> bool:
        """A page of this server (its origin is the Host asked for, or a name this server
        answers to: behind a proxy that rewrites Host), a loopback page (the UI's dev
        server) or a named CORS origin. A ``*`` in ``allowed_hosts`` makes no page of any
        origin one of this server's."""
        key = origin_of(origin)
        if key is None:
            return False  # "null" (a sandboxed frame, a local file) or garbage
        authority = key.split("://", 1)[1]
        name = _host_name(authority)
        return (
            key in self.origins
            or authority == host.strip().lower()
            or _is_loopback(name)
            or host_matches(name, self.origin_hosts)
        )


def _media_type_refusal(
    path: str, method: str, headers: Headers
) -> tuple[int, str, str, str] | None:
    given = headers.get("content-type")
    essence = given.split(";", 1)[0].strip().lower() if given is not None else None
    wanted = BODY_MEDIA_TYPES.get(path.rstrip("/"), JSON)
    if essence == wanted or (wanted == JSON and essence is not None and essence.endswith("+json")):
        return None
    bodiless = headers.get("content-length", "0") == "0" and "transfer-encoding" not in headers
    if essence is None and bodiless and path.rstrip("/") not in BODY_MEDIA_TYPES:
        return None  # a write without a body (the SDK's refresh): nothing a form could carry
    return (
        415,
        "unsupported_media",
        f"{method} {path} takes a body of type {wanted}: send it with Content-Type: {wanted}",
        "content-type",
    )


def _host_name(host: str) -> str:
    """The name or address in a Host header value, without port or brackets."""
    host = host.strip().lower()
    if host.startswith("["):
        return host[1 : host.find("]")] if "]" in host else ""
    if host.count(":") == 1:
        host = host.split(":", 1)[0]
    return host


def origin_of(value: str, *, page: bool = False) -> str | None:
    """``scheme://host[:port]`` (lower case) of an Origin, or None when it is none.

    ``page=True`` reads a page's URL (a Referer): any path is allowed. A user name or
    password in it (``http://a@b``) makes it none, so no check is fooled by what comes
    before the ``@``.
    """
    try:
        parts = urlsplit(value.strip())
        parts.port  # noqa: B018 (raises ValueError when out of range)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc or "@" in parts.netloc:
        return None
    if not page and parts.path not in ("", "/"):
        return None
    return f"{parts.scheme}://{parts.netloc.lower()}"


def _is_ip(name: str) -> bool:
    try:
        ipaddress.ip_address(name)
    except ValueError:
        return False
    return True


def _is_loopback(name: str) -> bool:
    try:
        return ipaddress.ip_address(name).is_loopback
    except ValueError:
        return name == "localhost" or name.endswith(".localhost")
