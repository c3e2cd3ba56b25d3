"""The GraphQL schema, assembled once; ``schema.graphql`` at the repo root is its print."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ValidationCache
from strawberry.types import ExecutionContext

from chroma.server.graphql.document_cache import DocumentCache
from chroma.server.graphql.errors import DescribeErrors, is_server_fault
from chroma.server.graphql.limits import RequestLimits
from chroma.server.graphql.mutation import Mutation
from chroma.server.graphql.query import Query


class ChromaSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry logs every error with a traceback; keep the log for server faults.
        super().process_errors([e for e in errors if is_server_fault(e)], execution_context)


# RequestLimits after DescribeErrors: its answers are written before they are described.
# Documents parsed and validated once are reused (document_cache.py); RequestLimits sets
# the parse options DocumentCache keys by, so it comes first.
schema = ChromaSchema(
    query=Query,
    mutation=Mutation,
    extensions=[DescribeErrors, RequestLimits, DocumentCache, ValidationCache],
)
