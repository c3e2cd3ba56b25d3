"""Families of spaces (one model at several training steps) and maps aligned to other maps.

A family's steps are spaces named ``<family>@step=<n>`` (:mod:`chroma.core.steps`). The
first map of a step is aligned to the previous step's first map: it starts from it and is
rotated onto it (:mod:`chroma.compute.projections.alignment`), so a point that did not move
in the model does not move on the map. Any map may also be aligned to another map of the
same project by hand (``align_to``): two models, two layers.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.compute.neighbours import Metric
from chroma.compute.projections.alignment import Similarity, procrustes, seed_layout
from chroma.core.errors import InvalidInput, NotFound
from chroma.core.steps import MAX_STEP, SEPARATOR, parse_step_space
from chroma.db.models import ProjectionSet, Space
from chroma.db.projections import Coordinates, read_coordinates
from chroma.db.store import Store
from chroma.db.vectors import live_datapoint_ids
from chroma.services import catalog
from chroma.services.catalog import SpaceRecord

F32 = npt.NDArray[np.float32]


@dataclass(frozen=True)
class FamilyStep:
    step: int
    space_id: int
    space_name: str


def family_steps(session: Session, project_id: int, family: str) -> list[FamilyStep]:
    """The steps of ``family`` in a project, in step order (empty for an unknown family)."""
    prefix = family + SEPARATOR
    names = session.execute(
        select(Space.id, Space.name).where(
            Space.project_id == project_id,
            # escaped: a family name may hold LIKE's % or _
            Space.name.startswith(prefix, autoescape=True),
        )
    ).all()
    found = []
    for space_id, name in names:
        parsed = parse_step_space(name)
        if parsed is not None and parsed[0] == family:
            found.append(FamilyStep(parsed[1], space_id, name))
    return sorted(found, key=lambda s: s.step)


def family_spaces(session: Session, project_id: int, family: str) -> list[tuple[int, SpaceRecord]]:
    """``(step, space)`` of each step of ``family``, in step order."""
    found = family_steps(session, project_id, family)
    records = catalog.spaces_by_id(session, [s.space_id for s in found])
    return [(s.step, records[s.space_id]) for s in found if s.space_id in records]


def first_map(session: Session, space_id: int) -> ProjectionSet | None:
    """A space's oldest map: the one made for it automatically, unless deleted."""
    return session.scalar(
        select(ProjectionSet)
        .where(ProjectionSet.space_id == space_id)
        .order_by(ProjectionSet.id)
        .limit(1)
    )


def previous_step_map(session: Session, space: Space) -> ProjectionSet | None:
    """For a family's step: the first map of the nearest earlier step that has one."""
    parsed = parse_step_space(space.name)
    if parsed is None:
        return None
    family, step = parsed
    earlier = [s for s in family_steps(session, space.project_id, family) if s.step < step]
    for previous in reversed(earlier):
        found = first_map(session, previous.space_id)
        if found is not None:
            return found
    return None


def adopt_next_step(session: Session, space: Space, projection_id: int) -> None:
    """A step's first map made after the next step's (their refreshes ran out of order):
    the next step's first map, aligned to nothing or to an earlier step than this one, is
    aligned to this one instead; if computed already, it is computed again once this one
    is (``_realign_dependants``)."""
    parsed = parse_step_space(space.name)
    if parsed is None:
        return
    later = [s for s in family_steps(session, space.project_id, parsed[0]) if s.step > parsed[1]]
    following = first_map(session, later[0].space_id) if later else None
    if following is None or following.id == projection_id:
        return
    aligned = following.align_to_id
    if aligned is None or _step_in_family(session, aligned, parsed[0]) < parsed[1]:
        following.align_to_id = projection_id


def _step_in_family(session: Session, projection_id: int, family: str) -> int:
    """The step of the space a map belongs to; MAX_STEP + 1 outside ``family`` (a map
    someone aligned by hand is left so)."""
    row = session.get(ProjectionSet, projection_id)
    space = session.get(Space, row.space_id) if row is not None else None
    parsed = parse_step_space(space.name) if space is not None else None
    return parsed[1] if parsed is not None and parsed[0] == family else MAX_STEP + 1


def check_align_to(
    session: Session, space: Space, align_to: int, dataset_ids: list[int] | None
) -> ProjectionSet:
    """The map a new map of ``space`` is to be aligned to, refused (naming ``align_to``)
    when unknown, of another project, or sharing no datapoint with the space."""
    reference = session.get(ProjectionSet, align_to)
    if reference is None:
        raise NotFound(f"no map with id {align_to} to align to", where="align_to")
    other = session.get(Space, reference.space_id)
    assert other is not None  # a space's maps are deleted with it
    if other.project_id != space.project_id:
        raise InvalidInput(
            f"map {align_to} belongs to another project: only maps of one project share "
            "datapoints to align on",
            where="align_to",
        )
    theirs = (
        read_coordinates(session, align_to).datapoint_ids
        if reference.computed_at is not None
        else live_datapoint_ids(session, other.id, reference.dataset_ids)
    )
    if not np.isin(live_datapoint_ids(session, space.id, dataset_ids), theirs).any():
        raise InvalidInput(
            f"space {space.name!r} shares no datapoint with map {align_to} (of space "
            f"{other.name!r}): log the same keys into both",
            where="align_to",
        )
    return reference


