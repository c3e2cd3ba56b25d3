"""Filtering datapoints: each part alone, parts combined, and the mistakes."""

from __future__ import annotations

import pytest

KEYS = """
query ($filter: DatapointFilter) {
  datapoints(project: "demo", filter: $filter, first: 1000) { totalCount nodes { key } }
}
"""


def keys(gql, filter_: dict | None) -> list[str]:
    """The matching keys; also checks that totalCount agrees with the page."""
    found = gql.data(KEYS, filter=filter_)["datapoints"]
    found_keys = [node["key"] for node in found["nodes"]]
    assert found["totalCount"] == len(found_keys)
    return found_keys


def train(*numbers: int) -> list[str]:
    return [f"train-{i}" for i in numbers]


def heldout(*numbers: int) -> list[str]:
    return [f"test-{i}" for i in numbers]


def test_no_filter_returns_the_whole_project_in_id_order(gql, demo) -> None:
    assert keys(gql, None) == train(*range(30)) + heldout(*range(12))
    assert keys(gql, {}) == train(*range(30)) + heldout(*range(12))


def test_by_dataset(gql, demo) -> None:
    assert keys(gql, {"datasets": ["test"]}) == heldout(*range(12))
    assert len(keys(gql, {"datasets": ["train", "test"]})) == 42
    assert keys(gql, {"datasets": []}) == []


def test_by_label(gql, demo) -> None:
    assert keys(gql, {"labels": ["bird"]}) == heldout(2, 5, 8, 11)
    assert len(keys(gql, {"labels": ["cat", "dog"]})) == 30 + 8


def test_by_prediction(gql, demo) -> None:
    assert keys(gql, {"predictions": ["bird"]}) == heldout(0, 4, 8)
    assert keys(gql, {"predictions": ["cat"], "datasets": ["train"]}) == train(*range(0, 30, 3))


def test_by_tag(gql, demo) -> None:
    ids = {
        n["key"]: n["id"] for n in gql.data(KEYS.replace("key", "key id"))["datapoints"]["nodes"]
    }
    add = """
    mutation ($ids: [ID!]!, $tags: [String!]!) {
      addTags(project: "demo", datapointIds: $ids, tags: $tags) { changed }
    }
    """
    gql.data(add, ids=[ids["train-3"], ids["test-1"]], tags=["odd"])
    gql.data(add, ids=[ids["train-4"]], tags=["even"])

    assert keys(gql, {"tags": ["odd"]}) == ["train-3", "test-1"]
    assert keys(gql, {"tags": ["odd", "even"]}) == ["train-3", "train-4", "test-1"]
    assert keys(gql, {"tags": ["never-made"]}) == []


@pytest.mark.parametrize(
    ("field", "equals", "expected"),
    [
        ("split", "a", train(*range(10))),
        ("split", "c", heldout(*range(12))),
        ("n", 11, train(11) + heldout(11)),
        ("n", 3.0, train(3) + heldout(3)),  # numbers compare by value
        ("flag", True, train(0, 5, 10, 15, 20, 25)),
        ("flag", False, train(*(i for i in range(30) if i % 5))),
        ("code", "7", train(7)),  # the string "7" ...
        ("code", 7, []),  # ... is not the number 7
        ("n", "7", []),  # ... nor the other way round
        ("missing", "a", []),
    ],
)
def test_by_metadata_field(gql, demo, field, equals, expected) -> None:
    assert keys(gql, {"metadata": [{"field": field, "equals": equals}]}) == expected


def test_metadata_field_names_with_dots_are_one_key(gql) -> None:
    gql.log(
        [{"key": "k1", "metadata": {"a.b": "x", "a": {"b": "x"}}}, {"key": "k2"}],
        project="demo",
    )
    assert keys(gql, {"metadata": [{"field": "a.b", "equals": "x"}]}) == ["k1"]


def test_parts_combine_with_and(gql, demo) -> None:
    combined = {
        "datasets": ["train"],
        "labels": ["cat"],
        "predictions": ["cat"],
        "metadata": [{"field": "split", "equals": "b"}, {"field": "flag", "equals": False}],
    }
    # cat: even; predicted cat: multiple of 3; split b: >= 10; flag false: not a multiple of 5
    assert keys(gql, combined) == train(12, 18, 24)


def test_variables_and_inline_literals_agree(gql, demo) -> None:
    inline = gql.data(
        '{ datapoints(project: "demo", filter: {metadata: [{field: "n", equals: 4}]}) '
        "{ nodes { key } } }"
    )
    assert [n["key"] for n in inline["datapoints"]["nodes"]] == ["train-4", "test-4"]


def test_unknown_dataset_is_not_found(gql, demo) -> None:
    error = gql.error(KEYS, filter={"datasets": ["train", "nope"]})
    assert error["message"] == "no dataset named 'nope' in project 'demo'"
    assert error["extensions"] == {"code": "not_found", "where": "filter.datasets"}


def test_metadata_equals_must_be_a_scalar(gql, demo) -> None:
    error = gql.error(KEYS, filter={"metadata": [{"field": "split", "equals": ["a"]}]})
    assert error["extensions"] == {"code": "invalid_input", "where": "filter.metadata"}
    assert "string, number or boolean" in error["message"]


def test_unknown_project_is_not_found(gql) -> None:
    error = gql.error('{ datapoints(project: "nope") { totalCount } }')
    assert error["extensions"] == {"code": "not_found", "where": "project"}
