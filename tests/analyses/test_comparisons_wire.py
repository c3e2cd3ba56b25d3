"""Comparisons over the wire (both dialects, the real server and its job runner): GraphQL
``compareSpaces`` / ``comparison`` / ``Space.comparisons``, errors with ``where`` and no job,
the points column on a map of the first space, and the SDK's ``run.compare`` frame."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pandas as pd
import pyarrow as pa
import pytest
from sqlalchemy import func, select

import chroma
from chroma.db.models import Analysis, Job
from chroma.db.store import Store
from projection_helpers import computed_projection, gql, gql_error, ingest, wait_succeeded

pytestmark = pytest.mark.slow

DIM = 8
CENTRES = np.random.default_rng(4).normal(size=(3, DIM)).astype(np.float32) * 4
N = 120
COMPARE = """
mutation ($a: String!, $b: String!, $k: Int!, $projectB: String) {
  compareSpaces(project: "demo", spaceA: $a, spaceB: $b, k: $k, projectB: $projectB) {
    id kind state params columns job { id }
  }
}
"""


def _vectors() -> tuple[np.ndarray, np.ndarray, list[str], list[str]]:
    rng = np.random.default_rng(1)
    cluster = np.arange(N) % 3
    vectors = (CENTRES[cluster] + 0.3 * rng.normal(size=(N, DIM))).astype(np.float32)
    other = vectors.copy()
    c0 = np.flatnonzero(cluster == 0)
    other[c0] = vectors[rng.permutation(c0)]  # cluster c0 shuffled in the second space
    return vectors, other, [f"k{i}" for i in range(N)], [f"c{c}" for c in cluster]


def _jobs_and_analyses(store: Store) -> tuple[int, int]:
    with store.read() as session:
        return (
            int(session.scalar(select(func.count()).select_from(Job)) or 0),
            int(session.scalar(select(func.count()).select_from(Analysis)) or 0),
        )


def test_compare_spaces_over_graphql_and_the_points_endpoint(
    http: httpx.Client, store: Store
) -> None:
    vectors, other, keys, labels = _vectors()
    ingest(http, keys, vectors, dataset="train", labels=labels)  # demo/clip
    projection = computed_projection(http)
    ingest(http, keys, other, dataset="train", labels=labels, space="clip-v2")
    before = _jobs_and_analyses(store)

    for variables, where in [
        ({"a": "clip", "b": "nope", "k": 5}, "spaceB"),
        ({"a": "clip", "b": "clip", "k": 5}, "spaceB"),
        ({"a": "clip", "b": "clip-v2", "k": 0}, "k"),
        ({"a": "clip", "b": "clip-v2", "k": 5, "projectB": "elsewhere"}, "projectB"),
    ]:
        error = gql_error(http, COMPARE, **variables)
        assert error["where"] == where, error
        assert error["message"]
    assert _jobs_and_analyses(store) == before

    started = gql(http, COMPARE, a="clip", b="clip-v2", k=5)["compareSpaces"]
    assert started["kind"] == "compare"
    assert started["params"] == {"space_b": started["params"]["space_b"], "k": 5}
    assert "moved" in started["columns"]
    wait_succeeded(http, started["job"]["id"])
    found = gql(
        http,
        "query ($id: ID!) { comparison(id: $id) { id state summary rowCount space { name "
        "comparisons { id } } } }",
        id=started["id"],
    )["comparison"]
    assert found["state"] == "READY"
    assert found["rowCount"] == N
    assert found["summary"]["labels"]["c0"]["mean_overlap"] < 0.5
    assert found["summary"]["labels"]["c1"]["mean_overlap"] == pytest.approx(1.0)
    assert [c["id"] for c in found["space"]["comparisons"]] == [started["id"]]

    column = f"analysis.{started['id']}.neighbour_overlap"
    response = http.get(
        "/api/v1/points", params={"projection": projection, "column": ["key", column]}
    )
    assert response.status_code == 200, response.text
    table = pa.ipc.open_stream(response.content).read_all()
    values = dict(zip(table["key"].to_pylist(), table[column].to_pylist(), strict=True))
    assert values["k1"] == pytest.approx(1.0)  # c1: unchanged
    assert np.mean([values[f"k{i}"] for i in range(0, N, 3)]) < 0.5  # c0: shuffled

    missing = gql_error(http, "query { comparison(id: 99999) { id } }")
    assert missing["where"] == "comparison"


def test_run_compare_returns_a_frame(
    server: Any, store: Store, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("CHROMA_SPOOL_DIR", str(tmp_path / "spool"))
    vectors, other, keys, labels = _vectors()
    with chroma.init("demo", "train", "model-v1", url=server.url) as first:
        first.log(vectors, ids=keys, labels=labels)
    run = chroma.init("demo", "train", "model-v2", url=server.url)
    run.log(other, ids=keys, labels=labels)
    frame = run.compare("model-v1", "model-v2", k=5, progress=False)
    assert isinstance(frame, pd.DataFrame)
    assert list(frame.columns) == [
        "datapoint_id",
        "key",
        "dataset",
        "label",
        "neighbour_overlap",
        "moved",
        "gained_labels",
        "lost_labels",
        "moved_rank",
    ]
    assert len(frame) == N
    assert frame["moved_rank"].tolist() == list(range(1, N + 1))  # moved most first
    c0 = frame[frame.label == "c0"]
    assert c0.neighbour_overlap.mean() < 0.5
    assert (frame[frame.label == "c2"].neighbour_overlap == 1.0).all()
    assert frame[frame.label == "c2"].gained_labels.isna().all()
    assert c0[c0.moved > 0].gained_labels.str.startswith("c0").all()
    assert frame.attrs["summary"]["space_b"] == "model-v2"
    assert chroma.get_analysis(frame.attrs["comparison_id"], url=server.url).kind == "compare"

    before = _jobs_and_analyses(store)
    with pytest.raises(chroma.InvalidInput) as same:
        run.compare("model-v2", "model-v2")
    assert same.value.where == "spaceB"
    with pytest.raises(chroma.NotFound) as unknown:
        run.compare("model-v1", "nope")
    assert unknown.value.where == "spaceB"
    with pytest.raises(chroma.InvalidInput) as big:
        run.compare("model-v1", "model-v2", k=101)
    assert big.value.where == "k"
    assert _jobs_and_analyses(store) == before
    run.close()
