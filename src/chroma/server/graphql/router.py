"""``/graphql``: Strawberry on FastAPI, one context (store + fresh dataloaders) per request,
its body read under the size limit (``limits.py``)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from strawberry.fastapi import GraphQLRouter

from chroma.server.graphql.context import ChromaContext
from chroma.server.graphql.limits import GraphQLLimits, body_limited_route
from chroma.server.graphql.schema import schema
from chroma.services.store import Store


def graphql_router(store: Store) -> APIRouter:
    limits = GraphQLLimits.of(store.settings)

    async def context(request: Request) -> ChromaContext:
        # The app's job runner (create_app sets it): mutations that queue jobs submit them.
        return ChromaContext(store, getattr(request.app.state, "runner", None), limits)

    return GraphQLRouter(
        schema, context_getter=context, route_class=body_limited_route(limits.max_body_bytes)
    )
