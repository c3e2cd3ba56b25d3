"""The root Mutation: manage the catalog, tag datapoints, start and cancel background jobs.

Spaces are made by ingest (their dimension comes from the first vectors), so they can be
renamed and deleted here but not created. A mutation that queues a job hands it to the job
runner once its transaction has committed, so the job starts at once.
"""

from __future__ import annotations

from typing import Any

import strawberry
from strawberry.scalars import JSON

from chroma.core.errors import ChromaError, InvalidInput
from chroma.server.graphql import described, offload
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import parse_id, to_id
from chroma.server.graphql.types.analysis import Analysis
from chroma.server.graphql.types.dataset import Dataset
from chroma.server.graphql.types.deleted import Deleted
from chroma.server.graphql.types.filters import DatapointFilterInput
from chroma.server.graphql.types.job import Job
from chroma.server.graphql.types.project import Project
from chroma.server.graphql.types.projection import Projection
from chroma.server.graphql.types.space import Space
from chroma.server.graphql.types.tag import TagChange
from chroma.services import analyses, catalog, neighbours, projections
from chroma.services import jobs as job_service
from chroma.services import tags as _tags
from chroma.services.analyses import freshness
from chroma.services.analyses.comparison_requests import compare_spaces


def _ids(values: list[strawberry.ID]) -> list[int]:
    return [parse_id(value, where=f"datapointIds[{i}]") for i, value in enumerate(values)]


def _params(params: Any) -> dict[str, Any]:
    if params is None:
        return {}
    if not isinstance(params, dict):
        raise InvalidInput("params must be a JSON object of parameter values", where="params")
    return params


