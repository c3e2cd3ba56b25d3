"""Compacting vector chunks: rewriting a chunk without its superseded rows.

A re-logged datapoint's old vector stays in its chunk, listed in ``dead_rows`` (ADR 0002):
cheap for the ingest that supersedes it, but the bytes stay on disk and every reader skips
them for good (the issue's example: 3 chunks holding 40,496 rows for 20,500 live ones).
Once a chunk's dead share reaches a threshold, :func:`compact_chunk` rewrites it with its
live rows only.

The swap is one UPDATE of the chunk's row (same id, so the space's chunk order is kept),
after the new bytes are durable (a segment file written and fsynced before the
transaction, or inline bytes in it), so a reader sees the old chunk or the new one, never a
mix. The old file is removed once that commit is done; a reader that mapped it keeps its
map. Rows superseded *while* the chunk was rewritten are found in the commit and listed
dead in the new chunk, so compaction never waits for ingest nor undoes it.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, select, update
from sqlalchemy.orm import Session

from chroma.db.models import Dataset, EmbeddingChunk
from chroma.db.store import Store
from chroma.db.vectors import (
    F32,
    I32,
    I64,
    remove_segments_after_commit,
    repeatable_read,
    staged_vectors,
)


@dataclass
class Compacted:
    chunks: int = 0
    """Chunks rewritten (or deleted: every row died while it was rewritten)."""
    rows_dropped: int = 0
    """Superseded vectors whose bytes are gone."""


def chunks_to_compact(session: Session, space_id: int, min_dead_share: float) -> list[int]:
    """The space's chunks whose superseded rows are at least ``min_dead_share`` of them."""
    dead = EmbeddingChunk.count - EmbeddingChunk.live_count
    query = (
        select(EmbeddingChunk.id)
        .where(
            EmbeddingChunk.space_id == space_id,
            EmbeddingChunk.live_count > 0,
            dead > 0,
            dead >= EmbeddingChunk.count * min_dead_share,
        )
        .order_by(EmbeddingChunk.id)
    )
    return list(session.scalars(query))


def _dead(dead_bytes: bytes | None) -> npt.NDArray[np.int32]:
    return np.frombuffer(dead_bytes, dtype=I32) if dead_bytes else np.empty(0, I32)


@dataclass
class LiveCopy:
    """A chunk's live rows as read from one snapshot, ready to replace the chunk."""

    chunk_id: int
    count: int
    """Rows of the chunk as read (the layout the swap checks is still there)."""
    file_name: str | None
    kept_rows: npt.NDArray[np.intp]
    """Positions of the live rows in the chunk as read."""
    kept_ids: npt.NDArray[np.int64]
    vectors: npt.NDArray[np.float32]


def compact_chunk(store: Store, chunk_id: int, dimension: int) -> int:
    """Rewrite one chunk with its live rows only; returns the rows dropped (0 when it has
    none, is gone, or was rewritten meanwhile)."""
    copy = copy_live_rows(store, chunk_id, dimension)
    return 0 if copy is None else swap_in(store, copy)


def copy_live_rows(store: Store, chunk_id: int, dimension: int) -> LiveCopy | None:
    """Read the chunk's live rows (no lock held); None when it has no dead row or is gone."""
    with store.read() as session:
        repeatable_read(session)
        row = session.execute(
            select(
                EmbeddingChunk.count,
                EmbeddingChunk.datapoint_ids,
                EmbeddingChunk.dead_rows,
                EmbeddingChunk.file_name,
            ).where(EmbeddingChunk.id == chunk_id)
        ).one_or_none()
        if row is None:
            return None
        count, id_bytes, dead_bytes, file_name = row
        dead = _dead(dead_bytes)
        if not len(dead):
            return None
        keep = np.ones(count, dtype=bool)
        keep[dead] = False
        kept_rows = np.flatnonzero(keep)
        stored: npt.NDArray[np.float32]
        if file_name is not None:
            assert store.vector_dir is not None
            stored = np.memmap(store.vector_dir / file_name, dtype=F32, mode="r")
        else:
            inline = session.scalar(
                select(EmbeddingChunk.vectors).where(EmbeddingChunk.id == chunk_id)
            )
            assert inline is not None
            stored = np.frombuffer(inline, dtype=F32)
        # Fancy indexing copies: the map (or the fetched bytes) is let go after this.
        vectors = stored.reshape(count, dimension)[kept_rows]
        del stored
    return LiveCopy(
        chunk_id=chunk_id,
        count=count,
        file_name=file_name,
        kept_rows=kept_rows,
        kept_ids=np.frombuffer(id_bytes, dtype=I64)[kept_rows],
        vectors=vectors,
    )


def swap_in(store: Store, copy: LiveCopy) -> int:
    """Replace the chunk by ``copy`` in one short transaction; returns the rows dropped."""
    chunk_id, count, file_name, kept_rows = (
        copy.chunk_id,
        copy.count,
        copy.file_name,
        copy.kept_rows,
    )
    with staged_vectors(store, copy.vectors) as staged:
        staged.wait_durable()  # durable before the transaction that names it, as in ingest
        with store.write() as session:
            # Ingest marks rows dead under the dataset's row lock (PostgreSQL; SQLite's
            # write lock serialises everything): take it too, so that no batch reads the
            # old layout and writes dead rows onto the new one.
            dataset_id = session.scalar(
                select(EmbeddingChunk.dataset_id).where(EmbeddingChunk.id == chunk_id)
            )
            if dataset_id is not None:
                session.execute(
                    select(Dataset.id)
                    .where(Dataset.id == dataset_id)
                    .with_for_update(key_share=True)
                )
            now = session.execute(
                select(
                    EmbeddingChunk.count, EmbeddingChunk.dead_rows, EmbeddingChunk.file_name
                ).where(EmbeddingChunk.id == chunk_id)
            ).one_or_none()
            # By position: a Row is a tuple, whose ``count`` is tuple.count.
            if now is None or now[0] != count or now[2] != file_name:
                # Deleted with its dataset or space, or another compaction won the race.
                staged.discard()
                return 0
            alive_now = np.ones(count, dtype=bool)
            alive_now[_dead(now[1])] = False
            # Rows superseded since the copy was read: dead in the new chunk too.
            new_dead = np.flatnonzero(~alive_now[kept_rows]).astype(I32)
            live = len(kept_rows) - len(new_dead)
            if file_name is not None:
                remove_segments_after_commit(store, session, [file_name])
            if live == 0:
                session.execute(delete(EmbeddingChunk).where(EmbeddingChunk.id == chunk_id))
                staged.discard()
                return count
            holder = EmbeddingChunk()  # transient: only carries the staged bytes' columns
            staged.attach(holder)
            session.execute(
                update(EmbeddingChunk)
                .where(EmbeddingChunk.id == chunk_id)
                .values(
                    count=len(kept_rows),
                    live_count=live,
                    datapoint_ids=np.ascontiguousarray(copy.kept_ids, dtype=I64).tobytes(),
                    dead_rows=new_dead.tobytes() if len(new_dead) else None,
                    vectors=holder.vectors,
                    file_name=holder.file_name,
                )
            )
    return count - len(kept_rows)
