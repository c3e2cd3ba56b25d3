"""An embedding space: one model + layer, whose vectors all share one dimension."""

from __future__ import annotations

from datetime import datetime

import strawberry

from chroma.core.steps import parse_step_space
from chroma.server.graphql import described
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import to_id
from chroma.server.graphql.types.analysis import Analysis
from chroma.server.graphql.types.family import SpaceFamily
from chroma.server.graphql.types.neighbour_index import NeighbourIndex
from chroma.server.graphql.types.projection import Projection
from chroma.services.catalog import SpaceRecord


@strawberry.type(
    description="An embedding space (a model + layer): only its vectors compare with each other."
)
class Space:
    id: strawberry.ID
    name: str
    dimension: int
    model: str | None
    layer: str | None
    created_at: datetime
    space_id: strawberry.Private[int]
    project_id: strawberry.Private[int]

    @classmethod
    def of(cls, record: SpaceRecord) -> Space:
        return cls(
            id=to_id(record.id),
            name=record.name,
            dimension=record.dimension,
            model=record.model,
            layer=record.layer,
            created_at=record.created_at,
            space_id=record.id,
            project_id=record.project_id,
        )

    @described.field("The training step this space holds (`<family>@step=<n>`); else null.")
    def step(self) -> int | None:
        parsed = parse_step_space(self.name)
        return parsed[1] if parsed is not None else None

    @described.field("The family this space is a step of (its steps in order); else null.")
    def family(self) -> SpaceFamily | None:
        parsed = parse_step_space(self.name)
        return SpaceFamily(name=parsed[0], project_id=self.project_id) if parsed else None

    @described.field("How many datapoints have a vector in this space.")
    async def vector_count(self, info: Info) -> int:
        return await info.context.loaders.vector_count.load(self.space_id)

    @described.field("The space's 2-D maps, oldest first.")
    async def projections(self, info: Info) -> list[Projection]:
        records = await info.context.loaders.projections_of_space.load(self.space_id)
        return [Projection.of(r) for r in records]

    @described.field("The space's nearest-neighbour index; null until one is built.")
    async def neighbour_index(self, info: Info) -> NeighbourIndex | None:
        found = await info.context.loaders.neighbour_index.load(self.space_id)
        return NeighbourIndex.of(found) if found is not None else None

    @described.field("The space's quality analyses, oldest first.")
    async def analyses(self, info: Info) -> list[Analysis]:
        records = await info.context.loaders.analyses_of_space.load(self.space_id)
        return [Analysis.of(r) for r in records]

    @described.field(
        "Its comparisons with other spaces (`compareSpaces` with this space as spaceA), "
        "oldest first: its analyses of kind `compare`."
    )
    async def comparisons(self, info: Info) -> list[Analysis]:
        records = await info.context.loaders.analyses_of_space.load(self.space_id)
        return [Analysis.of(r) for r in records if r.kind == "compare"]
