"""The GraphQL schema, assembled once; ``schema.graphql`` at the repo root is its print."""

from __future__ import annotations

import strawberry
from graphql import GraphQLError
from strawberry.extensions import ValidationCache
from strawberry.tools import merge_types
from strawberry.types import ExecutionContext

from chroma.server.graphql.audit import AuditQueries, AuditWrites
from chroma.server.graphql.corrections import CorrectionMutations, CorrectionQueries
from chroma.server.graphql.document_cache import DocumentCache
from chroma.server.graphql.errors import DescribeErrors, is_server_fault
from chroma.server.graphql.limits import RequestLimits
from chroma.server.graphql.mutation import Mutation
from chroma.server.graphql.query import Query
from chroma.server.graphql.roles import MutationRoles
from chroma.server.graphql.users import UserMutations, UserQueries


class ChromaSchema(strawberry.Schema):
    def process_errors(
        self, errors: list[GraphQLError], execution_context: ExecutionContext | None = None
    ) -> None:
        # Strawberry logs every error with a traceback; keep the log for server faults.
        super().process_errors([e for e in errors if is_server_fault(e)], execution_context)


# RequestLimits after DescribeErrors: its answers are written before they are described;
# MutationRoles after RequestLimits (a request refused for its size is not looked into);
# AuditWrites records the mutation fields that succeeded, after they ran.
# Documents parsed and validated once are reused (document_cache.py); RequestLimits sets
# the parse options DocumentCache keys by, so it comes first.
schema = ChromaSchema(
    query=merge_types("Query", (Query, UserQueries, AuditQueries, CorrectionQueries)),
    mutation=merge_types("Mutation", (Mutation, UserMutations, CorrectionMutations)),
    extensions=[
        DescribeErrors,
        RequestLimits,
        MutationRoles,
        AuditWrites,
        DocumentCache,
        ValidationCache,
    ],
)
