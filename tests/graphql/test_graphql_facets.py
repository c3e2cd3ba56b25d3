"""``facets``: per field, values with counts (and min/max of numbers), on both databases.

Expected counts are computed here from the rows logged, independently of the server.
"""

from __future__ import annotations

from collections import Counter
from typing import Any

import pytest
from graphql_client import GraphQLClient, heldout_rows, train_rows

FACETS = """
query ($project: String!, $space: String, $datasets: [String!], $fields: [String!],
       $limit: Int! = 100) {
  facets(project: $project, space: $space, datasets: $datasets, fields: $fields,
         limit: $limit) {
    field kind distinct missing total min max values { value count }
  }
}
"""
EXTRA = [
    {"key": f"extra-{i}", "label": "fish", "metadata": {"n": 100 + i, "odd": [i]}} for i in range(5)
]


@pytest.fixture
def logged(gql: GraphQLClient, demo: dict[str, Any]) -> None:
    """The demo project, plus 5 train rows that have a vector in space "other" only, and
    two tags."""
    gql.log(EXTRA, dataset="train", space="other")
    ids = {
        n["key"]: n["id"]
        for n in gql.data('{ datapoints(project: "demo", first: 1000) { nodes { id key } } }')[
            "datapoints"
        ]["nodes"]
    }
    tag = """mutation ($ids: [ID!]!, $tags: [String!]!) {
      addTags(project: "demo", datapointIds: $ids, tags: $tags) { changed } }"""
    gql.data(tag, ids=[ids[f"train-{i}"] for i in range(4)], tags=["review"])
    gql.data(tag, ids=[ids["train-0"], ids["test-1"], ids["extra-0"]], tags=["odd"])


def by_field(facets: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {f["field"]: f for f in facets}


def counts(facet: dict[str, Any]) -> dict[str, int]:
    return {v["value"]: v["count"] for v in facet["values"]}


def test_facets_of_a_space_count_only_its_datapoints(gql: GraphQLClient, logged: None) -> None:
    rows = train_rows() + heldout_rows()
    found = by_field(gql.data(FACETS, project="demo", space="clip")["facets"])
    assert list(found) == [
        "label", "prediction", "dataset", "tags",
        "metadata.code", "metadata.flag", "metadata.n", "metadata.split",
    ]  # fmt: skip
    assert counts(found["label"]) == dict(Counter(r["label"] for r in rows))
    assert found["label"]["kind"] == "CATEGORY"
    assert found["label"]["total"] == 42
    assert found["label"]["missing"] == 0
    assert counts(found["prediction"]) == dict(Counter(r["prediction"] for r in rows))
    assert counts(found["dataset"]) == {"train": 30, "test": 12}
    assert counts(found["tags"]) == {"review": 4, "odd": 2}  # extra-0 is not in "clip"
    assert found["tags"]["kind"] == "TAGS"
    assert found["tags"]["missing"] == 42 - 5

    n = found["metadata.n"]
    assert n["kind"] == "NUMBER"
    assert (n["min"], n["max"], n["missing"]) == (0, 29, 0)
    assert counts(n) == {str(k): v for k, v in Counter(r["metadata"]["n"] for r in rows).items()}
    flag = found["metadata.flag"]
    assert flag["kind"] == "CATEGORY"
    assert counts(flag) == {"true": 6, "false": 24}
    assert flag["missing"] == 12  # the test rows have no flag
    assert counts(found["metadata.split"]) == {"a": 10, "b": 20, "c": 12}
    code = found["metadata.code"]  # digits as strings stay strings
    assert code["kind"] == "CATEGORY"
    assert code["min"] is None
    assert code["distinct"] == 30


def test_without_a_space_every_datapoint_counts_and_values_rank_by_count(
    gql: GraphQLClient, logged: None
) -> None:
    found = by_field(gql.data(FACETS, project="demo", datasets=["train"], limit=2)["facets"])
    label = found["label"]
    assert label["total"] == 35
    assert label["values"] == [{"value": "cat", "count": 15}, {"value": "dog", "count": 15}]
    assert label["distinct"] == 3  # fish is beyond the limit
    assert counts(found["tags"]) == {"review": 4, "odd": 2}
    n = found["metadata.n"]
    assert (n["min"], n["max"]) == (0, 104)
    assert "metadata.odd" not in found  # only lists: nothing scalar to count
    odd = gql.data(FACETS, project="demo", fields=["metadata.odd"])["facets"][0]
    assert (odd["kind"], odd["values"], odd["missing"]) == ("CATEGORY", [], 47)


def test_chosen_fields_in_the_order_asked(gql: GraphQLClient, logged: None) -> None:
    found = gql.data(FACETS, project="demo", fields=["metadata.split", "dataset"])["facets"]
    assert [f["field"] for f in found] == ["metadata.split", "dataset"]
    assert counts(found[1]) == {"train": 35, "test": 12}
    missing = gql.data(FACETS, project="demo", fields=["metadata.nope"])["facets"][0]
    assert (missing["values"], missing["missing"], missing["total"]) == ([], 47, 47)


@pytest.mark.parametrize(
    ("variables", "where"),
    [
        ({"project": "nope"}, "project"),
        ({"project": "demo", "space": "nope"}, "space"),
        ({"project": "demo", "datasets": ["nope"]}, "datasets"),
        ({"project": "demo", "fields": ["colour"]}, "fields"),
        ({"project": "demo", "fields": ["metadata."]}, "fields"),
        ({"project": "demo", "limit": 0}, "limit"),
    ],
)
def test_bad_arguments_say_where(
    gql: GraphQLClient, logged: None, variables: dict[str, Any], where: str
) -> None:
    error = gql.error(FACETS, **variables)
    assert error["extensions"]["where"] == where, error
