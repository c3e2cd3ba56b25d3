"""Local checks: a bad ``log`` call raises InvalidInput naming where, and queues nothing."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest

import chroma

MakeRun = Callable[..., chroma.Run]
GOOD = np.ones((3, 2), dtype=np.float32)


def _refused(run: chroma.Run, where: str, match: str, *args: Any, **kwargs: Any) -> None:
    with pytest.raises(chroma.InvalidInput, match=match) as info:
        run.log(*args, **kwargs)
    assert info.value.where == where


@pytest.mark.parametrize(
    ("embeddings", "where", "match"),
    [
        ([], "embeddings", "no rows"),
        (np.empty((0, 4)), "embeddings", "no rows"),
        (np.empty((3, 0)), "embeddings", "no dimensions"),
        (np.ones(4), "embeddings", "2-D"),
        (np.ones((2, 2, 2)), "embeddings", "2-D"),
        ([[1, 2], [3, 4, 5]], "embeddings[1]", "ragged"),
        ([[1, 2], 3], "embeddings[1]", "sequence of numbers"),
        ([[1, 2], ["a", "b"]], "embeddings[1]", "not a number"),
        (np.array([["a", "b"]]), "embeddings", "must be numbers"),
        (np.array([[1, 2], [3, np.nan]]), "embeddings[1]", "NaN or infinity"),
        (np.array([[1, 2], [3, 4], [np.inf, 0]]), "embeddings[2]", "NaN or infinity"),
        (np.array([[1e39, 0.0]]), "embeddings[0]", "NaN or infinity"),  # float32 overflow
        (pd.DataFrame({"a": [1.0], "b": ["x"]}), "embeddings", "column 'b'"),
    ],
)
def test_bad_embeddings(local_run: chroma.Run, embeddings: Any, where: str, match: str) -> None:
    _refused(local_run, where, match, embeddings)


def test_dimension_must_match_the_first_batch(local_run: chroma.Run) -> None:
    local_run.log(GOOD)
    _refused(local_run, "embeddings", "dimension 2", np.ones((1, 3)))


@pytest.mark.parametrize(
    ("argument", "value", "where", "match"),
    [
        ("ids", ["a", "b"], "ids", "2 entries but embeddings has 3"),
        ("ids", ["a", "b", "a"], "ids[2]", "appears twice"),
        ("ids", [1, 2, 1], "ids[2]", "appears twice"),
        ("ids", ["a", None, "c"], "ids[1]", "missing or empty"),
        ("ids", ["a", "", "c"], "ids[1]", "missing or empty"),
        ("ids", "abc", "ids", "sequence"),
        ("labels", [1, 2], "labels", "2 entries"),
        ("labels", np.ones((3, 1)), "labels", "1-D"),
        ("predictions", pd.Series(["a"] * 4), "predictions", "4 entries"),
        ("scores", [0.1, float("inf"), 0.3], "scores[1]", "infinite"),
        ("scores", [0.1, "high", 0.3], "scores[1]", "must be a number"),
        ("metadata", [{"a": 1}, "b", None], "metadata[1]", "dict per row"),
        ("metadata", [{"a": object()}, None, None], "metadata[0]", "not JSON serializable"),
        ("metadata", pd.DataFrame({"a": [1, 2]}), "metadata", "2 rows"),
        ("uris", 5, "uris", "sequence"),
        ("images", [b"", None, None], "images[0]", "empty"),
        ("images", [np.zeros((2, 2), np.float64), None, None], "images[0]", "uint8"),
        ("images", [None, "cat.png", None], "images[1]", "uris="),
    ],
)
def test_bad_columns(
    local_run: chroma.Run, argument: str, value: Any, where: str, match: str
) -> None:
    _refused(local_run, where, match, GOOD, **{argument: value})


def test_a_refused_call_queues_nothing(local_run: chroma.Run) -> None:
    with pytest.raises(chroma.InvalidInput):
        local_run.log(GOOD, ids=["a", "b", "c"], labels=["x"])
    local_run.flush()
    assert local_run.inserted == 0
    with pytest.raises(chroma.NotFound):
        local_run.datapoints()  # not even the dataset exists


def test_log_dataframe_names_columns_in_where(local_run: chroma.Run) -> None:
    frame = pd.DataFrame({"emb": [[1.0, 2.0], [3.0]], "y": ["a", "b"]})
    with pytest.raises(chroma.InvalidInput, match="ragged") as info:
        local_run.log_dataframe(frame, embedding_column="emb", label_column="y")
    assert info.value.where == "emb[1]"
    with pytest.raises(chroma.InvalidInput, match="no column 'label'") as info:
        local_run.log_dataframe(frame, embedding_column="emb", label_column="label")
    assert info.value.where == "label"
    frame = pd.DataFrame({"emb": [[1.0], [2.0]], "id": ["k", "k"]})
    with pytest.raises(chroma.InvalidInput, match="appears twice") as info:
        local_run.log_dataframe(frame, embedding_column="emb", id_column="id")
    assert info.value.where == "id[1]"


@pytest.mark.parametrize(
    ("options", "where"),
    [
        ({"project": ""}, "project"),
        ({"dataset": "  "}, "dataset"),
        ({"space": None}, "space"),
        ({"batch_size": 0}, "batch_size"),
    ],
)
def test_bad_init_arguments(make_local_run: MakeRun, options: dict[str, Any], where: str) -> None:
    with pytest.raises(chroma.InvalidInput) as info:
        make_local_run(**options)
    assert info.value.where == where


def test_the_users_buffer_can_be_reused_after_log(local_run: chroma.Run) -> None:
    buffer = np.zeros((2, 2), dtype=np.float32)
    local_run.log(buffer, ids=["a", "b"])
    buffer[:] = 7  # log() copied: what was logged does not change
    assert local_run.vectors().vectors.tolist() == [[0, 0], [0, 0]]
