"""The root Query: browse projects, find datapoints and their neighbours, follow jobs."""

from __future__ import annotations

import numpy as np
import strawberry

from chroma.core.errors import InvalidInput
from chroma.server.graphql import described, offload
from chroma.server.graphql.context import Info
from chroma.server.graphql.ids import parse_id
from chroma.server.graphql.types.analysis import Analysis
from chroma.server.graphql.types.connection import DatapointConnection, decode_cursor
from chroma.server.graphql.types.datapoint import Datapoint
from chroma.server.graphql.types.facet import Facet
from chroma.server.graphql.types.filters import DatapointFilterInput, service_filter
from chroma.server.graphql.types.job import Job, JobState
from chroma.server.graphql.types.neighbor import Neighbor
from chroma.server.graphql.types.project import Project
from chroma.server.graphql.types.projection import Projection
from chroma.server.graphql.types.search import MeaningSearch, MeaningSearchResult, SearchResult
from chroma.services import analyses, catalog, datapoints, neighbours, projections
from chroma.services import facets as facet_service
from chroma.services import jobs as job_service
from chroma.services import search as search_service
from chroma.services.analyses.comparison_requests import get_comparison
from chroma.services.datapoints import DatapointFilter
from chroma.services.neighbours import Neighbour
from chroma.services.store import Store

DEFAULT_PAGE_SIZE = 50
DEFAULT_JOBS = 50
MAX_JOBS = 1000
DEFAULT_NEIGHBOURS = 10


def _nearest(
    store: Store,
    *,
    project: str,
    space: str,
    k: int,
    datapoint_id: int | None,
    key: str | None,
    dataset: str | None,
    vector: list[float] | None,
    where: DatapointFilter,
) -> list[Neighbour]:
    given = [
        name
        for name, value in (("datapointId", datapoint_id), ("key", key), ("vector", vector))
        if value is not None
    ]
    if len(given) != 1:
        raise InvalidInput(
            "give exactly one of datapointId, key (with dataset) or vector"
            + (f"; got {' and '.join(given)}" if given else ""),
            where="datapointId",
        )
    if key is not None and dataset is None:
        raise InvalidInput("a key is unique within a dataset: name it", where="dataset")
    return neighbours.nearest(
        store,
        project=project,
        space=space,
        k=k,
        datapoint_id=datapoint_id,
        key=(dataset, key) if key is not None and dataset is not None else None,
        vector=np.asarray(vector, dtype=np.float32) if vector is not None else None,
        where=where,
    )


