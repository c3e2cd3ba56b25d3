"""Quality analyses of a space: check a request completely, record it, queue its job;
list, read and delete analyses.

Everything a job would trip over is refused before any row is written: the params by
``analysis_params.py``, what depends on the space by ``analysis_checks.py``. The job
(``analysis_compute.py``) replaces the results in one commit; reading them is
``analysis_rows.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chroma.core.errors import NotFound
from chroma.db.models import Analysis, Job, Space, utcnow
from chroma.db.store import Store
from chroma.services import catalog
from chroma.services import jobs as job_service
from chroma.services.analysis_checks import Plan, dataset_names, plan_analysis, resolve
from chroma.services.analysis_params import KINDS, validate_params
from chroma.services.listing import utc

JOB_KIND = "analysis.compute"


@dataclass(frozen=True)
class AnalysisRecord:
    id: int
    space_id: int
    kind: str
    params: dict[str, Any]
    dataset_ids: list[int] | None
    reference_dataset_ids: list[int] | None
    state: str
    """ready (a result exists; it may be recomputing), queued, computing, failed, cancelled."""
    error: str | None
    row_count: int
    summary: dict[str, Any] | None
    job_id: int | None
    created_at: datetime
    computed_at: datetime | None

    @property
    def columns(self) -> list[str]:
        return list(KINDS[self.kind].columns)

    @classmethod
    def of(cls, row: Analysis, job: Job | None) -> AnalysisRecord:
        if row.computed_at is not None:
            state = "ready"
        elif job is None:
            state = "failed" if row.state == "failed" else "queued"
        else:
            state = {"running": "computing", "succeeded": "ready"}.get(job.state, job.state)
        job_error = job.error if job is not None and job.state == job_service.FAILED else None
        active = job is not None and job.state in (job_service.QUEUED, job_service.RUNNING)
        return cls(
            id=row.id,
            space_id=row.space_id,
            kind=row.kind,
            params=dict(row.params),
            dataset_ids=_ids(row.dataset_ids),
            reference_dataset_ids=_ids(row.reference_dataset_ids),
            state=state,
            error=None if active else (job_error or row.error),
            row_count=row.row_count,
            summary=row.summary,
            job_id=row.job_id,
            created_at=utc(row.created_at),
            computed_at=utc(row.computed_at) if row.computed_at else None,
        )


def _ids(value: list[int] | None) -> list[int] | None:
    return None if value is None else [int(v) for v in value]


def _records(session: Session, rows: Sequence[Analysis]) -> list[AnalysisRecord]:
    job_ids = [r.job_id for r in rows if r.job_id is not None]
    jobs = {j.id: j for j in session.scalars(select(Job).where(Job.id.in_(job_ids)))}
    return [AnalysisRecord.of(r, jobs.get(r.job_id) if r.job_id else None) for r in rows]


def get_analysis(session: Session, analysis_id: int) -> AnalysisRecord:
    row = session.get(Analysis, analysis_id)
    if row is None:
        raise NotFound(f"no analysis with id {analysis_id}", where="analysis")
    return _records(session, [row])[0]


def analyses_of_spaces(
    session: Session, space_ids: Sequence[int]
) -> dict[int, list[AnalysisRecord]]:
    rows = session.scalars(
        select(Analysis).where(Analysis.space_id.in_(list(space_ids))).order_by(Analysis.id)
    ).all()
    out: dict[int, list[AnalysisRecord]] = {i: [] for i in space_ids}
    for record in _records(session, rows):
        out[record.space_id].append(record)
    return out


# ---- use cases --------------------------------------------------------------------------------


def run_analysis(
    store: Store,
    *,
    project: str,
    space: str,
    kind: str,
    datasets: str | Sequence[str] | None = None,
    reference: str | Sequence[str] | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[AnalysisRecord, job_service.JobRecord]:
    """Check everything, then queue the analysis's computation (one transaction).

    The same request again (kind, datasets, reference and complete params) computes the
    existing analysis again, replacing its result, instead of adding another; while that
    one's job is still queued or running, it is answered as it is.
    """
    checked = validate_params(kind, params)
    with store.write() as session:
        spc = catalog.get_space(session, catalog.get_project(session, project), space)
        names = dataset_names(session, spc.project_id)
        plan = plan_analysis(
            session,
            spc,
            kind,
            resolve(names, datasets, "datasets"),
            resolve(names, reference, "reference"),
            checked,
        )
        row = _same(session, spc.id, kind, plan)
        if row is not None and row.job_id is not None:
            job = session.get(Job, row.job_id)
            if job is not None and job.state in (job_service.QUEUED, job_service.RUNNING):
                return _records(session, [row])[0], job_service.JobRecord.of(job)
        if row is None:
            row = Analysis(
                space_id=spc.id,
                kind=kind,
                params=plan.params,
                dataset_ids=plan.dataset_ids,
                reference_dataset_ids=plan.reference_ids,
                state="pending",
            )
            session.add(row)
            session.flush()
        job = _queue(session, row, spc)
        return _records(session, [row])[0], job_service.JobRecord.of(job)


def _same(session: Session, space_id: int, kind: str, plan: Plan) -> Analysis | None:
    candidates = session.scalars(
        select(Analysis)
        .where(Analysis.space_id == space_id, Analysis.kind == kind)
        .order_by(Analysis.id.desc())
    )
    for row in candidates:
        if (
            dict(row.params) == plan.params
            and _ids(row.dataset_ids) == plan.dataset_ids
            and _ids(row.reference_dataset_ids) == plan.reference_ids
        ):
            return row
    return None


def _queue(session: Session, row: Analysis, space: Space) -> Job:
    job = job_service.create_job(
        session,
        JOB_KIND,
        project_id=space.project_id,
        space_id=space.id,
        target={"analysis_id": row.id},
    )
    row.job_id = job.id
    if row.computed_at is None:
        row.state, row.error = "pending", None
    return job


def recompute_analysis(
    store: Store, analysis_id: int
) -> tuple[AnalysisRecord, job_service.JobRecord]:
    """Compute an analysis again from the space's current vectors (checked again first)."""
    with store.write() as session:
        row = session.get(Analysis, analysis_id)
        if row is None:
            raise NotFound(f"no analysis with id {analysis_id}", where="analysis")
        spc = session.get(Space, row.space_id)
        assert spc is not None
        params = validate_params(row.kind, row.params)
        plan = plan_analysis(
            session, spc, row.kind, _ids(row.dataset_ids), _ids(row.reference_dataset_ids), params
        )
        row.params = plan.params
        job = _queue(session, row, spc)
        return _records(session, [row])[0], job_service.JobRecord.of(job)


def delete_analysis(store: Store, analysis_id: int) -> AnalysisRecord:
    """Delete an analysis and its results; its queued job is cancelled, a running one asked
    to stop."""
    with store.write() as session:
        record = get_analysis(session, analysis_id)
        active = session.scalars(
            select(Job).where(
                Job.space_id == record.space_id,
                Job.kind == JOB_KIND,
                Job.state.in_((job_service.QUEUED, job_service.RUNNING)),
            )
        )
        for job in active:
            if (job.target or {}).get("analysis_id") != analysis_id:
                continue
            if job.state == job_service.QUEUED:
                job.state, job.finished_at = job_service.CANCELLED, utcnow()
            else:
                job.cancel_requested = True
        session.execute(delete(Analysis).where(Analysis.id == analysis_id))
        return record


def record_failure(store: Store, analysis_id: int, message: str) -> None:
    """Keep why the last computation failed on the analysis itself (its result, if any,
    stays as it was)."""
    with store.write() as session:
        row = session.get(Analysis, analysis_id)
        if row is None:
            return
        row.error = message
        if row.computed_at is None:
            row.state = "failed"
