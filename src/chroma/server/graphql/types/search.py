"""The answer of a text search: how many datapoints hold the text, and their ids."""

from __future__ import annotations

import strawberry

from chroma.services.search import SearchResult as SearchRecord


@strawberry.type(description="Datapoints whose text fields contain the searched text.")
class SearchResult:
    count: int = strawberry.field(description="Every hit, however many ids were answered.")
    truncated: bool = strawberry.field(
        description="More hits than `datapointIds` holds (it lists the first, by id)."
    )
    datapoint_ids: list[strawberry.ID] = strawberry.field(
        description="The hits' datapoint ids, ascending: the first `first` of them."
    )

    @classmethod
    def of(cls, record: SearchRecord) -> SearchResult:
        return cls(
            count=record.count,
            truncated=record.truncated,
            datapoint_ids=[strawberry.ID(str(i)) for i in record.ids.tolist()],
        )
