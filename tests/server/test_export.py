"""``POST /api/v1/export``: a selection or a filter's rows as CSV, JSON or Parquet, in the
SDK export's columns, on SQLite and PostgreSQL. Data goes in through the SDK."""

from __future__ import annotations

import io
from typing import Any

import httpx
import numpy as np
import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
from sqlalchemy import select

import chroma
from chroma.db.models import Datapoint
from chroma.db.store import Store
from chroma.jobs.execute import execute_job
from chroma.services.points import points_table
from chroma.services.projections import create_projection
from live_server import LiveServer
from projection_helpers import gql

TRAIN, TEST = 20, 10


def rows(dataset: str, count: int) -> dict[str, Any]:
    return {
        "ids": [f"{dataset}-{i}" for i in range(count)],
        "labels": ["cat" if i % 2 else "dog" for i in range(count)],
        "predictions": ["cat"] * count,
        "scores": [i / count for i in range(count)],
        "metadata": [
            {"n": i, "split": dataset, "label": f"meta-{i}", "deep": {"a": [i]}}
            for i in range(count)
        ],
        "texts": [f"{dataset} text {i}" for i in range(count)],
        "uris": [f"https://example.invalid/{dataset}/{i}.png" for i in range(count)],
    }


@pytest.fixture
def demo(server: LiveServer, http: httpx.Client, store: Store) -> dict[str, Any]:
    """demo/emb: train (20) and test (10); 3 more train rows only in space "other"; a tag;
    a PCA map of emb. Returns ids by key and the map's id."""
    rng = np.random.default_rng(0)
    for dataset, count in (("train", TRAIN), ("test", TEST)):
        with chroma.init("demo", dataset, "emb", url=server.url) as run:
            run.log(rng.standard_normal((count, 6)).astype(np.float32), **rows(dataset, count))
    with chroma.init("demo", "train", "other", url=server.url) as run:
        run.log(rng.standard_normal((3, 2)).astype(np.float32), ids=["x-0", "x-1", "x-2"])
    with store.read() as session:
        ids = dict(session.execute(select(Datapoint.key, Datapoint.id)).all())
    gql(
        http,
        """mutation ($ids: [ID!]!) {
          addTags(project: "demo", datapointIds: $ids, tags: ["review", "again"]) { changed }
        }""",
        ids=[str(ids["train-1"]), str(ids["test-2"]), str(ids["x-0"])],
    )
    projection, job = create_projection(store, project="demo", space="emb", algorithm="pca")
    execute_job(store, job.id)
    other, other_job = create_projection(store, project="demo", space="other", algorithm="pca")
    execute_job(store, other_job.id)
    return {"ids": ids, "projection": projection.id, "other_projection": other.id}


def post(http: httpx.Client, **body: Any) -> httpx.Response:
    return http.post("/api/v1/export", json={"project": "demo", "space": "emb", **body})


def test_a_selection_as_csv_in_the_sdk_columns_with_the_map(
    http: httpx.Client, store: Store, demo: dict[str, Any]
) -> None:
    ids = demo["ids"]
    chosen = [ids["test-2"], ids["train-1"], ids["train-4"]]
    response = post(http, datapoint_ids=chosen, format="csv", projection=demo["projection"])
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "text/csv; charset=utf-8"
    assert response.headers["content-disposition"].startswith(
        'attachment; filename="demo-emb-selection.csv"'
    )
    assert response.headers["x-chroma-rows"] == "3"
    frame = pd.read_csv(io.StringIO(response.text), dtype={"tags": str}, keep_default_na=False)
    assert list(frame.columns) == [
        "datapoint_id", "key", "dataset", "label", "prediction", "score", "correct", "uri",
        "text", "tags", "deep", "metadata.label", "n", "split", "x", "y", "placed",
    ]  # fmt: skip
    assert frame["datapoint_id"].tolist() == sorted(chosen)
    by_key = frame.set_index("key")
    assert by_key.loc["train-1", "tags"] == "again,review"
    assert by_key.loc["train-4", "tags"] == ""
    assert by_key.loc["test-2", "dataset"] == "test"
    assert by_key.loc["train-1", "label"] == "cat"
    assert by_key.loc["train-1", "metadata.label"] == "meta-1"
    assert orjson.loads(by_key.loc["train-4", "deep"]) == {"a": [4]}
    assert by_key.loc["test-2", "text"] == "test text 2"
    assert by_key.loc["train-4", "score"] == pytest.approx(4 / TRAIN)
    assert bool(by_key.loc["train-1", "correct"]) is True  # cat, predicted cat
    assert bool(by_key.loc["train-4", "correct"]) is False
    assert bool(by_key.loc["train-4", "placed"]) is False

    points = points_table(store, demo["projection"]).to_pandas().set_index("id")
    for _, row in frame.iterrows():
        assert row["x"] == pytest.approx(points.loc[row["datapoint_id"], "x"])
        assert row["y"] == pytest.approx(points.loc[row["datapoint_id"], "y"])


