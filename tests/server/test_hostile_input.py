"""Hostile requests (issue 14, items 6 and 7) over real HTTP, on SQLite and PostgreSQL: each
gets a 4xx in the shared error shape, naming where and why, and changes nothing (no row of
any table, no datapoint's values, no vector segment file).

The server runs with small limits (``LIMITS``), so that every refusal needs only a small
body; the defaults are checked in tests/server/test_limits.py.
"""

from __future__ import annotations

import base64
import gzip
import io
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
import pyarrow as pa
import pytest
from PIL import Image
from sqlalchemy import func, select, text

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE
from chroma.db.models import Base
from chroma.db.store import Store
from chroma.settings import Settings

LIMITS = {
    "max_request_bytes": 1 << 20,
    "max_batch_rows": 10_000,
    "max_dimension": 64,
    "max_metadata_bytes": 4096,
    "max_metadata_fields": 8,
    "image_max_bytes": 16 << 10,
    "max_points_columns": 4,
}
ARROW = {"content-type": ARROW_STREAM_MEDIA_TYPE}
DIM = 8
HUGE = 2**70  # 1180591620717411303424: beyond any 64-bit column


@pytest.fixture
def settings(settings: Settings, tmp_path: Path) -> Settings:
    static = tmp_path / "static"
    static.mkdir()
    (static / "index.html").write_text("<!doctype html><title>Chroma</title>app shell")
    return settings.model_copy(update={**LIMITS, "static_dir": static})


# ---- bodies ---------------------------------------------------------------------------


def png(size: int = 8, *, noise: bool = False) -> bytes:
    pixels = (
        np.random.default_rng(0).integers(0, 256, (size, size, 3), dtype=np.uint8)
        if noise
        else np.zeros((size, size, 3), np.uint8)
    )
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def vectors(rows: int, dim: int = DIM, dtype: Any = np.float32) -> pa.Array:
    values = np.random.default_rng(rows).standard_normal(rows * dim).astype(dtype)
    return pa.FixedSizeListArray.from_arrays(pa.array(values), dim)


def stream(table: pa.Table, compression: str | None = None) -> bytes:
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.ipc.new_stream(sink, table.schema, options=options) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue().to_pybytes())


def invalid_utf8() -> pa.Array:
    """Two strings, the second not UTF-8 (Arrow's readers do not check)."""
    offsets = pa.py_buffer(np.array([0, 1, 3], np.int32).tobytes())
    return pa.Array.from_buffers(pa.string(), 2, [None, offsets, pa.py_buffer(b"a\xff\xfe")])


def batch(**hostile: Any) -> bytes:
    """Two rows: an update of the seeded key ``a`` (a partial batch would change it), then
    a new key; ``hostile`` replaces or adds columns (lists of two values or Arrow arrays)."""
    columns: dict[str, Any] = {"key": ["a", "n1"], "vector": vectors(2), "label": ["new", "x"]}
    for name, values in hostile.items():
        if name == "metadata" and isinstance(values, list):
            values = [None if v is None else orjson.dumps(v).decode() for v in values]
        columns[name] = values
    return stream(pa.table(columns))


def zeros(rows: int, dim: int) -> pa.Table:
    """Rows of zero vectors: bytes on the wire that compress to almost nothing."""
    values = pa.array(np.zeros(rows * dim, np.float32))
    keys = [f"z{i}" for i in range(rows)]
    return pa.table({"key": keys, "vector": pa.FixedSizeListArray.from_arrays(values, dim)})


def nested(depth: int) -> dict[str, Any]:
    value: Any = 1
    for _ in range(depth):
        value = [value]
    return {"deep": value}


# ---- the state a refusal must leave as it was -----------------------------------------


