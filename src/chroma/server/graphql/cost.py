"""What a GraphQL request would cost, read from its parsed document before anything runs.

The model is static and simple, so that a client can predict it (docs/graphql.md, "Limits")::

    cost(field)  = weight(field) + items(field) * cost(what it selects on each item)
    cost(object) = 1 + the cost of each field selected on it

- ``weight``: 10 for a root field (a query of its own, a mutation), the few expensive
  fields of :data:`WEIGHTS` (``facets`` and ``search`` read a whole project,
  ``totalCount`` counts it, ``neighbors`` searches a space), 0 for any other field: nested
  fields come from dataloaders, one batched query per field whatever the number of parents.
- ``items``: 1 for a field that answers one object; for a list, its ``first`` or ``k``
  argument, one item per name in ``fields`` (``facets``), the page size its parent was
  given (``datapoints(first: 100) { edges }``: 100 edges; ``facets(limit: 20)``: 20 values
  per facet), else :data:`DEFAULT_ITEMS`. Arguments given as variables count with the
  values sent; missing ones with the schema's defaults.
- Scalars cost nothing beyond the object that holds them.

Fragments count where they are spread (each one is measured once per place it can land,
so a document that spreads fragments into fragments cannot make this walk long), inline
fragments as if every type condition applied. Depth and aliases are counted on the same
walk: :class:`Measure`.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from graphql import (
    DocumentNode,
    FieldNode,
    FragmentDefinitionNode,
    FragmentSpreadNode,
    GraphQLArgument,
    GraphQLField,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLSchema,
    GraphQLType,
    InlineFragmentNode,
    IntValueNode,
    ListValueNode,
    OperationDefinitionNode,
    SchemaMetaFieldDef,
    SelectionSetNode,
    TypeMetaFieldDef,
    TypeNameMetaFieldDef,
    Undefined,
    ValueNode,
    VariableNode,
    get_named_type,
    get_operation_ast,
    is_composite_type,
)

DEFAULT_ITEMS = 10
"""Items assumed in a list no argument sizes (a project's datasets, a space's maps)."""
ROOT_WEIGHT = 10
WEIGHTS: Mapping[str, int] = {
    "Query.facets": 1000,
    "Query.search": 1000,
    "Query.searchByMeaning": 1000,
    "DatapointConnection.totalCount": 500,
    "Query.neighbors": 100,
    "Analysis.rows": 10,
}
"""Fields that cost more than the objects they answer, by schema coordinate."""
ITEM_ARGUMENTS = ("first", "k")
"""How many items a list holds (or, on a page, the lists directly inside it)."""
PER_ITEM_ARGUMENT = "limit"
"""How many items each list directly inside holds (``facets``: values per facet)."""
COUNTED_ARGUMENT = "fields"
"""A list argument naming one item each (``facets(fields: [...])``)."""
_SIZE_ARGUMENTS = frozenset((*ITEM_ARGUMENTS, PER_ITEM_ARGUMENT, COUNTED_ARGUMENT))
_CAP = 1 << 62  # costs stop growing here: a fragment bomb must not make huge integers


@dataclass(frozen=True)
class Measure:
    """What a request asks for, before it runs."""

    cost: int
    depth: int
    deepest: str
    """The response path of a deepest field (``project.spaces.projections.job``)."""
    aliases: int
    aliases_by_field: Mapping[str, int]
    """Aliases per schema coordinate (``Query.datapoints``)."""
    longest_alias: int
    cost_by_root: Mapping[str, int]
    """The cost of each root field, by its response key (a spread fragment: ``...Name``)."""


@dataclass(frozen=True)
class _Part:
    """The measure of some selections, on one object."""

    cost: int = 0
    depth: int = 0
    path: tuple[str, ...] = ()
    aliases: Counter[str] = field(default_factory=Counter)
    longest_alias: int = 0

    def plus(self, other: _Part) -> _Part:
        deeper = other if other.depth > self.depth else self
        return _Part(
            cost=min(self.cost + other.cost, _CAP),
            depth=deeper.depth,
            path=deeper.path,
            aliases=self.aliases + other.aliases,
            longest_alias=max(self.longest_alias, other.longest_alias),
        )


_NOTHING = _Part()


def measure(
    schema: GraphQLSchema,
    document: DocumentNode,
    operation_name: str | None = None,
    variables: Mapping[str, Any] | None = None,
    *,
    max_depth: int = 100,
) -> Measure | None:
    """The measure of the operation the request runs; None when there is none to run (a
    document without it: execution says so). Fields deeper than ``max_depth`` are not
    measured (the depth says max_depth + 1): such a request is refused for its depth."""
    operation = get_operation_ast(document, operation_name)
    root = schema.get_root_type(operation.operation) if operation is not None else None
    if operation is None or root is None:
        return None
    walk = _Walk(schema, document, operation, variables or {}, max_depth)
    total, by_root = _NOTHING, dict[str, int]()
    for selection in operation.selection_set.selections:
        part = walk.selections(SelectionSetNode(selections=(selection,)), root, None, 1)
        key = (
            f"...{selection.name.value}"
            if isinstance(selection, FragmentSpreadNode)
            else _response_key(selection)
            if isinstance(selection, FieldNode)
            else "...on"
        )
        by_root[key] = min(by_root.get(key, 0) + part.cost, _CAP)
        total = total.plus(part)
    return Measure(
        cost=total.cost,
        depth=total.depth,
        deepest=".".join(total.path),
        aliases=sum(total.aliases.values()),
        aliases_by_field=dict(total.aliases),
        longest_alias=total.longest_alias,
        cost_by_root=by_root,
    )


class _Walk:
    def __init__(
        self,
        schema: GraphQLSchema,
        document: DocumentNode,
        operation: OperationDefinitionNode,
        variables: Mapping[str, Any],
        max_depth: int,
    ) -> None:
        self.schema = schema
        self.max_depth = max_depth
        self.root = schema.query_type
        self.fragments = {
            d.name.value: d for d in document.definitions if isinstance(d, FragmentDefinitionNode)
        }
        self.variables = variables
        self.variable_defaults = {
            d.variable.name.value: d.default_value
            for d in operation.variable_definitions or ()
            if d.default_value is not None
        }
        self.measured: dict[tuple[str, int | None, int], _Part] = {}
        self.entered: set[str] = set()

    def selections(
        self,
        selection_set: SelectionSetNode,
        parent: GraphQLNamedType,
        page: int | None,
        level: int,
    ) -> _Part:
        """The selections on one object of type ``parent``, at depth ``level``; ``page``:
        the size its lists take when they have none of their own."""
        total = _NOTHING
        for selection in selection_set.selections:
            if isinstance(selection, FieldNode):
                part = self.field(selection, parent, page, level)
            elif isinstance(selection, InlineFragmentNode):
                condition = selection.type_condition
                on = self.schema.get_type(condition.name.value) if condition else parent
                part = self.selections(selection.selection_set, on or parent, page, level)
            elif isinstance(selection, FragmentSpreadNode):
                part = self.fragment(selection.name.value, page, level)
            else:
                continue
            total = total.plus(part)
        return total

    def fragment(self, name: str, page: int | None, level: int) -> _Part:
        key = (name, page, level)
        if key in self.measured:
            return self.measured[key]
        definition = self.fragments.get(name)
        on = self.schema.get_type(definition.type_condition.name.value) if definition else None
        if definition is None or on is None or name in self.entered:
            return _NOTHING  # unknown or cyclic: validation refused the document already
        self.entered.add(name)
        part = self.selections(definition.selection_set, on, page, level)
        self.entered.discard(name)
        self.measured[key] = part
        return part

    def field(
        self, node: FieldNode, parent: GraphQLNamedType, page: int | None, level: int
    ) -> _Part:
        name = node.name.value
        definition = self._definition(parent, name)
        key = _response_key(node)
        coordinate = f"{parent.name}.{name}"
        aliases: Counter[str] = Counter({coordinate: 1} if node.alias else {})
        longest = len(node.alias.value) if node.alias else 0
        if level > self.max_depth:
            return _Part(depth=1, path=(key,), aliases=aliases, longest_alias=longest)
        if definition is None or not is_composite_type(get_named_type(definition.type)):
            # A scalar (or a list of them): paid for by its object, unless listed.
            return _Part(
                cost=WEIGHTS.get(coordinate, 0),
                depth=1,
                path=(key,),
                aliases=aliases,
                longest_alias=longest,
            )
        sizes = self._sizes(node, definition)
        is_list = _is_list(definition.type)
        given = next((size for a in ITEM_ARGUMENTS if (size := sizes.get(a)) is not None), None)
        items = 1
        if is_list:
            items = (
                given if given is not None else sizes.get(COUNTED_ARGUMENT) or page or DEFAULT_ITEMS
            )
        inner_page = sizes.get(PER_ITEM_ARGUMENT)
        if inner_page is None and not is_list:
            inner_page = given
        child = (
            self.selections(
                node.selection_set, get_named_type(definition.type), inner_page, level + 1
            )
            if node.selection_set is not None
            else _NOTHING
        )
        weight = WEIGHTS.get(coordinate, ROOT_WEIGHT if self._is_root(parent) else 0)
        return _Part(
            cost=min(weight + max(items, 0) * (1 + child.cost), _CAP),
            depth=1 + child.depth,
            path=(key, *child.path),
            aliases=aliases + child.aliases,
            longest_alias=max(longest, child.longest_alias),
        )

    def _definition(self, parent: GraphQLNamedType, name: str) -> GraphQLField | None:
        if name == "__typename":
            return TypeNameMetaFieldDef
        if parent is self.root and name == "__schema":
            return SchemaMetaFieldDef
        if parent is self.root and name == "__type":
            return TypeMetaFieldDef
        if isinstance(parent, GraphQLObjectType | GraphQLInterfaceType):
            found: GraphQLField | None = parent.fields.get(name)
            return found
        return None

    def _is_root(self, parent: GraphQLNamedType) -> bool:
        return parent in (self.schema.query_type, self.schema.mutation_type)

    def _sizes(self, node: FieldNode, definition: GraphQLField) -> dict[str, int | None]:
        """The field's size arguments, as the request gives them (literals, variables,
        defaults); None for one it does not give as a number (a list for ``fields``):
        such a request fails when it runs, after costing nothing."""
        sizes: dict[str, int | None] = {}
        for name in _SIZE_ARGUMENTS & definition.args.keys():
            value = self._argument(node, name, definition.args[name])
            if name == COUNTED_ARGUMENT:
                sizes[name] = len(value) if isinstance(value, list) else None
            else:
                sizes[name] = value if type(value) is int else None
        return sizes

    def _argument(self, node: FieldNode, name: str, argument: GraphQLArgument) -> object:
        given = next((a.value for a in node.arguments or () if a.name.value == name), None)
        if isinstance(given, VariableNode):
            variable = given.name.value
            if variable in self.variables:
                return self.variables[variable]
            given = self.variable_defaults.get(variable)
        if given is None:
            default = argument.default_value
            return None if default is Undefined else default
        return _literal(given)


def _literal(value: ValueNode) -> object:
    """An int or a list (of anything: only its length counts) written in the document."""
    if isinstance(value, IntValueNode):
        return int(value.value)
    if isinstance(value, ListValueNode):
        return list(value.values)
    return None


def _response_key(node: FieldNode) -> str:
    return node.alias.value if node.alias else node.name.value


def _is_list(type_: GraphQLType) -> bool:
    while isinstance(type_, GraphQLNonNull):
        type_ = type_.of_type
    return isinstance(type_, GraphQLList)
