"""``chroma.import_hf_dataset``: an in-memory ``datasets.Dataset`` reaches a real server."""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd
import pytest

import chroma

datasets = pytest.importorskip("datasets")  # the [hf] extra is in dev; CI always has it


def _dataset(rows: int = 25, dimension: int = 4) -> Any:
    rng = np.random.default_rng(0)
    return datasets.Dataset.from_dict(
        {
            "id": [f"row-{i:03d}" for i in range(rows)],
            "embedding": rng.normal(size=(rows, dimension)).astype(np.float32).tolist(),
            "label": [i % 3 for i in range(rows - 1)] + [-1],  # -1: ClassLabel's "none"
            "text": [f"sentence {i}" for i in range(rows)],
            "split_seed": list(range(rows)),
            "source": ["web" if i % 2 else None for i in range(rows)],
        },
        features=datasets.Features(
            {
                "id": datasets.Value("string"),
                "embedding": datasets.Sequence(datasets.Value("float32")),
                "label": datasets.ClassLabel(names=["cat", "dog", "owl"]),
                "text": datasets.Value("string"),
                "split_seed": datasets.Value("int64"),
                "source": datasets.Value("string"),
            }
        ),
    )


def test_rows_vectors_labels_and_metadata_arrive_in_batches(server: Any, project: str) -> None:
    ds = _dataset()
    count = chroma.import_hf_dataset(
        ds, project=project, dataset="train", space="enc", batch_rows=7, url=server.url
    )
    assert count == 25
    read = chroma.read_vectors(project, "enc", url=server.url)
    order = np.argsort(read.keys)
    expected = np.asarray(ds["embedding"], dtype=np.float32)
    assert np.array_equal(read.vectors[order], expected)  # bit for bit, across 4 batches
    points = chroma.read_datapoints(project, url=server.url).set_index("key").sort_index()
    assert list(points["label"][:24]) == [["cat", "dog", "owl"][i % 3] for i in range(24)]
    assert pd.isna(points.loc["row-024", "label"])
    assert points.loc["row-004", "text"] == "sentence 4"
    assert points.loc["row-003", "metadata"] == {"split_seed": 3, "source": "web"}
    assert points.loc["row-004", "metadata"] == {"split_seed": 4}  # a null is no field


def test_a_selection_is_logged_in_its_own_rows(server: Any, project: str) -> None:
    picked = _dataset().shuffle(seed=1).select(range(5))  # an indices mapping over the table
    chroma.import_hf_dataset(
        picked, project=project, dataset="train", space="enc", batch_rows=2, url=server.url
    )
    read = chroma.read_vectors(project, "enc", url=server.url)
    by_key = dict(zip(read.keys or [], read.vectors, strict=True))
    assert sorted(by_key) == sorted(picked["id"])
    for key, vector in zip(picked["id"], picked["embedding"], strict=True):
        assert np.array_equal(by_key[key], np.asarray(vector, dtype=np.float32))


def _nothing_logged(url: str, project: str) -> bool:
    with pytest.raises(chroma.NotFound):
        chroma.read_datapoints(project, url=url)
    return True


@pytest.mark.parametrize(
    ("columns", "message", "where"),
    [
        ({"vector_column": "emb"}, "no column 'emb'", "emb"),
        ({"label_column": "y"}, r"no column 'y' \(for label_column\)", "y"),
        ({"vector_column": "text"}, "column 'text' is string, not a list of numbers", "text"),
    ],
)
def test_missing_or_wrong_columns_log_nothing(
    local_url: str, project: str, columns: dict[str, str], message: str, where: str
) -> None:
    with pytest.raises(chroma.InvalidInput, match=message) as caught:
        chroma.import_hf_dataset(
            _dataset(), project=project, dataset="d", space="s", url=local_url, **columns
        )
    assert caught.value.where == where
    assert _nothing_logged(local_url, project)


def test_ragged_vectors_in_a_late_batch_log_nothing(local_url: str, project: str) -> None:
    vectors = [[0.5, 1.0, 2.0]] * 9 + [[1.0, 2.0]] + [[0.5, 1.0, 2.0]] * 2
    ds = datasets.Dataset.from_dict({"embedding": vectors})
    with pytest.raises(chroma.InvalidInput, match=r"row 9: a vector of 2 numbers.*3") as caught:
        chroma.import_hf_dataset(
            ds, project=project, dataset="d", space="s", batch_rows=4, url=local_url
        )
    assert caught.value.where == "embedding[9]"
    assert _nothing_logged(local_url, project)


@pytest.mark.parametrize(
    ("data", "message", "where"),
    [
        ({"embedding": [["a", "b"], ["c", "d"]]}, "not a list of numbers", "embedding"),
        (
            {"embedding": [[1.0, float("nan")], [1.0, 2.0]]},
            "row 0: a vector holds NaN",
            "embedding[0]",
        ),
        ({"embedding": [[1.0, 2.0], None]}, "row 1: no vector", "embedding[1]"),
        (
            {"embedding": [[1.0], [2.0], [3.0]], "key": ["a", "b", "a"]},
            "key 'a' appears more than once",
            "key[2]",
        ),
        ({"embedding": [[1.0], [2.0]], "key": ["a", ""]}, "row 1: a key is missing", "key[1]"),
        ({"embedding": [[1.0], [2.0]], "score": ["high", "low"]}, "not numbers", "score"),
    ],
)
def test_bad_values_log_nothing(
    local_url: str, project: str, data: dict[str, list[Any]], message: str, where: str
) -> None:
    ds = datasets.Dataset.from_dict(data)
    with pytest.raises(chroma.InvalidInput, match=message) as caught:
        chroma.import_hf_dataset(ds, project=project, dataset="d", space="s", url=local_url)
    assert caught.value.where == where
    assert _nothing_logged(local_url, project)


def test_a_dimension_other_than_the_spaces_logs_nothing(local_url: str, project: str) -> None:
    chroma.import_hf_dataset(
        _dataset(rows=3, dimension=4), project=project, dataset="d", space="s", url=local_url
    )
    with pytest.raises(chroma.InvalidInput, match="dimension 5, but space 's' holds"):
        chroma.import_hf_dataset(
            _dataset(rows=3, dimension=5), project=project, dataset="e", space="s", url=local_url
        )
    assert set(chroma.read_datapoints(project, url=local_url)["dataset"]) == {"d"}


def test_a_dataset_dict_asks_for_a_split(local_url: str, project: str) -> None:
    splits = datasets.DatasetDict({"train": _dataset(rows=2)})
    with pytest.raises(chroma.InvalidInput, match=r"pass one split, e.g. ds\['train'\]"):
        chroma.import_hf_dataset(splits, project=project, dataset="d", space="s", url=local_url)


def test_fixed_length_integer_vectors(local_url: str, project: str) -> None:
    features = datasets.Features(
        {"embedding": datasets.Sequence(datasets.Value("int16"), length=3)}
    )
    ds = datasets.Dataset.from_dict({"embedding": [[1, 2, 3], [4, 5, 6]]}, features=features)
    assert chroma.import_hf_dataset(ds, project=project, dataset="d", space="s", url=local_url) == 2
    read = chroma.read_vectors(project, "s", url=local_url)
    assert sorted(read.vectors.tolist()) == [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]