def snapshot(store: Store) -> dict[str, Any]:
    with store.read() as session:
        counts = {
            table.name: session.execute(select(func.count()).select_from(table)).scalar_one()
            for table in Base.metadata.sorted_tables
        }
        datapoints = session.execute(
            text(
                "SELECT key, label, prediction, prediction_score, CAST(metadata AS TEXT), uri,"
                " text, has_image FROM datapoint ORDER BY id"
            )
        ).all()
        names = session.execute(
            text(
                "SELECT 'project', name FROM project UNION ALL SELECT 'dataset', name FROM dataset"
                " UNION ALL SELECT 'space', name || '/' || COALESCE(model, '') FROM space"
                " UNION ALL SELECT 'tag', name FROM tag ORDER BY 1, 2"
            )
        ).all()
    files = sorted(
        (path.name, path.stat().st_size)
        for path in (
            store.settings.vector_dir.glob("*") if store.settings.vector_dir.exists() else []
        )
    )
    return {"counts": counts, "datapoints": datapoints, "names": names, "files": files}


@pytest.fixture
def seeded(http: httpx.Client, store: Store) -> dict[str, Any]:
    """p/train/s: keys a and b with a label, metadata and an image; returns the state."""
    table = pa.table(
        {
            "key": ["a", "b"],
            "vector": vectors(2),
            "label": ["cat", "dog"],
            "metadata": [orjson.dumps({"n": 1}).decode(), None],
            "image": [png(), None],
        }
    )
    response = http.post(
        "/api/v1/ingest",
        params={"project": "p", "dataset": "train", "space": "s"},
        content=stream(table),
        headers=ARROW,
    )
    assert response.status_code == 200, response.text
    return snapshot(store)


# ---- the requests ---------------------------------------------------------------------


@dataclass(frozen=True)
class Case:
    send: Callable[[httpx.Client], httpx.Response]
    status: int
    where: str
    words: str


def ingest(body: bytes, headers: dict[str, str] | None = None, **params: str) -> Callable:
    query = {"project": "p", "dataset": "train", "space": "s", **params}

    def send(http: httpx.Client) -> httpx.Response:
        return http.post(
            "/api/v1/ingest", params=query, content=body, headers={**ARROW, **(headers or {})}
        )

    return send


def get(path: str, **params: Any) -> Callable:
    return lambda http: http.get(path, params=params)


def export(**body: Any) -> Callable:
    request = {"project": "p", "space": "s", "format": "json", **body}
    return lambda http: http.post("/api/v1/export", json=request)


NUL = "dup\x00one"

