"""Who may run which mutation: checked once per request, before anything runs.

Every query is a read (a viewer's); a mutation needs an editor, and one that deletes (or
manages users and tokens) an admin. A new mutation is an editor's unless named here or
called ``delete…``: the safe default for a write. A refused request runs none of its
fields and answers one error, ``code: forbidden``, ``where: role``.
"""

from __future__ import annotations

from collections.abc import Iterator

from graphql import (
    DocumentNode,
    ExecutionResult,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLError,
    InlineFragmentNode,
    OperationDefinitionNode,
    SelectionSetNode,
)
from strawberry.extensions import SchemaExtension
from strawberry.types.graphql import OperationType

from chroma.services.principals import NOBODY_ASKED, Principal, Role

ADMIN_MUTATIONS = frozenset(
    {"addUser", "setUserRole", "removeUser", "createApiToken", "revokeApiToken"}
)
"""Mutations for admins besides the ``delete…`` ones (``users.py``)."""


def needed_role(mutation: str) -> Role:
    if mutation.startswith("delete") or mutation in ADMIN_MUTATIONS:
        return Role.ADMIN
    return Role.EDITOR


def mutation_fields(document: DocumentNode, operation_name: str | None) -> set[str]:
    """The root fields the operation selects, fragments followed."""
    return {node.name.value for node in root_fields(document, operation_name)}


def root_fields(document: DocumentNode, operation_name: str | None) -> list[FieldNode]:
    """The root field nodes the operation selects, fragments followed."""
    fragments = {
        d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
    }
    operations = [d for d in document.definitions if isinstance(d, OperationDefinitionNode)]
    chosen = [
        op
        for op in operations
        if operation_name is None or (op.name and op.name.value == operation_name)
    ]
    found: list[FieldNode] = []
    seen: set[str] = set()

    def walk(selections: SelectionSetNode) -> None:
        for selection in selections.selections:
            if isinstance(selection, FieldNode):
                found.append(selection)
            elif isinstance(selection, InlineFragmentNode):
                walk(selection.selection_set)
            elif isinstance(selection, FragmentSpreadNode):
                name = selection.name.value
                if name not in seen and name in fragments:
                    seen.add(name)
                    walk(fragments[name].selection_set)

    for operation in chosen[:1]:
        walk(operation.selection_set)
    return found


class MutationRoles(SchemaExtension):
    """Refuses a mutation the request's principal (``server/auth.py``) may not run."""

    def on_execute(self) -> Iterator[None]:
        context = self.execution_context
        principal = request_principal(context.context)
        if (
            context.result is None  # no earlier refusal (the request limits)
            and principal is not None
            and context.graphql_document is not None
            and context.operation_type is OperationType.MUTATION
        ):
            fields = mutation_fields(context.graphql_document, context.operation_name)
            needed = max((needed_role(name) for name in fields), default=Role.EDITOR)
            if not principal.may(needed):
                refusal = principal.refusal(needed, ", ".join(sorted(fields)))
                error = GraphQLError(refusal.message, original_error=refusal)
                context.result = ExecutionResult(data=None, errors=[error])
        yield


ANONYMOUS = Principal("anonymous", Role.VIEWER)


def principal_or_local(context: object) -> Principal:
    """The request's principal; in-process (no HTTP request), the local admin."""
    return request_principal(context) or NOBODY_ASKED


def require_role(context: object, needed: Role, field: str) -> None:
    """Refuse (``forbidden``, ``where: role``) a field the principal's role does not
    reach: for queries, which the per-request check leaves alone."""
    principal = principal_or_local(context)
    if not principal.may(needed):
        raise principal.refusal(needed, field)


def request_principal(context: object) -> Principal | None:
    """The request's principal; None for a schema run in-process (no HTTP request). An
    HTTP request always has one (the auth gate is in front of ``/graphql``); were it
    missing, the request could read and not write."""
    request = getattr(context, "request", None)
    if request is None:
        return None
    principal = getattr(request.state, "principal", None)
    return principal if isinstance(principal, Principal) else ANONYMOUS
