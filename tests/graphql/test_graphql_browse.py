"""Browsing: projects, their datasets and spaces with counts, single datapoints."""

from __future__ import annotations

PROJECTS = """
{
  projects {
    id name createdAt
    datasets { id name datapointCount createdAt }
    spaces { id name dimension model layer vectorCount }
    tags { name datapointCount }
  }
}
"""


def test_projects_list_datasets_and_spaces_with_counts(gql, demo) -> None:
    gql.log([{"key": "x"}], project="other", dataset="only", space="s2")

    projects = gql.data(PROJECTS)["projects"]

    assert [p["name"] for p in projects] == ["demo", "other"]
    demo_project = projects[0]
    assert demo_project["id"] == str(demo["train"]["project_id"])
    assert demo_project["createdAt"].endswith("+00:00")
    assert [(d["name"], d["datapointCount"]) for d in demo_project["datasets"]] == [
        ("test", 12),
        ("train", 30),
    ]
    assert demo_project["spaces"] == [
        {
            "id": str(demo["train"]["space_id"]),
            "name": "clip",
            "dimension": 4,
            "model": None,
            "layer": None,
            "vectorCount": 42,
        }
    ]
    assert demo_project["tags"] == []
    assert [d["datapointCount"] for d in projects[1]["datasets"]] == [1]
    assert projects[1]["spaces"][0]["vectorCount"] == 1


def test_vector_count_follows_replaced_vectors(gql, demo) -> None:
    """Re-logging keys replaces their vectors: the count stays the number of live ones."""
    gql.log([{"key": "train-0"}, {"key": "train-1"}, {"key": "train-new"}], dataset="train")

    project = gql.data(
        '{ project(name: "demo") { spaces { vectorCount } datasets { name datapointCount } } }'
    )["project"]

    assert project["spaces"][0]["vectorCount"] == 43
    assert {d["name"]: d["datapointCount"] for d in project["datasets"]} == {
        "test": 12,
        "train": 31,
    }


def test_unknown_project_is_a_not_found_error(gql) -> None:
    response = gql.post('{ project(name: "nope") { name } }')

    assert response.status_code == 200
    body = response.json()
    assert body["data"] == {"project": None}
    [error] = body["errors"]
    assert error["message"] == "no project named 'nope'"
    assert error["path"] == ["project"]
    assert error["extensions"] == {"code": "not_found", "where": "project"}


def test_datapoint_exposes_every_field(gql, demo) -> None:
    query = """
    query ($project: String!) {
      datapoints(project: $project, filter: {datasets: ["train"]}, first: 1) {
        edges { node {
          id key label prediction score metadata uri text hasImage tags createdAt updatedAt
          dataset { id name datapointCount }
        } }
      }
    }
    """
    [edge] = gql.data(query, project="demo")["datapoints"]["edges"]
    node = edge["node"]

    assert node["key"] == "train-0"
    assert node["label"] == "cat"
    assert node["prediction"] == "cat"
    assert node["score"] == 0.0
    assert node["metadata"] == {"split": "a", "n": 0, "flag": True, "code": "0"}
    assert node["uri"] == "s3://bucket/train/0.png"
    assert node["text"] == "text 0"
    assert node["hasImage"] is False
    assert node["tags"] == []
    assert node["createdAt"].endswith("+00:00")
    assert node["dataset"] == {
        "id": str(demo["train"]["dataset_id"]),
        "name": "train",
        "datapointCount": 30,
    }


def test_one_datapoint_by_id(gql, demo) -> None:
    first = gql.data('{ datapoints(project: "demo", first: 1) { nodes { id key } } }')
    [node] = first["datapoints"]["nodes"]

    found = gql.data(
        'query ($id: ID!) { datapoint(project: "demo", id: $id) { key dataset { name } } }',
        id=node["id"],
    )
    assert found["datapoint"] == {"key": node["key"], "dataset": {"name": "train"}}


def test_datapoint_of_another_project_is_not_found(gql, demo) -> None:
    other = gql.log([{"key": "x"}], project="other", dataset="d", space="s")
    [node] = gql.data('{ datapoints(project: "other") { nodes { id } } }')["datapoints"]["nodes"]
    assert other["inserted"] == 1

    error = gql.error(
        'query ($id: ID!) { datapoint(project: "demo", id: $id) { key } }', id=node["id"]
    )
    assert error["extensions"] == {"code": "not_found", "where": "id"}
    assert error["message"] == f"no datapoint {node['id']} in project 'demo'"
