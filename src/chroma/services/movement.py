"""The ``movement`` points column: how far each point moved from the map this map is aligned
to (a family's previous step, or an ``align_to`` map), on the aligned maps' shared frame.

Null for a point the other map lacks. Asking for it on a map aligned to nothing is refused
(``where: columns``): there is nothing to have moved from.
"""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy.orm import Session

from chroma.core.errors import InvalidInput
from chroma.db.models import ProjectionSet
from chroma.db.projections import read_coordinates
from chroma.services.steps import match

MOVEMENT = "movement"


def _reference(session: Session, projection: ProjectionSet) -> ProjectionSet:
    reference = (
        session.get(ProjectionSet, projection.align_to_id)
        if projection.align_to_id is not None
        else None
    )
    if reference is None:
        raise InvalidInput(
            f"map {projection.id} is aligned to no other map, so no point of it moved: "
            "movement is a column of a family step's map (or of one made with align_to)",
            where="columns",
        )
    return reference


def movement_stamp(session: Session, projection: ProjectionSet) -> str:
    """What the column depends on besides this map: the other map's version."""
    reference = _reference(session, projection)
    computed = reference.computed_at.isoformat() if reference.computed_at else "-"
    return f"{reference.id}:{computed}:{reference.point_count}"


def movement_column(
    session: Session, projection: ProjectionSet
) -> tuple[npt.NDArray[np.int64], pa.Array]:
    """The distance each shared point moved, with the ids it belongs to."""
    reference = _reference(session, projection)
    ours = read_coordinates(session, projection.id)
    theirs = read_coordinates(session, reference.id)
    shared, rows = match(ours.datapoint_ids, theirs)
    moved = np.linalg.norm(ours.coords[shared] - theirs.coords[rows], axis=1)
    return ours.datapoint_ids[shared], pa.array(moved.astype(np.float32))
