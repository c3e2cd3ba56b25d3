"""Keeping a space's index, maps and analyses current as data arrives (the ``space.refresh``
job)."""

from __future__ import annotations

from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from chroma.db.models import Space
from chroma.services import catalog
from chroma.services import jobs as job_service
from chroma.services.analyses.freshness import queue_stale
from chroma.services.jobs import JobKind
from chroma.services.projections import queue_map_updates

MIN_POINTS_FOR_A_MAP = 3


@dataclass(frozen=True)
class FollowUps:
    job_ids: list[int] = field(default_factory=list)
    """Every job queued, in order."""
    analyses: dict[int, int] = field(default_factory=dict)
    """Stale analyses (auto refresh on) queued for a recomputation: id -> its job."""
    analyses_skipped: dict[int, str] = field(default_factory=dict)
    """Stale analyses whose checks fail now, by id: why."""

    def result(self) -> dict[str, object]:
        """The ``space.refresh`` job's result (JSON)."""
        return {
            "jobs": list(self.job_ids),
            "analyses": [{"analysis_id": a, "job_id": j} for a, j in sorted(self.analyses.items())],
            "analyses_skipped": [
                {"analysis_id": a, "reason": r} for a, r in sorted(self.analyses_skipped.items())
            ],
        }


def space_id_of(session: Session, project: str, space: str) -> int:
    return catalog.get_space(session, catalog.get_project(session, project), space).id


def follow_ups(session: Session, space_id: int) -> FollowUps:
    """Queue the map updates, the index update and the recomputation of stale analyses a
    space needs now.

    Maps first: what the user waits to see must not queue behind the index (runners take
    jobs oldest first). A first map computes the neighbours it needs itself. Analyses
    last, after the index update, so that they can reuse its kNN graph.
    """
    space = session.get(Space, space_id)
    if space is None:
        return FollowUps()
    maps = queue_map_updates(session, space, min_points=MIN_POINTS_FOR_A_MAP)
    index = job_service.create_job(
        session, JobKind.NEIGHBOURS_UPDATE, project_id=space.project_id, space_id=space_id
    )
    session.flush()
    stale = queue_stale(session, space)
    session.flush()
    return FollowUps(
        job_ids=[*maps, index.id, *stale.queued.values()],
        analyses=stale.queued,
        analyses_skipped=stale.skipped,
    )


def queue_follow_ups(session: Session, space_id: int) -> list[int]:
    """:func:`follow_ups`, answering the ids of the jobs queued."""
    return follow_ups(session, space_id).job_ids
