"""Opening the database from a command: failures become one clear line, not a traceback."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

import click
from alembic.util import CommandError
from sqlalchemy.engine import make_url
from sqlalchemy.exc import ArgumentError, DBAPIError, SQLAlchemyError

from chroma.settings import Settings


def shown_database_url(settings: Settings) -> str:
    """The database URL as it is safe to print: the password, if any, is masked."""
    url = settings.resolved_database_url
    try:
        return make_url(url).render_as_string(hide_password=True)
    except ArgumentError:
        return url


def _reason(exc: BaseException) -> str:
    # DBAPIError's own text adds the SQL and a link; the driver's message is the useful part.
    cause = exc.orig if isinstance(exc, DBAPIError) and exc.orig is not None else exc
    return " ".join(str(cause).split()) or type(cause).__name__


@contextmanager
def database_errors(settings: Settings) -> Iterator[None]:
    """Turn anything that goes wrong while reaching or migrating the database into a
    :class:`click.ClickException` that names the database and the reason."""
    try:
        yield
    except ImportError as exc:
        raise click.ClickException(
            f"no database driver for {shown_database_url(settings)}: {_reason(exc)} "
            "(PostgreSQL URLs start with postgresql+psycopg://)"
        ) from exc
    except (SQLAlchemyError, CommandError, OSError) as exc:
        raise click.ClickException(
            f"cannot use the database {shown_database_url(settings)}: {_reason(exc)}"
        ) from exc
