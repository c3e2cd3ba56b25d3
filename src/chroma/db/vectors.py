"""Vector chunks: raw little-endian float32, one chunk per ingest batch (ADR 0002).

The chunk is the only record of an embedding: row ``i`` of its vectors belongs to the
datapoint ``datapoint_ids[i]``. When a later batch logs a datapoint again, its old row is
listed in the old chunk's ``dead_rows`` and ``live_count`` drops; a chunk with no live row
is deleted. There is no row per vector anywhere (ADR 0002).

A chunk's bytes live inline in ``embedding_chunk.vectors`` or in a segment file under
``<data_dir>/vectors``. A segment file is written and fsynced *before* the transaction that
references it commits (:func:`staged_vectors`), and removed if that transaction fails, so
the database row is the commit point: a crash leaves at most an unreferenced file, which
:func:`sweep_orphan_segments` removes at the next start.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor, wait
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, event, func, null, select, text, update
from sqlalchemy.orm import Session

from chroma.db import chunk_cache, files
from chroma.db.models import EmbeddingChunk, utcnow
from chroma.db.store import Store

F32 = np.dtype("<f4")
I64 = np.dtype("<i8")
I32 = np.dtype("<i4")


@dataclass
class SpaceVectors:
    """All live vectors of a space (optionally some datasets), in chunk order."""

    datapoint_ids: npt.NDArray[np.int64]
    dataset_ids: npt.NDArray[np.int64]
    vectors: npt.NDArray[np.float32]


def _segment_path(store: Store, file_name: str) -> Path:
    assert store.vector_dir is not None
    return store.vector_dir / file_name


def _fsync_dir(path: Path) -> None:
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _write_segment(path: Path, vectors: npt.NDArray[np.float32]) -> None:
    with open(path, "wb") as f:
        f.write(np.ascontiguousarray(vectors, dtype=F32).data)
        f.flush()
        os.fsync(f.fileno())
    _fsync_dir(path.parent)


def remove_segments_after_commit(store: Store, session: Session, names: Iterable[str]) -> None:
    remove_files_after_commit(session, [_segment_path(store, n) for n in names])


def remove_files_after_commit(session: Session, paths: list[Path]) -> None:
    """Unlink files once the session's transaction commits (kept if it rolls back)."""
    if not paths:
        return

    def _remove(_session: Session) -> None:
        for path in paths:
            path.unlink(missing_ok=True)

    event.listen(session, "after_commit", _remove, once=True)


# Segment writes wait on the disk, not the GIL: a small shared pool runs them.
_SEGMENT_WRITERS = ThreadPoolExecutor(max_workers=2, thread_name_prefix="chroma-segment")


class StagedVectors:
    """A chunk's bytes on their way to storage, started before its transaction.

    With segment files the write and fsync run on another thread while the batch's rows are
    prepared (:meth:`wait_durable` then waits for them, before the write transaction);
    inline, the bytes are simply kept.
    """

    def __init__(self, store: Store, vectors: npt.NDArray[np.float32]) -> None:
        self.vectors = np.ascontiguousarray(vectors, dtype=F32)
        self.path: Path | None = None
        self._written: Future[None] | None = None
        self._claim: files.Claim | None = None
        self.chunk_id: int | None = None
        """The chunk's row once :func:`place_chunk` has written it."""
        if store.vector_dir is not None:
            # Claimed until the transaction ends: no start-up sweep takes it meanwhile.
            folder = store.vector_dir
            self._claim = files.claim_new(lambda: folder / f"{uuid.uuid4().hex}.f32")
            self.path = self._claim.path
            self._written = _SEGMENT_WRITERS.submit(_write_segment, self.path, self.vectors)

    def wait_durable(self) -> None:
        """Wait until a segment file is written and fsynced (re-raising a failed write).

        Call it before the write transaction: waiting inside would hold SQLite's one
        write lock for the length of an fsync while every other writer queues.
        """
        if self._written is not None:
            self._written.result()

    def attach(self, chunk: EmbeddingChunk) -> None:
        """Point the chunk at the bytes; for a file, only once it is durably on disk."""
        if self._written is None:
            chunk.vectors = self.vectors.tobytes()
            return
        assert self.path is not None
        self._written.result()  # re-raises a failed write, which rolls the batch back
        chunk.file_name = self.path.name

    def discard(self) -> None:
        if self._written is not None and self.path is not None:
            wait([self._written])
            self.path.unlink(missing_ok=True)

    def release(self) -> None:
        """The transaction has ended (committed or rolled back): drop the claim."""
        if self._claim is not None:
            self._claim.release()


