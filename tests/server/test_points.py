"""``GET /api/v1/points``: a computed map's points as Arrow, each datapoint exactly once.

The projection is made through GraphQL and computed by the server's own job runner (PCA,
so the expected coordinates can be computed here too and matched id by id).
"""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import numpy.typing as npt
import pyarrow as pa
import pytest

from chroma.core import wire
from chroma.db.store import Store
from projection_helpers import (
    CREATE_PROJECTION,
    computed_projection,
    gql,
    ingest,
    queue_wait_job,
    vectors,
    wait_job,
)

TRAIN, TEST = 150, 50


def read_points(http: httpx.Client, projection_id: int, *columns: str) -> pa.Table:
    response = http.get(
        "/api/v1/points", params={"projection": projection_id, "column": list(columns)}
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == wire.ARROW_STREAM_MEDIA_TYPE
    table = pa.ipc.open_stream(response.content).read_all()
    assert int(response.headers["x-chroma-points"]) == table.num_rows
    return table


def ids_by_key(table: pa.Table) -> dict[str, int]:
    return dict(zip(table.column("key").to_pylist(), table.column("id").to_pylist(), strict=True))


@pytest.fixture
def logged(http: httpx.Client) -> dict[str, Any]:
    """demo/clip: train (150) and test (50) with labels, predictions, scores, metadata."""
    data = {"train": vectors(TRAIN, seed=1), "test": vectors(TEST, seed=2)}
    rows: dict[str, dict[str, Any]] = {}
    for dataset, embeddings in data.items():
        keys = [f"{dataset}-{i}" for i in range(len(embeddings))]
        labels = [None if i % 10 == 9 else f"class-{i % 4}" for i in range(len(keys))]
        predictions = [f"class-{i % 3}" for i in range(len(keys))]
        scores = [i / len(keys) for i in range(len(keys))]
        metadata = [{"n": i, "split": "ab"[i % 2]} for i in range(len(keys))]
        ingest(
            http,
            keys,
            embeddings,
            dataset=dataset,
            labels=labels,
            predictions=predictions,
            scores=scores,
            metadata=metadata,
        )
        for i, key in enumerate(keys):
            rows[key] = {
                "dataset": dataset,
                "label": labels[i],
                "prediction": predictions[i],
                "score": scores[i],
                "metadata": metadata[i],
                "vector": embeddings[i],
            }
    return rows


def pca_reference(matrix: npt.NDArray[np.float32]) -> npt.NDArray[np.float64]:
    """PCA of unit-normalised rows (a cosine space) to 2-D, by SVD in float64."""
    unit = matrix.astype(np.float64)
    unit /= np.linalg.norm(unit, axis=1, keepdims=True)
    centred = unit - unit.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    return np.asarray(centred @ axes[:2].T)


def test_every_point_once_with_its_own_columns(
    http: httpx.Client, logged: dict[str, dict[str, Any]]
) -> None:
    projection_id = computed_projection(http)
    table = read_points(
        http, projection_id, "label", "dataset", "key", "prediction", "score", "tags"
    )
    assert table.num_rows == TRAIN + TEST
    assert table.column_names == [
        "id", "x", "y", "placed", "label", "dataset", "key", "prediction", "score", "tags",
    ]  # fmt: skip
    assert table.schema.field("id").type == pa.int64()
    assert table.schema.field("x").type == pa.float32()
    assert table.schema.field("y").type == pa.float32()
    assert pa.types.is_dictionary(table.schema.field("label").type)
    assert pa.types.is_dictionary(table.schema.field("dataset").type)
    assert table.schema.field("score").type == pa.float32()

    keys = table.column("key").to_pylist()
    ids = table.column("id").to_pylist()
    assert sorted(keys) == sorted(logged)  # every datapoint exactly once
    assert len(set(ids)) == len(ids)
    assert not any(table.column("placed").to_pylist())
    for i, key in enumerate(keys):
        row = logged[key]
        assert table.column("label")[i].as_py() == row["label"]
        assert table.column("dataset")[i].as_py() == row["dataset"]
        assert table.column("prediction")[i].as_py() == row["prediction"]
        assert table.column("score")[i].as_py() == pytest.approx(row["score"], abs=1e-6)
        assert table.column("tags")[i].as_py() == []

    # The coordinates belong to their ids: PCA up to the sign of each axis.
    matrix = np.stack([logged[key]["vector"] for key in keys])
    expected = pca_reference(matrix)
    got = np.column_stack([table.column("x").to_numpy(), table.column("y").to_numpy()])
    for axis in range(2):
        sign = np.sign(got[:, axis] @ expected[:, axis])
        np.testing.assert_allclose(got[:, axis], sign * expected[:, axis], atol=1e-3)


def test_metadata_and_tag_columns(http: httpx.Client, logged: dict[str, dict[str, Any]]) -> None:
    projection_id = computed_projection(http, datasets=["train"])
    table = read_points(http, projection_id, "key", "metadata.n", "metadata.split", "tags")
    assert table.num_rows == TRAIN
    assert table.schema.field("metadata.n").type == pa.float64()
    assert pa.types.is_dictionary(table.schema.field("metadata.split").type)
    for key, n, split in zip(
        table.column("key").to_pylist(),
        table.column("metadata.n").to_pylist(),
        table.column("metadata.split").to_pylist(),
        strict=True,
    ):
        assert n == logged[key]["metadata"]["n"]
        assert split == logged[key]["metadata"]["split"]

    tagged = [ids_by_key(table)["train-3"], ids_by_key(table)["train-4"]]
    gql(
        http,
        """mutation ($ids: [ID!]!) {
          addTags(project: "demo", datapointIds: $ids, tags: ["x", "odd"]) { changed }
        }""",
        ids=[str(i) for i in tagged],
    )
    tags = dict(
        zip(
            read_points(http, projection_id, "tags").column("id").to_pylist(),
            read_points(http, projection_id, "tags").column("tags").to_pylist(),
            strict=True,
        )
    )
    assert tags[tagged[0]] == ["odd", "x"]
    assert tags[tagged[1]] == ["odd", "x"]
    assert sum(1 for t in tags.values() if t) == 2


def test_points_of_a_deleted_dataset_are_gone(
    http: httpx.Client, logged: dict[str, dict[str, Any]]
) -> None:
    projection_id = computed_projection(http)
    gql(http, 'mutation { deleteDataset(project: "demo", name: "test") { name } }')
    table = read_points(http, projection_id, "dataset", "key")
    assert table.num_rows == TRAIN
    assert set(table.column("dataset").to_pylist()) == {"train"}
    assert len(set(table.column("key").to_pylist())) == TRAIN


def test_a_map_not_computed_yet_has_no_points(
    http: httpx.Client, store: Store, logged: dict[str, dict[str, Any]]
) -> None:
    blocker = queue_wait_job(store, 60)  # one worker: the projection waits behind it
    wait_job(http, blocker, until=("RUNNING",))
    created = gql(http, CREATE_PROJECTION, project="demo", space="clip", algorithm="pca")
    projection_id = int(created["createProjection"]["id"])
    table = read_points(http, projection_id, "label")
    assert table.num_rows == 0
    assert table.column_names == ["id", "x", "y", "placed", "label"]
    gql(http, "mutation ($id: ID!) { cancelJob(id: $id) { id } }", id=str(blocker))


@pytest.mark.parametrize(
    ("params", "status", "code", "where"),
    [
        ({"projection": 987654}, 404, "not_found", "projection"),
        ({"projection": "x"}, 422, "invalid_input", "query.projection"),
        ({}, 422, "invalid_input", "query.projection"),
        ({"projection": 1, "column": "colour"}, 422, "invalid_input", "columns"),
        ({"projection": 1, "column": "metadata."}, 422, "invalid_input", "columns"),
    ],
)
def test_bad_requests_say_where(
    http: httpx.Client,
    logged: dict[str, dict[str, Any]],
    params: dict[str, Any],
    status: int,
    code: str,
    where: str,
) -> None:
    response = http.get("/api/v1/points", params=params)
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert (error["code"], error["where"]) == (code, where)


def test_ten_thousand_points_with_labels_cost_under_25_bytes_each(http: httpx.Client) -> None:
    n = 10_000
    ingest(
        http,
        [f"k-{i}" for i in range(n)],
        vectors(n, seed=3),
        labels=[f"class-{i % 10}" for i in range(n)],
    )
    projection_id = computed_projection(http)
    response = http.get("/api/v1/points", params={"projection": projection_id, "column": "label"})
    assert response.status_code == 200
    table = pa.ipc.open_stream(response.content).read_all()
    assert table.num_rows == n
    per_point = len(response.content) / n
    # id 8 + x, y 4 + 4 + label index 2 + placed 1 bit: ~18 bytes, plus framing.
    assert per_point < 25, per_point
