"""Opening the database: one :class:`Store` per process (engine, sessions, vector dir).

SQLite runs in WAL mode with ``synchronous=FULL`` (an acknowledged batch survives a crash),
a busy timeout, foreign keys on, and 64 KiB pages. Write transactions on SQLite start with
``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of failing on a lock
upgrade; read transactions stay deferred and never wait for a writer. Within one process,
writers first take turns in arrival order (:mod:`chroma.db.write_queue`): SQLite's busy
handler lets newcomers overtake a writer that has waited long.
"""

from __future__ import annotations

import logging
import sqlite3
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager, nullcontext
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from chroma.db.artifacts import Artifacts, open_artifacts
from chroma.db.wal import WalCheckpointer
from chroma.db.write_queue import WriteQueue
from chroma.settings import Settings

_BEGIN_IMMEDIATE = "chroma_begin_immediate"


def _nothing() -> None:
    pass


_log = logging.getLogger(__name__)


_FREE_PAGES_WORTH_RECLAIMING = 16 << 20
"""Bytes of free pages below which they are left for the next inserts to reuse."""
_RECLAIM_STEP = 64 << 20
"""Bytes given back per transaction: ``incremental_vacuum`` moves pages, under the lock."""


def _switch_to_wal(cursor: Any, busy_timeout: float) -> None:
    """``journal_mode=WAL``, waiting for others: on a new file, processes starting at once
    each switch it, and SQLite answers "database is locked" at once rather than calling
    the busy handler while another connection holds the file."""
    deadline = time.monotonic() + busy_timeout
    while True:
        try:
            cursor.execute("PRAGMA journal_mode=WAL")
            return
        except sqlite3.OperationalError as error:
            if "locked" not in str(error) or time.monotonic() > deadline:
                raise
            time.sleep(0.05)


def _configure_sqlite(engine: Engine, busy_timeout: float, deleted: threading.local) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN; pysqlite's own handling is off.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA page_size=65536")  # effective only on a new, empty file
        # Free pages can go back to the file system (Store.reclaim_free_pages). Like the
        # page size, only a new, empty file takes it; an older file keeps reusing its free
        # pages without shrinking until a one-off VACUUM (docs/adr/0002-vector-storage.md).
        # Only asked of an empty file: on one with tables the pragma changes nothing, and
        # it would wait for (and fail behind) another process's write transaction.
        if cursor.execute("PRAGMA page_count").fetchone()[0] == 0:
            cursor.execute("PRAGMA auto_vacuum=INCREMENTAL")
        _switch_to_wal(cursor, busy_timeout)
        # Checkpoints run on their own thread (db/wal.py), not in a writer's COMMIT.
        cursor.execute("PRAGMA wal_autocheckpoint=0")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={max(1, round(busy_timeout * 1000))}")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB
        cursor.execute("PRAGMA mmap_size=1073741824")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_BEGIN_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")

    @event.listens_for(engine, "before_cursor_execute")
    def _on_statement(_conn: Any, _cursor: Any, statement: str, *_args: Any) -> None:
        # A write that deletes rows may leave pages to give back after its commit.
        if statement.lstrip()[:6].upper() == "DELETE":
            deleted.flag = True


