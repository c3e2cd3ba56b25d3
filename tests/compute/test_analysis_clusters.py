"""HDBSCAN clusters, their descriptions and drift, on data whose answer is known."""

from __future__ import annotations

import numpy as np
import pytest
from sklearn.metrics import adjusted_rand_score

from chroma.compute.analyses.clusters import (
    cluster_drift,
    default_min_cluster_size,
    density_clusters,
    describe_clusters,
)
from chroma.core.errors import InvalidInput

CENTRES = np.array([[0, 0], [12, 0], [0, 12], [12, 12]], dtype=np.float32)


@pytest.fixture(scope="module")
def blobs():
    rng = np.random.default_rng(0)
    sizes = np.array([900, 700, 500, 300])  # distinct sizes: numbering by size is testable
    truth = np.repeat(np.arange(4), sizes)
    points = (CENTRES[truth] + rng.normal(size=(len(truth), 2))).astype(np.float32)
    return points, truth


def test_hdbscan_finds_well_separated_blobs_numbered_by_size(blobs) -> None:
    points, truth = blobs
    cluster = density_clusters(points)
    assert adjusted_rand_score(truth, cluster) > 0.95
    assert cluster.max() == 3
    assert (cluster == -1).mean() < 0.05
    for blob in range(4):  # blob i (the i-th largest) is cluster i
        assert np.bincount(cluster[truth == blob] + 1).argmax() - 1 == blob


def test_a_sampled_fit_assigns_the_rest(blobs) -> None:
    points, truth = blobs
    cluster = density_clusters(points, sample=600, seed=3)
    assert adjusted_rand_score(truth[cluster >= 0], cluster[cluster >= 0]) > 0.99
    assert (cluster == -1).mean() < 0.15
    # wider points are reduced first and still cluster
    wide = np.hstack([points, np.zeros((len(points), 60), dtype=np.float32)])
    assert adjusted_rand_score(truth, density_clusters(wide)) > 0.95


def test_default_min_cluster_size_grows_slowly() -> None:
    assert default_min_cluster_size(10) == 5
    assert default_min_cluster_size(1_000_000) == 500


def test_describe_clusters() -> None:
    cluster = np.array([0, 0, 0, 0, 1, 1, 1, -1])
    labels = np.array(["cat", "cat", "cat", "dog", "dog", "dog", None, "cat"], dtype=object)
    predictions = np.array(["cat", "dog", "cat", "dog", "dog", None, "cat", "cat"], dtype=object)
    metadata = [
        {"camera": "a", "id": 0, "flag": True},
        {"camera": "a", "id": 1, "flag": True},
        {"camera": "b", "id": 2, "flag": True},
        None,
        {"camera": "b", "id": 4, "flag": 1, "nested": {"x": 1}},
        {"camera": "b", "id": 5, "flag": 1},
        {"camera": "b", "id": 6, "flag": 1},
        {"camera": "c", "id": 7},
    ]
    texts = [
        "the engine and the wheel",
        "engine noise",
        "a wheel and an engine",
        None,
        "river water",
        "the river bank",
        "water in the river",
        "engine",
    ]
    described = describe_clusters(
        cluster, labels=labels, predictions=predictions, metadata=metadata, texts=texts, top=2
    )
    assert [d["cluster"] for d in described] == [0, 1]
    first, second = described
    assert first["size"] == 4
    assert first["labelled"] == 4
    assert first["labels"] == [["cat", 0.75], ["dog", 0.25]]
    assert first["error_rate"] == 0.25  # one of four rows with both
    assert second["labels"] == [["dog", 1.0]]
    assert second["error_rate"] == 0.0
    assert first["metadata"]["camera"] == [["a", 0.6667], ["b", 0.3333]]
    assert "id" not in first["metadata"]  # an identifier, not a describing value
    assert first["metadata"]["flag"] == [[True, 1.0]]
    assert second["metadata"]["flag"] == [[1, 1.0]]  # 1 and True are different values
    assert "nested" not in second["metadata"]
    # "engine" is also in the noise row's text: less distinctive than "wheel"
    assert [w for w, _ in first["words"]][:2] == ["wheel", "engine"]
    assert [w for w, _ in second["words"]][:1] == ["river"]


def test_describe_clusters_with_texts_only() -> None:
    cluster = np.array([0, 0, 1, 1, -1])
    texts = ["red apple", "red cherry", "blue sky", "blue sea", None]
    described = describe_clusters(cluster, texts=texts)
    assert [d["words"][0][0] for d in described] == ["red", "blue"]
    assert all(d["labels"] == [] and d["error_rate"] is None for d in described)
    assert describe_clusters(np.full(3, -1), texts=["a", "b", "c"]) == []


def test_cluster_drift_ranks_the_cluster_whose_share_moved_first() -> None:
    baseline = np.repeat([0, 1, 2], [500, 300, 200])
    current = np.repeat([0, 1, 2], [450, 50, 500])  # cluster 2 grew, 1 shrank
    cluster = np.r_[baseline, current, -1].astype(np.int64)
    codes = np.r_[np.zeros(1000), np.ones(1000), 1].astype(np.int32)
    drift = cluster_drift(cluster, codes, 0, 1)
    assert [d["cluster"] for d in drift] == [2, 1, 0]
    assert drift[0]["difference"] == pytest.approx(
        drift[0]["current_share"] - drift[0]["baseline_share"]
    )
    assert drift[0]["difference"] == pytest.approx(500 / 1001 - 0.2)
    assert drift[1]["difference"] == pytest.approx(50 / 1001 - 0.3)
    assert drift[0]["current_rows"] == 500
    assert drift[0]["baseline_rows"] == 200


def test_bad_inputs_name_the_field(blobs) -> None:
    points, _ = blobs
    bad = points.copy()
    bad[5, 0] = np.inf
    with pytest.raises(InvalidInput) as caught:
        density_clusters(bad)
    assert caught.value.where == "points[5]"
    with pytest.raises(InvalidInput) as caught:
        density_clusters(points, min_cluster_size=1)
    assert caught.value.where == "min_cluster_size"
    with pytest.raises(InvalidInput) as caught:
        cluster_drift(np.zeros(3, dtype=np.int64), np.zeros(3, dtype=np.int32), 0, 1)
    assert caught.value.where == "current"
    with pytest.raises(InvalidInput) as caught:
        describe_clusters(np.zeros(3, dtype=np.int64), labels=np.array(["a"], dtype=object))
    assert caught.value.where == "labels"
