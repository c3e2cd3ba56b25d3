"""The points of a map for the Explorer and the SDK: (id, x, y, placed) plus chosen columns,
as one Arrow table, and that table encoded once and cached.

Sized for a million points: categorical columns (label, prediction, dataset, metadata
strings) are dictionary-encoded with int16 indices where they fit, coordinates are float32,
and nothing is built one Python object per point except what SQL hands back per row.

Encoding a million points from the database takes seconds; serving the same bytes again
takes milliseconds. :func:`encoded_points` keeps the Arrow IPC stream and its zstd
compression as a cache entry (``db/caches.py``) keyed by everything the bytes derive from:
the map's version (``computed_at``, point and placed counts), the revisions of its project
and datasets (a re-logged label, a tag, a renamed dataset), each served analysis's
``computed_at``, and the columns. A change to any of them makes a new key, so nothing
needs invalidating; old entries are pruned, and deleting a map removes its entries.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy.orm import Session

from chroma.core.errors import ChromaError, InvalidInput, NotFound
from chroma.core.metrics import POINTS_CACHE
from chroma.db import caches
from chroma.db.models import ProjectionSet, Space
from chroma.db.projections import read_coordinates
from chroma.db.store import Store
from chroma.services import catalog
from chroma.services import columns as fields
from chroma.services.analyses.rows import analysis_column, analysis_stamp, parse_column
from chroma.services.content_coding import encode
from chroma.services.movement import MOVEMENT, movement_column, movement_stamp

KEEP_PER_MAP = 4
"""Encoded column sets kept per map (the Explorer asks for one or two; the SDK for others)."""
FORMAT_VERSION = "1"
"""Part of every key: changing how points are encoded must not serve old bytes."""

BASE_COLUMNS = ("label", "prediction", "score", "dataset", "key", "tags")


def check_columns(columns: Sequence[str], limit: int | None = None) -> list[str]:
    """The distinct columns asked for, each one known; at most ``limit`` of them (each
    costs the database a value per point)."""
    distinct = list(dict.fromkeys(columns))
    if limit is not None and len(distinct) > limit:
        raise InvalidInput(
            f"{len(distinct)} columns asked for, over the limit of {limit} "
            "(CHROMA_MAX_POINTS_COLUMNS)",
            where="columns",
        )
    for name in distinct:
        if name in BASE_COLUMNS or name == MOVEMENT or parse_column(name) is not None:
            continue
        if fields.metadata_field(name) is None:
            raise InvalidInput(
                f"unknown column {name!r}; use {', '.join(BASE_COLUMNS)}, {MOVEMENT}, "
                "metadata.<field> or analysis.<id>.<column>",
                where="columns",
            )
    return distinct


def points_table(store: Store, projection_id: int, columns: Sequence[str] = ()) -> pa.Table:
    columns = check_columns(columns, store.settings.max_points_columns)
    with store.read() as session:
        projection, space = _load(session, projection_id)
        return _table(session, projection, space, columns)


def _load(session: Session, projection_id: int) -> tuple[ProjectionSet, Space]:
    projection = session.get(ProjectionSet, projection_id)
    if projection is None:
        raise NotFound(f"no projection with id {projection_id}", where="projection")
    space = session.get(Space, projection.space_id)
    assert space is not None
    return projection, space


def _table(
    session: Session, projection: ProjectionSet, space: Space, columns: list[str]
) -> pa.Table:
    coords = read_coordinates(session, projection.id)
    scored = {
        name: analysis_column(session, space.project_id, *found)
        for name in columns
        if (found := parse_column(name)) is not None
    }
    if MOVEMENT in columns:
        scored[MOVEMENT] = movement_column(session, projection)
    read = fields.read_columns(
        session,
        space.project_id,
        [c for c in columns if c not in scored],
        dataset_ids=projection.dataset_ids,
    )
    # Keep the points whose datapoint still exists, in map order.
    pos, alive = read.positions(coords.datapoint_ids)
    take = pos[alive]
    ids = coords.datapoint_ids[alive]
    out: dict[str, pa.Array] = {
        "id": pa.array(ids),
        "x": pa.array(coords.coords[alive, 0]),
        "y": pa.array(coords.coords[alive, 1]),
        "placed": pa.array(coords.placed[alive]),
    }
    for name in columns:
        if name in scored:
            out[name] = _scores(*scored[name], ids)
        elif name == "dataset":
            out[name] = fields.dataset_array(read.dataset_ids[take], read.dataset_names)
        elif name == "tags":
            out[name] = fields.tag_lists(read.tags, ids)
        else:
            values = list(read.values[name][take])
            if name == "score":
                out[name] = pa.array(values, type=pa.float32())
            elif name == "key":
                out[name] = pa.array(values, type=pa.string())
            elif fields.metadata_field(name) is not None:
                out[name] = fields.metadata_array(values)
            else:
                out[name] = fields.categorical(values)
    return pa.table(out)


@dataclass(frozen=True)
class EncodedPoints:
    """A map's points as the bytes to send: Arrow IPC, compressed with ``coding``."""

    body: bytes
    coding: str | None
    rows: int
    raw_bytes: int
    """The Arrow stream's own size (what a reader sees once the coding is undone)."""
    key: str
    """Names these points and columns exactly: an ETag."""


