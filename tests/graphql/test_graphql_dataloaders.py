"""Nested fields cost one query per field per request, never one per row.

Statements are counted on the engine (``before_cursor_execute``) while the real server
answers: the count must stay small and must not grow with the number of rows returned.
"""

from __future__ import annotations

from typing import Any

import pytest
from sql_statements import ran_statements

from chroma.db.store import Store

MOST_STATEMENTS = 10

PAGE = """
query ($first: Int!) {
  datapoints(project: "demo", first: $first) {
    totalCount
    edges { node { id key label tags dataset { id name datapointCount } } }
  }
}
"""
PROJECTS = """
{
  projects {
    name
    datasets { name datapointCount }
    spaces { name vectorCount }
    tags { name datapointCount }
  }
}
"""


@pytest.fixture
def tagged_project(gql) -> None:
    """120 datapoints in 3 datasets, each carrying two tags."""
    for dataset in ("a", "b", "c"):
        gql.log([{"key": f"{dataset}-{i}", "label": "x"} for i in range(40)], dataset=dataset)
    gql.data('mutation { addTagsWhere(project: "demo", filter: {}, tags: ["p", "q"]) { changed } }')


def statements_for(gql, store: Store, query: str, **variables: Any) -> tuple[list[str], dict]:
    with ran_statements(store) as statements:
        data = gql.data(query, **variables)
    return list(statements), data


@pytest.mark.usefixtures("tagged_project")
def test_a_page_with_tags_and_datasets_costs_the_same_for_10_or_50_rows(gql, store) -> None:
    small, small_data = statements_for(gql, store, PAGE, first=10)
    large, large_data = statements_for(gql, store, PAGE, first=50)

    assert len(small_data["datapoints"]["edges"]) == 10
    edges = large_data["datapoints"]["edges"]
    assert len(edges) == 50
    assert all(edge["node"]["tags"] == ["p", "q"] for edge in edges)
    assert {edge["node"]["dataset"]["name"] for edge in edges} == {"a", "b"}
    assert all(edge["node"]["dataset"]["datapointCount"] == 40 for edge in edges)
    assert len(large) == len(small), "\n".join(large)
    assert len(large) <= MOST_STATEMENTS, "\n".join(large)


def test_nested_project_lists_cost_the_same_for_1_or_5_projects(gql, store) -> None:
    gql.log([{"key": "k"}], project="p0", dataset="d", space="s")
    one, _ = statements_for(gql, store, PROJECTS)
    for n in range(1, 5):
        gql.log([{"key": "k"}, {"key": "l"}], project=f"p{n}", dataset="d", space="s")
        gql.log([{"key": "k"}], project=f"p{n}", dataset="e", space="t")

    five, data = statements_for(gql, store, PROJECTS)

    assert len(data["projects"]) == 5
    assert data["projects"][4]["datasets"] == [
        {"name": "d", "datapointCount": 2},
        {"name": "e", "datapointCount": 1},
    ]
    assert len(five) == len(one), "\n".join(five)
    assert len(five) <= MOST_STATEMENTS, "\n".join(five)


ADD = """
mutation ($ids: [ID!]!) {
  addTags(project: "demo", datapointIds: $ids, tags: ["r", "s"]) { changed }
}
"""


@pytest.mark.usefixtures("tagged_project")
def test_tagging_many_datapoints_is_a_fixed_number_of_statements(gql, store) -> None:
    nodes = gql.data(PAGE.replace("totalCount", ""), first=100)["datapoints"]["edges"]
    ids = [edge["node"]["id"] for edge in nodes]

    few, few_data = statements_for(gql, store, ADD, ids=ids[:5])
    many, many_data = statements_for(gql, store, ADD, ids=ids[5:])

    assert few_data["addTags"]["changed"] == 10
    assert many_data["addTags"]["changed"] == 190
    assert len(many) == len(few), "\n".join(many)
