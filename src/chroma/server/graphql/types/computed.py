"""What every computed result (a map, an analysis, ...) shows in GraphQL: one interface,
one state enum. Kinds implement :class:`Computed` and add their own fields."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated, Any

import strawberry
from strawberry.scalars import JSON

from chroma.server.graphql import described
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import to_id
from chroma.server.graphql.types.dataset import Dataset
from chroma.server.graphql.types.job import Job
from chroma.services.computed import ComputedRecord

if TYPE_CHECKING:
    from chroma.server.graphql.types.space import Space


@strawberry.enum(description="Whether a computed result (a map, an analysis) can be read.")
class ComputedState(Enum):
    READY = "ready"
    QUEUED = "queued"
    COMPUTING = "computing"
    FAILED = "failed"
    CANCELLED = "cancelled"


@strawberry.interface(
    description=(
        "A result a job computes over a space and stores per datapoint (a map, an "
        "analysis). Computing it again replaces it whole once the new result is ready."
    )
)
class Computed:
    id: strawberry.ID
    state: ComputedState = strawberry.field(
        description=(
            "READY once a result exists (also while it is computed again); before that, "
            "what its latest computation is doing."
        )
    )
    error: str | None = strawberry.field(
        description="Why its latest computation failed (also when an older result is shown)."
    )
    params: JSON = strawberry.field(description="Every parameter, defaults filled in.")
    created_at: datetime
    computed_at: datetime | None = strawberry.field(
        description="When its current result was computed."
    )
    result_id: strawberry.Private[int]
    space_id: strawberry.Private[int]
    dataset_ids: strawberry.Private[list[int] | None]
    job_id: strawberry.Private[int | None]

    @staticmethod
    def common(record: ComputedRecord) -> dict[str, Any]:
        """The interface's fields of a record, as keyword arguments for a kind's type."""
        return {
            "id": to_id(record.id),
            "state": ComputedState(record.state),
            "error": record.error,
            "params": JSON(record.params),
            "created_at": record.created_at,
            "computed_at": record.computed_at,
            "result_id": record.id,
            "space_id": record.space_id,
            "dataset_ids": record.dataset_ids,
            "job_id": record.job_id,
        }

    @described.field("The datasets covered, by name; null: every dataset of the space.")
    async def datasets(self, info: Info) -> list[Dataset] | None:
        return await datasets_of(info, self.dataset_ids)

    @described.field(
        "Its latest computation (the one just queued, in a mutation's answer); null once "
        "that job row is gone."
    )
    async def job(self, info: Info) -> Job | None:
        if self.job_id is None:
            return None
        record = await info.context.loaders.job.load(self.job_id)
        return Job.of(record) if record is not None else None

    @described.field("The space it was computed over.")
    async def space(
        self, info: Info
    ) -> Annotated[Space, strawberry.lazy("chroma.server.graphql.types.space")] | None:
        from chroma.server.graphql.types.space import Space

        record = await info.context.loaders.space.load(self.space_id)
        return Space.of(record) if record is not None else None


async def datasets_of(info: Info, dataset_ids: list[int] | None) -> list[Dataset] | None:
    """Datasets by id, in order, leaving out any deleted since (null stays null)."""
    if dataset_ids is None:
        return None
    records = await info.context.loaders.dataset_or_none.load_many(dataset_ids)
    return [Dataset.of(r) for r in records if r is not None]