@contextmanager
def staged_vectors(store: Store, vectors: npt.NDArray[np.float32]) -> Iterator[StagedVectors]:
    """Stage ``vectors``; if the block fails (the transaction inside it included), the
    staged file is removed. Wrap the write transaction in it, not the other way round."""
    staged = StagedVectors(store, vectors)
    try:
        yield staged
    except BaseException:
        staged.discard()
        raise
    finally:
        staged.release()


def place_chunk(session: Session, staged: StagedVectors, *, space_id: int, dataset_id: int) -> None:
    """PostgreSQL, inline bytes: write the chunk's row now, before the dataset's row lock.

    The bytes are the longest part of an ingest on PostgreSQL (a 20,000 x 384 batch is
    ~30 MB of TOAST rows and WAL, ~0.2 s), and nothing about them waits for the key
    lookups, so one batch writes its vectors while another holds the lock. Until
    :func:`add_chunk` fills in its ids the row holds none (``count`` and ``live_count``
    0: no superseding or compaction query takes it), and it is uncommitted anyway. A later
    UPDATE of the other columns keeps the TOASTed bytes where they are.

    The row goes in by binary COPY: the server takes the bytes as they are, where a bound
    parameter costs another copy of the whole message (~40 ms less server CPU a batch).

    SQLite: nothing (its write lock is held for the whole transaction, and an UPDATE
    would rewrite an inline BLOB); segment files: nothing (the row is small).
    """
    connection = session.connection()
    if connection.dialect.name != "postgresql" or staged.path is not None:
        return
    chunk_id = session.execute(
        text("SELECT nextval(pg_get_serial_sequence('embedding_chunk', 'id'))")
    ).scalar_one()
    driver: Any = connection.connection.driver_connection
    with (
        driver.cursor() as cursor,
        cursor.copy(
            "COPY embedding_chunk (id, space_id, dataset_id, count, live_count, datapoint_ids,"
            " vectors, created_at) FROM STDIN (FORMAT binary)"
        ) as copy,
    ):
        copy.set_types(["int4", "int4", "int4", "int4", "int4", "bytea", "bytea", "timestamptz"])
        copy.write_row(
            (chunk_id, space_id, dataset_id, 0, 0, b"", staged.vectors.data.cast("B"), utcnow())
        )
    staged.chunk_id = chunk_id


def add_chunk(
    session: Session,
    staged: StagedVectors,
    *,
    space_id: int,
    dataset_id: int,
    datapoint_ids: npt.NDArray[np.int64],
    existing_ids: list[int],
    store: Store,
) -> int:
    """Record one chunk holding the current vector of each of ``datapoint_ids`` in the space.

    ``existing_ids`` are the datapoints that existed before this batch: the vectors they
    already had in this space are superseded. New datapoints cannot have any, so a batch of
    new datapoints reads no other chunk.
    """
    count = len(datapoint_ids)
    if existing_ids:
        _supersede(store, session, space_id, dataset_id, np.asarray(existing_ids, I64))
    id_bytes = np.ascontiguousarray(datapoint_ids, dtype=I64).tobytes()
    if staged.chunk_id is not None:
        session.execute(
            update(EmbeddingChunk)
            .where(EmbeddingChunk.id == staged.chunk_id)
            .values(count=count, live_count=count, datapoint_ids=id_bytes)
        )
        return staged.chunk_id
    chunk = EmbeddingChunk(
        space_id=space_id,
        dataset_id=dataset_id,
        count=count,
        live_count=count,
        datapoint_ids=id_bytes,
    )
    staged.attach(chunk)
    session.add(chunk)
    session.flush()
    return chunk.id


def _dead_rows(chunk_dead: bytes | None) -> npt.NDArray[np.int32]:
    return np.frombuffer(chunk_dead, dtype=I32) if chunk_dead else np.empty(0, I32)


