"""The app the browser tests explore: a real server on SQLite with scikit-learn's digits
(1,797 8x8 images, shipped with scikit-learn) logged through the SDK: labels, a simple
model's predictions and scores, the images, metadata, two datasets (train / test), a tag,
and a PCA map computed by the server's own job runner."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sqlalchemy import select

import chroma
from chroma.db.models import Datapoint
from chroma.db.store import Store, open_store
from chroma.settings import Settings
from live_server import LiveServer
from projection_helpers import computed_projection, gql

PROJECT = "digits"
SPACE = "pixels"
TRAIN_ROWS = 1400
TAG = "reviewed"


@dataclass
class LiveApp:
    url: str
    store: Store
    http: httpx.Client
    projection_id: int
    ids_by_key: dict[str, int]
    labels: dict[int, str]
    """The label of each datapoint id."""

    def gql(self, query: str, **variables: Any) -> dict[str, Any]:
        return gql(self.http, query, **variables)

    def tagged(self, tag: str) -> set[int]:
        """Ids of the datapoints carrying ``tag``, read through GraphQL."""
        query = """query ($tags: [String!]!, $after: String) {
          datapoints(project: "digits", filter: {tags: $tags}, first: 1000, after: $after) {
            nodes { id } pageInfo { hasNextPage endCursor } } }"""
        found: set[int] = set()
        after = None
        while True:
            page = self.gql(query, tags=[tag], after=after)["datapoints"]
            found.update(int(node["id"]) for node in page["nodes"])
            if not page["pageInfo"]["hasNextPage"]:
                return found
            after = page["pageInfo"]["endCursor"]


def digits_rows() -> dict[str, dict[str, Any]]:
    """Per dataset: vectors, keys, labels, predictions, scores, images and metadata."""
    digits = load_digits()
    pixels = digits.data.astype(np.float32) / 16.0
    images = (digits.images * 15).astype(np.uint8)
    labels = digits.target
    model = LogisticRegression(max_iter=300).fit(pixels[:TRAIN_ROWS], labels[:TRAIN_ROWS])
    probabilities = model.predict_proba(pixels)
    predicted = probabilities.argmax(axis=1)
    out = {}
    for dataset, rows in (
        ("train", slice(0, TRAIN_ROWS)),
        ("test", slice(TRAIN_ROWS, len(labels))),
    ):
        index = np.arange(len(labels))[rows]
        out[dataset] = {
            "embeddings": pixels[rows],
            "ids": [f"{dataset}-{i}" for i in index],
            "labels": [str(v) for v in labels[rows]],
            "predictions": [str(v) for v in predicted[rows]],
            "scores": probabilities[rows].max(axis=1).astype(float).tolist(),
            "images": images[rows],
            "metadata": [
                {"row": int(i), "ink": round(float(pixels[i].sum()), 3), "odd": bool(i % 2)}
                for i in index
            ],
        }
    return out


@contextmanager
def start_live_app(folder: Path) -> Iterator[LiveApp]:
    store = open_store(Settings(data_dir=folder / "data", auto_jobs=False))
    with (
        LiveServer(store, owns_store=True) as server,
        httpx.Client(base_url=server.url, timeout=60) as http,
    ):
        for dataset, columns in digits_rows().items():
            with chroma.init(PROJECT, dataset, SPACE, url=server.url) as run:
                run.log(**columns)
        with store.read() as session:
            rows = session.execute(select(Datapoint.key, Datapoint.id, Datapoint.label)).all()
        ids = {key: id_ for key, id_, _ in rows}
        gql(
            http,
            """mutation ($ids: [ID!]!) {
              addTags(project: "digits", datapointIds: $ids, tags: ["reviewed"]) { changed } }""",
            ids=[str(ids[f"train-{i}"]) for i in range(0, 200, 7)],
        )
        projection_id = computed_projection(http, project=PROJECT, space=SPACE, algorithm="pca")
        yield LiveApp(
            url=server.url,
            store=store,
            http=http,
            projection_id=projection_id,
            ids_by_key=ids,
            labels={id_: label for _, id_, label in rows},
        )
