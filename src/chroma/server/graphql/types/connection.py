"""A page of datapoints as a Relay-style connection (edges, cursors, pageInfo)."""

from __future__ import annotations

import base64
import binascii

import strawberry

from chroma.core.errors import InvalidInput
from chroma.core.wire import MAX_ROW_ID
from chroma.server.graphql import described, offload
from chroma.server.graphql.context import Info
from chroma.server.graphql.types.datapoint import Datapoint
from chroma.services.datapoints import DatapointFilter, DatapointPage, count_datapoints

_CURSOR_PREFIX = "datapoint:"


def encode_cursor(datapoint_id: int) -> str:
    return base64.urlsafe_b64encode(f"{_CURSOR_PREFIX}{datapoint_id}".encode()).decode()


def decode_cursor(cursor: str) -> int:
    """The datapoint id inside a cursor this server handed out."""
    try:
        text = base64.urlsafe_b64decode(cursor.encode()).decode()
        digits = text.removeprefix(_CURSOR_PREFIX)
        # Ours hold a row id: ASCII digits up to MAX_ROW_ID (a larger number reaches no
        # database column: the query would fail instead of being refused).
        is_id = digits != text and digits.isascii() and digits.isdigit() and len(digits) <= 19
        if is_id and int(digits) <= MAX_ROW_ID:
            return int(digits)
    except (binascii.Error, UnicodeDecodeError, ValueError):
        pass
    raise InvalidInput(
        f"{cursor!r} is not a cursor from this API: pass a pageInfo.endCursor", where="after"
    )


@strawberry.type
class PageInfo:
    has_next_page: bool
    end_cursor: str | None = strawberry.field(description="Pass as `after` for the next page.")


@strawberry.type
class DatapointEdge:
    node: Datapoint
    cursor: str


@strawberry.type(description="A page of datapoints, in id order.")
class DatapointConnection:
    edges: list[DatapointEdge]
    page_info: PageInfo
    project: strawberry.Private[str]
    where: strawberry.Private[DatapointFilter]

    @classmethod
    def of(cls, page: DatapointPage, project: str, where: DatapointFilter) -> DatapointConnection:
        edges = [
            DatapointEdge(node=Datapoint.of(record), cursor=encode_cursor(record.id))
            for record in page.records
        ]
        end_cursor = edges[-1].cursor if edges else None
        return cls(
            edges=edges,
            page_info=PageInfo(has_next_page=page.has_next_page, end_cursor=end_cursor),
            project=project,
            where=where,
        )

    @described.field("The page's datapoints, without the edges.")
    def nodes(self) -> list[Datapoint]:
        return [edge.node for edge in self.edges]

    @described.field("All datapoints matching the filter (counted only if asked).")
    async def total_count(self, info: Info) -> int:
        return await offload.read(info.context.store, count_datapoints, self.project, self.where)
