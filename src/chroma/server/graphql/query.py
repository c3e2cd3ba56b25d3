"""The root Query: browse projects and find datapoints."""

from __future__ import annotations

import strawberry

from chroma.server.graphql import described, offload
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import parse_id
from chroma.server.graphql.types.connection import DatapointConnection, decode_cursor
from chroma.server.graphql.types.datapoint import Datapoint
from chroma.server.graphql.types.filters import DatapointFilterInput, service_filter
from chroma.server.graphql.types.project import Project
from chroma.services import datapoints, listing

DEFAULT_PAGE_SIZE = 50


@strawberry.type
class Query:
    @described.field("All projects, by name.")
    async def projects(self, info: Info) -> list[Project]:
        records = await offload.read(info.context.store, listing.list_projects)
        return [Project.of(r) for r in records]

    @described.field("The project of this name (an error if there is none).")
    async def project(self, info: Info, name: str) -> Project | None:
        return Project.of(await offload.read(info.context.store, listing.find_project, name))

    @described.field(
        description=(
            f"Datapoints of a project that pass `filter`, in id order: `first` of them "
            f"(at most {datapoints.MAX_PAGE_SIZE}) after the cursor `after`."
        )
    )
    async def datapoints(
        self,
        info: Info,
        project: str,
        filter: DatapointFilterInput | None = None,
        first: int = DEFAULT_PAGE_SIZE,
        after: str | None = None,
    ) -> DatapointConnection:
        where = service_filter(filter)
        after_id = decode_cursor(after) if after is not None else None
        page = await offload.read(
            info.context.store,
            datapoints.page_datapoints,
            project,
            where,
            first=first,
            after_id=after_id,
        )
        return DatapointConnection.of(page, project, where)

    @described.field("One datapoint of a project by id (an error if absent).")
    async def datapoint(self, info: Info, project: str, id: strawberry.ID) -> Datapoint | None:
        datapoint_id = parse_id(id, where="id")
        record = await offload.read(
            info.context.store, datapoints.find_datapoint, project, datapoint_id
        )
        return Datapoint.of(record)
