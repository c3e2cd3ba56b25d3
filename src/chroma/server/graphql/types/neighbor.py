"""One answer of a nearest-neighbour query: a datapoint and its distance to the query."""

from __future__ import annotations

import strawberry

from chroma.server.graphql.types.datapoint import Datapoint
from chroma.services.neighbours import Neighbour


@strawberry.type(description="A datapoint near the query, and how near.")
class Neighbor:
    datapoint: Datapoint
    distance: float = strawberry.field(
        description="In the space's metric: 1 - cosine similarity (cosine) or euclidean (l2)."
    )

    @classmethod
    def of(cls, neighbour: Neighbour) -> Neighbor:
        return cls(datapoint=Datapoint.of(neighbour.record), distance=neighbour.distance)
