"""Every error leaves the server as ``{"error": {"code", "message", "where"}}``.

A :class:`~chroma.core.errors.ChromaError` keeps its status (4xx, 502) and message. Anything
else a route raises is a bug: the client gets a 500 in the same shape, with a generic message
and an id to find the server's log line by, never the exception's text or traceback.
"""

from __future__ import annotations

import logging
import secrets

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException

from chroma.core.errors import ChromaError

log = logging.getLogger("chroma.server")


def error_response(status: int, code: str, message: str, where: str | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "where": where}}, status_code=status
    )


def install(app: FastAPI) -> None:
    @app.exception_handler(ChromaError)
    async def _chroma_error(_request: Request, exc: ChromaError) -> JSONResponse:
        return error_response(exc.status_code, exc.code, exc.message, exc.where)

    @app.exception_handler(RequestValidationError)
    async def _validation_error(_request: Request, exc: RequestValidationError) -> JSONResponse:
        first = exc.errors()[0]
        where = ".".join(str(part) for part in first.get("loc", ()))
        return error_response(422, "invalid_input", str(first.get("msg")), where)

    @app.exception_handler(HTTPException)
    async def _http_error(request: Request, exc: HTTPException) -> JSONResponse:
        # Starlette's own answers (405 for a method a route does not take, 404 for a path
        # no route has) in the same shape as ours.
        code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
        response = error_response(exc.status_code, code, str(exc.detail), request.url.path)
        response.headers.update(exc.headers or {})
        return response

    # Starlette calls this from its outermost middleware and then re-raises the exception,
    # so uvicorn still logs the traceback ("Exception in ASGI application") right after the
    # line below, which ties it to the id the client was given.
    @app.exception_handler(Exception)
    async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
        error_id = secrets.token_hex(4)
        log.error(
            "internal error %s: %s %s raised %r", error_id, request.method, request.url.path, exc
        )
        return error_response(
            500,
            ChromaError.code,
            f"internal server error (id {error_id} in the server's log)",
        )
