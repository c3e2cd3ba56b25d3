"""Placeholder until the GraphQL schema lands."""

from __future__ import annotations

from fastapi import APIRouter

from chroma.db.store import Store


def graphql_router(store: Store) -> APIRouter:
    return APIRouter()
