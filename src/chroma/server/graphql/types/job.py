"""A background job (a map computation, a neighbour index build, ...) and its progress."""

from __future__ import annotations

from datetime import datetime
from enum import Enum
from typing import TYPE_CHECKING, Annotated

import strawberry
from strawberry.scalars import JSON

from chroma.server.graphql import described
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import to_id
from chroma.services.jobs import JobRecord

if TYPE_CHECKING:
    from chroma.server.graphql.types.project import Project
    from chroma.server.graphql.types.space import Space


@strawberry.enum(description="Where a job is in its life.")
class JobState(Enum):
    QUEUED = "queued"
    RUNNING = "running"
    SUCCEEDED = "succeeded"
    FAILED = "failed"
    CANCELLED = "cancelled"


@strawberry.type(
    description=(
        "Background work, run by the server's job runner: queued -> running -> succeeded, "
        "failed or cancelled. Poll it (`job(id)`) to follow `progress` and `message`."
    )
)
class Job:
    id: strawberry.ID
    kind: str = strawberry.field(
        description="What it does: projection.compute, projection.place, neighbours.build, ..."
    )
    state: JobState
    progress: float = strawberry.field(description="From 0 to 1 (1 once it succeeded).")
    message: str | None = strawberry.field(description="What it is doing now, for people.")
    error: str | None = strawberry.field(description="Why it failed (failed jobs only).")
    result: JSON | None = strawberry.field(description="What it produced (a JSON object).")
    attempts: int = strawberry.field(description="Times a worker started it.")
    max_attempts: int = strawberry.field(
        description="Attempts allowed before a job whose worker died is failed."
    )
    cancel_requested: bool = strawberry.field(
        description="A cancel was asked for while it ran; it stops at its next progress report."
    )
    created_at: datetime
    started_at: datetime | None = strawberry.field(description="When its last attempt started.")
    finished_at: datetime | None
    heartbeat_at: datetime | None = strawberry.field(
        description="When its worker last said it is alive (running jobs)."
    )
    job_id: strawberry.Private[int]
    project_id: strawberry.Private[int | None]
    space_id: strawberry.Private[int | None]

    @classmethod
    def of(cls, record: JobRecord) -> Job:
        return cls(
            id=to_id(record.id),
            kind=record.kind,
            state=JobState(record.state),
            progress=record.progress,
            message=record.message,
            error=record.error,
            result=JSON(record.result) if record.result is not None else None,
            attempts=record.attempts,
            max_attempts=record.max_attempts,
            cancel_requested=record.cancel_requested,
            created_at=record.created_at,
            started_at=record.started_at,
            finished_at=record.finished_at,
            heartbeat_at=record.heartbeat_at,
            job_id=record.id,
            project_id=record.project_id,
            space_id=record.space_id,
        )

    @described.field("The project it works on (none for system jobs).")
    async def project(
        self, info: Info
    ) -> Annotated[Project, strawberry.lazy("chroma.server.graphql.types.project")] | None:
        from chroma.server.graphql.types.project import Project

        if self.project_id is None:
            return None
        record = await info.context.loaders.project.load(self.project_id)
        return Project.of(record) if record is not None else None

    @described.field("The embedding space it works on, if any.")
    async def space(
        self, info: Info
    ) -> Annotated[Space, strawberry.lazy("chroma.server.graphql.types.space")] | None:
        from chroma.server.graphql.types.space import Space

        if self.space_id is None:
            return None
        record = await info.context.loaders.space.load(self.space_id)
        return Space.of(record) if record is not None else None
