"""Per-request dataloaders: nested fields of a list cost one query per field, not per row.

Built fresh for every request (see ``context.py``), so their caches never serve one
request's data to another, nor stale data after a mutation in an earlier request.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import TypeVar

from sqlalchemy.orm import Session
from strawberry.dataloader import DataLoader

from chroma.core.errors import NotFound
from chroma.db.store import Store
from chroma.server.graphql import offload
from chroma.services import listing, tags
from chroma.services.listing import DatasetRecord, SpaceRecord
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


def _dataset_gone(dataset_id: int) -> NotFound:
    return NotFound(f"dataset {dataset_id} no longer exists", where="dataset")


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


def create_loaders(store: Store) -> Loaders:
    return Loaders(
        datasets_of_project=_batched(store, listing.datasets_of_projects, _none),
        spaces_of_project=_batched(store, listing.spaces_of_projects, _none),
        tags_of_project=_batched(store, tags.tags_of_projects, _none),
        dataset=_batched(store, listing.datasets_by_id, _dataset_gone),
        datapoint_count=_batched(store, listing.datapoint_counts, _zero),
        vector_count=_batched(store, listing.vector_counts, _zero),
        tags_of_datapoint=_batched(store, tags.tags_of_datapoints, _none),
    )
