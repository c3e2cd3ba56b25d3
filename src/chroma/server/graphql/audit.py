"""Records who made each write: every mutation field that succeeded becomes an audit
event (``services/audit.py``) with the principal, the field and its arguments (cut short,
secrets hidden), in one transaction right after the mutation. Admins read them back with
``auditEvents``.

A field that failed (its value is null, an error says why) changed nothing and is not
recorded. A schema run in-process (no HTTP request) records nothing.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import datetime
from typing import Any

import strawberry
from graphql import FieldNode, value_from_ast_untyped
from strawberry.extensions import SchemaExtension
from strawberry.scalars import JSON
from strawberry.types.graphql import OperationType

from chroma.server.graphql import described, offload
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import parse_id, to_id
from chroma.server.graphql.roles import request_principal, require_role, root_fields
from chroma.services import audit
from chroma.services.principals import Role


class AuditWrites(SchemaExtension):
    async def on_execute(self) -> AsyncIterator[None]:
        yield
        context = self.execution_context
        result = context.result
        principal = request_principal(context.context)
        if (
            principal is None
            or result is None
            or not isinstance(result.data, dict)
            or context.graphql_document is None
            or context.operation_type is not OperationType.MUTATION
        ):
            return
        writes = [
            audit.Write(node.name.value, _arguments(node, context.variables))
            for node in root_fields(context.graphql_document, context.operation_name)
            if result.data.get((node.alias or node.name).value) is not None
        ]
        await offload.run(audit.record, context.context.store, principal, writes)


def _arguments(node: FieldNode, variables: dict[str, Any] | None) -> dict[str, Any]:
    """The arguments as given (variables filled in; defaults left out)."""
    try:
        return {
            argument.name.value: value_from_ast_untyped(argument.value, variables)
            for argument in node.arguments or ()
        }
    except Exception:  # the resolver took them; keep the event regardless
        return {}


@strawberry.type(description="A write and who made it.")
class AuditEvent:
    id: strawberry.ID
    at: datetime
    principal: str = strawberry.field(description="The user's name (`token`: the server's).")
    role: str
    action: str = strawberry.field(description="The mutation, e.g. `addTags`.")
    details: JSON | None = strawberry.field(
        description="Its arguments; long lists are cut to their first entries and a count."
    )

    @classmethod
    def of(cls, record: audit.EventRecord) -> AuditEvent:
        return cls(
            id=to_id(record.id),
            at=record.at,
            principal=record.principal,
            role=record.role,
            action=record.action,
            details=JSON(record.details) if record.details is not None else None,
        )


@strawberry.type
class AuditQueries:
    @described.field("Who made which write, newest first (admins only).")
    async def audit_events(
        self, info: Info, first: int = 50, before: strawberry.ID | None = None
    ) -> list[AuditEvent]:
        require_role(info.context, Role.ADMIN, "auditEvents")
        before_id = parse_id(before, where="before") if before is not None else None
        found = await offload.run(audit.recent, info.context.store, first, before_id)
        return [AuditEvent.of(event) for event in found]
