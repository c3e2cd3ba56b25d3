"""Text search (issue 16): GraphQL ``search`` and ``services/search.py``, on both databases.

Every field matches, case is ignored, the text is taken literally (``%``, ``_``, ``\\``, a
regex that would backtrack), a project never sees another's rows, ``first`` truncates,
and bad input is refused with a clear error and nothing changed.
"""

from __future__ import annotations

import time
from typing import Any

import httpx
import pytest
from graphql import parse
from graphql_client import GraphQLClient

from chroma.core.errors import InvalidInput, NotFound, PayloadTooLarge
from chroma.db.models import ProjectionSet
from chroma.server.graphql.cost import measure
from chroma.server.graphql.schema import schema
from chroma.services import catalog, search

SEARCH = """
query ($project: String!, $text: String!, $field: String, $projection: ID, $first: Int!) {
  search(project: $project, text: $text, field: $field, projection: $projection,
         first: $first) { count truncated datapointIds }
}
"""
KEYS = """
query ($project: String!) {
  datapoints(project: $project, first: 1000) { totalCount nodes { id key } }
}
"""


def rows() -> list[dict[str, Any]]:
    return [
        {"key": "alpha-1", "label": "Cat", "prediction": "dog", "text": "A small TABBY"},
        {"key": "alpha-2", "label": "dog", "prediction": "cat", "metadata": {"owner": "Zoë"}},
        {"key": "beta_3", "label": "bird", "text": "50% off, under_score", "metadata": {"x": 1}},
        {"key": "beta-4", "label": "fish", "text": "back\\slash and 50 percent"},
        {"key": "gamma", "metadata": {"place": "Kitchen table", "n": 42}},
    ]


@pytest.fixture
def demo(gql: GraphQLClient) -> dict[str, str]:
    """Project "demo" with the rows above in "train", and project "other" with look-alikes."""
    gql.log(rows(), dataset="train")
    gql.log([{"key": "alpha-other", "label": "cat", "text": "tabby"}], project="other", dataset="x")
    nodes = gql.data(KEYS, project="demo")["datapoints"]["nodes"]
    return {node["key"]: node["id"] for node in nodes}


def found(gql: GraphQLClient, text: str, **more: Any) -> dict[str, Any]:
    variables = {"project": "demo", "text": text, "first": 100_000, **more}
    return dict(gql.data(SEARCH, **variables)["search"])


def hits(gql: GraphQLClient, ids: dict[str, str], text: str, **more: Any) -> list[str]:
    """The keys found, in id order; checks the count agrees."""
    result = found(gql, text, **more)
    keys_by_id = {v: k for k, v in ids.items()}
    assert result["count"] == len(result["datapointIds"])
    assert result["truncated"] is False
    return [keys_by_id[i] for i in result["datapointIds"]]


def test_each_field_matches(gql, demo) -> None:
    assert hits(gql, demo, "alpha") == ["alpha-1", "alpha-2"]  # key
    assert hits(gql, demo, "fish") == ["beta-4"]  # label
    assert hits(gql, demo, "dog") == ["alpha-1", "alpha-2"]  # prediction, label
    assert hits(gql, demo, "small") == ["alpha-1"]  # text
    assert hits(gql, demo, "kitchen") == ["gamma"]  # a metadata value
    assert hits(gql, demo, "place") == ["gamma"]  # a metadata key: its JSON text
    assert hits(gql, demo, "42") == ["gamma"]  # a number, as written
    assert hits(gql, demo, "nothing like it") == []


def test_one_field_only(gql, demo) -> None:
    assert hits(gql, demo, "dog", field="label") == ["alpha-2"]
    assert hits(gql, demo, "dog", field="prediction") == ["alpha-1"]
    assert hits(gql, demo, "alpha", field="text") == []
    assert hits(gql, demo, "table", field="metadata") == ["gamma"]
    assert hits(gql, demo, "beta", field="key") == ["beta_3", "beta-4"]


def test_case_is_ignored(gql, demo) -> None:
    assert hits(gql, demo, "tabby") == ["alpha-1"]
    assert hits(gql, demo, "CAT") == ["alpha-1", "alpha-2"]
    assert hits(gql, demo, "KiTcHeN") == ["gamma"]


def test_wildcards_and_escapes_are_plain_text(gql, demo) -> None:
    assert hits(gql, demo, "50%") == ["beta_3"]  # not "50 percent"
    assert hits(gql, demo, "%") == ["beta_3"]
    assert hits(gql, demo, "beta_") == ["beta_3"]  # "_" is not any character
    assert hits(gql, demo, "_") == ["beta_3"]
    assert hits(gql, demo, "back\\slash") == ["beta-4"]
    assert hits(gql, demo, "\\") == ["beta-4"]
    assert hits(gql, demo, "a.*") == []  # no regex either


def test_a_pattern_that_would_backtrack_is_just_text(gql, demo) -> None:
    evil = "(a+)+$" * 100 + "a" * 300 + "!"
    started = time.perf_counter()
    assert hits(gql, demo, evil) == []
    assert time.perf_counter() - started < 5


