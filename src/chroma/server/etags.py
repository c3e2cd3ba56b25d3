"""Conditional GETs: answer 304 when the client already holds what an ETag names."""

from __future__ import annotations

from fastapi import Request


def quoted(tag: str) -> str:
    return f'"{tag}"'


def client_has(request: Request, etag: str) -> bool:
    """Whether ``If-None-Match`` names ``etag`` (quoted) or is ``*``."""
    matches = request.headers.get("if-none-match", "")
    return etag in [tag.strip() for tag in matches.split(",")] or matches.strip() == "*"