@dataclass(frozen=True)
class Reference:
    """The reference map's places of the points it shares with a map being computed."""

    projection_id: int
    version: str
    """The reference's ``computed_at`` read: a dependant aligned to an older one is stale."""
    shared: npt.NDArray[np.bool_]
    """Per row of the map being computed: is it on the reference map?"""
    coords: F32
    """The shared rows' places on the reference map, in row order."""


def reference_for(
    store: Store, row: ProjectionSet, datapoint_ids: npt.NDArray[np.int64]
) -> Reference | None:
    """What the map ``row`` (about to be computed over ``datapoint_ids``) aligns to; None
    without a reference, or while the reference has no coordinates or no shared point."""
    if row.align_to_id is None:
        return None
    with store.read() as session:
        reference = session.get(ProjectionSet, row.align_to_id)
        if reference is None or reference.computed_at is None:
            return None
        theirs = read_coordinates(session, reference.id)
    shared, rows = match(datapoint_ids, theirs)
    if not shared.any():
        return None
    return Reference(reference.id, version_of(reference), shared, theirs.coords[rows])


def reference_version(session: Session, row: ProjectionSet) -> str | None:
    """Which computation of the map ``row`` aligns to is current (None: it aligns to none)."""
    reference = session.get(ProjectionSet, row.align_to_id) if row.align_to_id else None
    return version_of(reference) if reference is not None else None


def version_of(projection: ProjectionSet) -> str:
    """Which computation of a map another map was aligned to."""
    return projection.computed_at.isoformat() if projection.computed_at is not None else "-"


def aligned_to_current(model: dict[str, Any], reference: ProjectionSet) -> bool:
    """Was a map (its unpacked model) aligned to the reference as it is now?"""
    return bool(
        model.get("aligned_to", -1) == reference.id
        and model.get("aligned_version") == version_of(reference)
    )


def match(
    datapoint_ids: npt.NDArray[np.int64], theirs: Coordinates
) -> tuple[npt.NDArray[np.bool_], npt.NDArray[np.int64]]:
    """Which of ``datapoint_ids`` are in ``theirs``, and (for those, in order) their rows."""
    order = np.argsort(theirs.datapoint_ids, kind="stable")
    sorted_ids = theirs.datapoint_ids[order]
    if len(sorted_ids) == 0:
        return np.zeros(len(datapoint_ids), dtype=bool), np.empty(0, np.int64)
    pos = np.searchsorted(sorted_ids, datapoint_ids).clip(0, len(sorted_ids) - 1)
    found = sorted_ids[pos] == datapoint_ids
    return found, order[pos[found]]


def initial_layout(
    reference: Reference | None, vectors: F32, metric: str, seed: int | None
) -> F32 | None:
    """Where the layout starts: the reference's places (new points at their nearest shared
    neighbour's)."""
    if reference is None:
        return None
    checked: Metric = "l2" if metric == "l2" else "cosine"
    return seed_layout(vectors, reference.shared, reference.coords, metric=checked, seed=seed)


def rotate_onto(reference: Reference | None, coords: F32) -> tuple[F32, dict[str, Any]]:
    """``coords`` moved by the similarity that best lays their shared points onto the
    reference's (orthogonal Procrustes), and that similarity as entries of the map's model
    (PCA places later points by its axes, then needs the same move: :func:`into_frame`)."""
    if reference is None:
        return coords, {"aligned_to": -1}
    fit = procrustes(coords[reference.shared], reference.coords)
    frame = {
        "aligned_to": reference.projection_id,
        "aligned_version": reference.version,
        "align_rotation": fit.rotation,
        "align_scale": fit.scale,
        "align_source_mean": fit.source_mean,
        "align_target_mean": fit.target_mean,
        "align_residual": fit.residual,
    }
    return fit.apply(coords), frame


def into_frame(algorithm: str, model: dict[str, Any], coords: F32) -> F32:
    """Points placed into an aligned map, on its frame: PCA's placement (by its axes) is
    moved as the map was; UMAP's and t-SNE's already start from the map's own places."""
    if algorithm != "pca" or "align_rotation" not in model:
        return coords
    fit = Similarity(
        rotation=np.asarray(model["align_rotation"], dtype=np.float64),
        scale=float(model["align_scale"]),
        source_mean=np.asarray(model["align_source_mean"], dtype=np.float64),
        target_mean=np.asarray(model["align_target_mean"], dtype=np.float64),
        residual=float(model["align_residual"]),
    )
    return fit.apply(coords)


def dependants(session: Session, projection_id: int) -> list[ProjectionSet]:
    """The maps aligned to this one."""
    return list(
        session.scalars(select(ProjectionSet).where(ProjectionSet.align_to_id == projection_id))
    )
