"""Analyses over the bulk wire: their columns colour a map (``GET /api/v1/points`` with
``column=analysis.<id>.<column>``) and ``GET /api/v1/analysis-rows`` streams every row with
its datapoint as Arrow."""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pyarrow as pa
import pytest

from chroma.core import wire
from projection_helpers import computed_projection, gql, ingest, wait_succeeded

pytestmark = pytest.mark.slow  # each test computes a map and analyses through the runner

DIM = 8
CENTRES = np.random.default_rng(4).normal(size=(3, DIM)).astype(np.float32) * 4
RUN = """
mutation ($kind: String!, $datasets: [String!], $reference: [String!], $params: JSON) {
  runAnalysis(project: "demo", space: "clip", kind: $kind, datasets: $datasets,
              reference: $reference, params: $params) { id job { id } }
}
"""


def analysis(http: httpx.Client, kind: str, **variables: Any) -> int:
    started = gql(http, RUN, kind=kind, **variables)["runAnalysis"]
    wait_succeeded(http, started["job"]["id"])
    return int(started["id"])


def arrow(response: httpx.Response) -> pa.Table:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == wire.ARROW_STREAM_MEDIA_TYPE
    return pa.ipc.open_stream(response.content).read_all()


@pytest.fixture
def logged(http: httpx.Client) -> dict[str, int]:
    """demo/clip: train (90 labelled points in 3 clusters, row 5 mislabelled) and test (30,
    unlabelled); a PCA map of both."""
    rng = np.random.default_rng(1)
    cluster = np.arange(120) % 3
    vectors = (CENTRES[cluster] + 0.3 * rng.normal(size=(120, DIM))).astype(np.float32)
    labels = [f"c{c}" for c in cluster[:90]]
    labels[5] = "c0"  # row 5 is in cluster 2
    ingest(http, [f"train-{i}" for i in range(90)], vectors[:90], dataset="train", labels=labels)
    ingest(http, [f"test-{i}" for i in range(30)], vectors[90:], dataset="test")
    return {"projection": computed_projection(http)}


def test_analysis_columns_colour_a_map(http: httpx.Client, logged: dict[str, int]) -> None:
    mislabels = analysis(http, "mislabels", datasets=["train"])
    outliers = analysis(http, "outliers", reference=["train"], params={"k": 5})
    columns = [
        "key",
        f"analysis.{mislabels}.mislabel_score",
        f"analysis.{mislabels}.suggested_label",
        f"analysis.{outliers}.ood",
        f"analysis.{outliers}.knn_distance",
    ]
    table = arrow(
        http.get("/api/v1/points", params={"projection": logged["projection"], "column": columns})
    )
    assert table.num_rows == 120
    assert table.schema.field(columns[1]).type == pa.float32()
    assert pa.types.is_dictionary(table.schema.field(columns[2]).type)
    assert table.schema.field(columns[3]).type == pa.bool_()
    assert table.schema.field(columns[4]).type == pa.float32()
    rows = {row["key"]: row for row in table.to_pylist()}
    # The mislabel analysis covers train only: test points have no value.
    assert all(rows[f"test-{i}"][columns[1]] is None for i in range(30))
    assert all(rows[f"train-{i}"][columns[1]] is not None for i in range(90))
    top = max(rows.values(), key=lambda row: row[columns[1]] or -1)
    assert top["key"] == "train-5"
    assert top[columns[2]] == "c2"
    assert all(isinstance(row[columns[3]], bool) for row in rows.values())

    scores = arrow(http.get("/api/v1/analysis-rows", params={"analysis": mislabels}))
    by_key = dict(zip(scores["key"].to_pylist(), scores["mislabel_score"].to_pylist(), strict=True))
    for key, value in by_key.items():
        assert rows[key][columns[1]] == pytest.approx(value)


@pytest.mark.parametrize(
    ("column", "status", "where"),
    [
        ("analysis.999.mislabel_score", 404, "columns"),
        ("analysis.{id}.nope", 422, "columns"),
        ("analysis.{id}.evidence", 422, "columns"),
        ("analysis.x.score", 422, "columns"),
        ("analysis.{id}", 422, "columns"),
    ],
)
def test_bad_analysis_columns_are_refused(
    http: httpx.Client, logged: dict[str, int], column: str, status: int, where: str
) -> None:
    mislabels = analysis(http, "mislabels", datasets=["train"])
    response = http.get(
        "/api/v1/points",
        params={"projection": logged["projection"], "column": column.format(id=mislabels)},
    )
    assert response.status_code == status, response.text
    assert response.json()["error"]["where"] == where


def test_an_analysis_of_another_project_is_not_found(
    http: httpx.Client, logged: dict[str, int]
) -> None:
    other = np.random.default_rng(2).normal(size=(30, DIM)).astype(np.float32)
    ingest(http, [f"o-{i}" for i in range(30)], other, project="other", space="clip")
    started = gql(
        http,
        'mutation { runAnalysis(project: "other", space: "clip", kind: "duplicates") '
        "{ id job { id } } }",
    )["runAnalysis"]
    wait_succeeded(http, started["job"]["id"])
    response = http.get(
        "/api/v1/points",
        params={
            "projection": logged["projection"],
            "column": f"analysis.{started['id']}.duplicate_group",
        },
    )
    assert response.status_code == 404, response.text


def test_analysis_rows_stream_every_row_with_its_datapoint(
    http: httpx.Client, logged: dict[str, int]
) -> None:
    mislabels = analysis(http, "mislabels", datasets=["train"])
    table = arrow(http.get("/api/v1/analysis-rows", params={"analysis": mislabels}))
    assert table.column_names == [
        "datapoint_id",
        "key",
        "dataset",
        "label",
        "prediction",
        "score",
        "mislabel_score",
        "suggested_label",
        "label_agreement",
        "evidence",
    ]
    assert table.num_rows == 90
    first = table.slice(0, 1).to_pylist()[0]
    assert first["key"] == "train-5"  # most likely mislabelled first
    assert first["dataset"] == "train"
    assert first["evidence"]  # client keys of the neighbours carrying "c2"
    assert all(key.startswith("train-") and int(key[6:]) % 3 == 2 for key in first["evidence"])

    ordered = arrow(
        http.get(
            "/api/v1/analysis-rows",
            params={"analysis": mislabels, "order_by": "label_agreement", "descending": "false"},
        )
    )
    agreement = ordered["label_agreement"].to_pylist()
    assert agreement == sorted(agreement)
    assert ordered["key"][0].as_py() == "train-5"

    missing = http.get("/api/v1/analysis-rows", params={"analysis": 999})
    assert missing.status_code == 404
    assert missing.json()["error"]["where"] == "analysis"
    bad = http.get("/api/v1/analysis-rows", params={"analysis": mislabels, "order_by": "x"})
    assert bad.status_code == 422
    assert bad.json()["error"]["where"] == "orderBy"
