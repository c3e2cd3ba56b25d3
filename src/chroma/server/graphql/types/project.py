"""A project: the top of the catalog, holding datasets, spaces and tags."""

from __future__ import annotations

from datetime import datetime

import strawberry

from chroma.server.graphql import described
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import to_id
from chroma.server.graphql.types.dataset import Dataset
from chroma.server.graphql.types.space import Space
from chroma.server.graphql.types.tag import Tag
from chroma.services.catalog import ProjectRecord


@strawberry.type(description="A project: its datasets, embedding spaces and tags.")
class Project:
    id: strawberry.ID
    name: str
    created_at: datetime
    project_id: strawberry.Private[int]

    @classmethod
    def of(cls, record: ProjectRecord) -> Project:
        return cls(
            id=to_id(record.id),
            name=record.name,
            created_at=record.created_at,
            project_id=record.id,
        )

    @described.field("The project's datasets, by name.")
    async def datasets(self, info: Info) -> list[Dataset]:
        records = await info.context.loaders.datasets_of_project.load(self.project_id)
        return [Dataset.of(r) for r in records]

    @described.field("The project's embedding spaces, by name.")
    async def spaces(self, info: Info) -> list[Space]:
        records = await info.context.loaders.spaces_of_project.load(self.project_id)
        return [Space.of(r) for r in records]

    @described.field("The project's tags, by name.")
    async def tags(self, info: Info) -> list[Tag]:
        records = await info.context.loaders.tags_of_project.load(self.project_id)
        return [Tag.of(r) for r in records]
