"""How a batch's datapoint rows go in, on SQLite and PostgreSQL.

PostgreSQL takes a batch's rows by binary COPY, all as new without looking the keys up
first, in a savepoint that a stored key undoes (then the keys are looked up and the rows
split into new and stored, as on SQLite). What is stored must not depend on the path: text
and metadata come back exactly, a stored key is never duplicated, and an attempt that a
stored key ended leaves nothing behind.
"""

from __future__ import annotations

import json
from typing import Any

import numpy as np
import pyarrow as pa
import pytest
from ingest_bodies import body, random_vectors, read_stream, row_counts, vectors_by_key
from sqlalchemy import event, select, text

from chroma.db.models import Datapoint
from chroma.db.store import Store

ODD_TEXT = [
    "plain",
    "tab\there",
    "new\nline and\r\nreturn",
    "back\\slash \\N \\.",
    "quote\" and 'apostrophe",
    "ключ Schlüssel 鍵 مفتاح",
    "emoji 🎉 and a combining é",
    "\u200b zero width, \U0010fffd last plane",
]

NESTED = {
    "a": {"b": [1, 2.5, {"c": 'ü\n\t\\"x'}, [], {}]},
    "none": None,
    "flags": [True, False],
    "int64": 2**63 - 1,
    "negative": -(2**63),
    "big": 123456789012345678901234567890,
    "small": 1e-300,
    "unicode key ключ 🎉": "value\\u0000 spelt, not a NUL",
    "deep": {"x": {"y": {"z": {"w": [[[["bottom"]]]]}}}},
}


def _stored(store: Store) -> dict[str, Datapoint]:
    with store.read() as session:
        rows = session.scalars(select(Datapoint)).all()
        session.expunge_all()
    return {row.key: row for row in rows}


def test_text_and_metadata_come_back_exactly(ingest, store) -> None:
    n = len(ODD_TEXT)
    metadata: list[Any] = [{**NESTED, "row": i, "text": ODD_TEXT[i]} for i in range(n)]
    metadata[3] = None
    response = ingest(
        body(
            ODD_TEXT,
            random_vectors(n),
            label=ODD_TEXT[::-1],
            prediction=[None, *ODD_TEXT[1:]],
            score=[None, *(i / 7 for i in range(1, n))],
            # Python's own JSON: orjson writes no integer past 64 bits.
            metadata=pa.array([None if m is None else json.dumps(m) for m in metadata]),
            uri=[f"file:///{t}" for t in ODD_TEXT],
            text=ODD_TEXT,
        )
    )
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == n

    stored = _stored(store)
    assert sorted(stored) == sorted(ODD_TEXT)
    for i, key in enumerate(ODD_TEXT):
        row = stored[key]
        assert row.label == ODD_TEXT[::-1][i]
        assert row.prediction == (None if i == 0 else key)
        assert row.prediction_score == (None if i == 0 else i / 7)
        assert row.metadata_ == metadata[i]
        assert row.uri == f"file:///{key}"
        assert row.text == key
        assert row.has_image is False
        assert row.created_at.tzinfo is not None


def test_metadata_the_checks_refuse_is_still_refused_and_nothing_is_written(ingest, store) -> None:
    before = row_counts(store)
    # JSON allows the number; as a double it is infinite (orjson refuses it, as it did).
    response = ingest(body(["a", "b"], random_vectors(2), metadata=pa.array(['{"x":1e400}', None])))
    assert response.status_code == 422, response.text
    assert response.json()["error"]["where"] == "metadata[0]"
    assert row_counts(store) == before


def test_a_batch_of_stored_and_new_keys_stores_each_key_once(ingest, http, store) -> None:
    first = random_vectors(100, seed=1)
    ingest(body([f"k{i}" for i in range(100)], first, label=["old"] * 100))
    before = row_counts(store)
    # New keys first, in the middle and last: a batch tried as all-new that a stored key
    # (k10, k20, ...) stops part-way.
    keys = [f"n{i}" if i % 10 else f"k{i}" for i in range(1, 100)]
    vectors = random_vectors(len(keys), seed=2)
    metadata = [{"i": i, "text": ODD_TEXT[i % len(ODD_TEXT)]} for i in range(len(keys))]
    response = ingest(body(keys, vectors, label=["new"] * len(keys), metadata=metadata))
    assert response.status_code == 200, response.text
    stored_keys = [k for k in keys if k.startswith("k")]
    assert response.json()["inserted"] == len(keys) - len(stored_keys)
    assert response.json()["updated"] == len(stored_keys)

    after = row_counts(store)
    assert after["datapoint"] == before["datapoint"] + len(keys) - len(stored_keys)
    stored = _stored(store)
    for i, key in enumerate(keys):
        assert stored[key].label == "new"
        assert stored[key].metadata_ == metadata[i]
    assert stored["k1"].label == "old"  # not in the second batch

    back = read_stream(http.get("/api/v1/vectors", params={"project": "p", "space": "s"}).content)
    got = vectors_by_key(back)
    assert len(got) == back.num_rows == after["datapoint"]
    for i, key in enumerate(keys):
        assert np.array_equal(got[key], vectors[i])


def _ids_drawn(store: Store) -> int:
    with store.read() as session:
        return int(session.execute(text("SELECT last_value FROM datapoint_id_seq")).scalar_one())


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_postgres_inserts_new_keys_without_looking_each_up(ingest, store) -> None:
    looked_up: list[int] = []

    def on_statement(conn: Any, cursor: Any, statement: str, params: Any, *args: Any) -> None:
        if "FROM datapoint WHERE dataset_id" in statement and "ANY" in statement:
            looked_up.append(len(params["keys"]))

    event.listen(store.engine, "before_cursor_execute", on_statement)
    try:
        response = ingest(body([f"k{i}" for i in range(500)], random_vectors(500)))
    finally:
        event.remove(store.engine, "before_cursor_execute", on_statement)
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 500
    # Three keys probed (a batch sent again is told apart at once), not all 500.
    assert looked_up == [3]


@pytest.mark.parametrize("dialect", ["postgresql"])
def test_postgres_draws_no_ids_for_stored_keys(ingest, store) -> None:
    # datapoint.id is a 32-bit integer: a training loop that logs the same keys again and
    # again must not use up the sequence.
    payload = body([f"k{i}" for i in range(300)], random_vectors(300))
    ingest(payload)
    drawn = _ids_drawn(store)
    assert ingest(payload).json()["updated"] == 300
    assert _ids_drawn(store) == drawn

    # Stored keys that the probe (first, middle, last) misses: the ids the attempt drew
    # serve the new rows once the keys are looked up.
    keys = [f"k{i}" if i % 3 == 1 else f"n{i}" for i in range(300)]
    answer = ingest(body(keys, random_vectors(300, seed=3))).json()
    assert (answer["inserted"], answer["updated"]) == (200, 100)
    assert drawn + 200 <= _ids_drawn(store) <= drawn + 300  # not 200 more drawn again
    stored = _stored(store)
    assert len({row.id for row in stored.values()}) == len(stored) == 500
