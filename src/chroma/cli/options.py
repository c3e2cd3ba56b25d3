"""Options shared by several commands, and the one place the CLI turns them into Settings.

Every option defaults to ``None`` so that an unset flag leaves the ``CHROMA_*`` environment
variable (or the built-in default) in charge: flags override the environment, never the
other way round.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, TypeVar

import click
from pydantic import ValidationError

from chroma.sdk import ChromaError
from chroma.settings import Settings

F = TypeVar("F", bound=Callable[..., Any])


def data_dir_option(func: F) -> F:
    return click.option(
        "--data-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Folder for the SQLite database and the vector files "
        "[env: CHROMA_DATA_DIR; default: ~/.chroma].",
    )(func)


def database_url_option(func: F) -> F:
    return click.option(
        "--database-url",
        metavar="URL",
        help="SQLAlchemy database URL, e.g. postgresql+psycopg://user@host/dbname "
        "[env: CHROMA_DATABASE_URL; default: a SQLite file in the data dir].",
    )(func)


def store_options(func: F) -> F:
    """``--data-dir`` and ``--database-url``: which database a command works on."""
    return data_dir_option(database_url_option(func))


LOG_LEVELS = ("critical", "error", "warning", "info", "debug")


def log_level_option(help_text: str) -> Callable[[F], F]:
    """``--log-level``, from critical to debug (default ``info``)."""
    return click.option(
        "--log-level",
        type=click.Choice(LOG_LEVELS),
        default="info",
        show_default=True,
        help=help_text,
    )


def broker_url_option(help_text: str) -> Callable[[F], F]:
    """``--broker-url``: the Celery broker (overrides ``CHROMA_BROKER_URL``)."""
    return click.option("--broker-url", metavar="URL", help=help_text)


def build_settings(**flags: Any) -> Settings:
    """Settings from the environment, with every flag that was given taking precedence."""
    given = {name: value for name, value in flags.items() if value is not None}
    try:
        return Settings(**given)
    except ValidationError as exc:
        # Flags were already checked by click, so a bad value comes from the environment.
        problems = "; ".join(
            f"CHROMA_{'_'.join(str(part) for part in error['loc']).upper()}: {error['msg']}"
            for error in exc.errors()
        )
        raise click.UsageError(f"invalid setting {problems}") from exc


def server_options(func: F) -> F:
    """--url and --token: the server a command talks to over HTTP, as the SDK does."""
    func = click.option(
        "--token",
        metavar="TOKEN",
        help="Bearer token of a server that wants one [env: CHROMA_TOKEN, else CHROMA_AUTH_TOKEN].",
    )(func)
    return click.option(
        "--url",
        metavar="URL",
        help="The Chroma server [env: CHROMA_URL; default: http://127.0.0.1:8000].",
    )(func)


@contextmanager
def one_line_errors() -> Iterator[None]:
    """The SDK's errors as one line and a non-zero exit, not a traceback."""
    try:
        yield
    except ChromaError as exc:
        raise click.ClickException(str(exc)) from exc
