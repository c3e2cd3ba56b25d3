"""The root Mutation: manage the catalog and tag datapoints.

Spaces are made by ingest (their dimension comes from the first vectors), so they can be
renamed and deleted here but not created.
"""

from __future__ import annotations

import strawberry

from chroma.server.graphql import described, offload
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import parse_id, to_id
from chroma.server.graphql.types.dataset import Dataset
from chroma.server.graphql.types.deleted import Deleted
from chroma.server.graphql.types.filters import DatapointFilterInput
from chroma.server.graphql.types.project import Project
from chroma.server.graphql.types.space import Space
from chroma.server.graphql.types.tag import TagChange
from chroma.services import manage
from chroma.services import tags as _tags


def _ids(values: list[strawberry.ID]) -> list[int]:
    return [parse_id(value, where=f"datapointIds[{i}]") for i, value in enumerate(values)]


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_project(self, info: Info, name: str) -> Project:
        return Project.of(await offload.run(manage.create_project, info.context.store, name))

    @strawberry.mutation
    async def rename_project(self, info: Info, name: str, new_name: str) -> Project:
        store = info.context.store
        return Project.of(await offload.run(manage.rename_project, store, name, new_name))

    @described.mutation("Delete a project with everything in it.")
    async def delete_project(self, info: Info, name: str) -> Deleted:
        record = await offload.run(manage.delete_project, info.context.store, name)
        return Deleted(id=to_id(record.id), name=record.name)

    @strawberry.mutation
    async def create_dataset(self, info: Info, project: str, name: str) -> Dataset:
        store = info.context.store
        return Dataset.of(await offload.run(manage.create_dataset, store, project, name))

    @strawberry.mutation
    async def rename_dataset(self, info: Info, project: str, name: str, new_name: str) -> Dataset:
        store = info.context.store
        record = await offload.run(manage.rename_dataset, store, project, name, new_name)
        return Dataset.of(record)

    @described.mutation("Delete a dataset with its datapoints and their vectors.")
    async def delete_dataset(self, info: Info, project: str, name: str) -> Deleted:
        record = await offload.run(manage.delete_dataset, info.context.store, project, name)
        return Deleted(id=to_id(record.id), name=record.name)

    @strawberry.mutation
    async def rename_space(self, info: Info, project: str, name: str, new_name: str) -> Space:
        store = info.context.store
        return Space.of(await offload.run(manage.rename_space, store, project, name, new_name))

    @described.mutation("Delete a space and its vectors (datapoints stay).")
    async def delete_space(self, info: Info, project: str, name: str) -> Deleted:
        record = await offload.run(manage.delete_space, info.context.store, project, name)
        return Deleted(id=to_id(record.id), name=record.name)

    @described.mutation("Tag datapoints (tags are created on first use).")
    async def add_tags(
        self, info: Info, project: str, datapoint_ids: list[strawberry.ID], tags: list[str]
    ) -> TagChange:
        store, ids = info.context.store, _ids(datapoint_ids)
        return TagChange.of(await offload.run(_tags.add_tags, store, project, ids, tags))

    @described.mutation("Untag datapoints (a tag left on none is removed).")
    async def remove_tags(
        self, info: Info, project: str, datapoint_ids: list[strawberry.ID], tags: list[str]
    ) -> TagChange:
        store, ids = info.context.store, _ids(datapoint_ids)
        return TagChange.of(await offload.run(_tags.remove_tags, store, project, ids, tags))

    @described.mutation("Tag every datapoint of the project that passes `filter`.")
    async def add_tags_where(
        self, info: Info, project: str, filter: DatapointFilterInput, tags: list[str]
    ) -> TagChange:
        store, where = info.context.store, filter.to_service()
        return TagChange.of(await offload.run(_tags.add_tags_where, store, project, where, tags))

    @described.mutation("Untag every datapoint of the project that passes `filter`.")
    async def remove_tags_where(
        self, info: Info, project: str, filter: DatapointFilterInput, tags: list[str]
    ) -> TagChange:
        store, where = info.context.store, filter.to_service()
        change = await offload.run(_tags.remove_tags_where, store, project, where, tags)
        return TagChange.of(change)
