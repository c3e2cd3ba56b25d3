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


def check_name(kind: str, name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"{kind} name must be a non-empty string", where=kind)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"{kind} name is longer than {MAX_NAME_LENGTH} characters", where=kind)
    return name


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
