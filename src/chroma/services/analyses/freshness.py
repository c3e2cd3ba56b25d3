"""Analyses follow the data (issue 15): which results were computed before the latest data,
and recomputing those after ingest settles.

An analysis reads the vectors and fields of some datasets (its datasets, or every dataset
with vectors in its space, and its reference datasets). Every change to those rows bumps
the dataset's revision (``catalog/revisions.py``): ingest (vectors too: they arrive only
by ingest), label corrections, edits. The job records the revisions it read from as the
analysis's ``inputs_stamp``, taken *before* it reads the data (see ``revisions.py`` on the
order); a ready analysis whose datasets have another stamp now is **stale**.

Not covered: a ``clusters`` analysis over a map reads the map's coordinates, which change
without a dataset revision (a map computed again); tags do not make an analysis stale
(no kind reads them).

The ``space.refresh`` job (``services/refresh.py``) calls :func:`queue_stale` after the
maps: each stale analysis of the space with ``auto_refresh`` on is computed again through
the usual recompute path, unless a computation of it is already queued or running. One
that was running may have read the data before that ingest: its commit sees the stamp
moved and queues the next computation itself (:func:`queue_again_if_changed`, only with
automatic jobs on, like the refresh).
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.core.errors import ChromaError
from chroma.db.models import Analysis, Dataset, EmbeddingChunk, Space
from chroma.db.store import Store
from chroma.services import computed
from chroma.services.analyses.requests import ANALYSES, AnalysisRecord
from chroma.services.computed import ids_or_none


def _reads(row: Analysis, in_space: dict[int, list[int]]) -> list[int]:
    """The datasets an analysis reads, sorted (``in_space``: datasets with vectors, by space)."""
    chosen = ids_or_none(row.dataset_ids)
    if chosen is None:
        chosen = in_space.get(row.space_id, [])
    return sorted({*chosen, *(ids_or_none(row.reference_dataset_ids) or [])})


def _datasets_in_spaces(session: Session, space_ids: Iterable[int]) -> dict[int, list[int]]:
    wanted = sorted(set(space_ids))
    found: dict[int, list[int]] = {i: [] for i in wanted}
    if wanted:
        pairs = session.execute(
            select(EmbeddingChunk.space_id, EmbeddingChunk.dataset_id)
            .where(EmbeddingChunk.space_id.in_(wanted))
            .distinct()
        )
        for space_id, dataset_id in pairs:
            found[int(space_id)].append(int(dataset_id))
    return found


def current_stamps(session: Session, rows: Sequence[Analysis]) -> dict[int, str]:
    """The stamp each analysis's datasets have now, by analysis id (two queries for all)."""
    in_space = _datasets_in_spaces(
        session, (r.space_id for r in rows if ids_or_none(r.dataset_ids) is None)
    )
    reads = {r.id: _reads(r, in_space) for r in rows}
    wanted = sorted({i for ids in reads.values() for i in ids})
    revisions: dict[int, int] = {}
    if wanted:
        revisions = {
            int(i): int(rev)
            for i, rev in session.execute(
                select(Dataset.id, Dataset.revision).where(Dataset.id.in_(wanted))
            )
        }
    # A deleted dataset drops out of the stamp, which then differs: stale.
    return {
        analysis_id: ",".join(f"{i}:{revisions[i]}" for i in ids if i in revisions)
        for analysis_id, ids in reads.items()
    }


def inputs_stamp(session: Session, row: Analysis) -> str:
    """What the analysis's job is about to compute from: take it before reading the data."""
    return current_stamps(session, [row])[row.id]


def is_stale(row: Analysis, stamp: str) -> bool:
    """A ready analysis computed from other revisions than ``stamp`` (the current one); an
    analysis never computed, or one computed before stamps were kept and never stamped, is
    not (the migration stamped those)."""
    return row.computed_at is not None and row.inputs_stamp != stamp


def stale_of(session: Session, analysis_ids: Sequence[int]) -> dict[int, bool]:
    """Whether each analysis is stale, by id (three queries for any number); unknown ids
    are left out."""
    rows = session.scalars(select(Analysis).where(Analysis.id.in_(list(analysis_ids)))).all()
    stamps = current_stamps(session, rows)
    return {row.id: is_stale(row, stamps[row.id]) for row in rows}


def set_auto_refresh(store: Store, analysis_id: int, on: bool) -> AnalysisRecord:
    """Turn recomputing a stale analysis after ingest on or off."""
    with store.write() as session:
        row = computed.get_row(session, ANALYSES, analysis_id)
        row.auto_refresh = on
        session.flush()
        return computed.records(session, ANALYSES, [row])[0]


@dataclass(frozen=True)
class Queued:
    """What :func:`queue_stale` did."""

    queued: dict[int, int]
    """Analysis id -> the job computing it again."""
    skipped: dict[int, str]
    """Stale analyses not queued, by id, and why (their checks fail now)."""


def queue_stale(session: Session, space: Space) -> Queued:
    """Inside the caller's transaction: queue a recomputation of every stale analysis of
    the space with auto refresh on and no computation queued or running."""
    rows = session.scalars(
        select(Analysis)
        .where(Analysis.space_id == space.id, Analysis.auto_refresh.is_(True))
        .order_by(Analysis.id)
    ).all()
    stamps = current_stamps(session, rows)
    queued: dict[int, int] = {}
    skipped: dict[int, str] = {}
    for row in rows:
        if not is_stale(row, stamps[row.id]) or computed.active_job(session, row) is not None:
            continue
        try:  # the checks only read: nothing is written when they refuse
            job = computed.recompute_in(session, ANALYSES, row, space)
        except ChromaError as error:  # e.g. a dataset it reads was deleted
            skipped[row.id] = str(error)
            continue
        queued[row.id] = job.id
    return Queued(queued, skipped)


def queue_again_if_changed(session: Session, row: Analysis, read: str) -> int | None:
    """Inside an analysis job's commit: when its datasets changed while it computed (``read``
    is the stamp it computed from) and its auto refresh is on, queue the next computation
    now and answer its job id. The refresh after that ingest found this job running and
    left the analysis to it; without this the result would stay stale until more data came.
    None when nothing changed, auto refresh is off, or its checks now refuse."""
    if not row.auto_refresh or inputs_stamp(session, row) == read:
        return None
    space = session.get(Space, row.space_id)
    assert space is not None  # a space's analyses are deleted with it
    try:
        return computed.recompute_in(session, ANALYSES, row, space).id
    except ChromaError:
        return None


__all__ = [
    "Queued",
    "current_stamps",
    "inputs_stamp",
    "is_stale",
    "queue_again_if_changed",
    "queue_stale",
    "set_auto_refresh",
    "stale_of",
]
