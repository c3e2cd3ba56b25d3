"""Logging through the real server (SQLite and PostgreSQL) and reading everything back."""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np
import pandas as pd
import pytest
from PIL import Image
from sqlalchemy import select

import chroma
from chroma.db.models import DatapointImage
from chroma.db.store import Store

MakeRun = Callable[..., chroma.Run]


def _matrix(rows: int, dim: int, seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).standard_normal((rows, dim)).astype(np.float32)


def test_numpy_vectors_round_trip_bit_exact(make_run: MakeRun) -> None:
    run = make_run()
    vectors = _matrix(50, 16)
    vectors[0, 0] = np.float32(1e-45)  # a subnormal survives too
    keys = run.log(vectors, ids=[f"k{i}" for i in range(50)])
    run.flush()

    read = run.vectors()
    order = np.argsort(np.array(read.keys, dtype=object).astype(str))
    expected_order = np.argsort(np.array(keys, dtype=object).astype(str))
    assert read.vectors.dtype == np.float32
    assert read.vectors[order].tobytes() == vectors[expected_order].tobytes()
    assert len(read) == 50
    assert read.dimension == 16
    assert set(read.datasets) == {"train"}
    assert run.inserted == 50
    assert run.updated == 0


def test_list_of_lists_and_float64_are_accepted(make_run: MakeRun) -> None:
    run = make_run()
    run.log([[1, 2, 3], [4.5, 5, 6]], ids=["a", "b"])
    run.log(np.array([[7.0, 8.0, 9.0]], dtype=np.float64), ids=["c"])
    read = run.vectors()
    by_key = dict(zip(read.keys or [], read.vectors.tolist(), strict=True))
    assert by_key == {"a": [1, 2, 3], "b": [4.5, 5, 6], "c": [7, 8, 9]}


def test_dataframe_of_vectors_or_numeric_columns(make_run: MakeRun) -> None:
    run = make_run()
    run.log(pd.DataFrame({"v": [np.ones(4), np.zeros(4)]}), ids=["one", "zero"])
    run.log(pd.DataFrame({"a": [1.0], "b": [2.0], "c": [3], "d": [4]}), ids=["abcd"])
    read = run.vectors()
    by_key = dict(zip(read.keys or [], read.vectors.tolist(), strict=True))
    assert by_key == {"one": [1, 1, 1, 1], "zero": [0, 0, 0, 0], "abcd": [1, 2, 3, 4]}


def test_every_field_round_trips_through_datapoints(make_run: MakeRun, store: Store) -> None:
    run = make_run()
    png = io.BytesIO()  # a real image: the server reads each image's header at ingest
    Image.new("RGB", (2, 2)).save(png, "PNG")
    png = png.getvalue()
    gray = np.arange(12, dtype=np.uint8).reshape(3, 4)
    run.log(
        _matrix(3, 4),
        ids=["a", "b", "c"],
        labels=[3, "cat", None],
        predictions=np.array([3, 1, 2]),
        scores=[0.5, None, 1.0],
        metadata=[{"n": np.int64(1), "tags": ["x"]}, None, {"when": pd.Timestamp("2024-05-01")}],
        uris=["s3://b/a.png", None, "s3://b/c.png"],
        texts=["hello", "", None],
        images=[png, gray, None],
    )
    frame = run.datapoints().set_index("key").sort_index()

    assert frame["label"].tolist()[:2] == ["3", "cat"]
    assert frame["label"].isna().tolist() == [False, False, True]
    assert frame["prediction"].tolist() == ["3", "1", "2"]
    assert frame.loc["a", "score"] == 0.5
    assert pd.isna(frame.loc["b", "score"])
    assert frame["metadata"].tolist() == [
        {"n": 1, "tags": ["x"]},
        None,
        {"when": "2024-05-01T00:00:00"},
    ]
    assert frame.loc["a", "uri"] == "s3://b/a.png"
    assert frame.loc["a", "text"] == "hello"
    assert frame["has_image"].tolist() == [True, True, False]
    assert set(frame["dataset"]) == {"train"}
    assert frame["tags"].tolist() == [[], [], []]

    with store.read() as session:
        query = select(DatapointImage.datapoint_id, DatapointImage.data)
        images = {row.datapoint_id: row.data for row in session.execute(query)}
    assert images[int(frame.loc["a", "datapoint_id"])] == png
    assert images[int(frame.loc["b", "datapoint_id"])].startswith(b"\x89PNG\r\n\x1a\n")


def test_log_dataframe_maps_columns_and_gathers_the_rest_as_metadata(make_run: MakeRun) -> None:
    run = make_run()
    frame = pd.DataFrame(
        {
            "emb": [np.full(3, i, dtype=np.float32) for i in range(4)],
            "id": [10, 11, 12, 13],
            "y": ["a", "b", "a", "b"],
            "split": ["s1", "s1", "s2", "s2"],
            "weight": [0.1, 0.2, 0.3, None],
        }
    )
    keys = run.log_dataframe(frame, embedding_column="emb", id_column="id", label_column="y")
    assert keys == ["10", "11", "12", "13"]
    back = run.to_pandas().set_index("key").sort_index()
    assert back["label"].tolist() == ["a", "b", "a", "b"]
    assert back["metadata"].tolist()[0] == {"split": "s1", "weight": 0.1}
    assert back["metadata"].tolist()[3] == {"split": "s2", "weight": None}
    assert back.loc["12", "vector"].tolist() == [2, 2, 2]