HTTP_CASES: dict[str, Case] = {
    # -- sizes once decompressed (item 6) --
    "zstd body carrying more than the limit": Case(
        ingest(stream(zeros(5_000, 64), "zstd")), 413, "body", "once decompressed"
    ),
    "lz4 body carrying more than the limit": Case(
        ingest(stream(zeros(5_000, 64), "lz4")), 413, "body", "CHROMA_MAX_REQUEST_BYTES"
    ),
    "int8 vectors over the limit as float32": Case(
        ingest(
            stream(
                pa.table(
                    {"key": [f"k{i}" for i in range(5_000)], "vector": vectors(5_000, 64, np.int8)}
                )
            )
        ),
        413,
        "vector",
        "as float32",
    ),
    "HTTP content coding": Case(
        ingest(gzip.compress(batch()), {"content-encoding": "gzip"}),
        415,
        "content-encoding",
        "Content-Encoding 'gzip' is not accepted",
    ),
    "too many rows": Case(ingest(stream(zeros(10_001, 1))), 413, "body", "CHROMA_MAX_BATCH_ROWS"),
    "dimension over the limit": Case(
        ingest(stream(pa.table({"key": ["k"], "vector": vectors(1, 65)})), space="wide"),
        422,
        "vector",
        "65 dimensions, over the limit of 64 (CHROMA_MAX_DIMENSION)",
    ),
    "metadata too large": Case(
        ingest(batch(metadata=[{"n": 2}, {"f": "x" * 5000}])),
        413,
        "metadata[1]",
        "CHROMA_MAX_METADATA_BYTES",
    ),
    "metadata with too many fields": Case(
        ingest(batch(metadata=[None, {f"f{i}": i for i in range(9)}])),
        422,
        "metadata[1]",
        "9 fields, over the limit of 8 (CHROMA_MAX_METADATA_FIELDS)",
    ),
    "metadata nested too deep": Case(
        ingest(batch(metadata=[None, nested(40)])), 422, "metadata[1]", "nests deeper than 32"
    ),
    "image too large": Case(
        ingest(batch(image=[png(), png(100, noise=True)])),
        413,
        "image[1]",
        "CHROMA_IMAGE_MAX_BYTES",
    ),
    "image that is no image": Case(
        ingest(batch(image=[png(), b"\x89PNG" + b"\x00" * 5000])),
        422,
        "image[1]",
        "not an image",
    ),
    "column name that is not UTF-8": Case(
        ingest(batch().replace(b"label", b"l\xf6bel", 1)), 422, "body", "not UTF-8 text"
    ),
    "column without a name": Case(
        ingest(stream(pa.table({"key": ["k"], "vector": vectors(1), "": ["x"]}))),
        422,
        "body",
        "unknown column ''",
    ),
    "dictionary-encoded label": Case(
        ingest(batch(label=pa.array(["x" * 100, "x" * 100]).dictionary_encode())),
        422,
        "label",
        "dictionary",
    ),
    # -- NUL characters (item 7) --
    "NUL in a key": Case(ingest(batch(key=["a", NUL])), 422, "key[1]", "NUL"),
    "NUL in a label": Case(ingest(batch(label=["ok", NUL])), 422, "label[1]", "NUL"),
    "NUL in a prediction": Case(ingest(batch(prediction=["ok", NUL])), 422, "prediction[1]", "NUL"),
    "NUL in a uri": Case(ingest(batch(uri=[None, NUL])), 422, "uri[1]", "NUL"),
    "NUL in a text": Case(ingest(batch(text=[None, NUL])), 422, "text[1]", "NUL"),
    "NUL in a metadata field name": Case(
        ingest(batch(metadata=[None, {NUL: 1}])), 422, "metadata[1]", "field name contains a NUL"
    ),
    "NUL in a nested metadata value": Case(
        ingest(batch(metadata=[None, {"a": {"b": ["ok", NUL]}}])),
        422,
        "metadata[1]",
        "value contains a NUL",
    ),
    "NUL in a project name": Case(ingest(batch(), project=NUL), 422, "project", "NUL"),
    "NUL in a dataset name": Case(ingest(batch(), dataset=NUL), 422, "dataset", "NUL"),
    "NUL in a space name": Case(ingest(batch(), space=NUL), 422, "space", "NUL"),
    "NUL in space_model": Case(
        ingest(batch(), space="s2", space_model=NUL), 422, "space_model", "NUL"
    ),
    # -- invalid UTF-8 and overlong text (item 7) --
    "invalid UTF-8 key": Case(ingest(batch(key=invalid_utf8())), 422, "key", "UTF8"),
    "invalid UTF-8 label": Case(ingest(batch(label=invalid_utf8())), 422, "label", "UTF8"),
    "invalid UTF-8 metadata": Case(ingest(batch(metadata=invalid_utf8())), 422, "metadata", "UTF8"),
    "600-character space_model": Case(
        ingest(batch(), space="s2", space_model="m" * 600),
        422,
        "space_model",
        "longer than 500 characters",
    ),
    "600-character space_layer": Case(
        ingest(batch(), space="s2", space_layer="l" * 600),
        422,
        "space_layer",
        "longer than 500 characters",
    ),
    # -- ids and query parameters beyond 64 bits (item 7) --
    "huge projection id": Case(
        get("/api/v1/points", projection=HUGE), 422, "query.projection", "less than or equal"
    ),
    "huge negative projection id": Case(
        get("/api/v1/points", projection=-HUGE), 422, "query.projection", "greater than or equal"
    ),
    "huge analysis id": Case(
        get("/api/v1/analysis-rows", analysis=HUGE), 422, "query.analysis", "less than"
    ),
    "huge datapoint id (image)": Case(
        get(f"/api/v1/datapoints/{HUGE}/image"), 422, "path.datapoint_id", "less than"
    ),
    "huge datapoint id (thumbnail)": Case(
        get(f"/api/v1/datapoints/{HUGE}/thumbnail"), 422, "path.datapoint_id", "less than"
    ),
    "datapoint id beyond PostgreSQL's integer": Case(
        get(f"/api/v1/datapoints/{2**40}/text"), 422, "path.datapoint_id", "less than or equal"
    ),
    "analysis id beyond PostgreSQL's integer": Case(
        get("/api/v1/analysis-rows", analysis=2**40), 422, "query.analysis", "less than or equal"
    ),
    "huge ids in an export": Case(
        export(datapoint_ids=[1, HUGE]), 422, "body.datapoint_ids.1", "less than"
    ),
    "huge projection in an export": Case(
        export(projection=-HUGE), 422, "body.projection", "greater than"
    ),
    "huge number in an export filter": Case(
        export(filter={"metadata": [{"field": "n", "equals": HUGE}]}),
        422,
        "filter.metadata",
        "beyond 64 bits",
    ),
    "NUL in an export filter": Case(
        export(filter={"labels": ["cat", NUL]}), 422, "filter.labels", "NUL"
    ),
    # -- points: how many columns, and names no database may see (items 1, 7) --
    "too many points columns": Case(
        get("/api/v1/points", projection=1, column=[f"metadata.f{i}" for i in range(5)]),
        422,
        "columns",
        "5 columns asked for, over the limit of 4 (CHROMA_MAX_POINTS_COLUMNS)",
    ),
    "huge analysis id in a points column": Case(
        get("/api/v1/points", projection=1, column=f"analysis.{HUGE}.mislabel_score"),
        422,
        "columns",
        "an analysis column is analysis.<id>.<column>",
    ),
    "other script's digits in a points column": Case(
        get("/api/v1/points", projection=1, column="analysis.\u00b2.mislabel_score"),
        422,
        "columns",
        "an analysis column is analysis.<id>.<column>",
    ),
    "NUL in a read's project": Case(
        get("/api/v1/vectors", project=NUL, space="s"), 422, "project", "NUL"
    ),
    "NUL in a read's dataset": Case(
        get("/api/v1/datapoints", project="p", dataset=NUL), 422, "dataset", "NUL"
    ),
    "NUL in a UI path": Case(get("/index.html%00.png"), 404, "path", "no route"),
    # -- /graphql bodies that are no GraphQL request: Strawberry's 400s, once plain text --
    "GraphQL body that is a list": Case(
        lambda http: http.post("/graphql", json=[{"query": "{ projects { name } }"}]),
        400,
        "body",
        "Batching is not enabled",
    ),
    "GraphQL variables that are a list": Case(
        lambda http: http.post(
            "/graphql", json={"query": "{ projects { name } }", "variables": []}
        ),
        400,
        "body",
        "`variables` must be an object",
    ),
    "GraphQL body that is not UTF-8": Case(
        lambda http: http.post(
            "/graphql",
            content=b'{"query": "{ project(name: \xa9) { name } }"}',
            headers={"content-type": "application/json"},
        ),
        400,
        "body",
        "not UTF-8",
    ),
    "GraphQL body nested deeper than Python recurses": Case(
        lambda http: http.post(
            "/graphql", content=b"[" * 100_000, headers={"content-type": "application/json"}
        ),
        400,
        "body",
        "nested too deep",
    ),
    "GraphQL body that is a JSON string": Case(
        lambda http: http.post("/graphql", json="{ projects { name } }"),
        400,
        "body",
        "a GraphQL request is a JSON object",
    ),
    "GraphQL body that is JSON null": Case(
        lambda http: http.post(
            "/graphql", content=b"null", headers={"content-type": "application/json"}
        ),
        400,
        "body",
        "a GraphQL request is a JSON object",
    ),
    "GraphQL mutation over GET": Case(
        get("/graphql", query='mutation { createProject(name: "x") { name } }'),
        400,
        "query",
        "mutations are not allowed when using GET",
    ),
}


