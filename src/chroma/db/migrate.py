"""Alembic, driven from code: migrations ship inside the package (``chroma/db/migrations``).

Every API process migrates at start, so several started at once on a new version (a team's
servers after an upgrade, a compose file without its one-shot ``migrate``) would race on
the same DDL. One migrates at a time: on PostgreSQL under an advisory lock that every
Chroma process on the database asks for, on SQLite (one machine) under a lock file beside
the database; the others then find the schema at head and do nothing.
"""

from __future__ import annotations

import fcntl
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

from alembic import command
from alembic.config import Config
from sqlalchemy import text

if TYPE_CHECKING:
    from chroma.db.store import Store

MIGRATIONS = Path(__file__).parent / "migrations"
MIGRATION_LOCK = 0x63_68_72_6F_6D_61  # "chroma": the advisory lock's key on PostgreSQL


def alembic_config(store: Store) -> Config:
    config = Config()
    config.set_main_option("script_location", str(MIGRATIONS))
    config.attributes["engine"] = store.engine
    return config


def upgrade(store: Store, revision: str = "head") -> None:
    with _one_at_a_time(store):
        command.upgrade(alembic_config(store), revision)


@contextmanager
def _one_at_a_time(store: Store) -> Iterator[None]:
    """Hold the database's migration lock (waiting for it) for the block."""
    if store.engine.dialect.name == "postgresql":
        with store.engine.connect() as conn:
            conn.execute(text("SELECT pg_advisory_lock(:key)"), {"key": MIGRATION_LOCK})
            conn.commit()
            try:
                yield
            finally:
                conn.execute(text("SELECT pg_advisory_unlock(:key)"), {"key": MIGRATION_LOCK})
                conn.commit()
        return
    database = store.engine.url.database
    if not database or database == ":memory:":
        yield
        return
    with open(f"{database}.migrate-lock", "a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file closes
        yield


def current_revision(store: Store) -> str | None:
    from alembic.runtime.migration import MigrationContext

    with store.engine.connect() as conn:
        return MigrationContext.configure(conn).get_current_revision()
