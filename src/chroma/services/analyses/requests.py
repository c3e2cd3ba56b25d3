"""Quality analyses as computed results: check a request completely, record it, queue its
job; read and delete them through the shared lifecycle (``services/computed.py``).

Everything a job would trip over is refused before any row is written: the params by
``params.py``, what depends on the space by ``checks.py``. The job (``compute.py``)
replaces the results in one commit; reading them is ``rows.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.db.models import Analysis, Job, Space
from chroma.db.store import Store
from chroma.services import catalog, computed
from chroma.services.analyses.checks import Plan, plan_analysis
from chroma.services.analyses.params import KINDS, validate_params
from chroma.services.computed import ComputedKind, ComputedRecord, ids_or_none
from chroma.services.jobs import JobKind, JobRecord


@dataclass(frozen=True)
class AnalysisRecord(ComputedRecord):
    kind: str
    reference_dataset_ids: list[int] | None
    row_count: int
    summary: dict[str, Any] | None
    auto_refresh: bool
    """Recomputed by itself once stale, after ingest settles (``freshness.py``)."""

    @property
    def columns(self) -> list[str]:
        return list(KINDS[self.kind].columns)

    @classmethod
    def of(cls, row: Analysis, job: Job | None) -> AnalysisRecord:
        return cls(
            **ComputedRecord.common(row, job),
            kind=row.kind,
            reference_dataset_ids=ids_or_none(row.reference_dataset_ids),
            row_count=row.row_count,
            summary=row.summary,
            auto_refresh=row.auto_refresh is not False,  # None: not flushed yet (the default)
        )


def _recheck(session: Session, row: Analysis, space: Space) -> None:
    params = validate_params(row.kind, row.params)
    plan = plan_analysis(
        session,
        space,
        row.kind,
        ids_or_none(row.dataset_ids),
        ids_or_none(row.reference_dataset_ids),
        params,
    )
    row.params = plan.params


ANALYSES: ComputedKind[Analysis, AnalysisRecord] = ComputedKind(
    noun="analysis",
    model=Analysis,
    compute_job=JobKind.ANALYSIS_COMPUTE,
    other_jobs=(),
    target_key="analysis_id",
    record=AnalysisRecord.of,
    recheck=_recheck,
)


def get_analysis(session: Session, analysis_id: int) -> AnalysisRecord:
    return computed.get(session, ANALYSES, analysis_id)


def analyses_of_spaces(
    session: Session, space_ids: Sequence[int]
) -> dict[int, list[AnalysisRecord]]:
    return computed.of_spaces(session, ANALYSES, space_ids)


def run_analysis(
    store: Store,
    *,
    project: str,
    space: str,
    kind: str,
    datasets: str | Sequence[str] | None = None,
    reference: str | Sequence[str] | None = None,
    params: dict[str, Any] | None = None,
) -> tuple[AnalysisRecord, JobRecord]:
    """Check everything, then queue the analysis's computation (one transaction).

    The same request again (kind, datasets, reference and complete params) computes the
    existing analysis again, replacing its result, instead of adding another; while that
    one's job is still queued or running, it is answered as it is.
    """
    checked = validate_params(kind, params)
    with store.write() as session:
        spc = catalog.get_space(session, catalog.get_project(session, project), space)
        names = catalog.dataset_names(session, spc.project_id)
        plan = plan_analysis(
            session,
            spc,
            kind,
            catalog.resolve_datasets(names, datasets, "datasets"),
            catalog.resolve_datasets(names, reference, "reference"),
            checked,
        )
        row = _same(session, spc.id, kind, plan)
        if row is not None and (running := computed.active_job(session, row)) is not None:
            return computed.records(session, ANALYSES, [row])[0], JobRecord.of(running)
        if row is None:
            row = Analysis(
                space_id=spc.id,
                kind=kind,
                params=plan.params,
                dataset_ids=plan.dataset_ids,
                reference_dataset_ids=plan.reference_ids,
            )
            session.add(row)
        job = computed.queue(session, ANALYSES, row, spc)
        return computed.records(session, ANALYSES, [row])[0], JobRecord.of(job)


def _same(session: Session, space_id: int, kind: str, plan: Plan) -> Analysis | None:
    candidates = session.scalars(
        select(Analysis)
        .where(Analysis.space_id == space_id, Analysis.kind == kind)
        .order_by(Analysis.id.desc())
    )
    for row in candidates:
        if (
            dict(row.params) == plan.params
            and ids_or_none(row.dataset_ids) == plan.dataset_ids
            and ids_or_none(row.reference_dataset_ids) == plan.reference_ids
        ):
            return row
    return None


def recompute_analysis(store: Store, analysis_id: int) -> tuple[AnalysisRecord, JobRecord]:
    """Compute an analysis again from the space's current vectors (checked again first)."""
    return computed.recompute(store, ANALYSES, analysis_id)


def delete_analysis(store: Store, analysis_id: int) -> AnalysisRecord:
    """Delete an analysis and its results; its queued job is cancelled, a running one asked
    to stop."""
    return computed.delete_result(store, ANALYSES, analysis_id)
