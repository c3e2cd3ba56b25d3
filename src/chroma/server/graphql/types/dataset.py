"""A dataset: a named collection of datapoints inside a project."""

from __future__ import annotations

from datetime import datetime

import strawberry

from chroma.server.graphql import described
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import to_id
from chroma.services.catalog import DatasetRecord


@strawberry.type(description="A named collection of datapoints inside a project.")
class Dataset:
    id: strawberry.ID
    name: str
    created_at: datetime
    dataset_id: strawberry.Private[int]

    @classmethod
    def of(cls, record: DatasetRecord) -> Dataset:
        return cls(
            id=to_id(record.id),
            name=record.name,
            created_at=record.created_at,
            dataset_id=record.id,
        )

    @described.field("How many datapoints the dataset holds.")
    async def datapoint_count(self, info: Info) -> int:
        return await info.context.loaders.datapoint_count.load(self.dataset_id)