def encoded_points(
    store: Store, projection_id: int, columns: Sequence[str], coding: str | None
) -> EncodedPoints:
    """The points as Arrow IPC bytes in ``coding`` (``zstd``, ``gzip`` or None; a small body
    goes as it is), from the cache when it has them, else encoded now and cached."""
    columns = check_columns(columns, store.settings.max_points_columns)
    with store.read() as session:
        projection, space = _load(session, projection_id)
        key = _key(session, projection, space, columns)  # before the data: see revisions.py
        owner = caches.map_owner(projection_id)
        entry = caches.find(store, caches.POINTS, owner, key)
        found = _cached(entry, coding) if entry is not None else None
        POINTS_CACHE.labels("miss" if found is None else "hit").inc()
        if entry is None or found is None:
            table = _table(session, projection, space, columns)
            raw = _ipc(table)
            packed, used = encode(raw, "zstd")
            parts = {"arrow": raw, **({"arrow.zst": packed} if used else {})}
            facts = {"rows": table.num_rows, "raw_bytes": len(raw)}
            entry = caches.write(store, caches.POINTS, owner, key, parts, facts, keep=KEEP_PER_MAP)
            found = _cached(entry, coding)
            if found is None:
                raise ChromaError(f"the points of map {projection_id} could not be cached")
    body, used = found
    return EncodedPoints(
        body=body,
        coding=used,
        rows=int(entry.facts["rows"]),
        raw_bytes=int(entry.facts["raw_bytes"]),
        key=key,
    )


def _cached(entry: caches.Entry, coding: str | None) -> tuple[bytes, str | None] | None:
    """The entry's bytes in ``coding`` when it can: zstd as stored, gzip packed now (rare:
    every browser takes zstd); None when a part is missing or corrupt (rebuild it)."""
    if coding == "zstd" and "arrow.zst" in entry.files:
        packed = entry.read("arrow.zst")
        return None if packed is None else (packed, "zstd")
    raw = entry.read("arrow")
    if raw is None:
        return None
    body, used = encode(raw, coding if coding == "gzip" else None)
    return bytes(body), used


def _key(session: Session, projection: ProjectionSet, space: Space, columns: list[str]) -> str:
    parts = [
        FORMAT_VERSION,
        str(projection.id),
        projection.computed_at.isoformat() if projection.computed_at else "-",
        str(projection.point_count),
        str(projection.placed_count),
        catalog.stamp(session, space.project_id, projection.dataset_ids),
    ]
    for name in columns:
        found = parse_column(name)
        if name == MOVEMENT:
            parts.append(f"{name}@{movement_stamp(session, projection)}")
            continue
        parts.append(
            name
            if found is None
            else f"{name}@{analysis_stamp(session, space.project_id, found[0])}"
        )
    return hashlib.blake2b("|".join(parts).encode(), digest_size=12).hexdigest()


def _ipc(table: pa.Table) -> bytes:
    """The whole stream, written by Arrow's own writer: the categorical columns need their
    dictionary messages ahead of the first batch."""
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table.combine_chunks())
    return bytes(sink.getvalue().to_pybytes())


def _scores(
    ids: npt.NDArray[np.int64], values: pa.Array, wanted: npt.NDArray[np.int64]
) -> pa.Array:
    """An analysis column aligned to ``wanted`` ids (null where it has no value): numbers
    as float32, text dictionary-encoded, booleans as they are."""
    order = np.argsort(ids)
    pos = np.searchsorted(ids[order], wanted).clip(0, max(len(ids) - 1, 0))
    found = ids[order][pos] == wanted if len(ids) else np.zeros(len(wanted), bool)
    taken = values.take(pa.array(order[pos], mask=~found)) if len(ids) else None
    if pa.types.is_string(values.type) or pa.types.is_large_string(values.type):
        return fields.categorical(taken.to_pylist() if taken is not None else [None] * len(wanted))
    if pa.types.is_boolean(values.type):
        return taken if taken is not None else pa.nulls(len(wanted), pa.bool_())
    if taken is None:
        return pa.nulls(len(wanted), pa.float32())
    return taken.cast(pa.float32())
