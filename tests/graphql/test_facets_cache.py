"""``facets`` answers are kept per process (``services/facets.ANSWERS``), keyed by revisions.

The cache must be used (a repeated question reads no datapoint row) and must never answer
with old data: every write that changes what facets count (new rows, re-logged rows, tags,
label corrections, a dataset renamed) changes the next answer, on both databases. Two
stores in one process whose rows have the same ids and revisions keep their answers apart.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
from graphql_client import GraphQLClient
from sql_statements import ran_statements

from chroma.db.store import Store
from chroma.services import facets as facet_service

FACETS = """
query ($space: String) {
  facets(project: "demo", space: $space) { field total values { value count } }
}
"""


def answer(gql: GraphQLClient, space: str | None = "clip") -> dict[str, dict[str, int]]:
    found = gql.data(FACETS, space=space)["facets"]
    return {f["field"]: {v["value"]: v["count"] for v in f["values"]} for f in found}


def reads_datapoints(sql: list[str]) -> bool:
    """Whether any statement counted datapoint rows (the facets' own work)."""
    return any("datapoint" in s.lower() and "group by" in s.lower() for s in sql)


@pytest.fixture(autouse=True)
def empty_cache() -> Iterator[None]:
    facet_service.ANSWERS.clear()
    yield
    facet_service.ANSWERS.clear()


def test_a_repeated_question_is_answered_from_the_cache(
    gql: GraphQLClient, store: Store, demo: dict[str, Any]
) -> None:
    with ran_statements(store) as first:
        fresh = answer(gql)
    assert reads_datapoints(first)
    with ran_statements(store) as second:
        again = answer(gql)
    assert again == fresh
    assert not reads_datapoints(second), second
    # Another question (no space) is counted, then kept too.
    with ran_statements(store) as other:
        answer(gql, space=None)
    assert reads_datapoints(other)


def test_every_write_that_changes_the_counts_changes_the_answer(
    gql: GraphQLClient, demo: dict[str, Any]
) -> None:
    before = answer(gql)
    assert before["label"]["cat"] == 19  # 15 train, 4 test

    gql.log([{"key": "new-0", "label": "cat", "metadata": {"split": "z"}}], dataset="train")
    after_log = answer(gql)
    assert after_log["label"]["cat"] == 20
    assert after_log["metadata.split"]["z"] == 1

    gql.log([{"key": "new-0", "label": "dog"}], dataset="train")  # the same key, logged again
    relogged = answer(gql)
    assert relogged["label"]["cat"] == 19
    assert relogged["label"]["dog"] == before["label"]["dog"] + 1

    ids = gql.data('{ datapoints(project: "demo", first: 2) { nodes { id } } }')["datapoints"]
    first, second = (node["id"] for node in ids["nodes"])
    gql.data(
        'mutation ($ids: [ID!]!) { addTags(project: "demo", datapointIds: $ids, '
        'tags: ["look"]) { changed } }',
        ids=[first, second],
    )
    assert answer(gql)["tags"] == {"look": 2}

    gql.data(
        'mutation ($id: ID!) { correctLabels(project: "demo", corrections: '
        '[{datapointId: $id, decision: RELABEL, label: "zebra"}]) { id } }',
        id=first,
    )
    assert answer(gql)["label"]["zebra"] == 1

    gql.data('mutation { renameDataset(project: "demo", name: "test", newName: "held") { name } }')
    assert set(answer(gql)["dataset"]) == {"train", "held"}


def test_two_stores_with_the_same_revisions_keep_their_answers_apart(
    gql: GraphQLClient, store: Store, demo: dict[str, Any]
) -> None:
    from chroma.db.store import open_store  # a second store on the same database

    answer(gql)
    other = open_store(store.settings, migrate=False)
    try:
        assert other.instance != store.instance
        with ran_statements(other) as sql:
            found = facet_service.facets(other, project="demo", space="clip")
        assert reads_datapoints(sql)  # not the first store's answer
        assert {f.field: f.total for f in found}["label"] == 42
    finally:
        other.dispose()


def test_an_answer_with_too_many_values_is_not_kept(
    gql: GraphQLClient, store: Store, demo: dict[str, Any], monkeypatch: pytest.MonkeyPatch
) -> None:
    """A question may ask for millions of values (200 fields x 10,000): such an answer is
    counted every time rather than held in memory. Here the bound is lowered below the demo's
    ~120 values instead of logging that many."""
    monkeypatch.setattr(facet_service, "MAX_KEPT_VALUES", 10)
    answer(gql)
    assert len(facet_service.ANSWERS) == 0
    with ran_statements(store) as again:
        answer(gql)
    assert reads_datapoints(again)
