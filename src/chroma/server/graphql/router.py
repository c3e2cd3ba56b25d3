"""``/graphql``: Strawberry on FastAPI, one context (store + fresh dataloaders) per request."""

from __future__ import annotations

from fastapi import APIRouter
from strawberry.fastapi import GraphQLRouter

from chroma.db.store import Store
from chroma.server.graphql.context import ChromaContext
from chroma.server.graphql.schema import schema


def graphql_router(store: Store) -> APIRouter:
    async def context() -> ChromaContext:
        return ChromaContext(store)

    return GraphQLRouter(schema, context_getter=context)
