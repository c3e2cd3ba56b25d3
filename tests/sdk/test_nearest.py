"""``run.nearest`` / ``chroma.nearest``: neighbours as a DataFrame, checked by brute force."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt
import pandas as pd
import pytest

import chroma

MakeRun = Callable[..., chroma.Run]
N, DIMENSION = 90, 12
COLUMNS = ["key", "dataset", "label", "prediction", "distance", "id"]


def cosine_order(
    matrix: npt.NDArray[np.float32], query: npt.NDArray[np.float32]
) -> tuple[npt.NDArray[np.intp], npt.NDArray[np.float64]]:
    data, q = matrix.astype(np.float64), query.astype(np.float64)
    distance = 1 - (data @ q) / (np.linalg.norm(data, axis=1) * np.linalg.norm(q))
    order = np.argsort(distance, kind="stable")
    return order, distance[order]


@pytest.fixture
def logged(make_run: MakeRun) -> dict[str, Any]:
    """A run on dataset train (N points, labels 0/1/2) plus N/3 points in dataset prod."""
    rng = np.random.default_rng(7)
    matrix = rng.standard_normal((N, DIMENSION)).astype(np.float32)
    keys = [f"img-{i}" for i in range(N)]
    labels = [str(i % 3) for i in range(N)]
    predictions = [str((i + 1) % 3) for i in range(N)]
    run = make_run(dataset="train")
    run.log(matrix, ids=keys, labels=[i % 3 for i in range(N)], predictions=predictions)
    prod_matrix = rng.standard_normal((N // 3, DIMENSION)).astype(np.float32)
    prod = make_run(project=run.project, dataset="prod", space=run.space)
    prod.log(prod_matrix, ids=[f"p-{i}" for i in range(N // 3)], labels=[0] * (N // 3))
    prod.flush()
    run.flush()  # the module-level calls do not flush runs
    return {
        "run": run,
        "matrix": np.vstack([matrix, prod_matrix]),
        "keys": keys + [f"p-{i}" for i in range(N // 3)],
        "datasets": ["train"] * N + ["prod"] * (N // 3),
        "labels": labels + ["0"] * (N // 3),
        "predictions": predictions + [None] * (N // 3),
    }


def expected_keys(
    logged: dict[str, Any],
    query: npt.NDArray[np.float32],
    k: int,
    *,
    keep: npt.NDArray[np.bool_] | None = None,
    exclude: str | None = None,
) -> tuple[list[str], npt.NDArray[np.float64]]:
    keys = np.array(logged["keys"], dtype=object)
    mask = np.ones(len(keys), dtype=bool) if keep is None else keep.copy()
    if exclude is not None:
        mask &= keys != exclude
    order, distances = cosine_order(logged["matrix"][mask], query)
    return list(keys[mask][order][:k]), distances[:k]


def test_nearest_by_key_is_a_dataframe_matching_brute_force(logged: dict[str, Any]) -> None:
    run: chroma.Run = logged["run"]
    frame = run.nearest("img-5", k=6)
    assert list(frame.columns) == COLUMNS
    assert len(frame) == 6
    assert "img-5" not in set(frame["key"])  # itself left out
    keys, distances = expected_keys(logged, logged["matrix"][5], 6, exclude="img-5")
    assert list(frame["key"]) == keys
    np.testing.assert_allclose(frame["distance"], distances, rtol=1e-4, atol=1e-5)
    assert frame["distance"].is_monotonic_increasing
    assert frame["id"].dtype == np.int64
    by_key = dict(zip(logged["keys"], range(len(logged["keys"])), strict=True))
    for row in frame.itertuples():
        i = by_key[row.key]
        assert row.dataset == logged["datasets"][i]
        assert row.label == logged["labels"][i]
        if logged["predictions"][i] is None:
            assert pd.isna(row.prediction)
        else:
            assert row.prediction == logged["predictions"][i]

    # The ids are the server's datapoint ids: the same query by id answers the same.
    origin = int(run.datapoints().set_index("key").loc["img-5", "datapoint_id"])
    assert run.nearest(datapoint_id=origin, k=6).equals(frame)


def test_nearest_by_vector(logged: dict[str, Any]) -> None:
    query = np.random.default_rng(99).standard_normal(DIMENSION).astype(np.float32)
    frame = logged["run"].nearest(vector=query, k=10)
    keys, distances = expected_keys(logged, query, 10)
    assert list(frame["key"]) == keys
    np.testing.assert_allclose(frame["distance"], distances, rtol=1e-4, atol=1e-5)
    # A (1, dim) array, a list and float64 are fine too.
    again = logged["run"].nearest(vector=query.astype(np.float64).reshape(1, -1).tolist(), k=10)
    assert list(again["key"]) == keys


def test_filters(logged: dict[str, Any]) -> None:
    run: chroma.Run = logged["run"]
    query = logged["matrix"][0]
    datasets = np.array(logged["datasets"])
    labels = np.array(logged["labels"])

    only_prod = run.nearest("img-0", k=5, datasets="prod")
    keys, _ = expected_keys(logged, query, 5, keep=datasets == "prod")
    assert list(only_prod["key"]) == keys
    assert set(only_prod["dataset"]) == {"prod"}

    label_two = run.nearest("img-0", k=5, labels=[2])  # labels are matched as logged: "2"
    keys, _ = expected_keys(logged, query, 5, keep=labels == "2", exclude="img-0")
    assert list(label_two["key"]) == keys

    both = run.nearest("img-0", k=50, datasets=["train"], labels=["0", "1"])
    keep = (datasets == "train") & np.isin(labels, ["0", "1"])
    keys, _ = expected_keys(logged, query, 50, keep=keep, exclude="img-0")
    assert list(both["key"]) == keys


def test_tags_filter(logged: dict[str, Any], server: Any) -> None:
    run: chroma.Run = logged["run"]
    table = run.datapoints()
    picked = table[table["key"].isin(["img-10", "img-20", "img-30"])]
    with httpx.Client(base_url=server.url) as http:
        answer = http.post(
            "/graphql",
            json={
                "query": """mutation ($p: String!, $ids: [ID!]!) {
                  addTags(project: $p, datapointIds: $ids, tags: ["review"]) { changed }
                }""",
                "variables": {"p": run.project, "ids": [str(i) for i in picked["datapoint_id"]]},
            },
        ).json()
    assert answer["data"]["addTags"]["changed"] == 3
    frame = run.nearest("img-10", k=10, tags="review")
    assert sorted(frame["key"]) == ["img-20", "img-30"]
    assert run.nearest("img-10", tags=["nothing-tagged"]).empty
    empty = run.nearest("img-10", tags=["nothing-tagged"])
    assert list(empty.columns) == COLUMNS


def test_module_level_nearest(logged: dict[str, Any], server: Any) -> None:
    run: chroma.Run = logged["run"]
    frame = chroma.nearest(run.project, run.space, key="p-3", dataset="prod", k=4, url=server.url)
    keys, _ = expected_keys(logged, logged["matrix"][N + 3], 4, exclude="p-3")
    assert list(frame["key"]) == keys
    with pytest.raises(chroma.InvalidInput) as caught:
        chroma.nearest(run.project, run.space, key="p-3", url=server.url)
    assert caught.value.where == "dataset"


def test_bad_calls(logged: dict[str, Any]) -> None:
    run: chroma.Run = logged["run"]
    with pytest.raises(chroma.InvalidInput) as caught:
        run.nearest()
    assert caught.value.where == "key"
    with pytest.raises(chroma.InvalidInput) as caught:
        run.nearest("img-1", vector=np.zeros(DIMENSION))
    assert caught.value.where == "vector"
    with pytest.raises(chroma.InvalidInput) as caught:
        run.nearest(vector=np.zeros(3))
    assert caught.value.where == "vector"
    with pytest.raises(chroma.InvalidInput) as caught:
        run.nearest(vector=[np.nan] * DIMENSION)
    assert caught.value.where == "vector"
    for k in (0, 1001):
        with pytest.raises(chroma.InvalidInput) as caught:
            run.nearest("img-1", k=k)
        assert caught.value.where == "k"
    with pytest.raises(chroma.NotFound) as missing:
        run.nearest("no-such-key")
    assert missing.value.where == "key"
    with pytest.raises(chroma.NotFound) as missing:
        run.nearest("img-1", datasets=["no-such-dataset"])
    assert missing.value.where == "filter.datasets"
