"""A small seeded project for the fuzz runs, and the values generated requests borrow from
it so that they sometimes name real rows (a project, a map, a datapoint with an image)
instead of always missing.

``p`` has datasets ``train`` (24 rows) and ``test`` (8) in space ``s`` (8 dimensions):
labels, predictions, scores, metadata, texts, two inline images, uris the server refuses
to read (a local path outside any image root, a loopback URL, an s3 URL), a tag, a PCA map
and a mislabels analysis (both computed here, in the test's process: the server's own
jobs go to a broker no worker reads).
"""

from __future__ import annotations

import io
from dataclasses import dataclass, field
from typing import Any

import httpx
import numpy as np
import orjson
import pyarrow as pa
from PIL import Image
from sqlalchemy import text

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE
from chroma.db.store import Store
from chroma.jobs.execute import execute_job
from chroma.services.analyses import run_analysis
from chroma.services.projections import create_projection

PROJECT, DATASETS, SPACE, DIMENSION = "p", ("train", "test"), "s", 8
LABELS = ("cat", "dog", "bird")
TAG = "t"
URIS = ("/etc/hostname", "http://127.0.0.1:9/x.png", "s3://bucket/x.png")
OF_SPACE = (
    "SELECT t.id FROM {table} t JOIN space s ON s.id = t.space_id"
    f" JOIN project p ON p.id = s.project_id WHERE p.name = '{PROJECT}' AND s.name = '{SPACE}'"
    " ORDER BY t.id"
)


def png() -> bytes:
    out = io.BytesIO()
    Image.fromarray(np.full((8, 8, 3), 200, np.uint8)).save(out, "PNG")
    return out.getvalue()


