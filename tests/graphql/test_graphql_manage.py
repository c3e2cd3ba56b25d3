"""Creating, renaming and deleting projects, datasets and spaces."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from chroma.db.models import Datapoint, EmbeddingChunk, Tag

CREATE_PROJECT = (
    "mutation ($name: String!) { createProject(name: $name) { id name datasets { name } } }"
)
RENAME_PROJECT = """
mutation ($name: String!, $newName: String!) {
  renameProject(name: $name, newName: $newName) { id name }
}
"""
DELETE_PROJECT = "mutation ($name: String!) { deleteProject(name: $name) { id name } }"
CREATE_DATASET = """
mutation ($project: String!, $name: String!) {
  createDataset(project: $project, name: $name) { id name datapointCount }
}
"""
RENAME_DATASET = """
mutation ($project: String!, $name: String!, $newName: String!) {
  renameDataset(project: $project, name: $name, newName: $newName) { id name datapointCount }
}
"""
DELETE_DATASET = """
mutation ($project: String!, $name: String!) {
  deleteDataset(project: $project, name: $name) { id name }
}
"""
RENAME_SPACE = """
mutation ($project: String!, $name: String!, $newName: String!) {
  renameSpace(project: $project, name: $name, newName: $newName) { id name dimension vectorCount }
}
"""
DELETE_SPACE = """
mutation ($project: String!, $name: String!) {
  deleteSpace(project: $project, name: $name) { id name }
}
"""
CATALOG = """
{ projects { name datasets { name datapointCount } spaces { name vectorCount } } }
"""


def catalog(gql) -> dict[str, dict[str, dict[str, int]]]:
    """project -> {"datasets": {name: count}, "spaces": {name: count}}"""
    return {
        p["name"]: {
            "datasets": {d["name"]: d["datapointCount"] for d in p["datasets"]},
            "spaces": {s["name"]: s["vectorCount"] for s in p["spaces"]},
        }
        for p in gql.data(CATALOG)["projects"]
    }


def segment_files(store) -> set[str]:
    assert store.vector_dir is not None
    return {path.name for path in store.vector_dir.glob("*.f32")}


def chunk_count(store) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(EmbeddingChunk)) or 0)


# --- projects ---------------------------------------------------------------------------


def test_create_project(gql) -> None:
    created = gql.data(CREATE_PROJECT, name="fresh")["createProject"]

    assert created["name"] == "fresh"
    assert created["datasets"] == []
    assert catalog(gql) == {"fresh": {"datasets": {}, "spaces": {}}}


def test_create_a_taken_project_name_is_a_conflict(gql) -> None:
    gql.data(CREATE_PROJECT, name="fresh")

    error = gql.error(CREATE_PROJECT, name="fresh")

    assert error["message"] == "a project named 'fresh' already exists"
    assert error["extensions"] == {"code": "conflict", "where": "name"}


@pytest.mark.parametrize("name", ["", "   ", "x" * 201])
def test_project_names_must_be_sensible(gql, name) -> None:
    error = gql.error(CREATE_PROJECT, name=name)
    assert error["extensions"] == {"code": "invalid_input", "where": "project"}


def test_rename_project_keeps_its_content(gql, demo) -> None:
    renamed = gql.data(RENAME_PROJECT, name="demo", newName="showcase")["renameProject"]

    assert renamed == {"id": str(demo["train"]["project_id"]), "name": "showcase"}
    assert list(catalog(gql)) == ["showcase"]
    assert catalog(gql)["showcase"]["datasets"] == {"test": 12, "train": 30}


def test_rename_project_to_its_own_name_is_a_no_op(gql, demo) -> None:
    assert gql.data(RENAME_PROJECT, name="demo", newName="demo")["renameProject"]["name"] == "demo"


def test_rename_project_onto_a_taken_name_is_a_conflict(gql, demo) -> None:
    gql.data(CREATE_PROJECT, name="other")

    error = gql.error(RENAME_PROJECT, name="demo", newName="other")

    assert (
        error["message"] == "cannot rename project 'demo': a project named 'other' already exists"
    )
    assert error["extensions"] == {"code": "conflict", "where": "newName"}
    assert sorted(catalog(gql)) == ["demo", "other"]


def test_rename_or_delete_a_missing_project_is_not_found(gql) -> None:
    renamed = gql.error(RENAME_PROJECT, name="ghost", newName="x")
    deleted = gql.error(DELETE_PROJECT, name="ghost")

    for error in (renamed, deleted):
        assert error["message"] == "no project named 'ghost'"
        assert error["extensions"] == {"code": "not_found", "where": "project"}


def test_delete_project_removes_everything_in_it(gql, demo, store) -> None:
    gql.log([{"key": "o1"}], project="other", dataset="d", space="s")
    gql.data('mutation { addTagsWhere(project: "demo", filter: {}, tags: ["t"]) { changed } }')

    deleted = gql.data(DELETE_PROJECT, name="demo")["deleteProject"]

    assert deleted == {"id": str(demo["train"]["project_id"]), "name": "demo"}
    assert list(catalog(gql)) == ["other"]
    with store.read() as session:
        assert session.scalar(select(func.count()).select_from(Datapoint)) == 1
        assert session.scalar(select(func.count()).select_from(Tag)) == 0
    assert chunk_count(store) == 1
    if store.vector_dir is not None:  # SQLite keeps vectors in segment files
        assert len(segment_files(store)) == 1


# --- datasets ---------------------------------------------------------------------------


def test_create_dataset(gql, demo) -> None:
    created = gql.data(CREATE_DATASET, project="demo", name="extra")["createDataset"]

    assert created["name"] == "extra"
    assert created["datapointCount"] == 0
    assert catalog(gql)["demo"]["datasets"] == {"extra": 0, "test": 12, "train": 30}


def test_create_dataset_errors(gql, demo) -> None:
    taken = gql.error(CREATE_DATASET, project="demo", name="train")
    no_project = gql.error(CREATE_DATASET, project="ghost", name="x")

    assert taken["message"] == "project 'demo' already has a dataset named 'train'"
    assert taken["extensions"] == {"code": "conflict", "where": "name"}
    assert no_project["extensions"] == {"code": "not_found", "where": "project"}


def test_rename_dataset(gql, demo) -> None:
    renamed = gql.data(RENAME_DATASET, project="demo", name="test", newName="holdout")

    assert renamed["renameDataset"] == {
        "id": str(demo["test"]["dataset_id"]),
        "name": "holdout",
        "datapointCount": 12,
    }
    assert catalog(gql)["demo"]["datasets"] == {"holdout": 12, "train": 30}


def test_rename_dataset_errors(gql, demo) -> None:
    taken = gql.error(RENAME_DATASET, project="demo", name="test", newName="train")
    missing = gql.error(RENAME_DATASET, project="demo", name="ghost", newName="x")

    assert taken["message"] == (
        "cannot rename dataset 'test': project 'demo' already has a dataset named 'train'"
    )
    assert taken["extensions"] == {"code": "conflict", "where": "newName"}
    assert missing["message"] == "no dataset named 'ghost' in project 'demo'"
    assert missing["extensions"] == {"code": "not_found", "where": "dataset"}


def test_delete_dataset_removes_its_datapoints_vectors_and_segment_files(gql, demo, store) -> None:
    before = segment_files(store) if store.vector_dir is not None else set()

    deleted = gql.data(DELETE_DATASET, project="demo", name="train")["deleteDataset"]

    assert deleted == {"id": str(demo["train"]["dataset_id"]), "name": "train"}
    assert catalog(gql)["demo"] == {"datasets": {"test": 12}, "spaces": {"clip": 12}}
    assert chunk_count(store) == 1
    if store.vector_dir is not None:
        after = segment_files(store)
        assert len(before) == 2
        assert len(after) == 1
        assert after < before
    keys = gql.data('{ datapoints(project: "demo", first: 100) { totalCount } }')
    assert keys["datapoints"]["totalCount"] == 12


def test_delete_missing_dataset_is_not_found(gql, demo) -> None:
    error = gql.error(DELETE_DATASET, project="demo", name="ghost")
    assert error["extensions"] == {"code": "not_found", "where": "dataset"}


def test_a_deleted_dataset_name_can_be_logged_again(gql, demo) -> None:
    gql.data(DELETE_DATASET, project="demo", name="train")

    result = gql.log([{"key": "train-0"}], dataset="train")

    assert result["inserted"] == 1
    assert catalog(gql)["demo"]["datasets"] == {"test": 12, "train": 1}


# --- spaces -----------------------------------------------------------------------------


def test_rename_space(gql, demo) -> None:
    renamed = gql.data(RENAME_SPACE, project="demo", name="clip", newName="clip-vit")

    assert renamed["renameSpace"] == {
        "id": str(demo["train"]["space_id"]),
        "name": "clip-vit",
        "dimension": 4,
        "vectorCount": 42,
    }


def test_rename_space_errors(gql, demo) -> None:
    gql.log([{"key": "train-0"}], dataset="train", space="other")

    taken = gql.error(RENAME_SPACE, project="demo", name="clip", newName="other")
    missing = gql.error(RENAME_SPACE, project="demo", name="ghost", newName="x")

    assert taken["extensions"] == {"code": "conflict", "where": "newName"}
    assert "already has a space named 'other'" in taken["message"]
    assert missing["extensions"] == {"code": "not_found", "where": "space"}


def test_delete_space_keeps_datapoints_and_removes_vectors(gql, demo, store) -> None:
    gql.log([{"key": "train-0"}], dataset="train", space="other")
    files_before = segment_files(store) if store.vector_dir is not None else set()

    deleted = gql.data(DELETE_SPACE, project="demo", name="clip")["deleteSpace"]

    assert deleted == {"id": str(demo["train"]["space_id"]), "name": "clip"}
    assert catalog(gql)["demo"] == {"datasets": {"test": 12, "train": 30}, "spaces": {"other": 1}}
    assert chunk_count(store) == 1
    if store.vector_dir is not None:
        assert len(files_before) == 3
        assert len(segment_files(store)) == 1


def test_delete_missing_space_is_not_found(gql, demo) -> None:
    error = gql.error(DELETE_SPACE, project="demo", name="ghost")
    assert error["message"] == "no space named 'ghost' in project 'demo'"
    assert error["extensions"] == {"code": "not_found", "where": "space"}
