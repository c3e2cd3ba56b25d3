"""Per-request dataloaders: nested fields of a list cost one query per field, not per row.

Built fresh for every request (see ``context.py``), so their caches never serve one
request's data to another, nor stale data after a mutation in an earlier request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from strawberry.dataloader import DataLoader

from chroma.core.errors import NotFound
from chroma.server.graphql import offload
from chroma.services import analyses, catalog, jobs, neighbours, projections, tags
from chroma.services.analyses import AnalysisRecord, freshness
from chroma.services.catalog import DatasetRecord, ProjectRecord, SpaceRecord
from chroma.services.jobs import JobRecord
from chroma.services.neighbours import IndexInfo
from chroma.services.projections import ProjectionRecord
from chroma.services.store import Session, Store
from chroma.services.tags import TagRecord

V = TypeVar("V")


def _batched(
    store: Store,
    query: Callable[[Session, Sequence[int]], Mapping[int, V]],
    absent: Callable[[int], V | BaseException],
) -> DataLoader[int, V]:
    """A loader answering all keys of a batch with one ``query``; ``absent`` fills gaps."""

    async def load(keys: list[int]) -> list[V | BaseException]:
        found = await offload.read(store, query, keys)
        return [found[key] if key in found else absent(key) for key in keys]

    return DataLoader(load_fn=load)


def _none(_key: int) -> list[V]:
    return []


def _zero(_key: int) -> int:
    return 0


def _false(_key: int) -> bool:
    return False


def _absent(_key: int) -> None:
    return None


def _dataset_gone(dataset_id: int) -> NotFound:
    return NotFound(f"dataset {dataset_id} no longer exists", where="dataset")


def _index_info(session: Session, space_ids: Sequence[int]) -> dict[int, IndexInfo]:
    return neighbours.index_info(session, list(space_ids))


@dataclass(frozen=True)
class Loaders:
    datasets_of_project: DataLoader[int, list[DatasetRecord]]
    spaces_of_project: DataLoader[int, list[SpaceRecord]]
    tags_of_project: DataLoader[int, list[TagRecord]]
    dataset: DataLoader[int, DatasetRecord]
    datapoint_count: DataLoader[int, int]
    """Datapoints per dataset id."""
    vector_count: DataLoader[int, int]
    """Live vectors per space id."""
    tags_of_datapoint: DataLoader[int, list[str]]
    dataset_or_none: DataLoader[int, DatasetRecord | None]
    """A dataset by id, None once deleted (a projection may name a deleted dataset)."""
    project: DataLoader[int, ProjectRecord | None]
    space: DataLoader[int, SpaceRecord | None]
    job: DataLoader[int, JobRecord | None]
    projections_of_space: DataLoader[int, list[ProjectionRecord]]
    neighbour_index: DataLoader[int, IndexInfo | None]
    """The neighbour index of a space id; None while it has none."""
    analyses_of_space: DataLoader[int, list[AnalysisRecord]]
    analysis_stale: DataLoader[int, bool]
    """Whether an analysis id's result predates its datasets' data (``freshness.py``)."""


def create_loaders(store: Store) -> Loaders:
    return Loaders(
        datasets_of_project=_batched(store, catalog.datasets_of_projects, _none),
        spaces_of_project=_batched(store, catalog.spaces_of_projects, _none),
        tags_of_project=_batched(store, tags.tags_of_projects, _none),
        dataset=_batched(store, catalog.datasets_by_id, _dataset_gone),
        datapoint_count=_batched(store, catalog.datapoint_counts, _zero),
        vector_count=_batched(store, catalog.vector_counts, _zero),
        tags_of_datapoint=_batched(store, tags.tags_of_datapoints, _none),
        dataset_or_none=_batched(store, catalog.datasets_by_id, _absent),
        project=_batched(store, catalog.projects_by_id, _absent),
        space=_batched(store, catalog.spaces_by_id, _absent),
        job=_batched(store, jobs.jobs_by_id, _absent),
        projections_of_space=_batched(store, projections.projections_of_spaces, _none),
        neighbour_index=_batched(store, _index_info, _absent),
        analyses_of_space=_batched(store, analyses.analyses_of_spaces, _none),
        analysis_stale=_batched(store, freshness.stale_of, _false),
    )
