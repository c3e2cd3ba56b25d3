"""Projection coordinates as chunks: int64 datapoint ids and float32 (x, y) pairs.

Like vectors (ADR 0002), no row per point: a million coordinates are a handful of rows,
written in the transaction that marks the map ready and read back with ``frombuffer``.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chroma.db.models import ProjectionChunk

CHUNK_ROWS = 262_144


@dataclass
class Coordinates:
    datapoint_ids: npt.NDArray[np.int64]
    coords: npt.NDArray[np.float32]  # (N, 2)
    placed: npt.NDArray[np.bool_]

    def __len__(self) -> int:
        return len(self.datapoint_ids)


def write_coordinates(
    session: Session,
    projection_id: int,
    datapoint_ids: npt.NDArray[np.int64],
    coords: npt.NDArray[np.float32],
    *,
    placed: bool,
) -> None:
    ids = np.ascontiguousarray(datapoint_ids, dtype="<i8")
    xy = np.ascontiguousarray(coords, dtype="<f4")
    for start in range(0, len(ids), CHUNK_ROWS):
        stop = start + CHUNK_ROWS
        session.add(
            ProjectionChunk(
                projection_id=projection_id,
                count=len(ids[start:stop]),
                placed=placed,
                datapoint_ids=ids[start:stop].tobytes(),
                coords=xy[start:stop].tobytes(),
            )
        )
    session.flush()


def clear_coordinates(session: Session, projection_id: int) -> None:
    session.execute(delete(ProjectionChunk).where(ProjectionChunk.projection_id == projection_id))


def read_coordinates(session: Session, projection_id: int) -> Coordinates:
    rows = session.execute(
        select(ProjectionChunk.datapoint_ids, ProjectionChunk.coords, ProjectionChunk.placed)
        .where(ProjectionChunk.projection_id == projection_id)
        .order_by(ProjectionChunk.id)
    ).all()
    if not rows:
        return Coordinates(
            np.empty(0, np.int64), np.empty((0, 2), np.float32), np.empty(0, np.bool_)
        )
    ids = np.concatenate([np.frombuffer(r[0], dtype="<i8") for r in rows])
    coords = np.concatenate([np.frombuffer(r[1], dtype="<f4").reshape(-1, 2) for r in rows])
    placed = np.concatenate([np.full(len(r[0]) // 8, bool(r[2])) for r in rows])
    return Coordinates(ids.astype(np.int64, copy=False), coords, placed)