@strawberry.type
class Mutation:
    @strawberry.mutation
    async def create_project(self, info: Info, name: str) -> Project:
        return Project.of(await offload.run(catalog.create_project, info.context.store, name))

    @strawberry.mutation
    async def rename_project(self, info: Info, name: str, new_name: str) -> Project:
        store = info.context.store
        return Project.of(await offload.run(catalog.rename_project, store, name, new_name))

    @described.mutation("Delete a project with everything in it.")
    async def delete_project(self, info: Info, name: str) -> Deleted:
        record = await offload.run(catalog.delete_project, info.context.store, name)
        return Deleted(id=to_id(record.id), name=record.name)

    @strawberry.mutation
    async def create_dataset(self, info: Info, project: str, name: str) -> Dataset:
        store = info.context.store
        return Dataset.of(await offload.run(catalog.create_dataset, store, project, name))

    @strawberry.mutation
    async def rename_dataset(self, info: Info, project: str, name: str, new_name: str) -> Dataset:
        store = info.context.store
        record = await offload.run(catalog.rename_dataset, store, project, name, new_name)
        return Dataset.of(record)

    @described.mutation("Delete a dataset with its datapoints and their vectors.")
    async def delete_dataset(self, info: Info, project: str, name: str) -> Deleted:
        record = await offload.run(catalog.delete_dataset, info.context.store, project, name)
        return Deleted(id=to_id(record.id), name=record.name)

    @strawberry.mutation
    async def rename_space(self, info: Info, project: str, name: str, new_name: str) -> Space:
        store = info.context.store
        return Space.of(await offload.run(catalog.rename_space, store, project, name, new_name))

    @described.mutation("Delete a space and its vectors (datapoints stay).")
    async def delete_space(self, info: Info, project: str, name: str) -> Deleted:
        record = await offload.run(catalog.delete_space, info.context.store, project, name)
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

    @described.mutation(
        "Make a 2-D map of a space: checks the algorithm and its params against the space's "
        "size (nothing is queued when they are wrong), then queues the computation (its "
        "`job`). The map's points come from `GET /api/v1/points?projection=<id>`. `alignTo`: "
        "a map of the same project sharing datapoints, which the new map starts from and is "
        "rotated onto."
    )
    async def create_projection(
        self,
        info: Info,
        project: str,
        space: str,
        algorithm: str = "umap",
        params: JSON | None = None,
        datasets: list[str] | None = None,
        auto_place: bool = True,
        align_to: strawberry.ID | None = None,
    ) -> Projection:
        try:
            record, job = await offload.run(
                projections.create_projection,
                info.context.store,
                project=project,
                space=space,
                algorithm=algorithm,
                params=_params(params),
                datasets=datasets,
                auto_place=auto_place,
                align_to=parse_id(align_to, where="alignTo") if align_to is not None else None,
            )
        except ChromaError as error:
            error.where = "alignTo" if error.where == "align_to" else error.where
            raise
        await info.context.submit(job.id)
        return Projection.of(record)

    @described.mutation(
        "Compute a map again from all its current points (the old map stays until the new "
        "one is ready; `job` is the new computation)."
    )
    async def recompute_projection(self, info: Info, id: strawberry.ID) -> Projection:
        projection_id = parse_id(id, where="id")
        store = info.context.store
        record, job = await offload.run(projections.recompute_projection, store, projection_id)
        await info.context.submit(job.id)
        return Projection.of(record)

    @described.mutation(
        "Delete a map with its points (a computation still queued or running is cancelled). "
        "Answers the map as it was."
    )
    async def delete_projection(self, info: Info, id: strawberry.ID) -> Projection:
        projection_id = parse_id(id, where="id")
        return Projection.of(
            await offload.run(projections.delete_projection, info.context.store, projection_id)
        )

    @described.mutation(
        "Analyse a space's quality (a job): `kind` is class_distance, mislabels, outliers, "
        "duplicates, clusters or label_next; `reference` names the datasets scores are "
        "measured against (class_distance, outliers; default: the only dataset). Everything "
        "is checked first (nothing is queued when something is wrong). The same request "
        "again recomputes the existing analysis. Its `job` is the computation."
    )
    async def run_analysis(
        self,
        info: Info,
        project: str,
        space: str,
        kind: str,
        datasets: list[str] | None = None,
        reference: list[str] | None = None,
        params: JSON | None = None,
    ) -> Analysis:
        record, job = await offload.run(
            analyses.run_analysis,
            info.context.store,
            project=project,
            space=space,
            kind=kind,
            datasets=datasets,
            reference=reference,
            params=_params(params),
        )
        await info.context.submit(job.id)
        return Analysis.of(record)

    @described.mutation(
        "Compute an analysis again from the space's current vectors (the old result stays "
        "until the new one is ready; `job` is the new computation)."
    )
    async def recompute_analysis(self, info: Info, id: strawberry.ID) -> Analysis:
        analysis_id = parse_id(id, where="id")
        record, job = await offload.run(
            analyses.recompute_analysis, info.context.store, analysis_id
        )
        await info.context.submit(job.id)
        return Analysis.of(record)

    @described.mutation(
        "Turn recomputing a stale analysis by itself (after ingest settles) on or off."
    )
    async def set_analysis_auto_refresh(self, info: Info, id: strawberry.ID, on: bool) -> Analysis:
        analysis_id = parse_id(id, where="id")
        store = info.context.store
        record = await offload.run(freshness.set_auto_refresh, store, analysis_id, on)
        return Analysis.of(record)

    @described.mutation(
        "Delete an analysis with its scores (its computation, if queued or running, is "
        "cancelled). Answers the analysis as it was."
    )
    async def delete_analysis(self, info: Info, id: strawberry.ID) -> Analysis:
        analysis_id = parse_id(id, where="id")
        store = info.context.store
        return Analysis.of(await offload.run(analyses.delete_analysis, store, analysis_id))

    @described.mutation(
        "Compare two spaces of a project over the datapoints both hold (a job; ADR 0015): per "
        "datapoint, the overlap of its `k` (1 to 100) nearest neighbours in each space and "
        "the labels of the neighbours it gained and lost, ranked by how much it moved. "
        "Answers the comparison: an analysis of kind `compare` of `spaceA` (recompute and "
        "delete it as one; its columns colour maps of spaceA). Everything is checked first: "
        "unknown spaces, the same space twice, spaces of different projects (`projectB`), no "
        "shared datapoints, `k` out of range."
    )
    async def compare_spaces(
        self,
        info: Info,
        project: str,
        space_a: str,
        space_b: str,
        k: int = 10,
        project_b: str | None = None,
        datasets: list[str] | None = None,
    ) -> Analysis:
        record, job = await offload.run(
            compare_spaces,
            info.context.store,
            project=project,
            space_a=space_a,
            space_b=space_b,
            k=k,
            project_b=project_b,
            datasets=datasets,
        )
        await info.context.submit(job.id)
        return Analysis.of(record)

    @described.mutation(
        "Build a space's nearest-neighbour index and kNN graph from all its vectors (a job)."
    )
    async def build_neighbour_index(self, info: Info, project: str, space: str) -> Job:
        store = info.context.store
        job = await offload.run(neighbours.queue_build, store, project=project, space=space)
        await info.context.submit(job.id)
        return Job.of(job)

    @described.mutation(
        "Cancel a job: a queued one at once, a running one at its next progress report "
        "(`cancelRequested` until then). A finished job is a conflict."
    )
    async def cancel_job(self, info: Info, id: strawberry.ID) -> Job:
        job_id = parse_id(id, where="id")
        return Job.of(await offload.run(job_service.cancel_job, info.context.store, job_id))
