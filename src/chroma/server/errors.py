"""Every error leaves the server as ``{"error": {"code", "message", "where"}}`` with a 4xx."""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse

from chroma.core.errors import ChromaError


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
