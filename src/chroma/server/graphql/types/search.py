"""The answer of a text search (how many datapoints hold the text, and their ids) and of
a search by meaning (the nearest datapoints to the text in the map's model)."""

from __future__ import annotations

import strawberry

from chroma.services.search import MeaningResult as MeaningRecord
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


@strawberry.type(description="Whether a map can be searched by meaning, and with which model.")
class MeaningSearch:
    model: str | None = strawberry.field(
        description="The model the map's space records (what made its vectors), if any."
    )
    available: bool = strawberry.field(
        description="The server can embed a text with that model, offline."
    )
    reason: str | None = strawberry.field(description="Why it cannot, when it cannot.")


@strawberry.type(description="The datapoints nearest in meaning to a searched text.")
class MeaningSearchResult:
    model: str = strawberry.field(description="The model that embedded the text.")
    datapoint_ids: list[strawberry.ID] = strawberry.field(description="Nearest first.")
    distances: list[float] = strawberry.field(
        description="Each one's distance to the text, in the space's metric."
    )

    @classmethod
    def of(cls, record: MeaningRecord) -> MeaningSearchResult:
        return cls(
            model=record.model,
            datapoint_ids=[strawberry.ID(str(i)) for i in record.ids.tolist()],
            distances=[float(d) for d in record.distances.tolist()],
        )
