"""The neighbour compute layer against brute force on small, structured data."""

from __future__ import annotations

import numpy as np
import pytest

from chroma.compute.neighbours import AnnIndex, LayeredIndex, exact_search, knn_graph
from chroma.core.errors import InvalidInput


def _clusters(n: int, dim: int = 24, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    centres = rng.normal(size=(8, dim))
    labels = rng.integers(0, 8, size=n)
    return (centres[labels] + 0.3 * rng.normal(size=(n, dim))).astype(np.float32)


def _brute(
    data: np.ndarray, queries: np.ndarray, k: int, metric: str
) -> tuple[np.ndarray, np.ndarray]:
    if metric == "cosine":
        a = data / np.linalg.norm(data, axis=1, keepdims=True)
        b = queries / np.linalg.norm(queries, axis=1, keepdims=True)
        dist = 1 - b.astype(np.float64) @ a.T.astype(np.float64)
    else:
        dist = np.linalg.norm(queries[:, None, :].astype(np.float64) - data[None], axis=2)
    order = np.argsort(dist, axis=1, kind="stable")[:, :k]
    return order, np.take_along_axis(dist, order, axis=1)


@pytest.mark.parametrize("metric", ["cosine", "l2"])
def test_exact_search_matches_brute_force(metric: str) -> None:
    data, queries = _clusters(700), _clusters(40, seed=1)
    rows, distances = exact_search(data, queries, 7, metric=metric, block_cells=700 * 16)
    want_rows, want_dist = _brute(data, queries, 7, metric)
    np.testing.assert_allclose(distances, want_dist, rtol=1e-4, atol=1e-4)
    # Rows agree except where two distances tie to float precision.
    assert (rows == want_rows).mean() > 0.99


def test_exact_search_pads_when_k_exceeds_the_data() -> None:
    rows, distances = exact_search(_clusters(3), _clusters(2, seed=1), 5, metric="l2")
    assert (rows[:, 3:] == -1).all()
    assert np.isinf(distances[:, 3:]).all()
    assert sorted(rows[0, :3].tolist()) == [0, 1, 2]


@pytest.mark.parametrize("metric", ["cosine", "l2"])
def test_index_recall_and_distances_agree_with_exact(metric: str) -> None:
    data, queries = _clusters(3000), _clusters(100, seed=2)
    ids = np.arange(3000, dtype=np.int64) * 7 + 1000  # the caller's ids, not row numbers
    index = AnnIndex.build(data, ids, metric=metric)
    labels, distances = index.query(queries, 10)
    want_rows, want_dist = _brute(data, queries, 10, metric)
    recall = np.mean(
        [len(np.intersect1d(a, ids[b])) / 10 for a, b in zip(labels, want_rows, strict=True)]
    )
    assert recall > 0.9  # isotropic clusters are the hard case; a broken index scores ~0
    hit = labels[:, 0] == ids[want_rows[:, 0]]
    np.testing.assert_allclose(distances[hit, 0], want_dist[hit, 0], rtol=1e-3, atol=1e-4)


def test_index_grows_and_replaces_a_relogged_vector() -> None:
    data = _clusters(50)
    index = AnnIndex(data.shape[1], "l2", capacity=10)
    index.add(data[:30], np.arange(30, dtype=np.int64))
    index.add(data[30:], np.arange(30, 50, dtype=np.int64))  # past the initial capacity
    assert len(index) == 50
    moved = (data[0] + 100).astype(np.float32)
    index.add(moved[None, :], np.array([7], dtype=np.int64))  # label 7 gets a new vector
    assert len(index) == 50
    labels, distances = index.query(moved[None, :], 1)
    assert labels[0, 0] == 7
    assert distances[0, 0] < 1e-3


def test_query_pads_when_the_index_is_small_and_rejects_bad_input() -> None:
    index = AnnIndex.build(_clusters(3), np.array([5, 6, 7], dtype=np.int64), metric="cosine")
    labels, distances = index.query(_clusters(2, seed=3), 5)
    assert (labels[:, 3:] == -1).all()
    assert np.isinf(distances[:, 3:]).all()
    with pytest.raises(InvalidInput) as info:
        index.add(np.zeros((1, 3), np.float32), np.array([1], dtype=np.int64))
    assert info.value.where == "vectors"
    with pytest.raises(InvalidInput) as info:
        AnnIndex(4, "manhattan")  # type: ignore[arg-type]
    assert info.value.where == "metric"


# The exact path, then the HNSW one (seconds of index building: slow).
@pytest.mark.parametrize("n", [400, pytest.param(25_000, marks=pytest.mark.slow)])
def test_knn_graph_excludes_self_and_finds_the_true_neighbours(n: int) -> None:
    data = _clusters(n, dim=16)
    rows, distances = knn_graph(data, 5, metric="l2")
    assert rows.shape == (n, 5)
    assert not (rows == np.arange(n)[:, None]).any()
    sample = np.arange(0, n, max(n // 200, 1))
    want, _ = _brute(data, data[sample], 6, "l2")
    recall = np.mean(
        [len(np.intersect1d(a, b[1:])) / 5 for a, b in zip(rows[sample], want, strict=True)]
    )
    assert recall > 0.95
    assert (np.diff(distances, axis=1) >= -1e-6).all()  # nearest first


def test_knn_graph_with_exact_duplicates_still_drops_exactly_one_self() -> None:
    data = np.repeat(_clusters(20), 2, axis=0)  # every point twice
    rows, distances = knn_graph(data, 3, metric="cosine")
    assert not (rows == np.arange(40)[:, None]).any()
    twin = np.arange(40) ^ 1
    assert (rows == twin[:, None]).any(axis=1).all()  # the duplicate is a neighbour
    assert np.allclose(distances[:, 0], 0, atol=1e-5)


@pytest.mark.parametrize("metric", ["cosine", "l2"])
def test_a_layered_index_answers_as_one_index_of_both_layers(metric: str) -> None:
    data, queries = _clusters(900), _clusters(30, seed=1)
    ids = np.arange(900, dtype=np.int64) * 7  # labels that are not row numbers
    main = AnnIndex.build(data[:800], ids[:800], metric=metric)
    delta = AnnIndex.build(data[800:], ids[800:], metric=metric)
    layered = LayeredIndex(main, delta)
    assert len(layered) == 900

    labels, distances = layered.query(queries, 10)
    want_rows, want_dist = _brute(data, queries, 10, metric)
    assert (
        np.mean([len(set(a) & set(b)) for a, b in zip(labels, ids[want_rows], strict=False)]) >= 9.5
    )
    assert (np.diff(distances, axis=1) >= 0).all()  # nearest first across the two layers
    np.testing.assert_allclose(distances[:, 0], want_dist[:, 0], atol=1e-4)
    # A point of each layer is found as its own nearest neighbour.
    for row in (5, 850):
        found, _ = layered.query(data[row : row + 1], 1)
        assert found[0, 0] == ids[row]
        stored = layered.vector_of(int(ids[row]))
        assert stored is not None
        assert stored.shape == (1, data.shape[1])
    assert layered.vector_of(3) is None


def test_a_layered_index_pads_like_a_single_one() -> None:
    data = _clusters(6)
    layered = LayeredIndex(
        AnnIndex.build(data[:4], np.arange(4, dtype=np.int64)),
        AnnIndex.build(data[4:], np.arange(4, 6, dtype=np.int64)),
    )
    labels, distances = layered.query(data[:2], 9)
    assert (labels[:, :6] >= 0).all()
    assert (labels[:, 6:] == -1).all()
    assert np.isinf(distances[:, 6:]).all()
    assert sorted(labels[0, :6].tolist()) == list(range(6))
    # An empty delta is no layer at all.
    assert LayeredIndex(AnnIndex(24), AnnIndex(24)).delta is None
