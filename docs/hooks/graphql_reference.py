"""The GraphQL reference page, generated from the committed schema.graphql at build time.

schema.graphql is the one source (``make schema`` writes it from the code); this renders
its queries, mutations and types with their descriptions, in a fixed order, so the same
schema always gives the same page. Each type has the anchor ``#TypeName``.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from graphql import (
    GraphQLArgument,
    GraphQLEnumType,
    GraphQLField,
    GraphQLInputField,
    GraphQLInputObjectType,
    GraphQLInterfaceType,
    GraphQLList,
    GraphQLNamedType,
    GraphQLNonNull,
    GraphQLObjectType,
    GraphQLScalarType,
    GraphQLType,
    GraphQLUnionType,
    build_schema,
    print_ast,
    specified_scalar_types,
)
from mkdocs.structure.files import File

PAGE = "reference/graphql-schema.md"

HEADER = """\
# GraphQL schema

<!-- Generated from schema.graphql by docs/hooks/graphql_reference.py when the docs are
     built: change the code, run `make schema`, and this page follows. -->

Every query, mutation and type of `/graphql`, as in the repository's `schema.graphql`.
How to use them, the errors and the limits: [GraphQL API](../graphql.md).
"""

# Sections of types after the root operations: (title, kind), in this order.
KINDS: list[tuple[str, type[GraphQLNamedType]]] = [
    ("Objects", GraphQLObjectType),
    ("Interfaces", GraphQLInterfaceType),
    ("Unions", GraphQLUnionType),
    ("Inputs", GraphQLInputObjectType),
    ("Enums", GraphQLEnumType),
    ("Scalars", GraphQLScalarType),
]


def type_ref(kind: GraphQLType) -> str:
    """``[Dataset!]!`` with a link on each of our own named types."""
    if isinstance(kind, GraphQLNonNull):
        return type_ref(kind.of_type) + "!"
    if isinstance(kind, GraphQLList):
        return "\\[" + type_ref(kind.of_type) + "\\]"
    name = kind.name  # type: ignore[attr-defined]
    return f"`{name}`" if name in specified_scalar_types else f"[`{name}`](#{name})"


def one_line(text: str | None) -> str:
    """A description fit for a table cell."""
    return " ".join((text or "").split()).replace("|", "\\|")


def described(text: str | None, deprecated: str | None) -> str:
    """A table cell: the description, then why it is deprecated, if it is."""
    parts = [one_line(text), f"**Deprecated:** {one_line(deprecated)}" if deprecated else ""]
    return " ".join(part for part in parts if part)


def argument(name: str, arg: GraphQLArgument | GraphQLInputField) -> str:
    default = ""
    node = arg.ast_node
    if node is not None and node.default_value is not None:
        default = f" = {print_ast(node.default_value)}"
    return f"{name}: {arg.type}{default}"


def field_table(fields: dict[str, GraphQLField] | dict[str, GraphQLInputField]) -> list[str]:
    rows = ["| Field | Type | Description |", "|---|---|---|"]
    for name, field in fields.items():
        args = getattr(field, "args", None) or {}
        signature = f"{name}({', '.join(argument(a, arg) for a, arg in args.items())})"
        rows.append(
            f"| `{signature if args else name}` | {type_ref(field.type)} "
            f"| {described(field.description, field.deprecation_reason)} |"
        )
    return rows


def operations(title: str, prefix: str, root: GraphQLObjectType | None) -> list[str]:
    """One heading per root field: its description, signature, arguments and result."""
    if root is None:
        return []
    out = [f"## {title}", ""]
    for name, field in sorted(root.fields.items()):
        out += [f"### `{name}` {{#{prefix}-{name}}}", ""]
        if field.description:
            out += [field.description, ""]
        if field.deprecation_reason:
            out += [described(None, field.deprecation_reason), ""]
        args = ", ".join(argument(a, arg) for a, arg in field.args.items())
        out += ["```graphql", f"{name}{f'({args})' if args else ''}: {field.type}", "```", ""]
        explained = [(a, arg) for a, arg in field.args.items() if arg.description]
        if explained:
            out += [f"- `{a}`: {one_line(arg.description)}" for a, arg in explained] + [""]
        out += [f"Returns {type_ref(field.type)}.", ""]
    return out


def named_type(kind: GraphQLNamedType) -> list[str]:
    out = [f"### `{kind.name}` {{#{kind.name}}}", ""]
    if kind.description:
        out += [kind.description, ""]
    interfaces = getattr(kind, "interfaces", ())
    if interfaces:
        out += ["Implements " + ", ".join(type_ref(i) for i in interfaces) + ".", ""]
    if isinstance(kind, GraphQLObjectType | GraphQLInterfaceType | GraphQLInputObjectType):
        out += [*field_table(kind.fields), ""]
    elif isinstance(kind, GraphQLUnionType):
        out += ["One of " + ", ".join(type_ref(t) for t in kind.types) + ".", ""]
    elif isinstance(kind, GraphQLEnumType):
        out += ["| Value | Description |", "|---|---|"]
        out += [
            f"| `{name}` | {described(value.description, value.deprecation_reason)} |"
            for name, value in kind.values.items()
        ]
        out.append("")
    return out


def render(sdl: str) -> str:
    """The reference page of the schema ``sdl``, in Markdown."""
    schema = build_schema(sdl)
    roots = {schema.query_type, schema.mutation_type, schema.subscription_type}
    out = [HEADER]
    out += operations("Queries", "query", schema.query_type)
    out += operations("Mutations", "mutation", schema.mutation_type)
    out += operations("Subscriptions", "subscription", schema.subscription_type)
    ours = [
        kind
        for name, kind in sorted(schema.type_map.items())
        if not name.startswith("__") and name not in specified_scalar_types and kind not in roots
    ]
    for title, cls in KINDS:
        of_kind = [kind for kind in ours if type(kind) is cls]
        if of_kind:
            out += [f"## {title}", ""]
            for kind in of_kind:
                out += named_type(kind)
    return "\n".join(out).rstrip("\n") + "\n"


def _schema_path(config: Any) -> Path:
    return Path(config.config_file_path).parent / "schema.graphql"


def on_files(files: Any, *, config: Any) -> Any:
    text = render(_schema_path(config).read_text(encoding="utf-8"))
    files.append(File.generated(config, PAGE, content=text))
    return files


def on_serve(server: Any, *, config: Any, builder: Any) -> Any:
    server.watch(str(_schema_path(config)))
    return server
