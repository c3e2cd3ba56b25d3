"""Analyses follow the data (issue 15), on both databases: new rows or a corrected label make
a computed analysis stale; the ``space.refresh`` job after ingest recomputes it (unless its
auto refresh is off, or a computation of it is already queued); jobs run in the test's
process."""

from __future__ import annotations

from typing import Any

import pytest
from alembic import command
from analysis_data import clustered, log, run_queued
from sqlalchemy import select, update

from chroma.core.errors import NotFound
from chroma.db.migrate import alembic_config, upgrade
from chroma.db.models import Analysis, Datapoint, Space
from chroma.db.store import Store, open_store
from chroma.jobs.context import JobContext
from chroma.services import jobs as job_service
from chroma.services.analyses import get_analysis, recompute_analysis, run_analysis
from chroma.services.analyses.compute import compute_analysis
from chroma.services.analyses.freshness import set_auto_refresh, stale_of
from chroma.services.catalog import bump_dataset
from chroma.services.jobs import JobKind, JobRecord
from chroma.services.projections import create_projection
from chroma.settings import Settings


def _analysis(store: Store) -> int:
    """A space of 120 points with a map that places nothing (so a refresh queues no map
    work) and a computed mislabels analysis; its id."""
    vectors, keys, labels = clustered(120)
    log(store, vectors, keys, labels=labels)
    create_projection(store, project="p", space="s", algorithm="pca", auto_place=False)
    record, _job = run_analysis(store, project="p", space="s", kind="mislabels")
    assert {j.state for j in run_queued(store)} == {"succeeded"}
    return record.id


def _stale(store: Store, analysis_id: int) -> bool:
    with store.read() as session:
        return stale_of(session, [analysis_id])[analysis_id]


def _row_count(store: Store, analysis_id: int) -> int:
    with store.read() as session:
        return get_analysis(session, analysis_id).row_count


def _more_rows(store: Store, n: int = 40, prefix: str = "new") -> None:
    vectors, keys, labels = clustered(n, seed=5, prefix=prefix)
    log(store, vectors, keys, labels=labels)


def _refresh(store: Store) -> tuple[dict[str, Any], list[JobRecord]]:
    """Queue and run a ``space.refresh`` (what ingest does once it settles) and everything
    it queues; its result and every job run."""
    with store.write() as session:
        space = session.scalars(select(Space)).one()
        job = job_service.create_job(
            session, JobKind.REFRESH, project_id=space.project_id, space_id=space.id
        )
        session.flush()
        job_id = job.id
    ran = run_queued(store)
    assert all(j.state == "succeeded" for j in ran), [(j.kind, j.error) for j in ran]
    refresh = next(j for j in ran if j.id == job_id)
    assert refresh.result is not None
    return refresh.result, ran


def test_new_rows_make_it_stale_and_the_refresh_recomputes_it(store: Store) -> None:
    analysis_id = _analysis(store)
    assert _stale(store, analysis_id) is False
    with store.read() as session:
        assert get_analysis(session, analysis_id).auto_refresh is True

    _more_rows(store)
    assert _stale(store, analysis_id) is True

    result, ran = _refresh(store)
    computed = [j for j in ran if j.kind == "analysis.compute"]
    assert len(computed) == 1
    assert result["analyses"] == [{"analysis_id": analysis_id, "job_id": computed[0].id}]
    assert result["analyses_skipped"] == []
    assert computed[0].id in result["jobs"]
    assert _stale(store, analysis_id) is False
    assert _row_count(store, analysis_id) == 160  # the new rows are analysed too

    # Nothing changed since: the next refresh queues no analysis.
    result, ran = _refresh(store)
    assert result["analyses"] == []
    assert [j.kind for j in ran if j.kind == "analysis.compute"] == []


def test_a_changed_label_makes_it_stale(store: Store) -> None:
    analysis_id = _analysis(store)
    with store.write() as session:  # what a label correction writes (GraphQL: its own test)
        point = session.scalars(select(Datapoint).order_by(Datapoint.id)).first()
        assert point is not None
        point.label = "c9"
        bump_dataset(session, point.dataset_id)
    assert _stale(store, analysis_id) is True


def test_with_auto_refresh_off_it_stays_stale(store: Store) -> None:
    analysis_id = _analysis(store)
    assert set_auto_refresh(store, analysis_id, False).auto_refresh is False
    _more_rows(store)
    result, ran = _refresh(store)
    assert result["analyses"] == []
    assert [j.kind for j in ran if j.kind == "analysis.compute"] == []
    assert _stale(store, analysis_id) is True
    assert _row_count(store, analysis_id) == 120

    assert set_auto_refresh(store, analysis_id, True).auto_refresh is True
    result, _ran = _refresh(store)
    assert [a["analysis_id"] for a in result["analyses"]] == [analysis_id]
    assert _stale(store, analysis_id) is False


