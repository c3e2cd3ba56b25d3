"""Fast multi-row writes for ingest, below the ORM: one driver call per batch.

The ORM costs tens of microseconds per row; at a million rows that is the whole budget.
Ids are allocated up front so rows need no RETURNING round trip: on SQLite the write
transaction holds the database lock (``BEGIN IMMEDIATE``), so ``MAX(id)+1..`` is safe; on
PostgreSQL the table's sequence hands out the block.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import text
from sqlalchemy.orm import Session


def allocate_ids(session: Session, table: str, count: int) -> list[int]:
    if count == 0:
        return []
    dialect = session.get_bind().dialect.name
    if dialect == "postgresql":
        rows = session.execute(
            text(
                f"SELECT nextval(pg_get_serial_sequence('{table}', 'id')) FROM generate_series(1, :n)"
            ),
            {"n": count},
        )
        return [r[0] for r in rows]
    start = session.execute(text(f"SELECT COALESCE(MAX(id), 0) FROM {table}")).scalar_one()
    return list(range(start + 1, start + 1 + count))


def insert_rows(
    session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """Insert ``rows`` (tuples in ``columns`` order): COPY on PostgreSQL, executemany on SQLite.

    Values must already be in the driver's form (JSON as text, datetimes as the dialect
    stores them): see :func:`driver_value_processors`.
    """
    if not rows:
        return
    connection = session.connection()
    dbapi = connection.connection.driver_connection
    assert dbapi is not None
    column_list = ", ".join(f'"{c}"' for c in columns)
    if connection.dialect.name == "postgresql":
        with dbapi.cursor() as cursor:  # type: ignore[attr-defined]
            with cursor.copy(f"COPY {table} ({column_list}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(row)
        return
    marks = ", ".join("?" for _ in columns)
    cursor = dbapi.cursor()
    try:
        cursor.executemany(f"INSERT INTO {table} ({column_list}) VALUES ({marks})", rows)
    finally:
        cursor.close()


def update_rows(
    session: Session, table: str, columns: Sequence[str], rows: Sequence[Sequence[Any]]
) -> None:
    """``UPDATE table SET columns... WHERE id = ?`` for rows of (values..., id)."""
    if not rows:
        return
    connection = session.connection()
    dbapi = connection.connection.driver_connection
    assert dbapi is not None
    mark = "%s" if connection.dialect.name == "postgresql" else "?"
    sets = ", ".join(f'"{c}" = {mark}' for c in columns)
    cursor = dbapi.cursor()
    try:
        cursor.executemany(f"UPDATE {table} SET {sets} WHERE id = {mark}", rows)
    finally:
        cursor.close()


def datetime_for_driver(session: Session, value: Any) -> Any:
    """A datetime as the dialect's DateTime type would bind it (a string on SQLite)."""
    from sqlalchemy import DateTime

    dialect = session.get_bind().dialect
    process = DateTime(timezone=True).dialect_impl(dialect).bind_processor(dialect)
    return process(value) if process else value
