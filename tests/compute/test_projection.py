"""Projection layer: parameter checks, layouts that keep clusters, placement, progress, cancel.

Small generated data (a Gaussian mixture) keeps every test to about a second once numba's
on-disk cache holds our kernels (the first run in a fresh checkout compiles them, ~15 s).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest

from chroma.compute.neighbours import exact_search, knn_graph
from chroma.compute.projections import (
    ProjectionResult,
    place,
    project,
    validate_params,
)
from chroma.compute.projections.trustworthiness import trustworthiness
from chroma.core.errors import InvalidInput

CLUSTERS = 8
FAST_UMAP = {"n_epochs": 120, "random_state": 0}
FAST_TSNE = {"perplexity": 10, "n_iter": 150, "early_exaggeration_iter": 50, "random_state": 0}
TSNE = pytest.param("tsne", FAST_TSNE, marks=pytest.mark.slow)
"""t-SNE takes seconds even on this small mixture (UMAP well under one once compiled)."""


def mixture(n: int, *, dim: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` unit vectors around ``CLUSTERS`` random centres, and their cluster labels."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(1234).standard_normal((CLUSTERS, dim)).astype(np.float32)
    labels = rng.integers(0, CLUSTERS, n)
    vectors = centres[labels] + 0.35 * rng.standard_normal((n, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), labels


def neighbour_label_agreement(coords: np.ndarray, labels: np.ndarray, k: int = 5) -> float:
    """Share of each point's ``k`` nearest points in 2-D that carry its label."""
    rows, _ = exact_search(coords, coords, k + 1, metric="l2")
    return float((labels[rows[:, 1:]] == labels[:, None]).mean())


@pytest.fixture(scope="module")
def data() -> tuple[np.ndarray, np.ndarray]:
    return mixture(600)


# --- parameters --------------------------------------------------------------------------


def test_defaults_are_filled_in_and_normalised() -> None:
    p = validate_params("umap", {"n_neighbors": 30.0}, 1000)
    assert p["n_neighbors"] == 30
    assert isinstance(p["n_neighbors"], int)
    assert (p["min_dist"], p["spread"], p["landmarks"]) == (0.1, 1.0, 100_000)
    assert p["n_epochs"] == 500  # resolved for 1,000 points
    assert validate_params("umap", p, 1000) == p
    assert validate_params("tsne", None, 1000)["perplexity"] == 30.0
    assert validate_params("pca", {}, 3) == {}


@pytest.mark.parametrize(
    ("algorithm", "params", "n", "where", "words"),
    [
        ("mds", {}, 100, "algorithm", "unknown algorithm"),
        ("umap", {"neighbours": 5}, 100, "params.neighbours", "unknown parameter"),
        ("umap", {"n_neighbors": 1}, 100, "params.n_neighbors", "at least 2"),
        ("umap", {"n_neighbors": 100}, 100, "params.n_neighbors", "less than the number"),
        ("umap", {}, 10, "params.n_neighbors", "less than the number"),
        ("umap", {"n_neighbors": "15"}, 100, "params.n_neighbors", "must be a number"),
        ("umap", {"n_neighbors": True}, 100, "params.n_neighbors", "must be a number"),
        # beyond any float: math.isfinite raised OverflowError, a server error (issue 14)
        ("umap", {"min_dist": 10**400}, 100, "params.min_dist", "within 64 bits"),
        ("umap", {"n_neighbors": 7.5}, 100, "params.n_neighbors", "whole number"),
        ("umap", {"min_dist": 2.0}, 100, "params.min_dist", "between 0 and spread"),
        ("umap", {"min_dist": -0.1}, 100, "params.min_dist", "between 0 and spread"),
        ("umap", {"min_dist": float("nan")}, 100, "params.min_dist", "finite"),
        ("umap", {"spread": 0}, 100, "params.spread", "positive"),
        ("umap", {"n_epochs": 0}, 100, "params.n_epochs", "at least 1"),
        ("umap", {"init": "magic"}, 100, "params.init", "one of"),
        ("umap", {"landmarks": 10}, 100, "params.landmarks", "more than n_neighbors"),
        ("umap", {"random_state": -1}, 100, "params.random_state", "random_state"),
        ("umap", {}, 2, "vectors", "at least 3 points"),
        ("pca", {}, 2, "vectors", "at least 3 points"),
        ("pca", {"random_state": 1}, 10, "params.random_state", "unknown parameter"),
        ("tsne", {"perplexity": 30}, 90, "params.perplexity", "too large for 90 points"),
        ("tsne", {"perplexity": 0}, 90, "params.perplexity", "positive"),
        ("tsne", {"n_iter": 0}, 1000, "params.n_iter", "at least 1"),
        ("tsne", {"learning_rate": "fast"}, 1000, "params.learning_rate", "one of"),
        ("tsne", {"learning_rate": -1}, 1000, "params.learning_rate", "positive"),
    ],
)
def test_bad_params_name_the_field(
    algorithm: str, params: dict[str, Any], n: int, where: str, words: str
) -> None:
    with pytest.raises(InvalidInput) as caught:
        validate_params(algorithm, params, n)
    assert caught.value.where == where
    assert words in caught.value.message