def arrow_stream(table: pa.Table, compression: str | None = None) -> bytes:
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def _batch(dataset: str, rows: int, offset: int) -> bytes:
    rng = np.random.default_rng(offset)
    vectors = rng.standard_normal(rows * DIMENSION).astype(np.float32)
    keys = [f"{dataset}-{i}" for i in range(rows)]
    image, uri, body = [None] * rows, [None] * rows, [None] * rows
    if dataset == DATASETS[0]:
        image[0] = image[1] = png()
        uri[2 : 2 + len(URIS)] = URIS
        body[5] = "some text"
    table = pa.table(
        {
            "key": keys,
            "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors), DIMENSION),
            "label": [LABELS[i % len(LABELS)] for i in range(rows)],
            "prediction": [LABELS[(i + i // 5) % len(LABELS)] for i in range(rows)],
            "score": [round(0.5 + i / (3 * rows), 3) for i in range(rows)],
            "metadata": [
                orjson.dumps({"n": i, "color": ("red", "blue")[i % 2], "flag": i % 3 == 0}).decode()
                for i in range(rows)
            ],
            "uri": pa.array(uri, pa.string()),
            "text": pa.array(body, pa.string()),
            "image": pa.array(image, pa.binary()),
        }
    )
    return arrow_stream(table)


@dataclass
class Seeds:
    """What a generated request may borrow, by the name of its parameter."""

    datapoint_ids: list[int] = field(default_factory=list)
    projection_ids: list[int] = field(default_factory=list)
    analysis_ids: list[int] = field(default_factory=list)
    job_ids: list[int] = field(default_factory=list)
    analysis_columns: list[str] = field(default_factory=list)

    def rest(self, name: str) -> list[Any]:
        """Values for a query, path or JSON body field of this name (none: leave it)."""
        ids = self.datapoint_ids
        columns = ["label", "dataset", "metadata.n", "metadata.color", "tags", "key"] + [
            f"analysis.{a}.{c}" for a in self.analysis_ids for c in self.analysis_columns
        ]
        return {
            "project": [PROJECT],
            "dataset": [DATASETS[0], list(DATASETS)],
            "space": [SPACE],
            "projection": self.projection_ids,
            "analysis": self.analysis_ids,
            "datapoint_id": ids,
            "datapoint_ids": [ids[:3], ids],
            "column": [[c] for c in columns] + [columns[:3]],
            "order_by": self.analysis_columns,
        }.get(name, [])

    def graphql(self, name: str) -> list[str]:
        """Values for a GraphQL argument or input field of this name."""
        ids = [str(i) for i in self.datapoint_ids + self.projection_ids + self.analysis_ids]
        names = [PROJECT, *DATASETS, SPACE]
        return {
            "project": [PROJECT],
            "name": names,
            "dataset": list(DATASETS),
            "datasets": list(DATASETS),
            "reference": list(DATASETS),
            "space": [SPACE],
            "key": [f"{DATASETS[0]}-0", f"{DATASETS[1]}-1"],
            "labels": list(LABELS),
            "predictions": list(LABELS),
            "tags": [TAG],
            "fields": ["label", "metadata.n", "tags", "dataset"],
            "kind": ["mislabels", "duplicates"],
            "algorithm": ["pca", "umap", "tsne"],
            "orderBy": self.analysis_columns,
            "id": ids + [str(i) for i in self.job_ids],
            "datapointId": ids,
            "datapointIds": ids,
        }.get(name, [])


def seed(http: httpx.Client, store: Store) -> Seeds:
    """Log the project over HTTP, tag it, compute its map and analysis; idempotent (keys
    update their rows; a map or analysis is made again only when it is gone)."""
    for offset, (dataset, rows) in enumerate(zip(DATASETS, (24, 8), strict=True)):
        response = http.post(
            "/api/v1/ingest",
            params={"project": PROJECT, "dataset": dataset, "space": SPACE},
            content=_batch(dataset, rows, offset),
            headers={"content-type": ARROW_STREAM_MEDIA_TYPE},
        )
        assert response.status_code == 200, response.text
    ids = _column(
        store,
        "SELECT d.id FROM datapoint d JOIN dataset s ON s.id = d.dataset_id"
        f" JOIN project p ON p.id = s.project_id WHERE p.name = '{PROJECT}' ORDER BY d.id",
    )
    tagged = http.post(
        "/graphql",
        json={
            "query": 'mutation ($ids: [ID!]!) { addTags(project: "p", datapointIds: $ids,'
            ' tags: ["t"]) { __typename } }',
            "variables": {"ids": [str(i) for i in ids[:5]]},
        },
    )
    assert "errors" not in tagged.json(), tagged.text
    if not _column(store, OF_SPACE.format(table="projection_set")):
        _, job = create_projection(store, project=PROJECT, space=SPACE, algorithm="pca")
        assert execute_job(store, job.id) == "succeeded"
    if not _column(store, OF_SPACE.format(table="analysis")):
        _, job = run_analysis(store, project=PROJECT, space=SPACE, kind="mislabels")
        assert execute_job(store, job.id) == "succeeded"
    return Seeds(
        datapoint_ids=ids,
        projection_ids=_column(store, OF_SPACE.format(table="projection_set")),
        analysis_ids=_column(store, OF_SPACE.format(table="analysis")),
        job_ids=_column(store, "SELECT id FROM job ORDER BY id"),
        analysis_columns=["mislabel_score", "suggested_label", "label_agreement", "evidence"],
    )


def intact(store: Store) -> bool:
    """Whether the seeded project still has its datasets, rows, space, map and analysis (a
    fuzzed mutation may have renamed or deleted them)."""
    with store.read() as session:
        datasets = session.scalar(
            text(
                "SELECT COUNT(*) FROM dataset d JOIN project p ON p.id = d.project_id"
                " WHERE p.name = :p AND d.name IN (:a, :b)"
                " AND (SELECT COUNT(*) FROM datapoint WHERE dataset_id = d.id) > 0"
            ),
            {"p": PROJECT, "a": DATASETS[0], "b": DATASETS[1]},
        )
    maps = _column(store, OF_SPACE.format(table="projection_set"))
    analyses = _column(store, OF_SPACE.format(table="analysis"))
    return datasets == len(DATASETS) and bool(maps) and bool(analyses)


def _column(store: Store, query: str) -> list[int]:
    with store.read() as session:
        return [int(value) for value in session.scalars(text(query)).all()]
