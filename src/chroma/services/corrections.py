"""Label corrections: people's decisions on datapoints' labels (issue 15's review queue).

A decision relabels a datapoint, confirms its label, or marks it "not sure". Each is a
``label_correction`` row with the label before and after, who and when; a relabel also
writes ``datapoint.label``, which is what every analysis, map and export reads, so later
analyses use the corrected labels. Undo restores the label before (only the latest live
correction of a datapoint can be undone, and only while its label is still the one that
correction wrote).

Re-logging (``services/ingest.py``) must not silently throw a person's fix away: a batch
that logs a corrected datapoint again with the label the corrections started from keeps
the corrected label; one that logs another label (the source data changed) takes it, and
the corrections it replaced are marked undone by ``re-logged``. So the live relabels of a
datapoint always form one chain from the label last logged to the label it has now.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

from sqlalchemy import exists, select, update
from sqlalchemy.orm import Session

from chroma.core.errors import Conflict, InvalidInput, NotFound
from chroma.db.bulk import in_steps
from chroma.db.models import Analysis, Datapoint, Dataset, LabelCorrection, Space, utcnow
from chroma.db.store import Store
from chroma.services import catalog
from chroma.services.principals import Principal

MAX_DECISIONS = 10_000
"""Decisions in one request (a review queue sends one; a script may send a few thousand)."""
MAX_LABEL_CHARS = 500
MAX_SOURCE_CHARS = 200
MAX_PAGE = 10_000
RELOGGED = "re-logged"
"""``undone_by`` of corrections replaced by a batch that logged another label."""


class Decision(StrEnum):
    RELABEL = "relabel"
    CONFIRM = "confirm"
    UNSURE = "unsure"


LIVE_RELABEL = (
    LabelCorrection.undone_at.is_(None),
    LabelCorrection.decision == Decision.RELABEL.value,
)
"""A relabel that still holds (not undone, not replaced by a re-log)."""


@dataclass(frozen=True)
class LabelDecision:
    datapoint_id: int
    decision: Decision
    label: str | None = None


@dataclass(frozen=True)
class CorrectionRecord:
    id: int
    datapoint_id: int
    key: str
    dataset: str
    decision: str
    label_before: str | None
    label_after: str | None
    source: str | None
    principal: str
    at: datetime
    undone_at: datetime | None
    undone_by: str | None


def _check_label(label: object, where: str) -> str:
    if not isinstance(label, str):
        raise InvalidInput("a relabel needs the new label, as text", where=where)
    if not label.strip():
        raise InvalidInput("a label cannot be empty or blank", where=where)
    if len(label) > MAX_LABEL_CHARS:
        raise InvalidInput(
            f"a label has at most {MAX_LABEL_CHARS} characters ({len(label):,} given)",
            where=where,
        )
    if any(ord(c) < 32 for c in label):
        raise InvalidInput(
            "a label cannot hold control characters (NUL, newline, ...)", where=where
        )
    return label


def _check(decisions: Sequence[LabelDecision], source: str | None) -> None:
    if not decisions:
        raise InvalidInput("no decisions given", where="corrections")
    if len(decisions) > MAX_DECISIONS:
        raise InvalidInput(
            f"at most {MAX_DECISIONS:,} decisions per request ({len(decisions):,} given)",
            where="corrections",
        )
    if source is not None and (len(source) > MAX_SOURCE_CHARS or "\x00" in source):
        raise InvalidInput(f"source: text of at most {MAX_SOURCE_CHARS} characters", where="source")
    seen: set[int] = set()
    for i, decision in enumerate(decisions):
        where = f"corrections[{i}]"
        if decision.datapoint_id in seen:
            raise InvalidInput("one decision per datapoint per request", where=where)
        seen.add(decision.datapoint_id)
        if decision.decision is Decision.RELABEL:
            _check_label(decision.label, f"{where}.label")
        elif decision.label is not None:
            raise InvalidInput(
                f"a {decision.decision.value} keeps the label: give no label",
                where=f"{where}.label",
            )


def correct_labels(
    store: Store,
    project: str,
    decisions: Sequence[LabelDecision],
    *,
    by: Principal,
    source: str | None = None,
    analysis_id: int | None = None,
) -> list[CorrectionRecord]:
    """Record the decisions (all or none) and relabel the datapoints they relabel; with
    ``analysis_id`` (the review queue's), only while that analysis still exists."""
    _check(decisions, source)
    with store.write() as session:
        proj = catalog.get_project(session, project)
        if analysis_id is not None:
            _check_analysis(session, proj.id, analysis_id)
        points = _datapoints(session, proj.id, [d.datapoint_id for d in decisions])
        now = utcnow()
        rows = []
        for i, decision in enumerate(decisions):
            point = points.get(decision.datapoint_id)
            if point is None:
                raise NotFound(
                    f"datapoint {decision.datapoint_id} is not in project {project!r}",
                    where=f"corrections[{i}].datapointId",
                )
            after = decision.label if decision.decision is Decision.RELABEL else point.label
            rows.append(
                LabelCorrection(
                    dataset_id=point.dataset_id,
                    datapoint_id=point.id,
                    decision=decision.decision.value,
                    label_before=point.label,
                    label_after=after,
                    source=source,
                    principal=by.name,
                    at=now,
                )
            )
            if after != point.label:
                point.label = after
                point.updated_at = now
        session.add_all(rows)
        for dataset_id in {row.dataset_id for row in rows if row.label_after != row.label_before}:
            catalog.bump_dataset(session, dataset_id)  # cached points and facets go stale
        session.flush()
        return [_record(row, points[row.datapoint_id], session) for row in rows]


def _check_analysis(session: Session, project_id: int, analysis_id: int) -> None:
    """A review of an analysis deleted meanwhile (or of another project's) decides nothing."""
    found = session.scalar(
        select(Analysis.id)
        .join(Space, Space.id == Analysis.space_id)
        .where(Analysis.id == analysis_id, Space.project_id == project_id)
    )
    if found is None:
        raise NotFound(
            f"analysis {analysis_id} is not in this project (deleted meanwhile?): nothing was "
            "decided",
            where="analysis",
        )


def _datapoints(session: Session, project_id: int, ids: list[int]) -> dict[int, Datapoint]:
    found: dict[int, Datapoint] = {}
    for part in in_steps(sorted(set(ids))):
        query = (
            select(Datapoint)
            .join(Dataset, Dataset.id == Datapoint.dataset_id)
            .where(Dataset.project_id == project_id, Datapoint.id.in_(part))
        )
        found.update((point.id, point) for point in session.scalars(query))
    return found


def undo_correction(
    store: Store, project: str, correction_id: int, *, by: Principal
) -> CorrectionRecord:
    """Undo a correction: a relabel gives the datapoint its label before back."""
    with store.write() as session:
        proj = catalog.get_project(session, project)
        row = session.scalar(
            select(LabelCorrection)
            .join(Dataset, Dataset.id == LabelCorrection.dataset_id)
            .where(LabelCorrection.id == correction_id, Dataset.project_id == proj.id)
        )
        if row is None:
            raise NotFound(f"no correction {correction_id} in project {project!r}", where="id")
        if row.undone_at is not None:
            raise Conflict(
                f"correction {correction_id} was undone already ({row.undone_by})", where="id"
            )
        later = session.scalar(
            select(LabelCorrection.id).where(
                LabelCorrection.datapoint_id == row.datapoint_id,
                LabelCorrection.id > row.id,
                LabelCorrection.undone_at.is_(None),
            )
        )
        if later is not None:
            raise Conflict(
                f"correction {later} of the same datapoint came later: undo it first", where="id"
            )
        point = session.get(Datapoint, row.datapoint_id)
        assert point is not None  # the correction goes with its datapoint
        if point.label != row.label_after:
            raise Conflict(
                f"the datapoint's label is {point.label!r} now, not {row.label_after!r} as this "
                "correction left it: correct it again instead",
                where="id",
            )
        now = utcnow()
        if point.label != row.label_before:
            point.label = row.label_before
            point.updated_at = now
            catalog.bump_dataset(session, row.dataset_id)
        row.undone_at, row.undone_by = now, by.name
        session.flush()
        return _record(row, point, session)


def list_corrections(
    store: Store,
    project: str,
    *,
    first: int = 100,
    after: int | None = None,
    include_undone: bool = False,
) -> list[CorrectionRecord]:
    """The project's corrections, oldest first (``after``: a correction id, to page on)."""
    if not 1 <= first <= MAX_PAGE:
        raise InvalidInput(f"first must be between 1 and {MAX_PAGE:,}", where="first")
    with store.read() as session:
        proj = catalog.get_project(session, project)
        query = (
            select(LabelCorrection, Datapoint.key, Dataset.name)
            .join(Dataset, Dataset.id == LabelCorrection.dataset_id)
            .join(Datapoint, Datapoint.id == LabelCorrection.datapoint_id)
            .where(Dataset.project_id == proj.id)
            .order_by(LabelCorrection.id)
            .limit(first)
        )
        if after is not None:
            query = query.where(LabelCorrection.id > after)
        if not include_undone:
            query = query.where(LabelCorrection.undone_at.is_(None))
        return [_from(row, key, dataset) for row, key, dataset in session.execute(query)]


def _record(row: LabelCorrection, point: Datapoint, session: Session) -> CorrectionRecord:
    dataset = session.get(Dataset, row.dataset_id)
    return _from(row, point.key, dataset.name if dataset else "")


def _from(row: LabelCorrection, key: str, dataset: str) -> CorrectionRecord:
    return CorrectionRecord(
        id=row.id,
        datapoint_id=row.datapoint_id,
        key=key,
        dataset=dataset,
        decision=row.decision,
        label_before=row.label_before,
        label_after=row.label_after,
        source=row.source,
        principal=row.principal,
        at=row.at,
        undone_at=row.undone_at,
        undone_by=row.undone_by,
    )


def original_labels(session: Session, dataset_ids: Iterable[int]) -> dict[int, str | None]:
    """The label each datapoint of these datasets had before people corrected it, for those
    whose live corrections changed it (the first live relabel's label before), by id."""
    query = (
        select(LabelCorrection.datapoint_id, LabelCorrection.label_before)
        .where(LabelCorrection.dataset_id.in_(sorted(set(dataset_ids))), *LIVE_RELABEL)
        .order_by(LabelCorrection.id)
    )
    found: dict[int, str | None] = {}
    for datapoint_id, before in session.execute(query):
        found.setdefault(datapoint_id, before)
    return found


def labels_to_keep(
    session: Session, dataset_id: int, logged: dict[int, str | None]
) -> dict[int, str | None]:
    """For datapoints logged again with these labels: the label each must get instead, where
    a live correction should survive (``logged`` is the label the batch carries by
    datapoint id). Marks the corrections a different logged label replaces undone."""
    is_live = (LabelCorrection.dataset_id == dataset_id, *LIVE_RELABEL)
    if not session.scalar(select(exists().where(*is_live))):
        return {}  # the common case: one cheap query per re-logging batch
    chains: dict[int, list[LabelCorrection]] = {}
    for part in in_steps(sorted(logged)):
        query = (
            select(LabelCorrection)
            .where(*is_live, LabelCorrection.datapoint_id.in_(part))
            .order_by(LabelCorrection.id)
        )
        for row in session.scalars(query):
            chains.setdefault(row.datapoint_id, []).append(row)
    keep: dict[int, str | None] = {}
    replaced: list[int] = []
    for datapoint_id, chain in chains.items():
        label = logged[datapoint_id]
        if label == chain[0].label_before:
            keep[datapoint_id] = chain[-1].label_after
        elif label != chain[-1].label_after:
            replaced.extend(row.id for row in chain)
    _mark_relogged(session, replaced)
    return keep


def _mark_relogged(session: Session, ids: Iterable[int]) -> None:
    now = utcnow()
    for part in in_steps(sorted(ids)):
        session.execute(
            update(LabelCorrection)
            .where(LabelCorrection.id.in_(part))
            .values(undone_at=now, undone_by=RELOGGED)
        )
