"""``chroma users`` and ``chroma tokens``: who may use a server with auth on, as what.

They work on the database directly (like ``chroma db``), so the first admin can be made
before any server runs; a running server sees the change at its next request.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime
from pathlib import Path
from typing import Any, TypeVar

import click

from chroma.cli.options import build_settings, store_options
from chroma.cli.store import database_errors
from chroma.core.errors import ChromaError
from chroma.services import users as user_service
from chroma.services.principals import Role
from chroma.services.store import Store, open_store

F = TypeVar("F", bound=Callable[..., Any])
ROLES = [role.label for role in Role]


@contextmanager
def _store(data_dir: Path | None, database_url: str | None) -> Iterator[Store]:
    settings = build_settings(data_dir=data_dir, database_url=database_url)
    with database_errors(settings):
        store = open_store(settings)
    try:
        yield store
    except ChromaError as exc:
        raise click.ClickException(exc.message) from None
    finally:
        store.dispose()


def _when(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "-"


def _table(rows: list[list[str]], header: list[str]) -> None:
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]
    for row in [header, *rows]:
        cells = (cell.ljust(width) for cell, width in zip(row, widths, strict=True))
        click.echo("  ".join(cells).rstrip())


@click.group()
def users() -> None:
    """Manage the users of a server with auth on (viewer, editor, admin)."""


@users.command("add")
@click.argument("name")
@click.option(
    "--role",
    type=click.Choice(ROLES),
    default="viewer",
    show_default=True,
    help="viewer: read and export; editor: also log, tag, relabel and run jobs; admin: "
    "also delete and manage users and tokens.",
)
@store_options
def add_command(name: str, role: str, data_dir: Path | None, database_url: str | None) -> None:
    """Add a user; give them a token with `chroma tokens create NAME`."""
    with _store(data_dir, database_url) as store:
        user = user_service.add_user(store, name, Role.parse(role))
    click.echo(f"added {user.name} ({user.role.label})")


@users.command("role")
@click.argument("name")
@click.argument("role", type=click.Choice(ROLES))
@store_options
def role_command(name: str, role: str, data_dir: Path | None, database_url: str | None) -> None:
    """Change a user's role (their sessions and tokens act with it at once)."""
    with _store(data_dir, database_url) as store:
        user = user_service.set_role(store, name, Role.parse(role))
    click.echo(f"{user.name} is now a {user.role.label}")


@users.command("list")
@store_options
def list_command(data_dir: Path | None, database_url: str | None) -> None:
    """List users with their roles."""
    with _store(data_dir, database_url) as store:
        found = user_service.list_users(store)
    if not found:
        click.echo("no users (CHROMA_AUTH_TOKEN is the only way in)")
        return
    _table([[u.name, u.role.label, _when(u.created_at)] for u in found], ["NAME", "ROLE", "ADDED"])


@users.command("remove")
@click.argument("name")
@store_options
def remove_command(name: str, data_dir: Path | None, database_url: str | None) -> None:
    """Remove a user with their tokens and sessions (what they made stays)."""
    with _store(data_dir, database_url) as store:
        user = user_service.remove_user(store, name)
    click.echo(f"removed {user.name}; their tokens and sessions no longer work")


@click.group()
def tokens() -> None:
    """Manage personal tokens (for the SDK, scripts and signing in from a browser)."""


@tokens.command("create")
@click.argument("user")
@click.option("--label", default="", help="What the token is for (shown in `tokens list`).")
@store_options
def create_command(user: str, label: str, data_dir: Path | None, database_url: str | None) -> None:
    """Make a token for USER and print it, once: only its hash is kept."""
    with _store(data_dir, database_url) as store:
        made = user_service.create_token(store, user, label)
    click.echo(made.token)
    click.echo(
        f"token {made.record.id} for {made.record.user} ({made.record.label}). It is shown "
        "this once: keep it in a password manager (the SDK reads CHROMA_TOKEN).",
        err=True,
    )


@tokens.command("list")
@click.option("--user", help="Only this user's tokens.")
@store_options
def tokens_list_command(user: str | None, data_dir: Path | None, database_url: str | None) -> None:
    """List tokens (never the tokens themselves: their first characters)."""
    with _store(data_dir, database_url) as store:
        found = user_service.list_tokens(store, user)
    if not found:
        click.echo("no tokens")
        return
    rows = [
        [
            str(t.id),
            t.user,
            t.label,
            f"{t.hint}…",
            _when(t.created_at),
            _when(t.last_used_at),
            f"revoked {_when(t.revoked_at)}" if t.revoked_at else "active",
        ]
        for t in found
    ]
    _table(rows, ["ID", "USER", "LABEL", "STARTS", "CREATED", "LAST USED", "STATE"])


@tokens.command("revoke")
@click.argument("token_id", metavar="ID", type=click.IntRange(1, 2_147_483_647))
@store_options
def revoke_command(token_id: int, data_dir: Path | None, database_url: str | None) -> None:
    """Revoke a token (its ID from `tokens list`); sessions it opened end too."""
    with _store(data_dir, database_url) as store:
        revoked = user_service.revoke_token(store, token_id)
    click.echo(f"revoked token {revoked.id} of {revoked.user}")