@pytest.mark.parametrize("case", HTTP_CASES.values(), ids=HTTP_CASES.keys())
def test_a_hostile_request_is_refused_and_changes_nothing(
    http: httpx.Client, store: Store, seeded: dict[str, Any], case: Case
) -> None:
    response = case.send(http)

    assert response.status_code == case.status, response.text
    error = response.json()["error"]
    assert set(error) == {"code", "message", "where"}
    assert error["where"] == case.where
    assert case.words in error["message"]
    assert snapshot(store) == seeded


def test_compressed_bodies_are_small_on_the_wire() -> None:
    """What the size cases above send: far under the limit as bytes, far over it decoded."""
    for compression in ("zstd", "lz4"):
        assert len(stream(zeros(5_000, 64), compression)) < LIMITS["max_request_bytes"] // 10
    assert len(stream(zeros(10_001, 1))) < LIMITS["max_request_bytes"]


GRAPHQL_CASES: dict[str, tuple[str, dict[str, Any], str, str]] = {
    "huge id": (
        'query ($id: ID!) { datapoint(project: "p", id: $id) { key } }',
        {"id": str(HUGE)},
        "id",
        "is not a valid id",
    ),
    "negative huge id": (
        "query ($id: ID!) { projection(id: $id) { id } }",
        {"id": str(-HUGE)},
        "id",
        "is not a valid id",
    ),
    "NUL in a new project's name": (
        "mutation ($n: String!) { createProject(name: $n) { name } }",
        {"n": NUL},
        "project",
        "NUL",
    ),
    "NUL in a looked-up project": (
        "query ($n: String!) { project(name: $n) { name } }",
        {"n": NUL},
        "project",
        "NUL",
    ),
    "NUL in a dataset's new name": (
        'mutation ($n: String!) { renameDataset(project: "p", name: "train", newName: $n)'
        " { name } }",
        {"n": NUL},
        "dataset",
        "NUL",
    ),
    "NUL in a tag": (
        'mutation ($t: String!) { addTags(project: "p", datapointIds: ["1"], tags: [$t])'
        " { __typename } }",
        {"t": NUL},
        "tag",
        "NUL",
    ),
    "NUL in a filter": (
        'query ($l: String!) { datapoints(project: "p", filter: {labels: [$l]}) { totalCount } }',
        {"l": NUL},
        "filter.labels",
        "NUL",
    ),
    "id beyond PostgreSQL's integer": (
        'query ($id: ID!) { datapoint(project: "p", id: $id) { key } }',
        {"id": str(2**40)},
        "id",
        "is not a valid id",
    ),
    "cursor holding a huge id": (
        'query ($c: String!) { datapoints(project: "p", after: $c) { totalCount } }',
        {"c": base64.urlsafe_b64encode(f"datapoint:{HUGE}".encode()).decode()},
        "after",
        "is not a cursor from this API",
    ),
    "integer beyond any float in analysis params": (
        'mutation ($p: JSON) { runAnalysis(project: "p", space: "s", kind: "mislabels",'
        " params: $p) { id } }",
        {"p": {"k": 10**400}},
        "params.k",
        "within 64 bits",
    ),
    "NUL in a neighbour's key": (
        'query ($k: String!) { neighbors(project: "p", space: "s", dataset: "train", key: $k)'
        " { distance } }",
        {"k": NUL},
        "key",
        "NUL",
    ),
}


@pytest.mark.parametrize("case", GRAPHQL_CASES.values(), ids=GRAPHQL_CASES.keys())
def test_a_hostile_graphql_request_is_refused_and_changes_nothing(
    http: httpx.Client,
    store: Store,
    seeded: dict[str, Any],
    case: tuple[str, dict[str, Any], str, str],
) -> None:
    query, variables, where, words = case
    response = http.post("/graphql", json={"query": query, "variables": variables})

    assert response.status_code == 200, response.text
    [error] = response.json()["errors"]
    assert error["extensions"]["code"] == "invalid_input", error
    assert error["extensions"]["where"] == where
    assert words in error["message"]
    assert snapshot(store) == seeded


def test_a_key_with_nul_never_collides_with_its_prefix(
    http: httpx.Client, store: Store, seeded: dict[str, Any]
) -> None:
    """SQLite used to store ``dup\\x00one`` as ``dup``: a later ``dup`` then overwrote it."""
    assert ingest(batch(key=["dup", NUL]))(http).status_code == 422
    assert ingest(batch(key=["dup", "one"]))(http).status_code == 200
    with store.read() as session:
        keys = session.scalars(text("SELECT key FROM datapoint ORDER BY key")).all()
    assert keys == ["a", "b", "dup", "one"]
