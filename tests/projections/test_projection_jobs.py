"""Projection and neighbour-index jobs end to end on a real store (SQLite and PostgreSQL),
run in the test's process so each step can be checked."""

from __future__ import annotations

import numpy as np
import pytest
from space_data import clustered, log, run_queued
from sqlalchemy import func, select, text

from chroma.core.errors import InvalidInput
from chroma.db.models import Job, NeighbourIndex, ProjectionChunk
from chroma.jobs.context import JobCancelled, JobContext
from chroma.services import jobs as job_service
from chroma.services import neighbours as neighbour_service
from chroma.services import projections as projection_service
from chroma.services.jobs import JobKind, schedule_debounced
from chroma.services.points import points_table
from chroma.services.projections import (
    compute_projection,
    create_projection,
    delete_projection,
    get_projection,
)
from chroma.services.refresh import queue_follow_ups


def _count(store, model) -> int:
    with store.read() as session:
        return int(session.scalar(select(func.count()).select_from(model)) or 0)


def _points(store, projection_id: int) -> dict[int, tuple[float, float, bool, str]]:
    table = points_table(store, projection_id, ["label"]).to_pydict()
    return {
        i: (x, y, placed, label)
        for i, x, y, placed, label in zip(
            table["id"], table["x"], table["y"], table["placed"], table["label"], strict=True
        )
    }


def test_a_pca_map_places_every_point_once(store) -> None:
    vectors, keys, labels = clustered(200)
    log(store, vectors, keys, labels)
    projection, job = create_projection(store, project="p", space="s", algorithm="pca")
    assert job.state == "queued"
    assert [j.state for j in run_queued(store)] == ["succeeded"]
    points = _points(store, projection.id)
    assert len(points) == 200
    coords = np.array([(x, y) for x, y, _, _ in points.values()])
    assert np.isfinite(coords).all()
    assert coords[:, 0].var() >= coords[:, 1].var()  # first principal axis first
    assert not any(placed for _, _, placed, _ in points.values())
    record = _record(store, projection.id)
    assert (record.state, record.point_count) == ("ready", 200)


def _record(store, projection_id: int):
    with store.read() as session:
        return get_projection(session, projection_id)