def test_no_second_computation_while_one_is_queued(store: Store) -> None:
    analysis_id = _analysis(store)
    _more_rows(store)
    _record, queued = recompute_analysis(store, analysis_id)  # queued, not run yet
    with store.write() as session:
        space = session.scalars(select(Space)).one()
        job = job_service.create_job(
            session, JobKind.REFRESH, project_id=space.project_id, space_id=space.id
        )
        session.flush()
        refresh_id = job.id
    ran = run_queued(store)
    computations = [j for j in ran if j.kind == "analysis.compute"]
    assert [j.id for j in computations] == [queued.id]
    refresh = next(j for j in ran if j.id == refresh_id)
    assert refresh.result is not None
    assert refresh.result["analyses"] == []
    assert _stale(store, analysis_id) is False


def test_a_stale_analysis_whose_checks_fail_is_skipped(store: Store) -> None:
    analysis_id = _analysis(store)
    _more_rows(store)
    with store.write() as session:  # a kind's params no longer valid: its checks refuse
        session.execute(update(Analysis).where(Analysis.id == analysis_id).values(params={"k": -1}))
    result, ran = _refresh(store)
    assert result["analyses"] == []
    assert [a["analysis_id"] for a in result["analyses_skipped"]] == [analysis_id]
    assert [j.kind for j in ran if j.kind == "analysis.compute"] == []


def test_not_computed_yet_is_not_stale_and_unknown_ids_are_refused(store: Store) -> None:
    vectors, keys, labels = clustered(60)
    log(store, vectors, keys, labels=labels)
    record, _job = run_analysis(store, project="p", space="s", kind="mislabels")
    _more_rows(store)
    assert _stale(store, record.id) is False  # no result yet: nothing to be stale
    with store.read() as session:
        assert stale_of(session, [record.id + 100]) == {}
    with pytest.raises(NotFound) as found:
        set_auto_refresh(store, record.id + 100, False)
    assert found.value.where == "analysis"


def test_the_migration_stamps_analyses_computed_before_it(store: Store) -> None:
    """Analyses computed before 0009 read as current after it, until their data changes."""
    analysis_id = _analysis(store)
    chosen, _job = run_analysis(store, project="p", space="s", kind="duplicates", datasets="train")
    run_queued(store)
    command.downgrade(alembic_config(store), "0008")
    upgrade(store)
    with store.read() as session:
        stamps = dict(session.execute(select(Analysis.id, Analysis.inputs_stamp)).all())
        assert stamps[analysis_id] == stamps[chosen.id] != ""
        assert stale_of(session, [analysis_id, chosen.id]) == {
            analysis_id: False,
            chosen.id: False,
        }
        assert get_analysis(session, analysis_id).auto_refresh is True
    _more_rows(store)
    assert _stale(store, analysis_id) is True


def _compute_while_rows_arrive(store: Store, analysis_id: int, prefix: str) -> dict[str, Any]:
    """Recompute the analysis in this process, logging new rows once it has read its data."""
    _record, job = recompute_analysis(store, analysis_id)
    attempt = job_service.claim(store, job.id, "test")
    assert attempt is not None
    context = JobContext(store, job.id, attempt)
    logged: list[bool] = []

    def progress(fraction: float, _message: str | None = None) -> None:
        if fraction >= 0.05 and not logged:  # its inputs are read by now
            logged.append(True)
            _more_rows(store, prefix=prefix)

    return compute_analysis(store, analysis_id, progress=progress, commit=context.commit)


def test_rows_logged_while_it_computes_queue_the_next_computation(
    store: Store, settings: Settings
) -> None:
    analysis_id = _analysis(store)
    result = _compute_while_rows_arrive(store, analysis_id, "a")  # automatic jobs off: no more
    assert "queued_again" not in result
    assert _stale(store, analysis_id) is True

    auto = open_store(settings.model_copy(update={"auto_jobs": True}))
    try:
        recompute_analysis(auto, analysis_id)
        run_queued(auto)
        assert _stale(auto, analysis_id) is False
        result = _compute_while_rows_arrive(auto, analysis_id, "b")
        again = result["queued_again"]
        assert _stale(auto, analysis_id) is True
        assert [j.id for j in run_queued(auto)] == [again]
        assert _stale(auto, analysis_id) is False
        assert _row_count(auto, analysis_id) == 200
    finally:
        auto.dispose()
