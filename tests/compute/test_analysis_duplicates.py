"""Near-duplicate groups from neighbour lists, on data with injected copies."""

from __future__ import annotations

import numpy as np
import pytest

from chroma.compute.analyses.duplicates import (
    cross_dataset_summary,
    duplicate_groups,
    suggest_threshold,
)
from chroma.compute.neighbours import knn_graph
from chroma.core.errors import InvalidInput


@pytest.fixture(scope="module")
def with_copies():
    rng = np.random.default_rng(0)
    base = rng.normal(size=(1500, 16)).astype(np.float32)
    exact = base[:30]  # rows 1500..1529 copy rows 0..29
    near = base[30:60] + rng.normal(size=(30, 16)).astype(np.float32) * 1e-3
    chain = base[60:61] + np.array([[1e-3], [2e-3], [3e-3]], dtype=np.float32)  # a 4-group
    vectors = np.vstack([base, exact, near, chain])
    return vectors, knn_graph(vectors, 10, metric="cosine")


def test_injected_copies_are_grouped_and_nothing_else(with_copies) -> None:
    _, (rows, distances) = with_copies
    threshold = suggest_threshold(distances, metric="cosine")
    found = duplicate_groups(rows, distances, threshold=threshold)
    copies = np.arange(1500, 1560)
    sources = np.arange(60)
    assert (found.group[copies] == found.group[sources]).all()
    assert (found.group[copies] >= 0).all()
    assert (found.group[61:1500] == -1).all()  # distinct rows stay apart (60: the chain)
    assert len(found.groups) == 61
    assert found.groups[0] == [60, 1560, 1561, 1562]  # the largest group first
    assert [len(g) for g in found.groups] == sorted((len(g) for g in found.groups), reverse=True)
    for number, members in enumerate(found.groups):
        assert (found.group[members] == number).all()
    assert (found.distance[:30] <= 1e-6).all()  # exact copies
    assert np.isnan(found.distance[60 + 1 : 1500]).all()
    assert found.group.dtype == np.int64


def test_the_suggested_threshold_has_the_same_meaning_for_both_metrics(with_copies) -> None:
    vectors, (_, cosine) = with_copies
    _, l2 = knn_graph(vectors / np.linalg.norm(vectors, axis=1, keepdims=True), 10, metric="l2")
    # On unit vectors 1 - cos = chord^2 / 2: the two thresholds are the same pairs.
    chord_from_cosine = np.sqrt(2 * suggest_threshold(cosine, metric="cosine"))
    assert chord_from_cosine == pytest.approx(suggest_threshold(l2, metric="l2"), rel=0.05)
    assert suggest_threshold(np.zeros((4, 2), dtype=np.float32)) == 0.0


def test_cross_dataset_summary_counts_leakage() -> None:
    # groups: {0, 1} train+test, {2, 3, 4} train+test+prod, {5, 6} prod only
    rows = np.array([[1], [0], [3], [4], [2], [6], [5], [0]])
    distances = np.array([[0.0]] * 7 + [[5.0]], dtype=np.float32)
    found = duplicate_groups(rows, distances, threshold=0.1)
    codes = np.array([0, 1, 0, 1, 2, 2, 2, 0], dtype=np.int32)
    summary = cross_dataset_summary(found, codes, ["train", "test", "prod"])
    assert summary["groups"] == 3
    assert summary["rows"] == 7
    assert summary["datasets"] == {
        "train": {"groups": 2, "rows": 2},
        "test": {"groups": 2, "rows": 2},
        "prod": {"groups": 2, "rows": 3},
    }
    assert summary["pairs"] == [
        {"datasets": ["train", "test"], "groups": 2, "rows": 4},
        {"datasets": ["train", "prod"], "groups": 1, "rows": 2},
        {"datasets": ["test", "prod"], "groups": 1, "rows": 2},
    ]


def test_no_pair_under_the_threshold_means_no_group() -> None:
    rows = np.array([[1], [0]])
    found = duplicate_groups(rows, np.array([[1.0], [1.0]], dtype=np.float32), threshold=0.5)
    assert found.groups == []
    assert (found.group == -1).all()
    assert np.isnan(found.distance).all()


def test_bad_inputs_name_the_field() -> None:
    rows = np.array([[1], [0]])
    distances = np.zeros((2, 1), dtype=np.float32)
    with pytest.raises(InvalidInput) as caught:
        duplicate_groups(rows, distances, threshold=-1)
    assert caught.value.where == "threshold"
    with pytest.raises(InvalidInput) as caught:
        duplicate_groups(rows, distances[:1], threshold=0.1)
    assert caught.value.where == "distances"
    with pytest.raises(InvalidInput) as caught:
        suggest_threshold(distances, metric="manhattan")
    assert caught.value.where == "metric"
