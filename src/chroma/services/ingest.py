"""Logging a batch: datapoints upserted by client key, vectors written as one chunk.

One write transaction per batch: a batch lands whole or not at all. Re-sending a batch
(a client retry) finds every key already present and rewrites the same values, so it never
duplicates rows.

On SQLite that transaction holds the database's one write lock, and every other writer
waits for it, so it holds only what needs the lock (issue 14, item 11). Staging comes
before: the caller has parsed and checked the batch, and the vector segment file is
written and fsynced before the lock is asked for. The transaction does the lookups and
the inserts, and queues the space's refresh in the same commit rather than in a second
transaction that would wait for the lock again. Work comes after: handing the refresh to
a runner, answering the client.

On PostgreSQL, batches into one dataset take turns on the dataset's row lock instead; a
batch writes its chunk's bytes (inline) before it asks for that lock, so the next batch's
vectors go in while one batch does its lookups and inserts (issue 12, item 4). Under the
lock its rows go in by binary COPY as all new, without a lookup of every key first; a key
already stored undoes that attempt (a savepoint), and the batch takes the lookup path.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
from sqlalchemy import delete
from sqlalchemy.orm import Session

from chroma.db import bulk, copy_in
from chroma.db.models import DatapointImage, Dataset, Project, Space, utcnow
from chroma.db.store import Store
from chroma.db.vectors import StagedVectors, add_chunk, place_chunk, staged_vectors
from chroma.services import audit, catalog, corrections
from chroma.services.compaction import needs_compaction
from chroma.services.ingest_batch import IngestBatch
from chroma.services.jobs import JobKind, schedule_debounced
from chroma.services.principals import Principal

# wire column -> datapoint column
_COLUMN_FOR = {
    "label": "label",
    "prediction": "prediction",
    "score": "prediction_score",
    "metadata": "metadata",
    "uri": "uri",
    "text": "text",
}


@dataclass
class Queued:
    """A follow-up job queued (or pushed back) in the batch's commit."""

    job_id: int
    new: bool
    """Only a new job, or one brought forward, needs handing to a runner."""


@dataclass
class IngestResult:
    project_id: int
    dataset_id: int
    space_id: int
    inserted: int
    updated: int
    queued: list[Queued] = field(default_factory=list)
    """With ``refresh_delay``: the follow-ups to hand to a runner once committed."""

    def answer(self) -> dict[str, int]:
        """What the client is told."""
        return {
            "project_id": self.project_id,
            "dataset_id": self.dataset_id,
            "space_id": self.space_id,
            "inserted": self.inserted,
            "updated": self.updated,
        }


def ingest(
    store: Store,
    batch: IngestBatch,
    *,
    project: str,
    dataset: str,
    space: str,
    create: bool = True,
    space_model: str | None = None,
    space_layer: str | None = None,
    refresh_delay: float | None = None,
    logged_by: Principal | None = None,
) -> IngestResult:
    """Write the batch; with ``refresh_delay`` (seconds), also queue the space's refresh
    that much later in the same commit (moving one already waiting), and its compaction
    when the batch left enough superseded vectors (``CHROMA_COMPACT_DEAD_SHARE``); with
    ``logged_by``, record who wrote it in the audit trail, in the same commit."""
    names = _Names(project, dataset, space, create, space_model, space_layer)
    with staged_vectors(store, batch.vectors) as staged:
        # The file must be durable before the commit that references it; waiting here,
        # not inside the transaction, keeps the fsync out of the lock.
        staged.wait_durable()
        with store.write() as session:
            result = _write(session, store, staged, batch, names)
            if refresh_delay is not None:
                _queue_follow_ups(session, store, result, refresh_delay)
            if logged_by is not None:
                audit.add(session, logged_by, [_audited(names, result)])
    return result


def _audited(names: _Names, result: IngestResult) -> audit.Write:
    return audit.Write(
        "ingest",
        {
            "project": names.project,
            "dataset": names.dataset,
            "space": names.space,
            "inserted": result.inserted,
            "updated": result.updated,
        },
    )


