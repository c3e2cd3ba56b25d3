"""A projection: a 2-D map of a space (PCA, UMAP or t-SNE), and the job computing it."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from chroma.server.graphql import described
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import to_id
from chroma.server.graphql.types.dataset import Dataset
from chroma.server.graphql.types.job import Job
from chroma.services.jobs import JobRecord
from chroma.services.projections import ProjectionRecord

if TYPE_CHECKING:
    from chroma.server.graphql.types.space import Space


@strawberry.enum(description="Whether a projection has a map to show.")
class ProjectionState(Enum):
    READY = "ready"
    QUEUED = "queued"
    COMPUTING = "computing"
    FAILED = "failed"
    CANCELLED = "cancelled"


@strawberry.type(
    description=(
        "A 2-D map of a space's vectors. Its points (x, y per datapoint) are read as Arrow "
        "from `GET /api/v1/points?projection=<id>`; points logged after it was computed are "
        "placed into it (when `autoPlace`) without moving the others."
    )
)
class Projection:
    id: strawberry.ID
    algorithm: str = strawberry.field(description="pca, umap or tsne.")
    params: JSON = strawberry.field(
        description="Every parameter of the algorithm, defaults filled in (a JSON object)."
    )
    state: ProjectionState = strawberry.field(
        description="READY once a map exists (also while it is recomputed)."
    )
    error: str | None = strawberry.field(description="Why its last computation failed.")
    auto_place: bool = strawberry.field(
        description="Points logged later are placed into the map automatically."
    )
    point_count: int = strawberry.field(description="Points on the map.")
    placed_count: int = strawberry.field(
        description="Of those, points placed after the map was computed."
    )
    created_at: datetime
    computed_at: datetime | None = strawberry.field(
        description="When the map was last computed in full."
    )
    projection_id: strawberry.Private[int]
    space_id: strawberry.Private[int]
    dataset_ids: strawberry.Private[list[int] | None]
    job_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, record: ProjectionRecord) -> Projection:
        return cls(
            id=to_id(record.id),
            algorithm=record.algorithm,
            params=JSON(record.params),
            state=ProjectionState(record.state),
            error=record.error,
            auto_place=record.auto_place,
            point_count=record.point_count,
            placed_count=record.placed_count,
            created_at=record.created_at,
            computed_at=record.computed_at,
            projection_id=record.id,
            space_id=record.space_id,
            dataset_ids=record.dataset_ids,
            job_id=record.job_id,
        )

    @described.field(
        "The datasets mapped, by name; null: every dataset of the space, present and future."
    )
    async def datasets(self, info: Info) -> list[Dataset] | None:
        if self.dataset_ids is None:
            return None
        records = await info.context.loaders.dataset_or_none.load_many(self.dataset_ids)
        return [Dataset.of(r) for r in records if r is not None]

    @described.field("Its latest full computation (null once that job row is gone).")
    async def job(self, info: Info) -> Job | None:
        if self.job_id is None:
            return None
        record = await info.context.loaders.job.load(self.job_id)
        return Job.of(record) if record is not None else None

    @described.field("The space it maps.")
    async def space(
        self, info: Info
    ) -> Annotated[Space, strawberry.lazy("chroma.server.graphql.types.space")] | None:
        from chroma.server.graphql.types.space import Space

        record = await info.context.loaders.space.load(self.space_id)
        return Space.of(record) if record is not None else None


@strawberry.type(description="A projection and the job queued to compute it.")
class ProjectionJob:
    projection: Projection
    job: Job

    @classmethod
    def of(cls, projection: ProjectionRecord, job: JobRecord) -> ProjectionJob:
        return cls(projection=Projection.of(projection), job=Job.of(job))
