"""Depth, aliases, tokens and cost: a request over a limit is refused before anything runs.

Issue 14, item 5: 100 aliases of ``datapoints(first: 1000)`` ran 33 s and grew the server
by 1 GB; 200 aliases of ``facets`` exhausted the connection pool. Every refusal here is a
GraphQL error (HTTP 200, ``data: null``) with ``code: payload_too_large``, ``where:
query`` and the setting to change in its message, and the database sees no statement.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import replace
from typing import Any

import httpx
import pytest
import strawberry.schema.schema as strawberry_schema
from graphql_client import GraphQLClient
from sql_statements import ran_statements

from chroma.db.store import Store
from chroma.settings import Settings
from live_server import LiveServer

DEFAULTS = Settings()
PAGE_OF_1000 = (
    'datapoints(project: "demo", first: 1000) { edges { node { id key tags dataset { name } } } }'
)


def refused(gql: GraphQLClient, store: Store, query: str, **variables: Any) -> str:
    """The message of the refusal of ``query``, checked to have run nothing."""
    with ran_statements(store, job_table=False) as ran:
        response = gql.post(query, **variables)
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["data"] is None, body
    [error] = body["errors"]
    assert error["extensions"] == {"code": "payload_too_large", "where": "query"}, error
    assert ran == [], f"a refused request ran SQL: {ran[:3]}"
    return str(error["message"])


@contextmanager
def served_with(store: Store, **limits: int) -> Iterator[GraphQLClient]:
    """A second server on the same database, with some ``graphql_*`` settings changed."""
    settings = store.settings.model_copy(update={f"graphql_{k}": v for k, v in limits.items()})
    with (
        LiveServer(replace(store, settings=settings)) as live,
        httpx.Client(base_url=live.url, timeout=60) as http,
    ):
        yield GraphQLClient(http)


def test_pages_over_the_cost_budget_are_refused_naming_the_budget_and_the_cost(
    gql, demo, store
) -> None:
    nine = "{ " + " ".join(f"p{i}: {PAGE_OF_1000}" for i in range(9)) + " }"
    message = refused(gql, store, nine)
    budget = f"{DEFAULTS.graphql_max_cost:,}"
    assert f"budget of {budget}" in message
    assert "CHROMA_GRAPHQL_MAX_COST" in message
    assert "would cost 27,099" in message  # 9 x (10 + 1 + 1000 x 3): docs/graphql.md
    assert "p0: 3,011" in message

    # The same pages, fewer of them, are served.
    five = "{ " + " ".join(f"p{i}: {PAGE_OF_1000}" for i in range(5)) + " }"
    data = gql.data(five)
    assert len(data["p4"]["edges"]) == 42


def test_the_cost_counts_variables_as_sent(gql, demo, store) -> None:
    pages = " ".join(
        f'p{i}: datapoints(project: "demo", first: $n) {{ nodes {{ id }} }}' for i in range(3)
    )
    query = f"query ($n: Int!) {{ {pages} }}"
    assert "would cost 900,033" in refused(gql, store, query, n=300_000)  # 3 x (10 + 1 + n)
    assert len(gql.data(query, n=10)["p2"]["nodes"]) == 10


def test_the_issues_facets_flood_is_refused(gql, demo, store) -> None:
    flood = "{ " + " ".join(f'f{i}: facets(project: "demo") {{ field }}' for i in range(200)) + " }"
    assert "200 aliases" in refused(gql, store, flood)

    eleven = "{ " + " ".join(f'f{i}: facets(project: "demo") {{ field }}' for i in range(11)) + " }"
    message = refused(gql, store, eleven)
    assert "Query.facets under 11 aliases" in message
    assert "CHROMA_GRAPHQL_MAX_ALIASES_PER_FIELD" in message


def test_aliases_are_counted_in_total_and_where_fragments_are_spread(gql, demo, store) -> None:
    mixed = (
        "{ " + " ".join(f"a{i}: projects {{ name }} b{i}: jobs {{ id }}" for i in range(16)) + " }"
    )
    message = refused(gql, store, mixed)
    assert "32 aliases" in message
    assert "CHROMA_GRAPHQL_MAX_ALIASES" in message

    # 12 aliases written, 36 once the fragment lands in four places.
    spread = (
        "{ " + " ".join(f'x{i}: project(name: "demo") {{ ...Names }}' for i in range(4)) + " }"
        " fragment Names on Project { " + " ".join(f"n{i}: name" for i in range(8)) + " }"
    )
    assert "36 aliases" in refused(gql, store, spread)


def test_a_mutation_over_a_limit_changes_nothing(gql, store) -> None:
    creates = (
        "mutation { "
        + " ".join(f'c{i}: createProject(name: "p{i}") {{ name }}' for i in range(11))
        + " }"
    )
    assert "Mutation.createProject under 11 aliases" in refused(gql, store, creates)
    assert gql.data("{ projects { name } }") == {"projects": []}


def test_a_query_deeper_than_the_limit_is_refused(gql, store) -> None:
    # job > space > projections > job > ... : 16 fields deep with the leaf.
    inner = "id"
    for name in reversed(["job", "space", "projections"] * 5):
        inner = f"{name} {{ {inner} }}"
    deep = "{ " + inner.replace("job {", 'job(id: "1") {', 1) + " }"
    message = refused(gql, store, deep)
    assert f"more than {DEFAULTS.graphql_max_depth} deep" in message
    assert "CHROMA_GRAPHQL_MAX_DEPTH" in message
    assert "job.space.projections.job" in message


def test_a_document_over_the_token_limit_is_refused_while_parsing(gql, store) -> None:
    many = "{ projects { " + "name " * DEFAULTS.graphql_max_tokens + "} }"
    message = refused(gql, store, many)
    assert f"more than {DEFAULTS.graphql_max_tokens:,} tokens" in message
    assert "CHROMA_GRAPHQL_MAX_TOKENS" in message


def test_fragments_spread_into_fragments_are_measured_without_expanding_them(gql, store) -> None:
    # F30 expands to 2**30 fields: counting them one by one would never finish.
    fragments = "fragment F0 on Query { a: __typename }\n" + "\n".join(
        f"fragment F{i} on Query {{ ...F{i - 1} ...F{i - 1} }}" for i in range(1, 31)
    )
    assert "1,073,741,824 aliases" in refused(gql, store, "{ ...F30 }\n" + fragments)


def test_a_long_alias_is_refused_rather_than_sent_back(gql, store) -> None:
    alias = "b" * 5000
    message = refused(gql, store, f"{{ {alias}: projects {{ name }} }}")
    assert "alias of 5,000 characters" in message
    assert alias not in message


def test_the_limits_are_settings(gql, demo, store) -> None:
    page = '{ datapoints(project: "demo", first: 100) { nodes { id } } }'  # costs 111
    assert len(gql.data(page)["datapoints"]["nodes"]) == 42
    with served_with(store, max_cost=100, max_depth=3, max_aliases=1) as strict:
        assert "budget of 100 " in refused(strict, store, page)
        assert "more than 3 deep" in refused(
            strict, store, '{ project(name: "demo") { spaces { projections { id } } } }'
        )
        assert "2 aliases" in refused(strict, store, "{ a: projects { name } b: jobs { id } }")
        assert strict.data('{ project(name: "demo") { name } }') == {"project": {"name": "demo"}}


def test_a_document_kept_from_a_roomier_server_is_still_refused_here(gql, demo, store) -> None:
    """Parsed documents are kept between requests in one cache per process
    (document_cache.py): one that fitted another server's larger token limit must still be
    refused under this server's limit, not served from the cache."""
    labels = ", ".join(['"no such label"'] * DEFAULTS.graphql_max_tokens)
    many = f'{{ datapoints(project: "demo", filter: {{labels: [{labels}]}}) {{ nodes {{ id }} }} }}'
    with served_with(store, max_tokens=DEFAULTS.graphql_max_tokens * 2) as roomy:
        for _ in range(2):  # parsed, then from the cache
            assert roomy.data(many)["datapoints"]["nodes"] == []
    assert "more than 10,000 tokens" in refused(gql, store, many)


def test_a_document_sent_again_is_not_parsed_again(
    gql, demo, monkeypatch: pytest.MonkeyPatch
) -> None:
    parsed: list[str] = []
    parse = strawberry_schema.parse

    def counting(query: str, **options: Any) -> Any:
        parsed.append(query)
        return parse(query, **options)

    monkeypatch.setattr(strawberry_schema, "parse", counting)
    # A text no other test sent: the cache is the process's, shared by every test in it.
    query = f'{{ project(name: "demo") {{ datasets {{ name }} }} }} # {uuid.uuid4().hex}'
    for _ in range(3):
        assert gql.data(query)["project"]["datasets"]
    assert parsed == [query]
