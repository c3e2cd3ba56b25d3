"""Keeping a space's index and maps current as data arrives (the ``space.refresh`` job)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chroma.db.models import Space
from chroma.services import catalog
from chroma.services import jobs as job_service
from chroma.services.jobs import JobKind
from chroma.services.projections import queue_map_updates

MIN_POINTS_FOR_A_MAP = 3


def space_id_of(session: Session, project: str, space: str) -> int:
    return catalog.get_space(session, catalog.get_project(session, project), space).id


def queue_follow_ups(session: Session, space_id: int) -> list[int]:
    """Queue the map updates and the index update a space needs now; return their ids.

    Maps first: what the user waits to see must not queue behind the index (runners take
    jobs oldest first). A first map computes the neighbours it needs itself.
    """
    space = session.get(Space, space_id)
    if space is None:
        return []
    maps = queue_map_updates(session, space, min_points=MIN_POINTS_FOR_A_MAP)
    index = job_service.create_job(
        session, JobKind.NEIGHBOURS_UPDATE, project_id=space.project_id, space_id=space_id
    )
    session.flush()
    return [*maps, index.id]