def test_a_filter_as_json(http: httpx.Client, demo: dict[str, Any]) -> None:
    response = post(
        http,
        filter={
            "labels": ["cat"],
            "datasets": ["train"],
            "metadata": [{"field": "n", "equals": 3}],
        },
        format="json",
    )
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/json"
    body = orjson.loads(response.content)
    assert [row["key"] for row in body] == ["train-3"]
    assert body[0]["tags"] == []
    assert body[0]["metadata.label"] == "meta-3"
    assert body[0]["deep"] == {"a": [3]}
    assert "x" not in body[0]

    tagged = post(http, filter={"tags": ["review"]}, format="json")
    assert [row["key"] for row in orjson.loads(tagged.content)] == ["train-1", "test-2"]
    # A selection and a filter together: the selected rows that pass it.
    both = post(
        http,
        datapoint_ids=[demo["ids"]["train-1"], demo["ids"]["train-2"]],
        filter={"labels": ["dog"]},
        format="json",
    )
    assert [row["key"] for row in orjson.loads(both.content)] == ["train-2"]
    empty = post(http, filter={"labels": ["nothing"]}, format="json")
    assert orjson.loads(empty.content) == []


def test_everything_in_the_space_as_parquet(http: httpx.Client, demo: dict[str, Any]) -> None:
    response = post(http, format="parquet", projection=demo["projection"])
    assert response.status_code == 200, response.text
    table = pq.read_table(io.BytesIO(response.content))
    assert table.num_rows == TRAIN + TEST  # the "other" space's rows stay out
    assert "x-0" not in table.column("key").to_pylist()
    assert table.schema.field("tags").type == pa.list_(pa.string())
    assert table.schema.field("x").type == pa.float32()
    assert table.schema.field("n").type == pa.int64()
    assert sorted(table.column("dataset").to_pylist()) == ["test"] * TEST + ["train"] * TRAIN


def test_every_format_carries_the_same_columns_and_values(
    http: httpx.Client, store: Store, demo: dict[str, Any]
) -> None:
    """CSV, JSON and Parquet are one table: key, correct, placed, a corrected label's
    original, and the analysis columns asked for, in each."""
    ids = demo["ids"]
    gql(
        http,
        """mutation ($id: ID!) { correctLabels(project: "demo", corrections: [
          {datapointId: $id, decision: RELABEL, label: "bird"}]) { id } }""",
        id=str(ids["train-2"]),
    )
    analysis = gql(
        http,
        'mutation { runAnalysis(project: "demo", space: "emb", kind: "mislabels") '
        "{ id job { id } } }",
    )["runAnalysis"]
    execute_job(store, int(analysis["job"]["id"]))
    column = f"analysis.{analysis['id']}.mislabel_score"
    chosen = [ids["train-1"], ids["train-2"], ids["test-3"]]
    frames = {}
    for format in ("csv", "json", "parquet"):
        response = post(
            http,
            datapoint_ids=chosen,
            format=format,
            projection=demo["projection"],
            columns=[column],
        )
        assert response.status_code == 200, response.text
        if format == "csv":
            frames[format] = pd.read_csv(io.StringIO(response.text))
        elif format == "json":
            frames[format] = pd.DataFrame(orjson.loads(response.content))
        else:
            frames[format] = pq.read_table(io.BytesIO(response.content)).to_pandas()
    columns = list(frames["parquet"].columns)
    assert list(frames["csv"].columns) == list(frames["json"].columns) == columns
    for needed in ("key", "correct", "placed", "original_label", "mislabel_score", "x", "y"):
        assert needed in columns
    for frame in frames.values():
        by_key = frame.set_index("key")
        assert by_key.loc["train-2", "label"] == "bird"
        assert by_key.loc["train-2", "original_label"] == "dog"
        assert by_key.loc["train-1", "original_label"] == "cat"  # never corrected: its label
        assert bool(by_key.loc["train-1", "correct"]) is True
        assert by_key["mislabel_score"].notna().all()
    assert frames["json"]["mislabel_score"].tolist() == pytest.approx(
        frames["parquet"]["mislabel_score"].tolist()
    )

    refused = post(http, datapoint_ids=chosen, columns=["label"])
    assert refused.status_code == 422
    assert refused.json()["error"]["where"] == "columns"


@pytest.mark.parametrize(
    ("body", "status", "where"),
    [
        ({"project": "nope"}, 404, "project"),
        ({"space": "nope"}, 404, "space"),
        ({"projection": 99999}, 404, "projection"),
        ({"datapoint_ids": [99999]}, 404, "datapoint_ids"),
        ({"filter": {"datasets": ["nope"]}}, 404, "filter.datasets"),
        ({"format": "xlsx"}, 422, "body.format"),
        ({"colour": "red"}, 422, "body.colour"),
        ({"datapoint_ids": ["one"]}, 422, "body.datapoint_ids.0"),
        ({"filter": {"metadata": [{"field": "", "equals": 1}]}}, 422, "filter.metadata"),
    ],
)
def test_bad_requests_say_where(
    http: httpx.Client, demo: dict[str, Any], body: dict[str, Any], status: int, where: str
) -> None:
    response = post(http, **body)
    assert response.status_code == status, response.text
    assert response.json()["error"]["where"] == where


def test_a_map_of_another_space_is_refused(http: httpx.Client, demo: dict[str, Any]) -> None:
    response = post(http, projection=demo["other_projection"])
    assert response.status_code == 422
    assert response.json()["error"]["where"] == "projection"
