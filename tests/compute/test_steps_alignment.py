"""Aligning one map onto another: orthogonal Procrustes, the seeded start, and a layout that
starts where it is told (``project(..., initial=)``)."""

from __future__ import annotations

import numpy as np
import pytest

from chroma.compute.projections import project
from chroma.compute.projections.alignment import procrustes, seed_layout
from chroma.core.errors import InvalidInput
from chroma.core.steps import check_step, parse_step_space, step_space

FAST_UMAP = {"n_epochs": 120, "random_state": 0}


def mixture(n: int, *, dim: int = 32, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` unit vectors around 8 random centres, and their cluster labels."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(1234).standard_normal((8, dim)).astype(np.float32)
    labels = rng.integers(0, 8, n)
    vectors = centres[labels] + 0.35 * rng.standard_normal((n, dim), dtype=np.float32)
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors.astype(np.float32), labels


def _rotation(angle: float, *, reflect: bool = False) -> np.ndarray:
    c, s = np.cos(angle), np.sin(angle)
    turn = np.array([[c, -s], [s, c]])
    return turn @ np.diag([1.0, -1.0]) if reflect else turn


@pytest.mark.parametrize("reflect", [False, True])
def test_procrustes_recovers_a_known_rotation_scale_and_shift(reflect: bool) -> None:
    rng = np.random.default_rng(0)
    source = rng.standard_normal((500, 2))
    rotation = _rotation(1.1, reflect=reflect)
    target = 2.5 * source @ rotation + np.array([7.0, -3.0])

    fit = procrustes(source, target)

    np.testing.assert_allclose(fit.rotation, rotation, atol=1e-9)
    assert fit.scale == pytest.approx(2.5)
    assert fit.residual == pytest.approx(0.0, abs=1e-9)
    np.testing.assert_allclose(fit.apply(source), target, atol=1e-4)


def test_procrustes_of_noisy_points_leaves_only_the_noise() -> None:
    rng = np.random.default_rng(1)
    source = rng.standard_normal((2000, 2))
    target = 0.5 * source @ _rotation(-2.0) + 0.01 * rng.standard_normal((2000, 2))

    fit = procrustes(source, target)

    np.testing.assert_allclose(fit.rotation, _rotation(-2.0), atol=0.01)
    assert fit.residual == pytest.approx(0.01 * np.sqrt(2), rel=0.1)


def test_procrustes_refuses_points_that_do_not_pair_up() -> None:
    with pytest.raises(InvalidInput) as caught:
        procrustes(np.zeros((3, 2)), np.zeros((4, 2)))
    assert caught.value.where == "align_to"


def test_seed_layout_keeps_shared_places_and_starts_new_points_at_their_nearest_shared_one() -> (
    None
):
    vectors, _ = mixture(300)
    shared = np.ones(300, dtype=bool)
    shared[::10] = False  # every tenth point is new in this step
    reference = np.random.default_rng(2).uniform(0, 10, (int(shared.sum()), 2)).astype(np.float32)

    start = seed_layout(vectors, shared, reference, metric="cosine", seed=0)

    np.testing.assert_array_equal(start[shared], reference)
    shared_vectors = vectors[shared]
    for row in np.flatnonzero(~shared):
        nearest = int(np.argmax(shared_vectors @ vectors[row]))
        assert np.linalg.norm(start[row] - reference[nearest]) < 0.1


def test_seed_layout_needs_a_shared_point() -> None:
    vectors, _ = mixture(20)
    with pytest.raises(InvalidInput, match="shares no point"):
        seed_layout(vectors, np.zeros(20, bool), np.empty((0, 2)), metric="cosine")


def test_a_umap_started_from_a_layout_keeps_its_clusters_where_they_were() -> None:
    vectors, labels = mixture(600)
    first = project("umap", vectors, FAST_UMAP).coords
    span = float(np.ptp(first, axis=0).max())

    def centre_residual(coords: np.ndarray) -> float:
        def centres(xy: np.ndarray) -> np.ndarray:
            return np.array([xy[labels == k].mean(axis=0) for k in range(8)])

        return procrustes(centres(coords), centres(first)).residual / span

    # Another run (another seed) started from the first map: after Procrustes, its clusters
    # sit where they were, much closer than a run from its own start.
    other = {**FAST_UMAP, "random_state": 7}
    seeded = centre_residual(project("umap", vectors, other, initial=first).coords)
    unseeded = centre_residual(project("umap", vectors, other).coords)
    assert seeded < 0.75 * unseeded
    # A few epochs barely move it: the layout really starts there (shape kept, not stretched).
    brief = {"n_epochs": 5, "random_state": 7}
    assert centre_residual(project("umap", vectors, brief, initial=first).coords) < 0.04


def test_an_initial_layout_of_the_wrong_shape_is_refused() -> None:
    vectors, _ = mixture(100)
    with pytest.raises(InvalidInput) as caught:
        project("umap", vectors, FAST_UMAP, initial=np.zeros((99, 2)))
    assert caught.value.where == "initial"


def test_step_space_names_round_trip() -> None:
    assert step_space("mlp", 3) == "mlp@step=3"
    assert parse_step_space("mlp@step=3") == ("mlp", 3)
    assert parse_step_space("a@step=1@step=2") == ("a@step=1", 2)
    for other in ("mlp", "mlp@step=03", "mlp@step=-1", "mlp@step=", "@step=1", "mlp@step=1e3"):
        assert parse_step_space(other) is None
    assert parse_step_space(f"mlp@step={2**31}") is None
    assert check_step(np.int64(5)) == 5


@pytest.mark.parametrize("bad", [True, 1.0, 2.5, "3", 2**31, -1, 10**30, None, np.float32(1)])
def test_a_step_that_is_not_a_whole_number_in_range_is_refused(bad: object) -> None:
    with pytest.raises(InvalidInput) as caught:
        check_step(bad)
    assert caught.value.where == "step"
