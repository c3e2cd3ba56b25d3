"""Schemathesis (hypothesis-graphql) against the GraphQL schema of a real server, on SQLite and
PostgreSQL (issue 14): every query and mutation field gets generated documents, valid and
invalid by the schema, half of their string and id arguments naming rows of a seeded
project. Never an HTTP 5xx nor a GraphQL error with ``code: internal``, every error with
its code and ``where``, and a refused request changes no row and no file. Queries first,
then mutations, deletes last; the seeded project is made again when a mutation renamed or
deleted part of it.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import graphql
import httpx
import pytest
import schemathesis
from fuzz_checks import Fuzzer, Tally, conclude, one_connection_per_request, run_examples
from fuzz_seed import Seeds, intact, seed
from fuzz_state import StateWatch
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.graphql import nodes

from chroma.db.store import Store
from live_server import LiveServer

PARAM_NAMES = ["k", "n_neighbors", "min_dist", "perplexity", "metric", "landmarks", "field"]
FIELD_NAMES = st.sampled_from(PARAM_NAMES) | st.from_regex(r"\A[_A-Za-z][_0-9A-Za-z]{0,8}\Z")
JSON_LEAVES = (
    st.just(nodes.Null)
    | st.booleans().map(nodes.Boolean)
    | (st.integers() | st.sampled_from([-1, 2**63, 10**400])).map(nodes.Int)
    | st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float)
    | st.text(max_size=10).map(nodes.String)
)


def _object(fields: dict[str, graphql.ValueNode]) -> graphql.ObjectValueNode:
    return nodes.Object(
        [
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v)
            for k, v in fields.items()
        ]
    )


# The JSON scalar (analysis and map params, metadata values in filters) as GraphQL literals:
# objects of parameter-like names, lists, and numbers beyond 64 bits and beyond any float.
schemathesis.graphql.scalar(
    "JSON",
    st.recursive(
        JSON_LEAVES,
        lambda inner: (
            st.lists(inner, max_size=3).map(nodes.List)
            | st.dictionaries(FIELD_NAMES, inner, max_size=3).map(_object)
        ),
        max_leaves=8,
    ),
)
SEEDABLE = (graphql.StringValueNode, graphql.IntValueNode, graphql.ListValueNode)


def borrow(query: str, data: st.DataObject, seeds: Seeds) -> str:
    """With even odds, ``query`` with some string or id arguments (and filter fields) set to
    seeded names and ids."""
    if not data.draw(st.booleans(), label="borrow seeded values"):
        return query
    try:
        document = graphql.parse(query)
    except graphql.GraphQLError:
        return query  # an invalid document stays as generated

    def seeded(name: str, value: graphql.ValueNode) -> graphql.ValueNode | None:
        options = seeds.graphql(name)
        if not options or not isinstance(value, SEEDABLE):
            return None
        if not data.draw(st.booleans(), label=f"seed {name}"):
            return None
        choice = graphql.StringValueNode(value=data.draw(st.sampled_from(options), label=name))
        if isinstance(value, graphql.ListValueNode):
            return graphql.ListValueNode(values=(choice,))
        return choice

    class Borrow(graphql.Visitor):
        def enter_argument(self, node: graphql.ArgumentNode, *_: Any) -> Any:
            value = seeded(node.name.value, node.value)
            return None if value is None else graphql.ArgumentNode(name=node.name, value=value)

        def enter_object_field(self, node: graphql.ObjectFieldNode, *_: Any) -> Any:
            value = seeded(node.name.value, node.value)
            return None if value is None else graphql.ObjectFieldNode(name=node.name, value=value)

    return graphql.print_ast(graphql.visit(document, Borrow()))


def order(operation: Any) -> tuple[int, str]:
    """Queries, then mutations, deletes last (they take the seeded rows away)."""
    label: str = operation.label
    rank = 0 if label.startswith("Query.") else 2 if ".delete" in label else 1
    return rank, label


@pytest.mark.slow  # over a minute on either database
def test_graphql(
    server: LiveServer,
    http: httpx.Client,
    store: Store,
    seeds: Seeds,
    watch: StateWatch,
    tally: Tally,
    record_property: Callable[[str, object], None],
) -> None:
    schema = schemathesis.graphql.from_url(f"{server.url}/graphql")
    fuzzer = Fuzzer(tally, watch)
    operations = sorted((result.ok() for result in schema.get_all_operations()), key=order)
    assert len(operations) >= 30

    with one_connection_per_request() as session:

        def send(case: Case, data: st.DataObject) -> None:
            query = borrow(str(case.body), data, seeds)
            response = session.post(f"{server.url}/graphql", json={"query": query}, timeout=60)
            request = f"{case.operation.label}: {query[:500]!r}"
            fuzzer.graphql(request, response.status_code, response.content)

        for operation in operations:
            for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
                run_examples(operation, mode, send)
            if operation.label.startswith("Mutation.") and not intact(store):
                vars(seeds).update(vars(seed(http, store)))
                watch.reset()

    conclude(tally, record_property)