def test_a_project_never_sees_another_projects_rows(gql, demo) -> None:
    assert hits(gql, demo, "alpha-other") == []
    other = found(gql, "tabby", project="other")
    assert other["count"] == 1
    assert other["datapointIds"][0] not in demo.values()


def test_first_truncates_and_the_count_covers_every_hit(gql, demo) -> None:
    result = found(gql, "a", first=2)
    assert result["count"] == 5
    assert result["truncated"] is True
    assert result["datapointIds"] == sorted(demo.values(), key=int)[:2]
    whole = found(gql, "a", first=5)
    assert whole["truncated"] is False
    assert len(whole["datapointIds"]) == 5


@pytest.mark.parametrize(
    ("text", "more", "code", "where"),
    [
        ("", {}, "invalid_input", "text"),
        ("   ", {}, "invalid_input", "text"),
        ("a\x00b", {}, "invalid_input", "text"),
        ("x" * (search.MAX_TEXT_CHARS + 1), {}, "payload_too_large", "text"),
        ("cat", {"field": "colour"}, "invalid_input", "field"),
        ("cat", {"first": 0}, "invalid_input", "first"),
        ("cat", {"first": search.MAX_LIMIT + 1}, "invalid_input", "first"),
        ("cat", {"project": "nope"}, "not_found", "project"),
        ("cat", {"projection": "999"}, "not_found", "projection"),
    ],
)
def test_bad_input_is_refused_clearly(gql, demo, text, more, code, where) -> None:
    variables = {"project": "demo", "text": text, "first": 10, **more}
    error = gql.error(SEARCH, **variables)
    assert error["extensions"]["code"] == code, error
    assert error["extensions"]["where"] == where, error
    assert len(error["message"]) < 300  # the text is never echoed back whole
    assert gql.data(KEYS, project="demo")["datapoints"]["totalCount"] == 5


def test_a_lone_surrogate_is_refused_as_input(http: httpx.Client, demo) -> None:
    """JSON may spell one ("\\ud800"); no database takes it."""
    query = SEARCH.replace("\n", " ").replace('"', '\\"')
    variables = '{"project": "demo", "text": "a\\ud800b", "first": 10}'
    body = f'{{"query": "{query}", "variables": {variables}}}'
    response = http.post("/graphql", content=body, headers={"content-type": "application/json"})
    [error] = response.json()["errors"]
    assert error["extensions"] == {"code": "invalid_input", "where": "variables.text"}


def test_a_10_mb_search_text_is_refused_with_413_and_nothing_changes(
    http: httpx.Client, gql, demo
) -> None:
    before = gql.data("{ projects { name } }")
    response = http.post(
        "/graphql",
        json={"query": SEARCH, "variables": {"project": "demo", "text": "x" * (10 << 20)}},
    )
    assert response.status_code == 413, response.text[:300]
    assert response.json()["error"]["code"] == "payload_too_large"
    assert gql.data("{ projects { name } }") == before
    assert hits(gql, demo, "tabby") == ["alpha-1"]


def test_a_search_costs_like_a_scan_of_the_project() -> None:
    document = parse('{ search(project: "p", text: "x") { count truncated datapointIds } }')
    found_cost = measure(schema._schema, document)
    assert found_cost is not None
    assert found_cost.cost >= 1000


# The use case itself, with a map over one dataset.


def _project_with_a_map(store) -> tuple[int, dict[str, int]]:
    from chroma.db.models import Datapoint

    with store.write() as session:
        project = catalog.ensure_project(session, "demo")
        train = catalog.ensure_dataset(session, project, "train")
        test = catalog.ensure_dataset(session, project, "test")
        space = catalog.ensure_space(session, project, "clip", 4)
        points = {
            "train-cat": Datapoint(dataset_id=train.id, key="train-cat", label="cat"),
            "test-cat": Datapoint(dataset_id=test.id, key="test-cat", label="cat"),
        }
        session.add_all(points.values())
        projection = ProjectionSet(
            space_id=space.id, params={}, dataset_ids=[train.id], algorithm="pca"
        )
        session.add(projection)
        session.flush()
        return projection.id, {key: point.id for key, point in points.items()}


def test_a_map_limits_the_search_to_its_datasets(store) -> None:
    projection_id, ids = _project_with_a_map(store)
    with store.read() as session:
        everywhere = search.search(session, "demo", "CAT")
        on_the_map = search.search(session, "demo", "cat", projection_id=projection_id)
        with pytest.raises(NotFound):
            search.search(session, "demo", "cat", projection_id=projection_id + 1)
    assert everywhere.ids.tolist() == sorted(ids.values())
    assert on_the_map.ids.tolist() == [ids["train-cat"]]
    assert not on_the_map.truncated


def test_the_use_case_checks_before_it_reads(store) -> None:
    with store.read() as session:
        with pytest.raises(PayloadTooLarge):
            search.search(session, "nope", "x" * 10_000_000)
        with pytest.raises(InvalidInput):
            search.search(session, "nope", "")
        with pytest.raises(NotFound):
            search.search(session, "nope", "cat")


def test_like_patterns_escape_their_wildcards() -> None:
    assert search.like_pattern("50%_a\\b") == "%50\\%\\_a\\\\b%"
