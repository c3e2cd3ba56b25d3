"""Optional bearer-token auth: required on every route except /healthz when a token is set."""

from __future__ import annotations

import secrets
from collections.abc import Awaitable, Callable

from fastapi import FastAPI, Request, Response

from chroma.server.errors import error_response

OPEN_PATHS = frozenset({"/healthz"})


def install_token_auth(app: FastAPI, token: str | None) -> None:
    if not token:
        return
    expected = f"Bearer {token}"

    @app.middleware("http")
    async def _check_token(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if request.url.path in OPEN_PATHS:
            return await call_next(request)
        given = request.headers.get("authorization", "")
        if not secrets.compare_digest(given.encode(), expected.encode()):
            return error_response(
                401, "unauthorized", "missing or wrong bearer token", "authorization"
            )
        return await call_next(request)