def _queue_follow_ups(session: Session, store: Store, result: IngestResult, delay: float) -> None:
    job_id, new = schedule_debounced(
        session, JobKind.REFRESH, space_id=result.space_id, delay_seconds=delay
    )
    result.queued.append(Queued(job_id=job_id, new=new or delay == 0))
    # Only a batch that logged datapoints again can have left chunks worth compacting.
    dead_share = store.settings.compact_dead_share
    if result.updated and needs_compaction(session, result.space_id, dead_share):
        job_id, new = schedule_debounced(
            session, JobKind.COMPACT, space_id=result.space_id, delay_seconds=delay
        )
        result.queued.append(Queued(job_id=job_id, new=new or delay == 0))


@dataclass(frozen=True)
class _Names:
    """Where the batch goes."""

    project: str
    dataset: str
    space: str
    create: bool
    space_model: str | None
    space_layer: str | None


def _write(
    session: Session,
    store: Store,
    staged: StagedVectors,
    batch: IngestBatch,
    names: _Names,
) -> IngestResult:
    proj, ds, sp = _targets(session, batch, names)
    # PostgreSQL: the vectors go in before the lock below (see place_chunk).
    place_chunk(session, staged, space_id=sp.id, dataset_id=ds.id)
    # The dataset's new revision (caches of its datapoints go stale), and on PostgreSQL
    # its row lock: ingests into one dataset take turns (SQLite's write lock does this
    # for every write), else two batches with the same new keys, or re-logging the
    # same vectors, would race between the key lookup and the commit.
    catalog.bump_dataset(session, ds.id)
    now = bulk.datetime_for_driver(session, utcnow())
    fresh = _insert_if_all_new(session, batch, ds.id, now)
    if fresh.row_ids is not None:
        row_ids, old_rows = fresh.row_ids, []
    else:
        existing = bulk.lookup_keys(session, ds.id, batch.keys)
        old_rows = [row for row, key in enumerate(batch.keys) if key in existing]
        new_rows = [row for row, key in enumerate(batch.keys) if key not in existing]
        row_ids = np.empty(len(batch), dtype=np.int64)
        row_ids[old_rows] = [existing[batch.keys[row]] for row in old_rows]
        # Ids the failed attempt drew serve the new rows (the sequence does not give back).
        spare = fresh.spare_ids[: len(new_rows)]
        spare += bulk.allocate_ids(session, "datapoint", len(new_rows) - len(spare))
        row_ids[new_rows] = spare
        _insert_new(session, batch, ds.id, new_rows, spare, now)
        _update_existing(session, batch, ds.id, old_rows, row_ids, now)
    old_ids = row_ids[old_rows].tolist()
    _write_images(session, batch, row_ids, replaced=old_ids)
    add_chunk(
        session,
        staged,
        space_id=sp.id,
        dataset_id=ds.id,
        datapoint_ids=row_ids,
        existing_ids=old_ids,
        store=store,
    )
    return IngestResult(
        project_id=proj.id,
        dataset_id=ds.id,
        space_id=sp.id,
        inserted=len(batch) - len(old_rows),
        updated=len(old_rows),
    )


def _targets(session: Session, batch: IngestBatch, names: _Names) -> tuple[Project, Dataset, Space]:
    """The batch's project, dataset and space; created on first use when ``create``."""
    if names.create:
        proj = catalog.ensure_project(session, names.project)
        ds = catalog.ensure_dataset(session, proj, names.dataset)
        sp = catalog.ensure_space(
            session,
            proj,
            names.space,
            batch.dimension,
            model=names.space_model,
            layer=names.space_layer,
        )
        return proj, ds, sp
    proj = catalog.get_project(session, names.project)
    ds = catalog.get_dataset(session, proj, names.dataset)
    sp = catalog.get_space(session, proj, names.space)
    catalog.check_dimension(sp, batch.dimension)
    return proj, ds, sp


@dataclass
class _Fresh:
    row_ids: np.ndarray | None = None
    """The batch's datapoint ids when every row went in as new; None when not tried or a key
    already existed (nothing of the attempt is left)."""
    spare_ids: list[int] = field(default_factory=list)
    """Ids a failed attempt drew: for the rows that turn out new."""