@dataclass
class Store:
    settings: Settings
    engine: Engine
    _reader: sessionmaker[Session]
    _writer: sessionmaker[Session]
    artifacts: Artifacts
    """Where index files live (``db/artifacts.py``)."""
    write_queue: WriteQueue | None = None
    """SQLite: this process's writers in arrival order; None on PostgreSQL (row locks)."""
    _deleted: threading.local | None = None
    """SQLite: whether this thread's write deleted rows (set by a statement hook)."""
    _checkpointer: WalCheckpointer | None = None
    """SQLite: folds the WAL into the database file after writes, off the writers' turns."""
    instance: str = field(default_factory=lambda: uuid.uuid4().hex)
    """Tells this open store from any other in the process: per-process caches of answers
    keyed by revisions (``services/facets.py``) key by it too, so two stores whose rows
    have the same ids and revisions never share an answer."""

    @property
    def is_sqlite(self) -> bool:
        return self.engine.dialect.name == "sqlite"

    @property
    def vector_dir(self) -> Path | None:
        """The segment-file folder, or None when vectors live in the database."""
        return self.settings.vector_dir if self.settings.vectors_in_files else None

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self._reader() as session:
            yield session

    def _turn(self) -> AbstractContextManager[Callable[[], None]]:
        return self.write_queue.turn() if self.write_queue is not None else nullcontext(_nothing)

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error.

        On SQLite it waits for this process's earlier writers first.
        """
        nested = self.write_queue is not None and self.write_queue.held_here
        if self._deleted is not None and not nested:
            self._deleted.flag = False
        with self._turn() as release, self._writer() as session:
            # The turn ends with the transaction, also when the block commits early.
            event.listen(session, "after_commit", lambda _session: release())
            event.listen(session, "after_rollback", lambda _session: release())
            with session.begin():
                yield session
        if nested:
            return  # the outer write of this thread does what follows, once it is done
        if self._deleted is not None and self._deleted.flag:
            self._deleted.flag = False
            try:
                self.reclaim_free_pages()
            except Exception:  # the write has committed: its caller must hear so
                _log.warning("giving free SQLite pages back failed", exc_info=True)
        if self._checkpointer is not None:
            self._checkpointer.nudge()

    def reclaim_free_pages(self) -> int:
        """SQLite: give free pages back to the file system once there are enough of them
        (``PRAGMA incremental_vacuum``, a bounded step per transaction, each taking its turn
        so other writers go between); returns the bytes given back. Nothing on PostgreSQL
        (autovacuum's business) nor on a SQLite file made without ``auto_vacuum``.
        """
        if not self.is_sqlite:
            return 0
        given_back: int = 0
        while True:
            with self._turn(), self.engine.connect() as conn:
                raw: Any = conn.connection.driver_connection
                mode, page_size, free = (
                    raw.execute(f"PRAGMA {name}").fetchone()[0]
                    for name in ("auto_vacuum", "page_size", "freelist_count")
                )
                if mode != 2 or free * page_size < _FREE_PAGES_WORTH_RECLAIMING:
                    return given_back
                pages = max(1, _RECLAIM_STEP // page_size)
                # The pragma frees one page per step, and pysqlite's execute() takes one
                # step of a statement that names no result columns: executescript() steps
                # each statement to its end.
                raw.executescript(f"BEGIN IMMEDIATE; PRAGMA incremental_vacuum({pages}); COMMIT;")
                left = int(raw.execute("PRAGMA freelist_count").fetchone()[0])
            given_back += int((free - left) * page_size)
            if left == free:
                return given_back

    def vacuum(self) -> tuple[int, int]:
        """SQLite: rewrite the file without its free pages and switch it to incremental
        vacuum (a file made before ``auto_vacuum=INCREMENTAL`` never shrinks otherwise);
        returns its size before and after. Needs the database to itself: VACUUM waits for
        every other connection's transaction and fails after the busy timeout.
        """
        if not self.is_sqlite:
            raise ValueError("only a SQLite database is vacuumed here (PostgreSQL: autovacuum)")
        path = Path(self.engine.url.database or "")
        with self._turn(), self.engine.connect() as conn:
            raw: Any = conn.connection.driver_connection
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
            before = path.stat().st_size
            raw.execute("PRAGMA auto_vacuum=INCREMENTAL")
            raw.execute("VACUUM")
            raw.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        return before, path.stat().st_size

    def dispose(self) -> None:
        if self._checkpointer is not None:
            self._checkpointer.close()
        self.engine.dispose()


def open_store(settings: Settings, *, migrate: bool = True) -> Store:
    """Create the engine (and the data dir), and bring the schema up to date by default."""
    artifacts = open_artifacts(settings)  # a store that cannot work stops us first
    url = settings.resolved_database_url
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        busy = settings.sqlite_busy_timeout
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": busy}
    else:
        kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = create_engine(url, **kwargs)
    deleted = threading.local() if engine.dialect.name == "sqlite" else None
    if deleted is not None:
        _configure_sqlite(engine, settings.sqlite_busy_timeout, deleted)
    if settings.vectors_in_files:
        settings.vector_dir.mkdir(parents=True, exist_ok=True)
    store = Store(
        settings=settings,
        engine=engine,
        artifacts=artifacts,
        _reader=sessionmaker(engine, expire_on_commit=False),
        _writer=sessionmaker(
            engine.execution_options(**{_BEGIN_IMMEDIATE: True}), expire_on_commit=False
        ),
        write_queue=(
            WriteQueue(stall_timeout=settings.sqlite_busy_timeout) if deleted is not None else None
        ),
        _deleted=deleted,
        _checkpointer=WalCheckpointer(engine) if deleted is not None else None,
    )
    if migrate:
        from chroma.db.migrate import upgrade

        upgrade(store)
    return store