def _supersede(
    store: Store, session: Session, space_id: int, dataset_id: int, ids: npt.NDArray[np.int64]
) -> None:
    """Mark the rows of ``ids`` dead in the chunks of this space and dataset that hold them.

    A datapoint belongs to one dataset, so only that dataset's chunks are read (their id
    lists: 8 bytes a vector). Re-logging is the rare path; plain ingest never comes here.
    """
    chunks = session.execute(
        select(
            EmbeddingChunk.id,
            EmbeddingChunk.datapoint_ids,
            EmbeddingChunk.dead_rows,
            EmbeddingChunk.live_count,
            EmbeddingChunk.file_name,
        ).where(
            EmbeddingChunk.space_id == space_id,
            EmbeddingChunk.dataset_id == dataset_id,
            EmbeddingChunk.live_count > 0,
        )
    ).all()
    emptied: list[tuple[int, str | None]] = []
    for chunk_id, id_bytes, dead_bytes, live, file_name in chunks:
        hit = np.isin(np.frombuffer(id_bytes, dtype=I64), ids)
        dead = _dead_rows(dead_bytes)
        hit[dead] = False
        newly_dead = int(hit.sum())
        if not newly_dead:
            continue
        if newly_dead == live:
            emptied.append((chunk_id, file_name))
            continue
        all_dead = np.union1d(dead, np.flatnonzero(hit)).astype(I32)
        session.execute(
            update(EmbeddingChunk)
            .where(EmbeddingChunk.id == chunk_id)
            .values(live_count=live - newly_dead, dead_rows=all_dead.tobytes())
        )
    if emptied:
        session.execute(
            delete(EmbeddingChunk).where(EmbeddingChunk.id.in_([c for c, _ in emptied]))
        )
        remove_segments_after_commit(store, session, [f for _, f in emptied if f])


@dataclass
class ChunkSlice:
    """The live rows of one chunk. ``vectors()`` reads them (a memory map for files)."""

    dataset_id: int
    datapoint_ids: npt.NDArray[np.int64]
    _read: Callable[[], npt.NDArray[np.float32]] | None

    def vectors(self) -> npt.NDArray[np.float32]:
        """The live vectors; once per slice (the map is let go, keeping RSS flat)."""
        assert self._read is not None, "a chunk slice's vectors are read once"
        read, self._read = self._read, None
        return read()


def space_size(session: Session, space_id: int, dataset_ids: list[int] | None = None) -> int:
    """How many live vectors the space (or some of its datasets) holds."""
    query = select(func.coalesce(func.sum(EmbeddingChunk.live_count), 0)).where(
        EmbeddingChunk.space_id == space_id
    )
    if dataset_ids is not None:
        query = query.where(EmbeddingChunk.dataset_id.in_(dataset_ids))
    return int(session.execute(query).scalar_one())


def live_datapoint_ids(
    session: Session, space_id: int, dataset_ids: list[int] | None = None
) -> npt.NDArray[np.int64]:
    """The datapoint ids with a live vector in the space (ids only: 8 bytes a point, no
    vector read), chunk by chunk, oldest first."""
    query = select(
        EmbeddingChunk.count, EmbeddingChunk.datapoint_ids, EmbeddingChunk.dead_rows
    ).where(EmbeddingChunk.space_id == space_id, EmbeddingChunk.live_count > 0)
    if dataset_ids is not None:
        query = query.where(EmbeddingChunk.dataset_id.in_(dataset_ids))
    parts = []
    for count, id_bytes, dead_bytes in session.execute(query.order_by(EmbeddingChunk.id)):
        ids = np.frombuffer(id_bytes, dtype=I64)
        dead = _dead_rows(dead_bytes)
        if len(dead):
            live = np.ones(count, dtype=bool)
            live[dead] = False
            ids = ids[live]
        parts.append(ids)
    return np.concatenate(parts).astype(np.int64) if parts else np.empty(0, np.int64)


def snapshot_space(
    store: Store,
    session: Session,
    *,
    space_id: int,
    dimension: int,
    dataset_ids: list[int] | None = None,
) -> list[ChunkSlice]:
    """The live rows of a space, chunk by chunk, oldest first, as of one moment.

    Ids and dead rows (8 bytes a vector) are read at once; vectors only when asked, one
    chunk at a time. Segment files are mapped here, so a concurrent re-log that deletes a
    file cannot pull it away mid-read; inline chunks need the session's snapshot
    (SQLite's read transaction; REPEATABLE READ on PostgreSQL: :func:`repeatable_read`).
    On PostgreSQL an inline chunk read once is kept as a file under the data dir, and
    mapped from there the next time (``db/chunk_cache.py``).
    """
    filters = [EmbeddingChunk.space_id == space_id]
    if dataset_ids is not None:
        filters.append(EmbeddingChunk.dataset_id.in_(dataset_ids))
    cache = chunk_cache.for_session(store, session)
    rows = session.execute(
        select(
            EmbeddingChunk.id,
            EmbeddingChunk.dataset_id,
            EmbeddingChunk.count,
            EmbeddingChunk.datapoint_ids,
            EmbeddingChunk.dead_rows,
            EmbeddingChunk.file_name,
            EmbeddingChunk.created_at,
            chunk_cache.ROW_VERSION if cache is not None else null(),
        )
        .where(*filters)
        .order_by(EmbeddingChunk.id)
    ).all()
    slices = []
    for chunk_id, dataset_id, count, id_bytes, dead_bytes, file_name, created, version in rows:
        ids = np.frombuffer(id_bytes, dtype=I64)
        live: npt.NDArray[np.bool_] | None = None
        dead = _dead_rows(dead_bytes)
        if len(dead):
            live = np.ones(count, dtype=bool)
            live[dead] = False
            ids = ids[live]
        if file_name is not None:
            mapped = np.memmap(_segment_path(store, file_name), dtype=F32, mode="r")
            read = _reader(partial(np.asarray, mapped), count, dimension, live)
        else:
            load = partial(_inline, session, chunk_id)
            if cache is not None:
                chunk = chunk_cache.ChunkVersion(
                    space_id, dataset_id, chunk_id, count, created, str(version)
                )
                load = partial(cache.read, chunk, count * dimension * F32.itemsize, load)
            read = _reader(load, count, dimension, live)
        slices.append(ChunkSlice(dataset_id=dataset_id, datapoint_ids=ids, _read=read))
    return slices


