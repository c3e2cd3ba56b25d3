"""Every GraphQL document the UI sends, and GraphiQL's schema query, stay within the
default limits (docs/graphql.md, "Limits"), with the largest variables the UI sends.

The UI's documents are its ``graphql(`...`)`` strings (ui/src, codegen's input); a
document the UI sends carries the fragments it spreads. The SDK's are checked on the wire
(test_graphql_sdk_documents.py).
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import orjson
import pytest
from graphql import (
    DocumentNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    ListTypeNode,
    NamedTypeNode,
    NonNullTypeNode,
    OperationDefinitionNode,
    TypeNode,
    get_introspection_query,
    parse,
    print_ast,
    validate,
    visit,
)
from graphql.language import Visitor

from chroma.server.graphql.cost import measure
from chroma.server.graphql.limits import GraphQLLimits
from chroma.server.graphql.schema import schema
from chroma.settings import Settings

UI = Path(__file__).resolve().parents[2] / "ui" / "src"
LIMITS = GraphQLLimits.of(Settings())
LARGEST_PAGE = 1000  # the most any `first` / `k` / `limit` is served (services' maxima)
_GRAPHQL_CALL = re.compile(r"\bgraphql\(\s*`([^`]*)`\s*\)")


def ui_sources() -> list[str]:
    found = [
        match.group(1)
        for path in sorted(UI.rglob("*.ts*"))
        if "gql" not in path.relative_to(UI).parts
        for match in _GRAPHQL_CALL.finditer(path.read_text())
    ]
    assert found, f"no graphql(`...`) documents found under {UI}"
    return found


def tag_batch() -> int:
    """Datapoint ids the Explorer tags per request (the UI's longest variable)."""
    source = (UI / "explorer" / "SelectionPanel.tsx").read_text()
    match = re.search(r"const TAG_BATCH = ([\d_]+);", source)
    assert match, "TAG_BATCH is gone from SelectionPanel.tsx: update this test"
    return int(match.group(1).replace("_", ""))


def ui_operations() -> dict[str, DocumentNode]:
    """Each operation of the UI as sent: with the fragments it spreads."""
    definitions = [d for source in ui_sources() for d in parse(source).definitions]
    fragments = {d.name.value: d for d in definitions if isinstance(d, FragmentDefinitionNode)}
    operations = {}
    for operation in definitions:
        if isinstance(operation, OperationDefinitionNode):
            assert operation.name is not None, "the UI names its operations"
            used = _spread(operation, fragments)
            operations[operation.name.value] = DocumentNode(
                definitions=(operation, *(fragments[name] for name in sorted(used)))
            )
    return operations


def _spread(node: Any, fragments: dict[str, FragmentDefinitionNode]) -> set[str]:
    names: set[str] = set()

    class Spreads(Visitor):
        def enter_fragment_spread(self, spread: FragmentSpreadNode, *_: Any) -> None:
            names.add(spread.name.value)

    visit(node, Spreads())
    for name in list(names):
        names |= _spread(fragments[name], fragments)
    return names


def largest_variables(operation: OperationDefinitionNode) -> dict[str, Any]:
    """Variables as large as the UI makes them: every Int at the largest page served, id
    lists as long as a tag batch, other lists of one."""
    return {
        d.variable.name.value: _value(d.type, tag_batch())
        for d in operation.variable_definitions or ()
    }


def _value(type_node: TypeNode, items: int) -> Any:
    if isinstance(type_node, NonNullTypeNode):
        return _value(type_node.type, items)
    if isinstance(type_node, ListTypeNode):
        count = items if _named(type_node.type) == "ID" else 1
        return [_value(type_node.type, items) for _ in range(count)]
    assert isinstance(type_node, NamedTypeNode)
    return {"Int": LARGEST_PAGE, "ID": "1234567", "Boolean": True, "Float": 0.5}.get(
        type_node.name.value, "a-name-of-some-length"
    )


def _named(type_node: TypeNode) -> str:
    while isinstance(type_node, NonNullTypeNode | ListTypeNode):
        type_node = type_node.type
    assert isinstance(type_node, NamedTypeNode)
    return type_node.name.value


def check_within_limits(document: DocumentNode, variables: dict[str, Any]) -> int:
    """The document's cost, once checked against every default limit."""
    text = print_ast(document)
    parse(text, max_tokens=LIMITS.max_tokens)
    assert validate(schema._schema, document) == []
    body = orjson.dumps({"query": text, "variables": variables})
    assert len(body) <= LIMITS.max_body_bytes
    found = measure(schema._schema, document, None, variables, max_depth=LIMITS.max_depth)
    assert found is not None
    assert LIMITS.refusal(found) is None, LIMITS.refusal(found)
    return found.cost


def test_the_ui_documents_are_the_ones_codegen_typed() -> None:
    generated = (UI / "gql" / "gql.ts").read_text()
    for source in ui_sources():
        assert orjson.dumps(source).decode() in generated, "ui/src/gql is stale: run codegen"


@pytest.mark.parametrize("name", sorted(ui_operations()))
def test_each_ui_operation_is_within_the_default_limits(name: str) -> None:
    document = ui_operations()[name]
    operation = document.definitions[0]
    assert isinstance(operation, OperationDefinitionNode)
    cost = check_within_limits(document, largest_variables(operation))
    # Headroom: a screen may send a few of these at once.
    assert cost <= LIMITS.max_cost // 4, f"{name} costs {cost}"


def test_graphiqls_schema_query_is_within_the_default_limits() -> None:
    query = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
    )
    check_within_limits(parse(query), {})
