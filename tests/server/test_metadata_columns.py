"""Metadata fields as columns (issue 14, items 1 and 7): points, facets and every reader of
``services/columns.py`` read just the fields asked for, one SQL value per row however many,
by name rather than inside a JSON path, so any field name reads, with its JSON type, on
SQLite and PostgreSQL.
"""

from __future__ import annotations

from typing import Any

import httpx
import numpy as np
import pyarrow as pa
import pytest
from sqlalchemy import select

from chroma.db.models import Datapoint
from chroma.db.store import Store
from chroma.services import catalog
from chroma.services.columns import metadata_column, read_columns
from projection_helpers import computed_projection, gql, ingest, vectors

ODD = {
    'a"b': 1,
    "x.y": "dotted",
    "q\\": True,
    "$.a": "path-like",
    "[0]": 0,
    "spaced name": 2.5,
    "nested": {"z": [1, True, None]},
    "list": [1, 2],
    "off": False,
    "nothing": None,
    "ünï": "ок",
}
ROWS = 12


@pytest.fixture
def logged(http: httpx.Client) -> list[dict[str, Any]]:
    """demo/clip: every odd field on even rows; odd rows have only ``a"b`` (another value)."""
    metadata = [dict(ODD) if i % 2 == 0 else {'a"b': 7} for i in range(ROWS)]
    ingest(http, [f"k{i}" for i in range(ROWS)], vectors(ROWS), metadata=metadata)
    return metadata


def _read(store: Store, fields: list[str]) -> dict[str, list[Any]]:
    with store.read() as session:
        project = catalog.get_project(session, "demo")
        read = read_columns(session, project.id, fields)
    return {name: list(read.values[name]) for name in fields}


@pytest.mark.parametrize("field", sorted(ODD))
def test_one_field_of_any_name_reads_with_its_json_type(
    store: Store, logged: list[dict[str, Any]], field: str
) -> None:
    got = _read(store, [f"metadata.{field}"])[f"metadata.{field}"]
    assert got == [row.get(field) for row in logged]
    assert [type(v) for v in got] == [type(row.get(field)) for row in logged]


def test_many_fields_read_together_keep_their_values_and_types(
    store: Store, logged: list[dict[str, Any]]
) -> None:
    fields = [f"metadata.{name}" for name in ODD] + ["metadata.absent", "label", "key"]
    got = _read(store, fields)
    for name in ODD:
        values = got[f"metadata.{name}"]
        assert values == [row.get(name) for row in logged], name
        assert [type(v) for v in values] == [type(row.get(name)) for row in logged], name
    assert got["metadata.absent"] == [None] * ROWS
    assert got["key"] == [f"k{i}" for i in range(ROWS)]


@pytest.mark.parametrize("count", [1, 2, 32])
def test_the_database_expands_each_row_s_metadata_once(store: Store, count: int) -> None:
    """What bounds the database's memory: however many fields, the query names the
    metadata column once (an expression per field would detoast a large value per field)."""
    with store.read() as session:
        column = metadata_column(session, [f"f{i}" for i in range(count)])
        sql = str(
            select(Datapoint.id, column).compile(
                dialect=session.get_bind().dialect, compile_kwargs={"render_postcompile": True}
            )
        )
    assert sql.count("datapoint.metadata") == 1, sql


def test_points_of_a_field_named_with_a_quote(
    http: httpx.Client, logged: list[dict[str, Any]]
) -> None:
    """``column=metadata.a"b`` was a 500 on SQLite (the name went into a JSON path)."""
    projection_id = computed_projection(http)
    response = http.get(
        "/api/v1/points",
        params={"projection": projection_id, "column": ["key", 'metadata.a"b', "metadata.x.y"]},
    )
    assert response.status_code == 200, response.text
    table = pa.ipc.open_stream(response.content).read_all()
    by_key = dict(zip(table.column("key").to_pylist(), range(table.num_rows), strict=True))
    quoted = table.column('metadata.a"b').to_pylist()
    dotted = table.column("metadata.x.y").to_pylist()
    for i in range(ROWS):
        row = by_key[f"k{i}"]
        assert quoted[row] == logged[i]['a"b']
        assert dotted[row] == logged[i].get("x.y")


def test_facets_of_fields_with_odd_names(http: httpx.Client, logged: list[dict[str, Any]]) -> None:
    query = """
    query ($fields: [String!]) {
      facets(project: "demo", fields: $fields) { field kind missing values { value count } }
    }"""
    fields = ['metadata.a"b', "metadata.x.y", "metadata.q\\", "metadata.nested", "metadata.off"]
    found = {f["field"]: f for f in gql(http, query, fields=fields)["facets"]}
    half = ROWS // 2
    assert found['metadata.a"b']["kind"] == "NUMBER"
    assert found['metadata.a"b']["values"] == [
        {"value": "1", "count": half},
        {"value": "7", "count": half},
    ]
    assert found["metadata.x.y"]["values"] == [{"value": "dotted", "count": half}]
    assert found["metadata.q\\"]["values"] == [{"value": "true", "count": half}]
    assert found["metadata.off"]["values"] == [{"value": "false", "count": half}]
    assert found["metadata.nested"]["missing"] == ROWS  # nested values count as missing
    # The overview (every field) lists them too.
    overview = gql(http, '{ facets(project: "demo") { field } }')["facets"]
    assert {f"metadata.{name}" for name in ('a"b', "x.y", "spaced name")} <= {
        f["field"] for f in overview
    }


def test_a_point_column_per_field_of_a_large_metadata_value(
    http: httpx.Client, store: Store
) -> None:
    """Many fields of a datapoint with a large metadata value (what took a PostgreSQL
    backend to 14 GB at 300 fields): the values come back, each field once per row."""
    fields = {f"f{i}": i for i in range(40)}
    big = {**fields, "big": "x" * 60_000}
    ingest(http, ["k0", "k1"], vectors(2), metadata=[big, fields])
    got = _read(store, [f"metadata.f{i}" for i in range(40)])
    assert all(got[f"metadata.f{i}"] == [i, i] for i in range(40))
    assert np.all([len(v) == 2 for v in got.values()])