def _inline(session: Session, chunk_id: int) -> npt.NDArray[np.float32]:
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # Binary results: bytea in text format is hex, twice the bytes and a decode (2.6x).
        driver: Any = connection.connection.driver_connection
        with driver.cursor(binary=True) as cursor:
            cursor.execute("SELECT vectors FROM embedding_chunk WHERE id = %s", (chunk_id,))
            data = cursor.fetchone()[0]
    else:
        data = session.scalar(select(EmbeddingChunk.vectors).where(EmbeddingChunk.id == chunk_id))
    assert data is not None
    return np.frombuffer(data, dtype=F32)


def _reader(
    load: Callable[[], npt.NDArray[np.float32]],
    count: int,
    dimension: int,
    live: npt.NDArray[np.bool_] | None,
) -> Callable[[], npt.NDArray[np.float32]]:
    def read() -> npt.NDArray[np.float32]:
        vectors = load().reshape(count, dimension)
        return vectors if live is None else vectors[live]

    return read


def repeatable_read(session: Session) -> None:
    """Make the session's following statements see one snapshot (PostgreSQL; SQLite's
    read transactions already do)."""
    if session.get_bind().dialect.name == "postgresql":
        session.connection(execution_options={"isolation_level": "REPEATABLE READ"})


def read_space(
    store: Store,
    session: Session,
    *,
    space_id: int,
    dimension: int,
    dataset_ids: list[int] | None = None,
) -> SpaceVectors:
    """Every live vector of the space into one preallocated array (no per-row objects)."""
    repeatable_read(session)
    parts = snapshot_space(
        store, session, space_id=space_id, dimension=dimension, dataset_ids=dataset_ids
    )
    total = sum(len(part.datapoint_ids) for part in parts)
    out = np.empty((total, dimension), dtype=F32)
    out_ids = np.empty(total, dtype=np.int64)
    out_datasets = np.empty(total, dtype=np.int64)
    offset = 0
    for part in parts:
        n = len(part.datapoint_ids)
        out[offset : offset + n] = part.vectors()
        out_ids[offset : offset + n] = part.datapoint_ids
        out_datasets[offset : offset + n] = part.dataset_id
        offset += n
    return SpaceVectors(datapoint_ids=out_ids, dataset_ids=out_datasets, vectors=out)


def referenced_segments(session: Session) -> set[str]:
    names = session.scalars(
        select(EmbeddingChunk.file_name).where(EmbeddingChunk.file_name.is_not(None))
    )
    return {n for n in names if n}


def chunk_files(session: Session, **filters: int) -> list[str]:
    """Segment files of the chunks matching ``filters`` (e.g. dataset_id=3), for deletes."""
    query = select(EmbeddingChunk.file_name).where(EmbeddingChunk.file_name.is_not(None))
    for column, value in filters.items():
        query = query.where(getattr(EmbeddingChunk, column) == value)
    return [n for n in session.scalars(query) if n]


def sweep_orphan_segments(
    store: Store, *, min_age_seconds: float = files.DEFAULT_GRACE_SECONDS
) -> int:
    """Remove segment files no chunk references (left by a crash between write and commit),
    except those a live transaction still claims (``chroma.db.files``)."""
    if store.vector_dir is None or not store.vector_dir.is_dir():
        return 0

    def referenced() -> set[str]:
        with store.read() as session:
            return referenced_segments(session)

    return files.sweep_unreferenced(
        store.vector_dir.glob("*.f32"), referenced, grace_seconds=min_age_seconds
    )
