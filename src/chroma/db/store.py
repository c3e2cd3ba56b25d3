"""Opening the database: one :class:`Store` per process (engine, sessions, vector dir).

SQLite runs in WAL mode with ``synchronous=FULL`` (an acknowledged batch survives a crash),
a busy timeout, foreign keys on, and 64 KiB pages. Write transactions on SQLite start with
``BEGIN IMMEDIATE`` so two writers queue on the busy timeout instead of failing on a lock
upgrade; read transactions stay deferred and never wait for a writer.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

from chroma.settings import Settings

_BEGIN_IMMEDIATE = "chroma_begin_immediate"


def _configure_sqlite(engine: Engine) -> None:
    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        # Let SQLAlchemy's "begin" event issue BEGIN; pysqlite's own handling is off.
        dbapi_conn.isolation_level = None
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA page_size=65536")  # effective only on a new, empty file
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA synchronous=FULL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA busy_timeout=30000")
        cursor.execute("PRAGMA cache_size=-65536")  # 64 MiB
        cursor.execute("PRAGMA mmap_size=1073741824")
        cursor.close()

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        immediate = conn.get_execution_options().get(_BEGIN_IMMEDIATE, False)
        conn.exec_driver_sql("BEGIN IMMEDIATE" if immediate else "BEGIN")


@dataclass
class Store:
    settings: Settings
    engine: Engine
    _reader: sessionmaker[Session]
    _writer: sessionmaker[Session]

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

    @contextmanager
    def write(self) -> Iterator[Session]:
        """A session whose transaction commits on success and rolls back on any error."""
        with self._writer() as session, session.begin():
            yield session

    def dispose(self) -> None:
        self.engine.dispose()


def open_store(settings: Settings, *, migrate: bool = True) -> Store:
    """Create the engine (and the data dir), and bring the schema up to date by default."""
    url = settings.resolved_database_url
    kwargs: dict[str, Any] = {}
    if url.startswith("sqlite"):
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
    else:
        kwargs.update(pool_size=10, max_overflow=10, pool_pre_ping=True)
    engine = create_engine(url, **kwargs)
    if engine.dialect.name == "sqlite":
        _configure_sqlite(engine)
    if settings.vectors_in_files:
        settings.vector_dir.mkdir(parents=True, exist_ok=True)
    store = Store(
        settings=settings,
        engine=engine,
        _reader=sessionmaker(engine, expire_on_commit=False),
        _writer=sessionmaker(
            engine.execution_options(**{_BEGIN_IMMEDIATE: True}), expire_on_commit=False
        ),
    )
    if migrate:
        from chroma.db.migrate import upgrade

        upgrade(store)
    return store
