"""Talking to the real server the way clients do: GraphQL over HTTP, ingest as Arrow IPC."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import httpx
import orjson
import pyarrow as pa

from chroma.core import wire

DIMENSION = 4


def made_up_vector(row: int, dimension: int) -> list[float]:
    return [float(row + d) for d in range(dimension)]


def arrow_body(rows: Sequence[dict[str, Any]], dimension: int = DIMENSION) -> bytes:
    """One Arrow IPC stream of ``rows`` (dicts of wire columns; metadata as a dict).

    Rows without a ``vector`` get a distinct made-up one; optional columns are sent when
    any row has them.
    """
    optional = [name for name in wire.OPTIONAL_COLUMNS if any(name in row for row in rows)]
    schema = wire.ingest_schema(dimension, optional)
    columns: dict[str, list[Any]] = {
        wire.KEY: [row["key"] for row in rows],
        wire.VECTOR: [
            row.get("vector", [float(i + d) for d in range(dimension)])
            for i, row in enumerate(rows)
        ],
    }
    for name in optional:
        values = [row.get(name) for row in rows]
        if name == "metadata":
            values = [None if v is None else orjson.dumps(v).decode() for v in values]
        columns[name] = values
    table = pa.table(columns, schema=schema)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


class GraphQLClient:
    """GraphQL and ingest calls, as someone with ``token`` (a bearer token) when given."""

    def __init__(self, http: httpx.Client, token: str | None = None) -> None:
        self.http = http
        self.token = token
        self.headers = {"authorization": f"Bearer {token}"} if token else {}

    def post(self, query: str, **variables: Any) -> httpx.Response:
        return self.http.post(
            "/graphql", json={"query": query, "variables": variables}, headers=self.headers
        )

    def data(self, query: str, **variables: Any) -> dict[str, Any]:
        """The ``data`` of a request that must succeed."""
        response = self.post(query, **variables)
        assert response.status_code == 200, response.text
        body = response.json()
        assert "errors" not in body, body["errors"]
        return dict(body["data"])

    def error(self, query: str, **variables: Any) -> dict[str, Any]:
        """The single error of a request that must fail."""
        response = self.post(query, **variables)
        assert response.status_code == 200, response.text
        errors = response.json()["errors"]
        assert len(errors) == 1, errors
        return dict(errors[0])

    def log(
        self,
        rows: Sequence[dict[str, Any]],
        *,
        project: str = "demo",
        dataset: str = "train",
        space: str = "clip",
    ) -> dict[str, Any]:
        """Ingest ``rows`` through the real bulk endpoint."""
        response = self.http.post(
            "/api/v1/ingest",
            params={"project": project, "dataset": dataset, "space": space},
            content=arrow_body(rows),
            headers={"content-type": wire.ARROW_STREAM_MEDIA_TYPE, **self.headers},
        )
        assert response.status_code == 200, response.text
        return dict(response.json())


def train_rows() -> list[dict[str, Any]]:
    """30 rows: labels alternate cat/dog, splits a (0-9) and b (10-29), numbers 0-29."""
    return [
        {
            "key": f"train-{i}",
            "label": "cat" if i % 2 == 0 else "dog",
            "prediction": "cat" if i % 3 == 0 else "dog",
            "score": i / 30,
            "metadata": {
                "split": "a" if i < 10 else "b",
                "n": i,
                "flag": i % 5 == 0,
                "code": str(i),
            },
            "text": f"text {i}",
            "uri": f"s3://bucket/train/{i}.png",
        }
        for i in range(30)
    ]


def heldout_rows() -> list[dict[str, Any]]:
    """12 rows: labels cat/dog/bird in turn, split c."""
    return [
        {
            "key": f"test-{i}",
            "label": ("cat", "dog", "bird")[i % 3],
            "prediction": "bird" if i % 4 == 0 else "cat",
            "metadata": {"split": "c", "n": i},
        }
        for i in range(12)
    ]
