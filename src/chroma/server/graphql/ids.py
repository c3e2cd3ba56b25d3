"""Ids travel as GraphQL ``ID`` strings: GraphQL's ``Int`` is 32-bit, row ids are not."""

from __future__ import annotations

import strawberry

from chroma.core.errors import InvalidInput


def to_id(row_id: int) -> strawberry.ID:
    return strawberry.ID(str(row_id))


# Row ids are 64-bit signed integers on both databases.
LARGEST_ID = 2**63 - 1


def parse_id(value: str, where: str) -> int:
    try:
        row_id = int(value)
    except ValueError:
        row_id = None
    if row_id is None or abs(row_id) > LARGEST_ID:
        raise InvalidInput(f"{value!r} is not a valid id", where=where)
    return row_id