def test_bad_inputs_to_project() -> None:
    vectors, _ = mixture(50)
    with pytest.raises(InvalidInput) as caught:
        project("pca", vectors, metric="manhattan")
    assert caught.value.where == "metric"
    with pytest.raises(InvalidInput) as caught:
        project("pca", vectors[:, :, None])
    assert caught.value.where == "vectors"
    bad = vectors.copy()
    bad[3, 2] = np.nan
    with pytest.raises(InvalidInput) as caught:
        project("umap", bad, {"n_neighbors": 5})
    assert caught.value.where == "vectors"
    rows, distances = knn_graph(vectors, 10, metric="cosine")
    with pytest.raises(InvalidInput) as caught:
        project("umap", vectors, {"n_neighbors": 5}, knn=(rows[:40], distances[:40]))
    assert caught.value.where == "knn"


# --- layouts -----------------------------------------------------------------------------


@pytest.mark.parametrize(("algorithm", "params"), [("pca", {}), ("umap", FAST_UMAP), TSNE])
def test_layout_shape_and_finite(
    algorithm: str, params: dict[str, Any], data: tuple[np.ndarray, np.ndarray]
) -> None:
    vectors, _ = data
    result = project(algorithm, vectors, params)
    assert isinstance(result, ProjectionResult)
    assert result.coords.shape == (len(vectors), 2)
    assert result.coords.dtype == np.float32
    assert np.isfinite(result.coords).all()
    assert result.coords.std(axis=0).min() > 0  # not collapsed onto a point or a line
    for value in result.model.values():
        assert np.size(value) <= 2 * vectors.shape[1]  # small: never the data


@pytest.mark.parametrize(("algorithm", "params"), [("umap", FAST_UMAP), TSNE])
def test_clusters_are_kept(
    algorithm: str, params: dict[str, Any], data: tuple[np.ndarray, np.ndarray]
) -> None:
    vectors, labels = data
    coords = project(algorithm, vectors, params).coords
    assert trustworthiness(vectors, coords, k=10) > 0.9
    assert neighbour_label_agreement(coords, labels) > 0.95


@pytest.mark.slow
def test_umap_defaults_keep_clusters(data: tuple[np.ndarray, np.ndarray]) -> None:
    vectors, labels = data
    coords = project("umap", vectors).coords
    assert neighbour_label_agreement(coords, labels) > 0.95


def test_umap_uses_a_given_knn_graph_and_a_seed_reproduces(
    data: tuple[np.ndarray, np.ndarray],
) -> None:
    vectors, labels = data
    knn = knn_graph(vectors, 20, metric="cosine")
    params = {"n_neighbors": 10, "n_epochs": 100, "random_state": 7}
    first = project("umap", vectors, params, knn=knn).coords
    again = project("umap", vectors, params, knn=knn).coords
    np.testing.assert_array_equal(first, again)
    assert neighbour_label_agreement(first, labels) > 0.95
    # a graph that says every point's neighbours are in cluster 0 gives another layout
    wrong_rows = np.tile(np.flatnonzero(labels == 0)[:20], (len(vectors), 1))
    wrong = project("umap", vectors, params, knn=(wrong_rows, knn[1])).coords
    assert not np.allclose(wrong, first)


def test_umap_with_l2_metric_and_wide_vectors() -> None:
    vectors, labels = mixture(400, dim=200)
    vectors *= np.random.default_rng(3).uniform(0.5, 2.0, (len(vectors), 1)).astype(np.float32)
    coords = project("umap", vectors, FAST_UMAP, metric="l2").coords
    assert neighbour_label_agreement(coords, labels) > 0.9


@pytest.mark.slow
def test_landmarks_fit_a_sample_and_place_the_rest() -> None:
    vectors, labels = mixture(900)
    for algorithm, params in [
        ("umap", {**FAST_UMAP, "landmarks": 300}),
        ("tsne", {**FAST_TSNE, "landmarks": 300}),
    ]:
        result = project(algorithm, vectors, params)
        assert result.model["landmarks"] == 300
        assert np.isfinite(result.coords).all()
        assert neighbour_label_agreement(result.coords, labels) > 0.9, algorithm


def test_pca_matches_the_principal_axes(data: tuple[np.ndarray, np.ndarray]) -> None:
    vectors, _ = data
    coords = project("pca", vectors, metric="l2").coords
    centred = vectors - vectors.mean(axis=0)
    _, _, axes = np.linalg.svd(centred, full_matrices=False)
    expected = centred @ axes[:2].T
    for column in range(2):  # up to the sign of each axis
        assert np.allclose(np.abs(coords[:, column]), np.abs(expected[:, column]), atol=1e-4)
    assert coords[:, 0].var() >= coords[:, 1].var()


# --- placement ---------------------------------------------------------------------------


