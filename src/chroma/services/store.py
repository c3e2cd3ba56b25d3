"""The unit of work every use case runs in, as the layers above the services see it.

The server, the job runners and the workers hold one :class:`Store` per process (engine,
sessions, data dir) and hand it, or a session of it, to service functions; they never
build a query nor touch a model (import-linter contracts in ``pyproject.toml`` keep it
so). This module is their one door to it: open it, check it, tidy it at start.
"""

from __future__ import annotations

from sqlalchemy import select, text
from sqlalchemy.orm import Session

from chroma.db import caches
from chroma.db.models import ProjectionSet
from chroma.db.store import Store, open_store
from chroma.db.vectors import sweep_orphan_segments


def check_database(store: Store) -> None:
    """Raise when the database does not answer (health checks)."""
    with store.read() as session:
        session.execute(text("SELECT 1"))


def tidy(store: Store) -> None:
    """At start: remove files a crash or another process left behind (vector segments no
    chunk names, cache entries of maps deleted meanwhile)."""
    sweep_orphan_segments(store)
    with store.read() as session:
        maps = {caches.map_owner(i) for i in session.scalars(select(ProjectionSet.id))}
    caches.sweep(store, caches.POINTS, maps)


__all__ = ["Session", "Store", "check_database", "open_store", "tidy"]
