"""Giving superseded vectors' space back (the ``space.compact`` job, issue 14, item 10).

Re-logging a datapoint leaves its old vector in its chunk, listed dead (ADR 0002). Ingest
queues this job (debounced per space, like the refresh) when a batch leaves a chunk of the
space with at least ``CHROMA_COMPACT_DEAD_SHARE`` of its rows dead; the job rewrites each
such chunk with its live rows only (:func:`chroma.db.compaction.compact_chunk`: one short
transaction a chunk, so ingest goes on between them) and gives the freed SQLite pages back
to the file system.
"""

from __future__ import annotations

from sqlalchemy.orm import Session

from chroma.compute.progress import Progress
from chroma.db.compaction import chunks_to_compact, compact_chunk
from chroma.db.models import Space
from chroma.db.store import Store
from chroma.services.jobs import Commit


def needs_compaction(session: Session, space_id: int, min_dead_share: float) -> bool:
    return bool(chunks_to_compact(session, space_id, min_dead_share))


def compact_space(store: Store, space_id: int, *, progress: Progress, commit: Commit) -> None:
    """Rewrite the space's chunks whose dead share reached the threshold."""
    with store.read() as session:
        space = session.get(Space, space_id)
        dimension = space.dimension if space is not None else 0
        chunk_ids = (
            chunks_to_compact(session, space_id, store.settings.compact_dead_share)
            if space is not None
            else []
        )
    chunks = dropped = 0
    for done, chunk_id in enumerate(chunk_ids):
        progress(done / len(chunk_ids), f"chunk {done + 1} of {len(chunk_ids)}")
        rows = compact_chunk(store, chunk_id, dimension)
        if rows:
            chunks += 1
            dropped += rows
    progress(1.0, "giving free pages back")
    freed = store.reclaim_free_pages()  # inline chunks on SQLite leave free pages
    with commit({"chunks": chunks, "rows_dropped": dropped, "bytes_given_back": freed}):
        pass
