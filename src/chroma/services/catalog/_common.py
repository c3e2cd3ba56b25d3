"""What the catalog's nouns share: name checks and race-safe inserts and renames.

Names are checked before writing, so a taken name is a :class:`Conflict` naming it; the
unique constraints stay as the last word when two writers race, and their
``IntegrityError`` is reported as the same Conflict.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from chroma.core.errors import Conflict, InvalidInput
from chroma.db.bulk import dialect_insert

MAX_NAME_LENGTH = 200
MAX_SOURCE_LENGTH = 500
"""A space's model and layer (what made its vectors)."""


def check_name(kind: str, name: str) -> str:
    """A name to store: non-empty, at most MAX_NAME_LENGTH characters, no NUL."""
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"{kind} name must be a non-empty string", where=kind)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"{kind} name is longer than {MAX_NAME_LENGTH} characters", where=kind)
    return check_lookup(kind, name)


def check_lookup(kind: str, name: str) -> str:
    """A name to look up. A NUL character is refused in names: PostgreSQL cannot store it
    and SQLite would cut the name short there, so no name holds one, and PostgreSQL
    refuses it even in a query."""
    if "\x00" in name:
        raise InvalidInput(f"{kind} name contains a NUL character", where=kind)
    return name


def check_space_source(model: str | None, layer: str | None) -> None:
    """A new space's model and layer: at most MAX_SOURCE_LENGTH characters, no NUL."""
    for where, value in (("space_model", model), ("space_layer", layer)):
        if value is None:
            continue
        if len(value) > MAX_SOURCE_LENGTH:
            raise InvalidInput(
                f"{where} is longer than {MAX_SOURCE_LENGTH} characters", where=where
            )
        if "\x00" in value:
            raise InvalidInput(f"{where} contains a NUL character", where=where)


def insert_ignoring_conflict(session: Session, model: type, values: dict[str, object]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: two concurrent first logs both succeed."""
    session.execute(dialect_insert(session)(model).values(**values).on_conflict_do_nothing())


@contextmanager
def name_is_free(message: str, where: str) -> Iterator[None]:
    """Report a unique-name violation (a racing writer took the name) as a Conflict."""
    try:
        yield
    except IntegrityError as exc:
        raise Conflict(message, where=where) from exc
