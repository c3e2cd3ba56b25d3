"""Logging through the real HTTP endpoint and reading back, on SQLite and PostgreSQL."""

from __future__ import annotations

import io

import numpy as np
from ingest_bodies import body, random_vectors, read_stream, row_counts, vectors_by_key
from PIL import Image


def test_vectors_and_columns_round_trip_exactly(ingest, http) -> None:
    vectors = random_vectors(300, dim=16)
    keys = [f"k{i}" for i in range(300)]
    response = ingest(
        body(
            keys,
            vectors,
            label=[str(i % 3) for i in range(300)],
            prediction=[str((i + 1) % 3) for i in range(300)],
            score=[i / 300 for i in range(300)],
            metadata=[{"split": "a", "n": i} for i in range(300)],
            uri=[f"file:///x/{i}.png" for i in range(300)],
            text=[f"sentence {i}" for i in range(300)],
        )
    )
    assert response.status_code == 200, response.text
    assert response.json()["inserted"] == 300

    back = read_stream(http.get("/api/v1/vectors", params={"project": "p", "space": "s"}).content)
    assert back.column("key").to_pylist() == keys
    got = np.stack(back.column("vector").to_numpy(zero_copy_only=False))
    assert got.dtype == np.float32
    assert np.array_equal(got, vectors)

    rows = read_stream(http.get("/api/v1/datapoints", params={"project": "p"}).content).to_pylist()
    assert len(rows) == 300
    assert rows[7]["key"] == "k7"
    assert rows[7]["label"] == "1"
    assert rows[7]["prediction"] == "2"
    assert rows[7]["score"] == 7 / 300
    assert rows[7]["uri"] == "file:///x/7.png"
    assert rows[7]["text"] == "sentence 7"
    assert rows[7]["dataset"] == "train"


def test_a_resent_batch_changes_nothing(ingest, http, store) -> None:
    payload = body([f"k{i}" for i in range(50)], random_vectors(50), label=["a"] * 50)
    assert ingest(payload).json()["inserted"] == 50
    before = row_counts(store)
    second = ingest(payload).json()
    assert second["inserted"] == 0
    assert second["updated"] == 50
    after = row_counts(store)
    # The audit trail records the resend (someone wrote it, twice); nothing else grows.
    assert after.pop("audit_event") == before.pop("audit_event") + 1
    assert after == before  # no duplicate rows, no extra chunk or file


