"""Tagging many datapoints at once: idempotent, persisted, by ids or by filter."""

from __future__ import annotations

ADD = """
mutation ($project: String!, $ids: [ID!]!, $tags: [String!]!) {
  addTags(project: $project, datapointIds: $ids, tags: $tags) { matched changed }
}
"""
REMOVE = ADD.replace("addTags", "removeTags")
ADD_WHERE = """
mutation ($filter: DatapointFilter!, $tags: [String!]!) {
  addTagsWhere(project: "demo", filter: $filter, tags: $tags) { matched changed }
}
"""
REMOVE_WHERE = ADD_WHERE.replace("addTagsWhere", "removeTagsWhere")
TAGS = """
{
  project(name: "demo") { tags { name datapointCount } }
  datapoints(project: "demo", first: 1000) { nodes { key tags } }
}
"""


def ids_by_key(gql, project: str = "demo") -> dict[str, str]:
    query = "query ($p: String!) { datapoints(project: $p, first: 1000) { nodes { id key } } }"
    nodes = gql.data(query, p=project)["datapoints"]["nodes"]
    return {node["key"]: node["id"] for node in nodes}


def tag_state(gql) -> tuple[dict[str, int], dict[str, list[str]]]:
    """Project tag counts, and the tags of each tagged datapoint (read back fresh)."""
    data = gql.data(TAGS)
    counts = {t["name"]: t["datapointCount"] for t in data["project"]["tags"]}
    tagged = {n["key"]: n["tags"] for n in data["datapoints"]["nodes"] if n["tags"]}
    return counts, tagged


def test_add_tags_to_many_datapoints_is_idempotent(gql, demo) -> None:
    ids = ids_by_key(gql)
    chosen = [ids["train-1"], ids["train-2"], ids["test-0"]]

    first = gql.data(ADD, project="demo", ids=chosen, tags=["review", "hard"])
    again = gql.data(ADD, project="demo", ids=chosen, tags=["hard", "review"])

    assert first["addTags"] == {"matched": 3, "changed": 6}
    assert again["addTags"] == {"matched": 3, "changed": 0}
    counts, tagged = tag_state(gql)
    assert counts == {"hard": 3, "review": 3}
    assert tagged == {key: ["hard", "review"] for key in ("train-1", "train-2", "test-0")}


def test_adding_overlapping_sets_only_adds_what_is_new(gql, demo) -> None:
    ids = ids_by_key(gql)
    gql.data(ADD, project="demo", ids=[ids["train-1"]], tags=["a"])

    change = gql.data(ADD, project="demo", ids=[ids["train-1"], ids["train-2"]], tags=["a", "b"])

    assert change["addTags"] == {"matched": 2, "changed": 3}
    assert tag_state(gql)[1] == {"train-1": ["a", "b"], "train-2": ["a", "b"]}


def test_remove_tags_is_idempotent_and_drops_unused_tags(gql, demo) -> None:
    ids = ids_by_key(gql)
    both = [ids["train-1"], ids["train-2"]]
    gql.data(ADD, project="demo", ids=both, tags=["keep", "drop"])

    first = gql.data(REMOVE, project="demo", ids=both, tags=["drop"])
    again = gql.data(REMOVE, project="demo", ids=both, tags=["drop"])
    partial = gql.data(REMOVE, project="demo", ids=[ids["train-1"]], tags=["keep"])

    assert first["removeTags"] == {"matched": 2, "changed": 2}
    assert again["removeTags"] == {"matched": 2, "changed": 0}
    assert partial["removeTags"] == {"matched": 1, "changed": 1}
    counts, tagged = tag_state(gql)
    assert counts == {"keep": 1}
    assert tagged == {"train-2": ["keep"]}


def test_tags_belong_to_their_project(gql, demo) -> None:
    gql.log([{"key": "o1"}], project="other", dataset="d", space="s")
    other = ids_by_key(gql, "other")
    gql.data(ADD, project="other", ids=[other["o1"]], tags=["review"])

    assert tag_state(gql) == ({}, {})
    project = gql.data('{ project(name: "other") { tags { name datapointCount } } }')["project"]
    assert project["tags"] == [{"name": "review", "datapointCount": 1}]


def test_ids_outside_the_project_are_not_found_and_nothing_is_tagged(gql, demo) -> None:
    gql.log([{"key": "o1"}], project="other", dataset="d", space="s")
    foreign = ids_by_key(gql, "other")["o1"]
    ours = ids_by_key(gql)["train-0"]

    error = gql.error(ADD, project="demo", ids=[ours, foreign, "999999"], tags=["x"])

    assert error["extensions"] == {"code": "not_found", "where": "datapointIds"}
    assert error["message"] == (
        f"2 datapoint id(s) are not in project 'demo': {min(int(foreign), 999999)}, "
        f"{max(int(foreign), 999999)}"
    )
    assert tag_state(gql) == ({}, {})


def test_bad_ids_and_tag_names_are_invalid_input(gql, demo) -> None:
    ours = ids_by_key(gql)["train-0"]

    not_a_number = gql.error(ADD, project="demo", ids=[ours, "abc"], tags=["x"])
    no_tags = gql.error(ADD, project="demo", ids=[ours], tags=[])
    blank_tag = gql.error(ADD, project="demo", ids=[ours], tags=["  "])

    assert not_a_number["extensions"] == {"code": "invalid_input", "where": "datapointIds[1]"}
    assert not_a_number["message"] == "'abc' is not a valid id"
    assert no_tags["extensions"] == {"code": "invalid_input", "where": "tags"}
    assert blank_tag["extensions"] == {"code": "invalid_input", "where": "tag"}


def test_tag_by_filter(gql, demo) -> None:
    birds = {"labels": ["bird"]}

    first = gql.data(ADD_WHERE, filter=birds, tags=["bird-ish"])
    again = gql.data(ADD_WHERE, filter=birds, tags=["bird-ish"])

    assert first["addTagsWhere"] == {"matched": 4, "changed": 4}
    assert again["addTagsWhere"] == {"matched": 4, "changed": 0}
    counts, tagged = tag_state(gql)
    assert counts == {"bird-ish": 4}
    assert sorted(tagged) == ["test-11", "test-2", "test-5", "test-8"]


def test_untag_by_a_filter_on_the_same_tag(gql, demo) -> None:
    gql.data(ADD_WHERE, filter={"datasets": ["test"]}, tags=["t"])

    change = gql.data(REMOVE_WHERE, filter={"tags": ["t"], "labels": ["cat"]}, tags=["t"])

    assert change["removeTagsWhere"] == {"matched": 4, "changed": 4}
    assert tag_state(gql)[0] == {"t": 8}


def test_tag_everything_with_an_empty_filter(gql, demo) -> None:
    change = gql.data(ADD_WHERE, filter={}, tags=["all"])
    assert change["addTagsWhere"] == {"matched": 42, "changed": 42}
