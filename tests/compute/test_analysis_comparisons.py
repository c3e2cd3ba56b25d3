"""The pure part of a comparison (ADR 0015): overlap, gained and lost neighbours, their
labels as text, the ranking and the per-group means."""

from __future__ import annotations

import numpy as np
import pytest

from chroma.compute.analyses.comparisons import (
    label_lists,
    mean_by_group,
    moved_rank,
    neighbourhood_change,
)


def test_overlap_gained_and_lost_row_by_row() -> None:
    a = np.array([[1, 2, 3], [0, 2, 3], [0, 1, -1], [-1, -1, -1]])
    b = np.array([[3, 2, 1], [0, 1, 3], [3, -1, -1], [-1, -1, -1]])
    change = neighbourhood_change(a, b)
    assert change.overlap[:3].tolist() == pytest.approx([1.0, 2 / 3, 0.0])
    assert np.isnan(change.overlap[3])
    assert sorted(change.lost[1][change.lost[1] >= 0].tolist()) == [2]
    assert sorted(change.gained[1][change.gained[1] >= 0].tolist()) == [1]
    assert sorted(change.lost[2][change.lost[2] >= 0].tolist()) == [0, 1]
    assert change.gained[2][change.gained[2] >= 0].tolist() == [3]
    assert (change.gained[0] == -1).all()


def test_label_texts_most_frequent_first_unlabelled_last() -> None:
    rows = np.array([[0, 1, 2, -1], [-1, -1, -1, -1], [3, 3, 0, 4], [4, 4, 4, 4]])
    codes = np.array([0, 1, 0, -1, 1])
    texts = label_lists(rows, codes, ["cat", "dog"]).tolist()
    assert texts == ["cat (2), dog", None, "(no label) (2), cat, dog", "dog (4)"]


def test_rank_and_means() -> None:
    moved = np.array([0.2, np.nan, 0.9, 0.2], dtype=np.float32)
    assert moved_rank(moved, np.array([10, 11, 12, 9])).tolist() == [3, 4, 1, 2]
    means = mean_by_group(np.array([1.0, 0.5, 0.0], np.float32), np.array([0, 0, -1]), ["a"])
    assert means == {
        "(no label)": {"count": 1, "mean_overlap": 0.0},
        "a": {"count": 2, "mean_overlap": 0.75},
    }
    assert set(mean_by_group(np.ones(2, np.float32), np.array([-1, 3]), None)) == {"noise", "3"}