@strawberry.type
class Query:
    @described.field("All projects, by name.")
    async def projects(self, info: Info) -> list[Project]:
        records = await offload.read(info.context.store, catalog.list_projects)
        return [Project.of(r) for r in records]

    @described.field("The project of this name (an error if there is none).")
    async def project(self, info: Info, name: str) -> Project | None:
        return Project.of(await offload.read(info.context.store, catalog.find_project, name))

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

    @described.field(
        f"Jobs, newest first: `first` of them (at most {MAX_JOBS}), of one project and in "
        "some states when given."
    )
    async def jobs(
        self,
        info: Info,
        project: str | None = None,
        states: list[JobState] | None = None,
        kinds: list[str] | None = None,
        first: int = DEFAULT_JOBS,
    ) -> list[Job]:
        if not 1 <= first <= MAX_JOBS:
            raise InvalidInput(f"first must be between 1 and {MAX_JOBS}", where="first")
        records = await offload.read(
            info.context.store,
            job_service.list_jobs,
            project=project,
            states=[state.value for state in states] if states is not None else None,
            kinds=kinds,
            limit=first,
        )
        return [Job.of(r) for r in records]

    @described.field(
        "Per field, the values the project's datapoints have with their counts (most "
        "frequent first, at most `limit`), and min/max of numeric metadata. Fields: label, "
        "prediction, dataset, tags, metadata.<field>; default: those four and every metadata "
        "field. Over some `datasets` (default: all) and, with `space`, the datapoints that "
        "have a vector in it."
    )
    async def facets(
        self,
        info: Info,
        project: str,
        space: str | None = None,
        datasets: list[str] | None = None,
        fields: list[str] | None = None,
        limit: int = facet_service.DEFAULT_LIMIT,
    ) -> list[Facet]:
        found = await offload.run(
            facet_service.facets,
            info.context.store,
            project=project,
            space=space,
            datasets=datasets,
            fields=fields,
            limit=limit,
        )
        return [Facet.of(f) for f in found]

    @described.field("One job by id (an error if there is none).")
    async def job(self, info: Info, id: strawberry.ID) -> Job | None:
        job_id = parse_id(id, where="id")
        return Job.of(await offload.read(info.context.store, job_service.get_job, job_id))

    @described.field("One projection by id (an error if there is none).")
    async def projection(self, info: Info, id: strawberry.ID) -> Projection | None:
        projection_id = parse_id(id, where="id")
        store = info.context.store
        return Projection.of(await offload.read(store, projections.get_projection, projection_id))

    @described.field("One quality analysis by id (an error if there is none).")
    async def analysis(self, info: Info, id: strawberry.ID) -> Analysis | None:
        analysis_id = parse_id(id, where="id")
        store = info.context.store
        return Analysis.of(await offload.read(store, analyses.get_analysis, analysis_id))

    @described.field(
        "One comparison of two spaces by id: an analysis of kind `compare` (an error if "
        "there is none)."
    )
    async def comparison(self, info: Info, id: strawberry.ID) -> Analysis | None:
        analysis_id = parse_id(id, where="id")
        store = info.context.store
        return Analysis.of(await offload.read(store, get_comparison, analysis_id))

    @described.field(
        f"The `k` (1 to {neighbours.MAX_K}) datapoints of a space nearest to a datapoint "
        "(by `datapointId`, or by `key` within `dataset`; the datapoint itself is left out) "
        "or to a `vector`, among those passing `filter`; nearest first. Exact while the space "
        "(or the filtered set) is small, from the space's neighbour index beyond."
    )
    async def neighbors(
        self,
        info: Info,
        project: str,
        space: str,
        datapoint_id: strawberry.ID | None = None,
        key: str | None = None,
        dataset: str | None = None,
        vector: list[float] | None = None,
        k: int = DEFAULT_NEIGHBOURS,
        filter: DatapointFilterInput | None = None,
    ) -> list[Neighbor]:
        found = await offload.run(
            _nearest,
            info.context.store,
            project=project,
            space=space,
            k=k,
            datapoint_id=(
                parse_id(datapoint_id, where="datapointId") if datapoint_id is not None else None
            ),
            key=key,
            dataset=dataset,
            vector=vector,
            where=service_filter(filter),
        )
        datasets = info.context.loaders.dataset
        for neighbour in found:  # read with the records: `dataset { name }` costs no query
            datasets.prime(neighbour.dataset.id, neighbour.dataset)
        return [Neighbor.of(n) for n in found]

    @described.field(
        "The project's datapoints (of one map's datasets, with `projection`) whose key, "
        "label, prediction, text or metadata (its JSON text), or only `field` of them, "
        "contains `text`: plain text, not a pattern, ignoring case (PostgreSQL: every "
        "letter; SQLite: ASCII letters only). Counts every hit and lists the first `first` "
        f"ids (at most {search_service.MAX_LIMIT:,}). Text of at most "
        f"{search_service.MAX_TEXT_CHARS:,} characters."
    )
    async def search(
        self,
        info: Info,
        project: str,
        text: str,
        field: str | None = None,
        projection: strawberry.ID | None = None,
        first: int = search_service.MAX_LIMIT,
    ) -> SearchResult:
        search_service.checked_text(text)  # before a session: a refusal costs nothing
        found = await offload.read(
            info.context.store,
            search_service.search,
            project,
            text,
            field=field,
            projection_id=parse_id(projection, where="projection") if projection else None,
            limit=first,
        )
        return SearchResult.of(found)

    @described.field(
        "Whether the map `projection` can be searched by meaning: its space records a "
        "sentence-transformers model the server has offline. Loads no model."
    )
    async def meaning_search(
        self, info: Info, project: str, projection: strawberry.ID
    ) -> MeaningSearch:
        model, reason = await offload.read(
            info.context.store,
            search_service.meaning_model,
            project,
            parse_id(projection, where="projection"),
        )
        return MeaningSearch(model=model, available=reason is None, reason=reason)

    @described.field(
        "The `first` datapoints of the map `projection` nearest in meaning to `text` "
        "(embedded by its space's model, loaded once per server process), nearest first. "
        "An invalid_input error (where: projection) when the server cannot load that model."
    )
    async def search_by_meaning(
        self,
        info: Info,
        project: str,
        projection: strawberry.ID,
        text: str,
        first: int = search_service.MEANING_DEFAULT_K,
    ) -> MeaningSearchResult:
        search_service.checked_text(text)  # before a model loads: a refusal costs nothing
        found = await offload.run(
            search_service.search_by_meaning,
            info.context.store,
            project,
            text,
            projection_id=parse_id(projection, where="projection"),
            limit=first,
        )
        return MeaningSearchResult.of(found)
