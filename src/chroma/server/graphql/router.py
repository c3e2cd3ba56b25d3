"""``/graphql``: Strawberry on FastAPI, one context (store + fresh dataloaders) per request,
its body read under the size limit (``limits.py``)."""

from __future__ import annotations

from typing import Any

from cross_web import HTTPException
from fastapi import APIRouter, Request
from fastapi.routing import APIRoute
from strawberry.fastapi import GraphQLRouter

from chroma.server.graphql.context import ChromaContext
from chroma.server.graphql.limits import GraphQLLimits, body_limited_route
from chroma.server.graphql.schema import schema
from chroma.services.store import Store

_TEXT = {"type": "string"}
_REQUEST = {
    "type": "object",
    "required": ["query"],
    "properties": {
        "query": _TEXT,
        "variables": {"type": ["object", "null"]},
        "operationName": {"type": ["string", "null"]},
    },
}
OPENAPI: dict[str, dict[str, Any]] = {
    "GET": {
        "summary": "GraphQL query (GraphiQL for a browser without one)",
        "parameters": [
            {"name": "query", "in": "query", "schema": _TEXT},
            {"name": "variables", "in": "query", "schema": _TEXT, "description": "JSON"},
            {"name": "operationName", "in": "query", "schema": _TEXT},
        ],
    },
    "POST": {
        "summary": "GraphQL query or mutation (schema.graphql, docs/graphql.md)",
        "requestBody": {"required": True, "content": {"application/json": {"schema": _REQUEST}}},
    },
}
"""What the GraphQL routes take, for ``/openapi.json`` (Strawberry declares neither)."""


class _Router(GraphQLRouter[ChromaContext, None]):
    def decode_json(self, data: str | bytes) -> object:
        """Strawberry's, refusing what it would let through as a server error: a body that
        is not UTF-8, JSON nested deeper than Python recurses, JSON that is no object (a
        list is a batch: Strawberry refuses it itself)."""
        try:
            decoded = super().decode_json(data)
        except UnicodeDecodeError as exc:
            raise HTTPException(400, "Unable to parse request body as JSON: not UTF-8") from exc
        except RecursionError as exc:
            raise HTTPException(
                400, "Unable to parse request body as JSON: nested too deep"
            ) from exc
        if not isinstance(decoded, dict | list):
            raise HTTPException(
                400,
                'a GraphQL request is a JSON object: {"query": ..., "variables": {...}} '
                f"(got {type(decoded).__name__})",
            )
        return decoded


def graphql_router(store: Store) -> APIRouter:
    limits = GraphQLLimits.of(store.settings)

    async def context(request: Request) -> ChromaContext:
        # The app's job runner (create_app sets it): mutations that queue jobs submit them.
        return ChromaContext(store, getattr(request.app.state, "runner", None), limits)

    router = _Router(
        schema, context_getter=context, route_class=body_limited_route(limits.max_body_bytes)
    )
    for route in router.routes:
        if isinstance(route, APIRoute):
            method = next(iter((route.methods or set()) & OPENAPI.keys()), None)
            if method is not None:
                route.openapi_extra = OPENAPI[method]
    return router
