"""Bad input gets a 4xx that says what and where, and changes nothing, on both databases."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
import pytest
from ingest_bodies import body, random_vectors, row_counts, to_stream

from chroma.core.wire import ARROW_STREAM_MEDIA_TYPE

ARROW = {"content-type": ARROW_STREAM_MEDIA_TYPE}


@pytest.fixture
def seeded(ingest, store):
    """A project whose space already holds 8-dimensional vectors; returns the state."""
    assert ingest(body(["seed"], random_vectors(1, dim=8))).status_code == 200
    return row_counts(store)


def assert_rejected(response, status: int, where: str, words: str) -> None:
    assert response.status_code == status, response.text
    error = response.json()["error"]
    assert error["where"] == where
    assert words in error["message"]


def with_nan(row: int) -> np.ndarray:
    vectors = random_vectors(5)
    vectors[row, 3] = np.nan
    return vectors


def with_inf(row: int) -> np.ndarray:
    vectors = random_vectors(5)
    vectors[row, 0] = -np.inf
    return vectors


KEYS5 = [f"n{i}" for i in range(5)]

CASES = {
    "wrong dimension": (body(KEYS5, random_vectors(5, dim=9)), 422, "vector", "dimension 8"),
    "nan": (body(KEYS5, with_nan(2)), 422, "vector[2]", "NaN"),
    "inf": (body(KEYS5, with_inf(4)), 422, "vector[4]", "infinity"),
    "ragged": (
        to_stream(pa.table({"key": ["a", "b"], "vector": [[1.0] * 8, [1.0] * 7]})),
        422,
        "vector[1]",
        "ragged",
    ),
    "duplicate keys": (body(["a", "b", "a"], random_vectors(3)), 422, "key[2]", "twice"),
    "empty batch": (body([], np.zeros((0, 8), np.float32)), 422, "body", "empty"),
    "empty body": (b"", 422, "body", "empty"),
    "malformed arrow": (b"this is not arrow at all", 422, "body", "Arrow IPC"),
    "truncated arrow": (body(KEYS5, random_vectors(5))[:-200], 422, "body", "Arrow IPC"),
    "unknown column": (
        body(KEYS5, random_vectors(5), colour=["red"] * 5),
        422,
        "colour",
        "unknown",
    ),
    "missing vector": (to_stream(pa.table({"key": ["a"]})), 422, "vector", "no 'vector'"),
    "missing key": (
        to_stream(pa.table({"vector": pa.array([[1.0] * 8], pa.list_(pa.float32(), 8))})),
        422,
        "key",
        "no 'key'",
    ),
    "null key": (
        to_stream(
            pa.table(
                {"key": ["a", None], "vector": pa.array([[1.0] * 8] * 2, pa.list_(pa.float32(), 8))}
            )
        ),
        422,
        "key[1]",
        "missing",
    ),
    "null vector": (
        to_stream(
            pa.table(
                {
                    "key": ["a", "b"],
                    "vector": pa.array([[1.0] * 8, None], pa.list_(pa.float32(), 8)),
                }
            )
        ),
        422,
        "vector[1]",
        "missing",
    ),
    "string vectors": (
        to_stream(pa.table({"key": ["a"], "vector": [["x"] * 8]})),
        422,
        "vector",
        "numbers",
    ),
    "metadata not json": (
        body(["a"], random_vectors(1), metadata=pa.array(["{nope"])),
        422,
        "metadata[0]",
        "JSON",
    ),
    "metadata not an object": (
        body(["a", "b"], random_vectors(2), metadata=pa.array(["{}", "[1, 2]"])),
        422,
        "metadata[1]",
        "object",
    ),
    "label of wrong type": (
        body(["a"], random_vectors(1), label=pa.array([[1, 2]])),
        422,
        "label",
        "must be string",
    ),
    "nan score": (body(["a"], random_vectors(1), score=[float("nan")]), 422, "score[0]", "NaN"),
    "key too long": (body(["x" * 501], random_vectors(1)), 422, "key[0]", "longer"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_bad_batch_is_refused_and_nothing_changes(case, seeded, ingest, store) -> None:
    payload, status, where, words = CASES[case]
    assert_rejected(ingest(payload), status, where, words)
    assert row_counts(store) == seeded


def test_a_failure_inside_the_write_leaves_no_partial_rows(ingest, store, seeded) -> None:
    """Make the database itself fail after the datapoint rows went in: all must roll back."""
    from sqlalchemy import text

    if store.is_sqlite:
        trigger = (
            "CREATE TRIGGER fail_chunk BEFORE INSERT ON embedding_chunk "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        )
        statements = [trigger]
    else:
        statements = [
            "CREATE FUNCTION fail_chunk() RETURNS trigger AS "
            "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
            "CREATE TRIGGER fail_chunk BEFORE INSERT ON embedding_chunk "
            "FOR EACH ROW EXECUTE FUNCTION fail_chunk()",
        ]
    with store.engine.begin() as conn:
        for statement in statements:
            conn.execute(text(statement))
    try:
        response = ingest(body([f"x{i}" for i in range(100)], random_vectors(100)))
        assert response.status_code == 500
        assert row_counts(store) == seeded  # no datapoint rows, no chunk, no segment file
    finally:
        with store.engine.begin() as conn:
            conn.execute(
                text("DROP TRIGGER fail_chunk" + ("" if store.is_sqlite else " ON embedding_chunk"))
            )
            if not store.is_sqlite:
                conn.execute(text("DROP FUNCTION fail_chunk()"))


def test_unknown_names_on_read_are_404_with_where(ingest, http, seeded) -> None:
    cases = [
        ("/api/v1/vectors", {"project": "nope", "space": "s"}, "project"),
        ("/api/v1/vectors", {"project": "p", "space": "nope"}, "space"),
        ("/api/v1/vectors", {"project": "p", "space": "s", "dataset": "nope"}, "dataset"),
        ("/api/v1/datapoints", {"project": "nope"}, "project"),
        ("/api/v1/datapoints", {"project": "p", "dataset": "nope"}, "dataset"),
    ]
    for path, params, where in cases:
        response = http.get(path, params=params)
        assert_rejected(response, 404, where, "nope")


def test_create_false_does_not_create(ingest, store, seeded) -> None:
    response = ingest(body(["a"], random_vectors(1)), dataset="new", create="false")
    assert_rejected(response, 404, "dataset", "new")
    assert row_counts(store) == seeded


def test_missing_query_parameter_names_it(http) -> None:
    response = http.post(
        "/api/v1/ingest", params={"project": "p", "dataset": "d"}, content=b"", headers=ARROW
    )
    assert response.status_code == 422
    assert response.json()["error"]["where"] == "query.space"