def _fail_inserts_into(store, table: str) -> list[str]:
    if store.is_sqlite:
        return [
            f"CREATE TRIGGER fail_insert BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        ]
    return [
        "CREATE FUNCTION fail_insert() RETURNS trigger AS "
        "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER fail_insert BEFORE INSERT ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION fail_insert()",
    ]


def test_a_failure_while_saving_the_map_leaves_no_half_map(store) -> None:
    vectors, keys, labels = clustered(300)
    log(store, vectors, keys, labels)
    projection, _ = create_projection(store, project="p", space="s", algorithm="pca")
    with store.engine.begin() as conn:
        for statement in _fail_inserts_into(store, "projection_chunk"):
            conn.execute(text(statement))
    try:
        [job] = run_queued(store)
        assert job.state == "failed"
        assert "injected failure" in (job.error or "")
        assert _count(store, ProjectionChunk) == 0
        record = _record(store, projection.id)
        assert record.state == "failed"
        assert record.computed_at is None
    finally:
        with store.engine.begin() as conn:
            conn.execute(
                text(
                    "DROP TRIGGER fail_insert" + ("" if store.is_sqlite else " ON projection_chunk")
                )
            )
            if not store.is_sqlite:
                conn.execute(text("DROP FUNCTION fail_insert()"))
    from chroma.services.projections import recompute_projection

    recompute_projection(store, projection.id)
    assert [j.state for j in run_queued(store)] == ["succeeded"]
    assert len(_points(store, projection.id)) == 300


def test_a_cancelled_computation_writes_nothing(store) -> None:
    vectors, keys, labels = clustered(120)
    log(store, vectors, keys, labels)
    projection, job = create_projection(store, project="p", space="s", algorithm="pca")
    attempt = job_service.claim(store, job.id, "test")
    assert attempt == 1
    job_service.cancel_job(store, job.id)  # running: a request the job sees
    context = JobContext(store, job.id, attempt)
    with pytest.raises(JobCancelled):
        compute_projection(store, projection.id, progress=context.progress, commit=context.commit)
    assert _count(store, ProjectionChunk) == 0


@pytest.mark.parametrize("via_index", [False, True], ids=["exact", "index"])
def test_points_logged_later_are_placed_without_moving_the_map(
    store, monkeypatch, via_index: bool
) -> None:
    if via_index:  # the space's index finds the neighbours, as it does for large maps
        monkeypatch.setattr(projection_service, "EXACT_PLACE_LIMIT", 10)
    vectors, keys, labels = clustered(300)
    log(store, vectors, keys, labels)
    projection, _ = create_projection(
        store, project="p", space="s", algorithm="umap", params={"n_neighbors": 10}
    )
    run_queued(store)
    before = _points(store, projection.id)
    assert len(before) == 300

    more, more_keys, more_labels = clustered(40, seed=1, offset=300)
    result = log(store, more, more_keys, more_labels)
    with store.write() as session:
        queued = queue_follow_ups(session, result.space_id)
    assert len(queued) == 2  # placing into the one map first, then the index update
    assert [j.kind for j in run_queued(store)] == ["projection.place", "neighbours.update"]

    after = _points(store, projection.id)
    assert len(after) == 340
    for point_id, (x, y, placed, _) in before.items():
        assert after[point_id][:3] == (x, y, placed)  # bit for bit where it was
    new = {i: p for i, p in after.items() if i not in before}
    assert all(placed for _, _, placed, _ in new.values())
    # A placed point lands among its own cluster: its nearest old point shares its label.
    old_ids = list(before)
    old_xy = np.array([before[i][:2] for i in old_ids])
    agree = 0
    for x, y, _, label in new.values():
        nearest = old_ids[int(np.argmin(((old_xy - (x, y)) ** 2).sum(axis=1)))]
        agree += before[nearest][3] == label
    assert agree >= 0.9 * len(new)
    assert _record(store, projection.id).placed_count == 40


def test_refresh_after_ingest_builds_the_index_and_a_first_map(store) -> None:
    vectors, keys, labels = clustered(100)
    result = log(store, vectors, keys, labels)
    with store.write() as session:
        _, new = schedule_debounced(
            session, JobKind.REFRESH, space_id=result.space_id, delay_seconds=0
        )
    assert new
    ran = run_queued(store)
    assert [(j.kind, j.state) for j in ran] == [
        ("space.refresh", "succeeded"),
        ("projection.compute", "succeeded"),  # the map first: it does not wait for the index
        ("neighbours.update", "succeeded"),
    ]
    with store.read() as session:
        index = session.scalar(select(NeighbourIndex))
        assert index is not None
        assert index.indexed_count == 100
    with store.read() as session:
        projection_id = session.scalar(select(ProjectionChunk.projection_id))
    assert len(_points(store, projection_id)) == 100


def test_a_space_refresh_debounces_into_one_job(store) -> None:
    vectors, keys, labels = clustered(20)
    result = log(store, vectors, keys, labels)
    with store.write() as session:
        first, new = schedule_debounced(
            session, JobKind.REFRESH, space_id=result.space_id, delay_seconds=30
        )
    with store.read() as session:
        first_due = session.scalar(select(Job.not_before).where(Job.id == first))
    with store.write() as session:
        second, again = schedule_debounced(
            session, JobKind.REFRESH, space_id=result.space_id, delay_seconds=60
        )
    with store.read() as session:
        second_due = session.scalar(select(Job.not_before).where(Job.id == first))
        assert session.scalar(select(func.count()).select_from(Job)) == 1
    assert (new, again, second) == (True, False, first)
    assert second_due > first_due
    with store.read() as session:
        assert job_service.due_job_ids(session) == []  # not before its time


def test_umap_reuses_the_space_knn_graph_when_it_covers_the_map(store) -> None:
    vectors, keys, labels = clustered(200)
    log(store, vectors, keys, labels)
    neighbour_service.queue_build(store, project="p", space="s")
    run_queued(store)
    create_projection(store, project="p", space="s", algorithm="umap", params={"n_neighbors": 15})
    create_projection(store, project="p", space="s", algorithm="umap", params={"n_neighbors": 30})
    ran = run_queued(store)
    assert [j.result["reused_knn_graph"] for j in ran] == [True, False]


@pytest.mark.parametrize(
    ("algorithm", "params", "n", "where"),
    [
        ("umap", {"n_neighbors": 1}, 50, "params.n_neighbors"),
        ("tsne", {"perplexity": 30}, 50, "params.perplexity"),
        ("umap", {}, 2, None),
        ("isomap", {}, 50, "algorithm"),
        ("umap", {"n_neighbours": 5}, 50, "params.n_neighbours"),
    ],
)
def test_bad_parameters_are_refused_before_any_job(store, algorithm, params, n, where) -> None:
    vectors, keys, labels = clustered(n)
    log(store, vectors, keys, labels)
    with pytest.raises(InvalidInput) as info:
        create_projection(store, project="p", space="s", algorithm=algorithm, params=params)
    if where is not None:
        assert info.value.where == where
    assert _count(store, Job) == 0


def test_nearest_through_the_index_agrees_with_exact_search(store, monkeypatch) -> None:
    vectors, keys, labels = clustered(400)
    log(store, vectors, keys, labels)
    log(store, *clustered(100, seed=3, offset=400), dataset="test")
    neighbour_service.queue_build(store, project="p", space="s")
    run_queued(store)
    exact = neighbour_service.nearest(store, project="p", space="s", k=8, vector=vectors[0])
    monkeypatch.setattr(neighbour_service, "EXACT_LIMIT", 10)  # force the index path
    approx = neighbour_service.nearest(store, project="p", space="s", k=8, vector=vectors[0])
    assert [n.record.key for n in approx] == [n.record.key for n in exact]
    np.testing.assert_allclose([n.distance for n in approx], [n.distance for n in exact], atol=1e-4)

    from chroma.services.datapoints import DatapointFilter

    first = exact[0].record.id
    only_test = neighbour_service.nearest(
        store,
        project="p",
        space="s",
        k=5,
        datapoint_id=first,
        where=DatapointFilter(datasets=["test"]),
    )
    assert len(only_test) == 5
    assert {n.record.key for n in only_test} <= {f"k{i}" for i in range(400, 500)}
    assert first not in {n.record.id for n in only_test}


def test_deleting_a_map_cancels_its_queued_jobs(store) -> None:
    vectors, keys, labels = clustered(60)
    result = log(store, vectors, keys, labels)
    projection, _ = create_projection(store, project="p", space="s", algorithm="pca")
    run_queued(store)
    log(store, *clustered(10, seed=4, offset=60))
    with store.write() as session:
        queue_follow_ups(session, result.space_id)  # an index update and a placement
    delete_projection(store, projection.id)
    with store.read() as session:
        states = dict(
            session.execute(select(Job.kind, Job.state).where(Job.state != "succeeded")).all()
        )
    assert states == {"neighbours.update": "queued", "projection.place": "cancelled"}
    assert _count(store, ProjectionChunk) == 0
