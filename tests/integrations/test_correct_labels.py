"""``chroma.correct_labels``: the SDK's write path for label corrections (GraphQL
``correctLabels``), which the Label Studio import also uses."""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

import chroma


def _log(url: str, project: str, dataset: str, labels: list[str]) -> None:
    with chroma.init(project, dataset, "enc", url) as run:
        run.log(
            np.ones((len(labels), 2), np.float32), ids=["a", "b", "c"][: len(labels)], labels=labels
        )


def _labels(url: str, project: str) -> list[tuple[str, str, str]]:
    points = chroma.read_datapoints(project, url=url)
    return sorted(zip(points["dataset"], points["key"], points["label"], strict=True))


def test_relabels_and_confirms_in_one_request(server: Any, project: str) -> None:
    _log(server.url, project, "train", ["cat", "dog", "owl"])
    made = chroma.correct_labels(project, {"a": "dog", "b": "dog"}, source="script", url=server.url)
    assert made[["key", "decision", "label_before", "label", "source"]].to_numpy().tolist() == [
        ["a", "relabel", "cat", "dog", "script"],
        ["b", "confirm", "dog", "dog", "script"],
    ]
    assert _labels(server.url, project) == [
        ("train", "a", "dog"),
        ("train", "b", "dog"),
        ("train", "c", "owl"),
    ]


def test_bad_keys_or_labels_change_nothing(local_url: str, project: str) -> None:
    _log(local_url, project, "train", ["cat", "dog"])
    _log(local_url, project, "test", ["cat"])
    before = _labels(local_url, project)
    with pytest.raises(chroma.InvalidInput, match="key 'zz' is not in any dataset") as caught:
        chroma.correct_labels(project, {"b": "owl", "zz": "owl"}, url=local_url)
    assert caught.value.where == "labels[1]"
    with pytest.raises(chroma.InvalidInput, match="key 'a' is in several datasets"):
        chroma.correct_labels(project, {"a": "owl"}, url=local_url)
    with pytest.raises(chroma.InvalidInput, match="a label cannot be empty"):
        chroma.correct_labels(project, {"b": "owl", "a": " "}, dataset="train", url=local_url)
    with pytest.raises(chroma.InvalidInput, match="a label must be text"):
        chroma.correct_labels(project, {"b": 3}, dataset="train", url=local_url)  # type: ignore[dict-item]
    with pytest.raises(chroma.InvalidInput, match="no labels given"):
        chroma.correct_labels(project, {}, url=local_url)
    assert _labels(local_url, project) == before
    chroma.correct_labels(project, {"a": "owl"}, dataset="test", url=local_url)
    assert ("test", "a", "owl") in _labels(local_url, project)
