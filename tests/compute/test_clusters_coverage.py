"""Cluster descriptions rest on enough labelled rows, and drift is signed (issue 15)."""

from __future__ import annotations

import numpy as np
import pytest

from chroma.compute.analyses.clusters import MIN_COVERAGE, cluster_drift, describe_clusters


def _space(sizes: list[int], labelled: list[int]) -> tuple[np.ndarray, np.ndarray]:
    """Clusters of ``sizes`` rows whose first ``labelled`` rows are labelled: ``cat`` then
    ``dog`` every fourth row; the rest unlabelled."""
    cluster = np.repeat(np.arange(len(sizes)), sizes)
    labels = np.full(len(cluster), None, dtype=object)
    start = 0
    for size, count in zip(sizes, labelled, strict=True):
        labels[start : start + count] = ["dog" if i % 4 == 3 else "cat" for i in range(count)]
        start += size
    return cluster, labels


def test_a_handful_of_labelled_rows_does_not_name_a_mostly_unlabelled_cluster() -> None:
    cluster, labels = _space([300, 100, 40], [2, 100, 24])
    datasets = np.array(["train"] * len(cluster), dtype=object)
    datasets[:297] = "prod"  # the production-heavy cluster: 2 of 300 rows labelled
    texts = ["mail server relay"] * 150 + ["smtp mail"] * 150 + ["sound"] * 140
    described = describe_clusters(cluster, labels=labels, datasets=datasets, texts=texts)
    heavy, labelled, partly = described

    assert heavy["labels"] == [["cat", 1.0]]  # the data stays, for who wants it
    assert heavy["coverage"] == pytest.approx(2 / 300, abs=1e-4)
    assert heavy["labels_supported"] is False
    assert heavy["datasets"][0] == ["prod", 0.99]
    assert heavy["description"] == (
        "mostly unlabelled (2 of 300 labelled) · prod 99% · mail, relay, server, smtp"
    )
    assert "cat" not in heavy["description"]

    assert labelled["labels_supported"] is True
    assert labelled["description"] == "cat 75% · dog 25%"
    assert partly["coverage"] == 0.6
    assert partly["labels_supported"] is True
    assert partly["description"] == "cat 75% · dog 25% (60% labelled)"


def test_the_coverage_rule_at_its_edges() -> None:
    at_half = round(MIN_COVERAGE * 20)
    cluster, labels = _space([20, 20, 4, 10], [at_half, at_half - 1, 4, 4])
    supported = [d["labels_supported"] for d in describe_clusters(cluster, labels=labels)]
    # half labelled: named; one row fewer: not; a small cluster wholly labelled: named;
    # 4 labelled rows are a handful even at 40%
    assert supported == [True, False, True, False]
    few = describe_clusters(cluster, labels=labels)[3]
    assert few["description"].startswith("mostly unlabelled (4 of 10 labelled)")


def test_without_labels_in_the_space_nothing_is_called_unlabelled() -> None:
    cluster = np.repeat([0, 1], [6, 6])
    metadata = [{"camera": "a"}] * 6 + [{"camera": "b"}] * 6
    described = describe_clusters(cluster, metadata=metadata)
    assert [d["description"] for d in described] == ["camera: a 100%", "camera: b 100%"]
    assert all(d["coverage"] == 0 for d in described)
    unlabelled = describe_clusters(cluster, labels=np.full(12, None, dtype=object))
    assert unlabelled[0]["description"] == "unlabelled"


def test_drift_ranks_grown_clusters_first_then_shrunk_ones() -> None:
    # baseline (code 0): 100 rows; current (code 1): 100 rows
    baseline = np.repeat([0, 1, 2, 3, 4], [30, 10, 40, 20, 0])
    current = np.repeat([0, 1, 2, 3, 4], [25, 30, 0, 20, 25])
    cluster = np.r_[baseline, current]
    codes = np.r_[np.zeros(100, np.int32), np.ones(100, np.int32)]
    drift = cluster_drift(cluster, codes, 0, 1)
    # by absolute change the vanished cluster 2 (-0.40) would come first, between the new
    # cluster 4 (+0.25) and the grown cluster 1 (+0.20)
    assert [d["cluster"] for d in drift] == [4, 1, 2, 0, 3]
    assert [d["direction"] for d in drift] == ["new", "grew", "vanished", "shrank", "steady"]
    assert [round(d["difference"], 2) for d in drift] == [0.25, 0.2, -0.4, -0.05, 0.0]