def _insert_if_all_new(session: Session, batch: IngestBatch, dataset_id: int, now: Any) -> _Fresh:
    """PostgreSQL: insert every row as new without looking the keys up first (a training loop
    logs each key once: the usual batch), in a savepoint; a key that exists ends the attempt.

    Under the dataset's row lock (taken just before) no other ingest adds keys to it, so a
    stored key the attempt meets was there before, and the lookup that follows finds it.
    A probe of three keys first keeps a batch sent again (whose first key exists) from
    drawing a batch's worth of ids for nothing (``datapoint.id`` is 32-bit).
    SQLite: not tried (its lookup is ~5 ms per 5,000 keys, under the lock it holds anyway).
    """
    if session.get_bind().dialect.name != "postgresql":
        return _Fresh()
    keys = batch.keys
    if bulk.lookup_keys(session, dataset_id, list({keys[0], keys[len(keys) // 2], keys[-1]})):
        return _Fresh()
    ids = bulk.allocate_ids(session, "datapoint", len(batch))
    every_row = list(range(len(batch)))
    if copy_in.insert_unless_present(
        session, lambda: _insert_new(session, batch, dataset_id, every_row, ids, now)
    ):
        return _Fresh(row_ids=np.asarray(ids, dtype=np.int64))
    return _Fresh(spare_ids=ids)


def _insert_new(
    session: Session,
    batch: IngestBatch,
    dataset_id: int,
    rows: list[int],
    ids: list[int],
    now: Any,
) -> None:
    if not rows:
        return
    every_row = len(rows) == len(batch)

    def pick(values: list[Any]) -> list[Any]:
        return values if every_row else [values[r] for r in rows]

    columns: dict[str, list[Any]] = {"id": ids, "key": pick(batch.keys)}
    for wire_name, column in _COLUMN_FOR.items():
        if wire_name in batch.columns:
            columns[column] = pick(batch.columns[wire_name])
    constants: dict[str, Any] = {"dataset_id": dataset_id, "created_at": now, "updated_at": now}
    images = batch.columns.get("image")
    if images is None:
        constants["has_image"] = False
    else:
        columns["has_image"] = [image is not None for image in pick(images)]
    bulk.insert_columns(session, "datapoint", columns, constants)


def _update_existing(
    session: Session,
    batch: IngestBatch,
    dataset_id: int,
    rows: list[int],
    row_ids: np.ndarray,
    now: Any,
) -> None:
    """Columns the batch carries overwrite; columns it does not carry keep their values;
    a label a person corrected stays unless the batch logs another one (``corrections``)."""
    if not rows:
        return
    present = [(wire, column) for wire, column in _COLUMN_FOR.items() if wire in batch.columns]
    columns = [c for _, c in present]
    values = [batch.columns[wire] for wire, _ in present]
    if "label" in batch.columns:
        labels = list(batch.columns["label"])
        row_of = {int(row_ids[row]): row for row in rows}
        logged = {datapoint_id: labels[row] for datapoint_id, row in row_of.items()}
        for datapoint_id, label in corrections.labels_to_keep(session, dataset_id, logged).items():
            labels[row_of[datapoint_id]] = label
        values[columns.index("label")] = labels
    images = batch.columns.get("image")
    if images is not None:
        columns.append("has_image")
    columns.append("updated_at")
    table = []
    for row in rows:
        record: list[Any] = [v[row] for v in values]
        if images is not None:
            record.append(images[row] is not None)
        record += [now, int(row_ids[row])]
        table.append(tuple(record))
    bulk.update_rows(session, "datapoint", columns, table)


def _write_images(
    session: Session, batch: IngestBatch, row_ids: np.ndarray, replaced: list[int]
) -> None:
    images = batch.columns.get("image")
    if images is None:
        return
    for part in bulk.in_steps(replaced):
        session.execute(delete(DatapointImage).where(DatapointImage.datapoint_id.in_(part)))
    rows = [row for row, data in enumerate(images) if data is not None]
    bulk.insert_columns(
        session,
        "datapoint_image",
        {"datapoint_id": row_ids[rows].tolist(), "data": [images[row] for row in rows]},
    )
