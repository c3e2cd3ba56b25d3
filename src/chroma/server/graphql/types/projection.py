"""A projection: a 2-D map of a space (PCA, UMAP or t-SNE)."""

from __future__ import annotations

import strawberry

from chroma.server.graphql.ids import to_id
from chroma.server.graphql.types.computed import Computed
from chroma.services.projections import ProjectionRecord


@strawberry.type(
    description=(
        "A 2-D map of a space's vectors. Its points (x, y per datapoint) are read as Arrow "
        "from `GET /api/v1/points?projection=<id>`; points logged after it was computed are "
        "placed into it (when `autoPlace`) without moving the others."
    )
)
class Projection(Computed):
    algorithm: str = strawberry.field(description="pca, umap or tsne.")
    auto_place: bool = strawberry.field(
        description="Points logged later are placed into the map automatically."
    )
    point_count: int = strawberry.field(description="Points on the map.")
    placed_count: int = strawberry.field(
        description="Of those, points placed after the map was computed."
    )
    align_to: strawberry.ID | None = strawberry.field(
        description=(
            "The map this one starts from and is rotated onto (the previous step's, for a "
            "family's step; or `createProjection(alignTo:)`): its points column `movement` "
            "is the distance each point moved from it."
        )
    )

    @classmethod
    def of(cls, record: ProjectionRecord) -> Projection:
        return cls(
            **Computed.common(record),
            algorithm=record.algorithm,
            auto_place=record.auto_place,
            point_count=record.point_count,
            placed_count=record.placed_count,
            align_to=to_id(record.align_to_id) if record.align_to_id is not None else None,
        )
