"""Training over time from the SDK: ``run.log(..., step=)`` logs a family of step spaces,
whose automatic maps are aligned step to step, with each point's ``movement``; and
``create_projection(align_to=)`` for two spaces with shared keys.

Against the real server (both dialects) with its automatic jobs on (off elsewhere).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from sqlalchemy import select

import chroma
from chroma.compute.projections.alignment import procrustes
from chroma.db.models import Job, ProjectionSet, Space
from chroma.db.store import Store
from chroma.services.jobs import ACTIVE
from chroma.settings import Settings
from live_server import LiveServer
from waiting import wait_until

MakeRun = Callable[..., chroma.Run]
N = 160
STEPS = 3


@pytest.fixture
def settings(dialect: str, tmp_path: Path, request: pytest.FixtureRequest) -> Settings:
    """As the shared fixture, but with the automatic maps a closed run asks for."""
    url = request.getfixturevalue("postgres_url") if dialect == "postgresql" else None
    return Settings(
        data_dir=tmp_path / "data",
        database_url=url,
        auto_jobs=True,
        auto_jobs_delay=60.0,  # only the run's own refresh at close starts them
        job_prewarm=False,
    )


def _epochs(seed: int = 0) -> list[np.ndarray]:
    """Embeddings of the same N rows at STEPS epochs: four clusters, each row drifting a
    little from epoch to epoch."""
    rng = np.random.default_rng(seed)
    centres = 3 * rng.standard_normal((4, 16)).astype(np.float32)
    labels = np.arange(N) % 4
    noise = rng.standard_normal((N, 16)).astype(np.float32)
    drift = rng.standard_normal((STEPS, N, 16)).astype(np.float32)
    return [centres[labels] + noise + 0.3 * step * drift[step] for step in range(STEPS)]


def _maps_by_step(store: Store, project_space_prefix: str) -> dict[str, ProjectionSet]:
    with store.read() as session:
        rows = session.execute(
            select(Space.name, ProjectionSet)
            .join(ProjectionSet, ProjectionSet.space_id == Space.id)
            .where(Space.name.startswith(project_space_prefix))
            .order_by(ProjectionSet.id)
        ).all()
        return dict(rows)


def test_logging_steps_makes_a_family_whose_maps_are_aligned_step_to_step(
    make_run: MakeRun, server: LiveServer, store: Store
) -> None:
    run = make_run(space="mlp")
    keys = [f"digit-{i}" for i in range(N)]
    for step, embeddings in enumerate(_epochs()):
        if step == STEPS - 1:  # the last epoch also sees rows the others never did
            extra = [f"late-{i}" for i in range(8)]
            embeddings = np.vstack([embeddings, embeddings[:8] + 0.01])
            labels = [i % 4 for i in range(N + 8)]
            run.log(embeddings, ids=keys + extra, labels=labels, step=np.int64(step))
        else:
            run.log(embeddings, ids=keys, labels=[i % 4 for i in range(N)], step=step)
    assert run.steps == [0, 1, 2]
    run.close()  # closes the steps in order: each asks for its map

    names = [f"mlp@step={step}" for step in range(STEPS)]

    def all_computed() -> bool:
        maps = _maps_by_step(store, "mlp@step=")
        with store.read() as session:
            busy = session.scalars(
                select(Job).where(Job.kind == "projection.compute", Job.state.in_(ACTIVE))
            ).first()
        done = all(name in maps and maps[name].computed_at is not None for name in names)
        return done and busy is None

    # Steps' maps may be computed side by side, out of order: one computed before the map
    # it aligns to is computed again once that one is, so wait until nothing is left to do.
    wait_until(all_computed, "a computed, aligned map for every step", timeout=300)
    maps = _maps_by_step(store, "mlp@step=")
    assert maps[names[0]].align_to_id is None
    assert maps[names[1]].align_to_id == maps[names[0]].id
    assert maps[names[2]].align_to_id == maps[names[1]].id

    first = chroma.get_projection(maps[names[1]].id, url=server.url)
    assert first.align_to == maps[names[0]].id
    points = first.points(["key", "label", "movement"])
    assert list(points.columns) == ["id", "x", "y", "placed", "key", "label", "movement"]
    assert points["movement"].notna().all()
    assert (points["movement"] >= 0).all()
    before = chroma.get_projection(maps[names[0]].id, url=server.url).points(["key"])
    moved = points.merge(before, on="key", suffixes=("", "_before"))
    np.testing.assert_allclose(  # the column is the distance from the step before
        moved["movement"],
        np.hypot(moved["x"] - moved["x_before"], moved["y"] - moved["y_before"]),
        rtol=1e-4,
        atol=1e-4,
    )
    # Rotated onto the step before: the best similarity from this map's points onto that
    # one's is the identity (an unaligned map would need a turn, a scale and a shift).
    fit = procrustes(moved[["x", "y"]].to_numpy(), moved[["x_before", "y_before"]].to_numpy())
    np.testing.assert_allclose(fit.rotation, np.eye(2), atol=1e-3)
    assert fit.scale == pytest.approx(1.0, abs=1e-3)
    np.testing.assert_allclose(fit.source_mean, fit.target_mean, atol=1e-3)

    last = chroma.get_projection(maps[names[2]].id, url=server.url).points(["key", "movement"])
    late = last["key"].str.startswith("late-")
    assert late.sum() == 8
    assert last.loc[late, "movement"].isna().all()  # on no earlier map: moved from nowhere
    assert last.loc[~late, "movement"].notna().all()

    with pytest.raises(chroma.InvalidInput) as caught:  # step 0 has nothing to move from
        chroma.get_projection(maps[names[0]].id, url=server.url).points(["movement"])
    assert caught.value.where == "columns"


def test_a_map_aligned_to_another_space_by_hand_lands_on_it(
    make_run: MakeRun, server: LiveServer
) -> None:
    project = f"p-{uuid.uuid4().hex[:8]}"
    rng = np.random.default_rng(3)
    vectors = rng.standard_normal((120, 8)).astype(np.float32)
    keys = [f"row-{i}" for i in range(120)]
    # Space B holds the same rows turned by an orthogonal matrix: a PCA map of it is A's
    # map up to a rotation or reflection, which the alignment must undo.
    turn, _ = np.linalg.qr(rng.standard_normal((8, 8)))
    with make_run(project=project, space="model-a") as run_a:
        run_a.log(vectors, ids=keys)
        map_a = run_a.create_projection("pca", progress=False)
    with make_run(project=project, space="model-b") as run_b:
        run_b.log((vectors @ turn).astype(np.float32), ids=keys)
        map_b = run_b.create_projection("pca", align_to=map_a, progress=False)
    assert map_b.align_to == map_a.id
    points_a = map_a.points(["key"]).set_index("key")
    points_b = map_b.points(["key", "movement"]).set_index("key").loc[points_a.index]
    span = float(np.ptp(points_a[["x", "y"]].to_numpy(), axis=0).max())
    assert float(points_b["movement"].max()) < 1e-3 * span
    np.testing.assert_allclose(
        points_b[["x", "y"]].to_numpy(), points_a[["x", "y"]].to_numpy(), atol=1e-3 * span
    )


def test_align_to_is_refused_across_projects_and_for_unknown_maps(
    make_run: MakeRun, store: Store
) -> None:
    vectors = np.random.default_rng(4).standard_normal((40, 8)).astype(np.float32)
    keys = [f"row-{i}" for i in range(40)]
    with make_run(space="a") as run_a:
        run_a.log(vectors, ids=keys)
        map_a = run_a.create_projection("pca", progress=False)
    run_b = make_run(space="b")  # another project: same keys, other datapoints
    run_b.log(vectors, ids=keys)
    run_b.flush()
    with store.read() as session:
        before = len(session.scalars(select(ProjectionSet)).all())
    with pytest.raises(chroma.InvalidInput, match="another project") as caught:
        run_b.create_projection("pca", align_to=map_a.id, progress=False)
    assert caught.value.where == "alignTo"
    with pytest.raises(chroma.NotFound) as missing:
        run_b.create_projection("pca", align_to=10**9, progress=False)
    assert missing.value.where == "alignTo"
    with pytest.raises(chroma.InvalidInput) as wrong_type:
        run_b.create_projection("pca", align_to=True, progress=False)  # type: ignore[arg-type]
    assert wrong_type.value.where == "align_to"
    with store.read() as session:
        assert len(session.scalars(select(ProjectionSet)).all()) == before


@pytest.mark.parametrize("bad", [True, 1.5, 2.0, "3", 2**31, 10**20, -1])
def test_a_step_that_is_not_a_whole_number_is_refused_before_anything_is_sent(
    make_local_run: MakeRun, bad: object
) -> None:
    run = make_local_run()
    with pytest.raises(chroma.InvalidInput) as caught:
        run.log(np.zeros((2, 4), np.float32), ids=["a", "b"], step=bad)
    assert caught.value.where == "step"
    assert run.steps == []
    run.flush()
    assert run.inserted == 0