def test_log_dataframe_with_numeric_vector_columns(make_run: MakeRun) -> None:
    run = make_run()
    frame = pd.DataFrame({"x": [1.0, 2.0], "y": [3.0, 4.0], "name": ["p", "q"]})
    run.log_dataframe(frame, embedding_column=["x", "y"], text_column="name", metadata_columns=[])
    back = run.to_pandas().sort_values("text")
    assert back["text"].tolist() == ["p", "q"]
    assert back["metadata"].tolist() == [None, None]
    assert [v.tolist() for v in back["vector"]] == [[1, 3], [2, 4]]


def test_many_small_batches_arrive_whole(make_run: MakeRun) -> None:
    run = make_run(batch_size=7, max_queued_batches=2)
    vectors = _matrix(100, 8)
    keys = run.log(vectors[:60], labels=[i % 5 for i in range(60)])
    keys += run.log(vectors[60:], labels=[i % 5 for i in range(60, 100)])
    run.close()
    assert run.inserted == 100

    read = run.vectors()  # a closed run still reads
    by_key = dict(zip(read.keys or [], read.vectors, strict=True))
    assert len(by_key) == 100
    for row, key in enumerate(keys):
        assert by_key[key].tobytes() == vectors[row].tobytes()


def test_generated_keys_are_uuid4_hex_and_stable(make_run: MakeRun) -> None:
    run = make_run()
    keys = run.log(_matrix(5, 2))
    assert len(set(keys)) == 5
    assert all(len(k) == 32 and k[12] == "4" and k[16] in "89ab" for k in keys)
    run.log(_matrix(5, 2, seed=1), ids=keys, labels=["again"] * 5)  # same keys: an update
    run.flush()
    assert (run.inserted, run.updated) == (5, 5)
    frame = run.datapoints()
    assert sorted(frame["key"]) == sorted(keys)
    assert set(frame["label"]) == {"again"}


def test_relogging_a_key_in_the_same_pending_batch_updates_it(make_run: MakeRun) -> None:
    run = make_run(batch_size=1000)
    run.log([[1.0, 1.0]], ids=["same"], labels=["first"])
    run.log([[2.0, 2.0]], ids=["same"], labels=["second"])
    frame = run.datapoints()
    assert frame["label"].tolist() == ["second"]
    assert run.vectors().vectors.tolist() == [[2.0, 2.0]]


def test_columns_not_passed_keep_their_stored_values(make_run: MakeRun) -> None:
    run = make_run(batch_size=1000)
    run.log([[1.0], [2.0]], ids=["a", "b"], labels=["la", "lb"])
    run.flush()
    run.log([[3.0]], ids=["a"], texts=["new text"])
    frame = run.datapoints().set_index("key").sort_index()
    assert frame["label"].tolist() == ["la", "lb"]
    assert frame.loc["a", "text"] == "new text"


def test_context_manager_flushes_on_exit(make_run: MakeRun) -> None:
    with make_run(batch_size=1000) as run:
        run.log(_matrix(10, 3))
        assert run.inserted == 0  # still buffered: fewer rows than one batch
    assert run.inserted == 10
    assert len(run.vectors()) == 10


def test_context_manager_keeps_rows_and_the_users_exception(make_run: MakeRun) -> None:
    run = make_run(batch_size=1000)

    def train() -> None:
        with run:
            run.log(_matrix(4, 3))
            raise KeyError("boom")

    with pytest.raises(KeyError, match="boom"):
        train()
    assert run.inserted == 4


def test_datasets_of_a_project_are_read_separately_or_together(make_run: MakeRun) -> None:
    train = make_run(project="shared", dataset="train")
    test = make_run(project="shared", dataset="test")
    train.log(_matrix(3, 2), labels=["tr"] * 3)
    test.log(_matrix(2, 2), labels=["te"] * 2)
    train.flush()
    test.flush()

    assert len(train.vectors()) == 3
    assert len(train.vectors(["train", "test"])) == 5
    both = chroma.read_vectors("shared", "emb", url=train.url, keys=False)
    assert both.keys is None
    assert sorted(both.datasets.tolist()) == ["test", "test", "train", "train", "train"]
    frame = chroma.read_datapoints("shared", datasets="test", url=train.url)
    assert frame["label"].tolist() == ["te", "te"]
    assert test.dimension == 2


def test_batches_sharing_keys_are_applied_in_logging_order(make_run: MakeRun) -> None:
    """Two batches are in flight at once, but the last value logged for a key wins."""
    run = make_run(batch_size=2, max_in_flight=2)
    for step in range(30):
        # Each call repeats keys a and b (so it seals the previous batch) plus a fresh key
        # whose batch may travel beside it.
        run.log(np.full((2, 2), step), ids=["a", "b"], labels=[str(step)] * 2)
        run.log(np.full((1, 2), step), ids=[f"other-{step}"], labels=["x"])
    run.flush()
    frame = run.datapoints().set_index("key")
    assert frame.loc["a", "label"] == "29"
    assert frame.loc["b", "label"] == "29"
    assert len(frame) == 32
    vectors = run.vectors()
    assert vectors.vectors[vectors.keys.index("a")].tolist() == [29.0, 29.0]


def test_wide_vectors_are_sent_in_smaller_batches(
    make_run: MakeRun, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    from sqlalchemy import func

    from chroma.db.models import EmbeddingChunk
    from chroma.sdk import _run

    monkeypatch.setattr(_run, "MAX_BATCH_VECTOR_BYTES", 2 * 8 * 4)  # two rows of dim 8
    run = make_run(batch_size=1000)
    run.log(np.ones((5, 8), dtype=np.float32))
    run.flush()
    assert run.inserted == 5
    with store.read() as session:
        chunks = session.scalar(select(func.count()).select_from(EmbeddingChunk))
    assert chunks == 3  # 2 + 2 + 1 rows