def test_relogging_some_keys_replaces_only_their_vectors(ingest, http, store) -> None:
    first = random_vectors(100, seed=1)
    ingest(body([f"k{i}" for i in range(100)], first))
    replacement = random_vectors(10, seed=2)
    relogged = [f"k{i}" for i in range(0, 100, 10)]
    assert ingest(body(relogged, replacement)).json()["updated"] == 10

    back = read_stream(http.get("/api/v1/vectors", params={"project": "p", "space": "s"}).content)
    by_key = vectors_by_key(back)
    assert len(by_key) == back.num_rows == 100
    for i in range(100):
        expected = replacement[i // 10] if i % 10 == 0 else first[i]
        assert np.array_equal(by_key[f"k{i}"], expected)


def test_a_fully_replaced_chunk_and_its_file_are_removed(ingest, store) -> None:
    keys = [f"k{i}" for i in range(20)]
    ingest(body(keys, random_vectors(20, seed=1)))
    ingest(body(keys, random_vectors(20, seed=2)))
    counts = row_counts(store)
    assert counts["embedding_chunk"] == 1
    if store.vector_dir is not None:
        assert counts["segment files"] == 1


def test_columns_not_sent_keep_their_values(ingest, http) -> None:
    ingest(body(["a", "b"], random_vectors(2), label=["cat", "dog"], metadata=[{"x": 1}, None]))
    ingest(body(["a"], random_vectors(1, seed=3), prediction=["dog"]))
    rows = read_stream(http.get("/api/v1/datapoints", params={"project": "p"}).content).to_pylist()
    first = next(r for r in rows if r["key"] == "a")
    assert first["label"] == "cat"
    assert first["prediction"] == "dog"


def test_same_key_in_two_datasets_is_two_datapoints(ingest, http) -> None:
    ingest(body(["k"], random_vectors(1)), dataset="train")
    ingest(body(["k"], random_vectors(1)), dataset="test")
    rows = read_stream(http.get("/api/v1/datapoints", params={"project": "p"}).content)
    assert sorted(rows.column("dataset").to_pylist()) == ["test", "train"]
    only_test = http.get(
        "/api/v1/vectors", params={"project": "p", "space": "s", "dataset": "test"}
    )
    assert read_stream(only_test.content).num_rows == 1


def test_images_are_stored_and_flagged(ingest, http) -> None:
    png = io.BytesIO()
    Image.new("L", (8, 8)).save(png, "PNG")
    response = ingest(body(["a", "b"], random_vectors(2), image=[png.getvalue(), None]))
    assert response.status_code == 200, response.text
    rows = read_stream(http.get("/api/v1/datapoints", params={"project": "p"}).content).to_pylist()
    assert {r["key"]: r["has_image"] for r in rows} == {"a": True, "b": False}


def test_relogging_across_chunks_twice_keeps_one_current_vector_each(ingest, http, store) -> None:
    current = {}
    for batch in range(3):
        keys = [f"k{batch * 10 + i}" for i in range(10)]
        vectors = random_vectors(10, seed=batch)
        ingest(body(keys, vectors))
        current.update(zip(keys, vectors, strict=True))
    for seed, keys in ((10, ["k1", "k11", "k21", "k2"]), (11, ["k1", "k11", "k29"])):
        vectors = random_vectors(len(keys), seed=seed)
        assert ingest(body(keys, vectors)).status_code == 200
        current.update(zip(keys, vectors, strict=True))

    response = http.get("/api/v1/vectors", params={"project": "p", "space": "s"})
    assert response.headers["x-chroma-rows"] == "30"
    back = read_stream(response.content)
    got = vectors_by_key(back)
    assert len(got) == back.num_rows == 30
    for key, vector in current.items():
        assert np.array_equal(got[key], vector), key


def test_space_info_reports_dimension_and_live_vectors(ingest, http) -> None:
    ingest(body([f"k{i}" for i in range(12)], random_vectors(12, dim=5)))
    ingest(body(["k0", "k1"], random_vectors(2, dim=5, seed=4)))
    info = http.get("/api/v1/space", params={"project": "p", "space": "s"}).json()
    assert info["dimension"] == 5
    assert info["vectors"] == 12
    missing = http.get("/api/v1/space", params={"project": "p", "space": "nope"})
    assert missing.status_code == 404
    assert missing.json()["error"]["where"] == "space"


def test_raw_vector_format_matches_arrow_and_announces_its_length(ingest, http) -> None:
    from urllib.parse import unquote

    import orjson

    ingest(body([f"a{i}" for i in range(7)], random_vectors(7, seed=1)), dataset="train")
    ingest(body([f"b{i}" for i in range(5)], random_vectors(5, seed=2)), dataset="test")
    ingest(body(["a3"], random_vectors(1, seed=3)), dataset="train")  # one superseded row
    params = {"project": "p", "space": "s"}
    arrow = read_stream(http.get("/api/v1/vectors", params=params).content)
    raw = http.get("/api/v1/vectors", params={**params, "format": "raw"})
    rows, dim = int(raw.headers["x-chroma-rows"]), int(raw.headers["x-chroma-dimension"])
    assert (rows, dim) == (12, 8)
    assert int(raw.headers["content-length"]) == len(raw.content) == rows * (dim * 4 + 16)
    vectors = np.frombuffer(raw.content, "<f4", rows * dim).reshape(rows, dim)
    ids = np.frombuffer(raw.content, "<i8", rows, offset=rows * dim * 4)
    dataset_ids = np.frombuffer(raw.content, "<i8", rows, offset=rows * (dim * 4 + 8))
    names = orjson.loads(unquote(raw.headers["x-chroma-datasets"]))
    assert np.array_equal(vectors, np.stack(arrow.column("vector").to_numpy(zero_copy_only=False)))
    assert ids.tolist() == arrow.column("datapoint_id").to_pylist()
    assert [names[str(i)] for i in dataset_ids] == arrow.column("dataset").to_pylist()
