"""The nearest-neighbour index of a space: what it holds and when it was last brought up to date."""

from __future__ import annotations

from datetime import datetime

import strawberry

from chroma.services.neighbours import IndexInfo


@strawberry.type(
    description=(
        "A space's approximate nearest-neighbour index and kNN graph (built by "
        "`buildNeighbourIndex`, kept current after ingest)."
    )
)
class NeighbourIndex:
    metric: str = strawberry.field(description="cosine (1 - cosine similarity) or l2.")
    indexed_count: int = strawberry.field(description="Vectors the index holds.")
    graph_k: int = strawberry.field(description="Neighbours per point in the kNN graph.")
    updated_at: datetime

    @classmethod
    def of(cls, info: IndexInfo) -> NeighbourIndex:
        return cls(
            metric=info.metric,
            indexed_count=info.indexed_count,
            graph_k=info.graph_k,
            updated_at=info.updated_at,
        )
