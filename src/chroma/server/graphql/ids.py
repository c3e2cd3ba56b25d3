"""Ids travel as GraphQL ``ID`` strings: GraphQL's ``Int`` is 32-bit, row ids are not."""

from __future__ import annotations

import strawberry

from chroma.core.errors import InvalidInput
from chroma.core.wire import MAX_ROW_ID


def to_id(row_id: int) -> strawberry.ID:
    return strawberry.ID(str(row_id))


def parse_id(value: str, where: str) -> int:
    """A row id: ASCII decimal digits up to MAX_ROW_ID (``int()`` alone would also take
    " 1_0 ", other scripts' digits, and numbers no database column holds)."""
    text = str(value)
    row_id = int(text) if text.isascii() and text.isdigit() and len(text) <= 19 else None
    if row_id is None or row_id > MAX_ROW_ID:
        raise InvalidInput(f"{text[:40]!r} is not a valid id", where=where)
    return row_id