def test_pca_placement_is_the_fitted_transform(data: tuple[np.ndarray, np.ndarray]) -> None:
    vectors, _ = data
    result = project("pca", vectors)
    placed = place("pca", result.model, new_vectors=vectors, reference_coords=result.coords)
    np.testing.assert_allclose(placed, result.coords, rtol=0, atol=1e-6)
    with pytest.raises(InvalidInput) as caught:
        place("pca", result.model, new_vectors=vectors[:, :5], reference_coords=result.coords)
    assert caught.value.where == "new_vectors"


@pytest.mark.parametrize(("algorithm", "params"), [("umap", FAST_UMAP), TSNE])
def test_placement_keeps_the_map_and_lands_in_the_right_cluster(
    algorithm: str, params: dict[str, Any]
) -> None:
    vectors, labels = mixture(700)
    old, new = slice(0, 600), slice(600, 700)
    result = project(algorithm, vectors[old], params)
    reference = result.coords.copy()
    reference.flags.writeable = False  # any write would raise
    rows, distances = exact_search(vectors[old], vectors[new], 15, metric="cosine")
    placed = place(
        algorithm,
        result.model,
        new_vectors=vectors[new],
        reference_coords=reference,
        neighbour_rows=rows,
        neighbour_distances=distances,
    )
    np.testing.assert_array_equal(reference, result.coords)
    assert placed.shape == (100, 2)
    assert placed.dtype == np.float32
    assert np.isfinite(placed).all()
    nearest, _ = exact_search(reference, placed, 5, metric="l2")
    agreement = (labels[old][nearest] == labels[new][:, None]).mean()
    assert agreement > 0.9


def test_umap_placement_copes_with_missing_neighbours(data: tuple[np.ndarray, np.ndarray]) -> None:
    vectors, _ = data
    result = project("umap", vectors, FAST_UMAP)
    rows, distances = exact_search(vectors, vectors[:3], 10, metric="cosine")
    rows[0, 5:] = -1
    distances[0, 5:] = np.inf
    rows[1, :] = -1  # no neighbour at all: lands somewhere finite
    placed = place(
        "umap",
        result.model,
        new_vectors=vectors[:3],
        reference_coords=result.coords,
        neighbour_rows=rows,
        neighbour_distances=distances,
    )
    assert np.isfinite(placed).all()
    with pytest.raises(InvalidInput) as caught:
        place(
            "umap",
            result.model,
            new_vectors=vectors[:3],
            reference_coords=result.coords,
            neighbour_rows=rows + len(vectors),
            neighbour_distances=distances,
        )
    assert caught.value.where == "neighbour_rows"


# --- progress and cancel -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("algorithm", "params"),
    [
        ("pca", {}),
        ("umap", FAST_UMAP),
        TSNE,
        ("umap", {**FAST_UMAP, "landmarks": 300}),
    ],
)
def test_progress_is_monotone_and_ends_at_one(
    algorithm: str, params: dict[str, Any], data: tuple[np.ndarray, np.ndarray]
) -> None:
    vectors, _ = data
    seen: list[tuple[float, str]] = []
    project(algorithm, vectors, params, progress=lambda f, m: seen.append((f, m)))
    fractions = [f for f, _ in seen]
    assert len(fractions) >= 2
    assert all(0.0 <= f <= 1.0 for f in fractions)
    assert fractions == sorted(fractions)
    assert fractions[-1] == 1.0
    assert all(isinstance(m, str) and m for _, m in seen)


class Cancelled(Exception):
    pass


@pytest.mark.parametrize(("algorithm", "params"), [("umap", FAST_UMAP), TSNE])
def test_an_exception_from_progress_aborts(
    algorithm: str, params: dict[str, Any], data: tuple[np.ndarray, np.ndarray]
) -> None:
    vectors, _ = data
    calls: list[float] = []

    def progress(fraction: float, message: str) -> None:
        calls.append(fraction)
        if fraction > 0.5:
            raise Cancelled

    with pytest.raises(Cancelled):
        project(algorithm, vectors, params, progress=progress)
    assert calls[-1] < 1.0  # stopped before the end


def test_placement_progress_can_cancel(data: tuple[np.ndarray, np.ndarray]) -> None:
    vectors, _ = data
    result = project("umap", vectors, FAST_UMAP)
    rows, distances = exact_search(vectors, vectors[:50], 10, metric="cosine")

    def progress(fraction: float, message: str) -> None:
        raise Cancelled

    with pytest.raises(Cancelled):
        place(
            "umap",
            result.model,
            new_vectors=vectors[:50],
            reference_coords=result.coords,
            neighbour_rows=rows,
            neighbour_distances=distances,
            progress=progress,
        )


# --- quality -----------------------------------------------------------------------------


def test_trustworthiness_scores_a_perfect_and_a_shuffled_layout() -> None:
    rng = np.random.default_rng(0)
    flat = rng.standard_normal((300, 2)).astype(np.float32)
    high = np.hstack([flat, np.zeros((300, 3), np.float32)])
    assert trustworthiness(high, flat, sample=200) == pytest.approx(1.0)
    assert trustworthiness(high, rng.permutation(flat), sample=200) < 0.7
