"""``chroma db``: inspect and upgrade the database schema (Alembic migrations), vacuum a
SQLite file."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import click
from alembic.script import ScriptDirectory
from sqlalchemy.exc import OperationalError

from chroma.cli.options import build_settings, store_options
from chroma.cli.store import database_errors, shown_database_url
from chroma.db.migrate import alembic_config, current_revision, upgrade
from chroma.db.store import Store, open_store


@click.group()
def db() -> None:
    """Inspect and upgrade the database schema."""


def _head(store: Store) -> str | None:
    return ScriptDirectory.from_config(alembic_config(store)).get_current_head()


def _describe(revision: str | None, head: str | None) -> str:
    if revision is None:
        return "none (empty database)"
    if revision == head:
        return f"{revision} (head)"
    return f"{revision} (head is {head}: run `chroma db upgrade`)"


@db.command("upgrade")
@store_options
def upgrade_command(data_dir: Path | None, database_url: str | None) -> None:
    """Apply every pending migration; safe to run again.

    `chroma application run` does the same at start, so this is for upgrading ahead of
    time or from a deploy step.
    """
    settings = build_settings(data_dir=data_dir, database_url=database_url)
    click.echo(f"database: {shown_database_url(settings)}")
    with database_errors(settings):
        store = open_store(settings, migrate=False)
        try:
            head = _head(store)
            click.echo(f"before:   {_describe(current_revision(store), head)}")
            upgrade(store)
            click.echo(f"after:    {_describe(current_revision(store), head)}")
        finally:
            store.dispose()


@db.command("current")
@store_options
def current_command(data_dir: Path | None, database_url: str | None) -> None:
    """Show the schema revision the database is at."""
    settings = build_settings(data_dir=data_dir, database_url=database_url)
    click.echo(f"database: {shown_database_url(settings)}")
    with database_errors(settings):
        store = open_store(settings, migrate=False)
        try:
            click.echo(f"current:  {_describe(current_revision(store), _head(store))}")
        finally:
            store.dispose()


@db.command("vacuum")
@store_options
def vacuum_command(data_dir: Path | None, database_url: str | None) -> None:
    """SQLite: give free space back to the file system; run with the server stopped.

    Rewrites the database file without its free pages and turns on incremental vacuum, so
    that from then on the server gives space back after deletes by itself (a file made
    before Chroma did that never shrinks otherwise). PostgreSQL's autovacuum needs no
    help: there it does nothing.
    """
    settings = build_settings(data_dir=data_dir, database_url=database_url)
    click.echo(f"database: {shown_database_url(settings)}")
    with database_errors(settings), _stop_the_server_first():
        store = open_store(settings, migrate=False)
        try:
            if not store.is_sqlite:
                click.echo("PostgreSQL reclaims space with autovacuum: nothing to do")
                return
            before, after = store.vacuum()
        finally:
            store.dispose()
    click.echo(f"size:     {before:,} -> {after:,} bytes")


@contextmanager
def _stop_the_server_first() -> Iterator[None]:
    """ "database is locked", from the driver or through SQLAlchemy, as what to do."""
    try:
        yield
    except (sqlite3.OperationalError, OperationalError) as exc:
        if "locked" not in str(exc):
            raise
        raise click.ClickException(
            "cannot vacuum: another connection is using the database (stop the server and "
            "its workers first)"
        ) from exc
