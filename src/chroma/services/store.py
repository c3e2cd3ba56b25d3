"""The unit of work every use case runs in, as the layers above the services see it.

The server, the job runners and the workers hold one :class:`Store` per process (engine,
sessions, data dir) and hand it, or a session of it, to service functions; they never
build a query nor touch a model (import-linter contracts in ``pyproject.toml`` keep it
so). This module is their one door to it: open it, check it, tidy it at start.
"""

from __future__ import annotations

import logging
import shutil

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from chroma.db import caches, chunk_cache, indexes
from chroma.db.models import Dataset, ProjectionSet, Space
from chroma.db.store import Store, open_store
from chroma.db.vectors import sweep_orphan_segments

log = logging.getLogger("chroma.store")

LEGACY_THUMBNAILS = "thumbnails"
"""Where thumbnails were cached before the images cache (``<data_dir>/cache/images``)."""


def check_database(store: Store) -> None:
    """Raise when the database does not answer (health checks)."""
    with store.read() as session:
        session.execute(text("SELECT 1"))


def tidy(store: Store) -> dict[str, int]:
    """At start: remove the files of the data dir no live row points at, which a crash or
    another process left behind: vector segments no chunk names and index files no
    neighbour index names (unless a live transaction claims them: ``db/files.py``), cache
    entries of maps and datasets deleted meanwhile, and the thumbnails of the old layout.
    The number of files removed, by kind."""
    grace = store.settings.orphan_grace_seconds
    removed = {
        "vectors": sweep_orphan_segments(store, min_age_seconds=grace),
        "indexes": indexes.sweep_orphans(store, grace_seconds=grace),
    }
    with store.read() as session:
        maps = {caches.map_owner(i) for i in session.scalars(select(ProjectionSet.id))}
        datasets = {caches.dataset_owner(i) for i in session.scalars(select(Dataset.id))}
        spaces = set(session.scalars(select(Space.id)))
    removed["points"] = caches.sweep(store, caches.POINTS, maps, grace_seconds=grace)
    removed["images"] = caches.sweep(store, caches.IMAGES, datasets, grace_seconds=grace)
    removed["chunks"] = chunk_cache.sweep(store, spaces, grace_seconds=grace)
    legacy = store.settings.data_dir / LEGACY_THUMBNAILS
    if legacy.is_dir():
        removed["thumbnails"] = sum(1 for path in legacy.rglob("*") if path.is_file())
        shutil.rmtree(legacy, ignore_errors=True)
    if any(removed.values()):
        log.info("removed files no row points at: %s", removed)
    return removed


__all__ = ["Session", "Store", "check_database", "open_store", "tidy"]
