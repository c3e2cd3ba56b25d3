"""Tagging many datapoints at once, and reading tags back for many datapoints.

Tags are per project and created on first use. Adding and removing are idempotent set
operations done as ``INSERT ... SELECT ... ON CONFLICT DO NOTHING`` / ``DELETE ... IN``
statements: tagging a whole filter result never loads its ids into Python.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import CursorResult, Select, delete, exists, func, select
from sqlalchemy.orm import Session

from chroma.core.errors import InvalidInput, NotFound
from chroma.db.bulk import dialect_insert, in_steps
from chroma.db.models import Datapoint, Dataset, Project, Tag, datapoint_tag, utcnow
from chroma.db.store import Store
from chroma.services import catalog
from chroma.services.datapoints import DatapointFilter, matching_ids

MAX_TAGS_PER_CALL = 100


@dataclass(frozen=True)
class TagRecord:
    name: str
    datapoint_count: int


@dataclass(frozen=True)
class TagChange:
    """What a tag call did: datapoints it addressed, and links actually added or removed."""

    matched: int
    changed: int


def _check_tags(tags: Sequence[str]) -> list[str]:
    if not tags:
        raise InvalidInput("name at least one tag", where="tags")
    if len(tags) > MAX_TAGS_PER_CALL:
        raise InvalidInput(f"at most {MAX_TAGS_PER_CALL} tags per call", where="tags")
    return sorted({catalog.check_name("tag", tag) for tag in tags})


def _project_datapoints(project: Project) -> Select[int]:
    return (
        select(Datapoint.id)
        .join(Dataset, Dataset.id == Datapoint.dataset_id)
        .where(Dataset.project_id == project.id)
    )


def _check_ids(session: Session, project: Project, ids: list[int]) -> None:
    found: set[int] = set()
    for part in in_steps(ids):
        found.update(session.scalars(_project_datapoints(project).where(Datapoint.id.in_(part))))
    missing = sorted(set(ids) - found)
    if missing:
        shown = ", ".join(str(i) for i in missing[:5]) + (", ..." if len(missing) > 5 else "")
        raise NotFound(
            f"{len(missing)} datapoint id(s) are not in project {project.name!r}: {shown}",
            where="datapointIds",
        )


def _ensure_tags(session: Session, project: Project, names: list[str]) -> None:
    now = utcnow()
    rows = [{"project_id": project.id, "name": name, "created_at": now} for name in names]
    session.execute(dialect_insert(session)(Tag).values(rows).on_conflict_do_nothing())


def _tag_ids(project: Project, names: list[str]) -> Select[int]:
    return select(Tag.id).where(Tag.project_id == project.id, Tag.name.in_(names))


def _link(session: Session, project: Project, selected: Select[int], names: list[str]) -> int:
    pairs = (
        select(Datapoint.id, Tag.id)
        .join(Tag, Tag.project_id == project.id)
        .where(Datapoint.id.in_(selected), Tag.name.in_(names))
    )
    statement = (
        dialect_insert(session)(datapoint_tag)
        .from_select(["datapoint_id", "tag_id"], pairs)
        .on_conflict_do_nothing()
        # psycopg's INSERT ... SELECT rowcount is gone by the time it is asked for otherwise.
        .execution_options(preserve_rowcount=True)
    )
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount


def _unlink(session: Session, project: Project, selected: Select[int], names: list[str]) -> int:
    statement = (
        delete(datapoint_tag)
        .where(
            datapoint_tag.c.datapoint_id.in_(selected),
            datapoint_tag.c.tag_id.in_(_tag_ids(project, names)),
        )
        .execution_options(preserve_rowcount=True)
    )
    result: CursorResult[Any] = session.execute(statement)  # type: ignore[assignment]
    return result.rowcount


def _drop_unused(session: Session, project: Project, names: list[str]) -> None:
    """Tags are made on demand, so a tag no datapoint carries any more goes away too."""
    in_use = exists().where(datapoint_tag.c.tag_id == Tag.id)
    session.execute(delete(Tag).where(Tag.project_id == project.id, Tag.name.in_(names), ~in_use))


def _done(session: Session, project: Project, change: TagChange) -> TagChange:
    """A change that linked or unlinked something makes the project's caches stale."""
    if change.changed:
        catalog.bump_project(session, project.id)
    return change


def add_tags(
    store: Store, project: str, datapoint_ids: Sequence[int], tags: Sequence[str]
) -> TagChange:
    names = _check_tags(tags)
    ids = sorted(set(datapoint_ids))
    with store.write() as session:
        proj = catalog.get_project(session, project)
        _check_ids(session, proj, ids)
        _ensure_tags(session, proj, names)
        changed = 0
        for part in in_steps(ids):
            changed += _link(
                session, proj, select(Datapoint.id).where(Datapoint.id.in_(part)), names
            )
        return _done(session, proj, TagChange(matched=len(ids), changed=changed))


def remove_tags(
    store: Store, project: str, datapoint_ids: Sequence[int], tags: Sequence[str]
) -> TagChange:
    names = _check_tags(tags)
    ids = sorted(set(datapoint_ids))
    with store.write() as session:
        proj = catalog.get_project(session, project)
        _check_ids(session, proj, ids)
        changed = 0
        for part in in_steps(ids):
            selected = select(Datapoint.id).where(Datapoint.id.in_(part))
            changed += _unlink(session, proj, selected, names)
        _drop_unused(session, proj, names)
        return _done(session, proj, TagChange(matched=len(ids), changed=changed))


def _count(session: Session, selected: Select[int]) -> int:
    return int(session.execute(select(func.count()).select_from(selected.subquery())).scalar_one())


def add_tags_where(
    store: Store, project: str, where: DatapointFilter, tags: Sequence[str]
) -> TagChange:
    names = _check_tags(tags)
    with store.write() as session:
        proj = catalog.get_project(session, project)
        selected = matching_ids(session, proj, where)
        # Counted first: a filter on the very tags being changed matches other rows after.
        matched = _count(session, selected)
        _ensure_tags(session, proj, names)
        return _done(
            session, proj, TagChange(matched=matched, changed=_link(session, proj, selected, names))
        )


def remove_tags_where(
    store: Store, project: str, where: DatapointFilter, tags: Sequence[str]
) -> TagChange:
    names = _check_tags(tags)
    with store.write() as session:
        proj = catalog.get_project(session, project)
        selected = matching_ids(session, proj, where)
        matched = _count(session, selected)
        changed = _unlink(session, proj, selected, names)
        _drop_unused(session, proj, names)
        return _done(session, proj, TagChange(matched=matched, changed=changed))


def tags_by_datapoint(
    session: Session,
    project_id: int | None = None,
    *,
    dataset_ids: Sequence[int] | None = None,
    datapoint_ids: Sequence[int] | None = None,
) -> dict[int, list[str]]:
    """Sorted tag names per tagged datapoint (of the project; in ``dataset_ids``; among
    ``datapoint_ids``: each when given). Datapoints without tags are absent.

    The one "tags by datapoint" read: points, exports, facets, the SDK's table and the
    GraphQL dataloader all go through it.
    """
    query = select(datapoint_tag.c.datapoint_id, Tag.name).join(
        Tag, Tag.id == datapoint_tag.c.tag_id
    )
    if project_id is not None:
        query = query.where(Tag.project_id == project_id)
    if dataset_ids is not None:
        query = query.join(Datapoint, Datapoint.id == datapoint_tag.c.datapoint_id).where(
            Datapoint.dataset_id.in_(list(dataset_ids))
        )
    query = query.order_by(datapoint_tag.c.datapoint_id, Tag.name)
    found: defaultdict[int, list[str]] = defaultdict(list)
    parts = [None] if datapoint_ids is None else in_steps(datapoint_ids)
    for part in parts:
        some = query if part is None else query.where(datapoint_tag.c.datapoint_id.in_(part))
        for datapoint_id, name in session.execute(some):
            found[datapoint_id].append(name)
    return dict(found)


def tags_of_datapoints(session: Session, datapoint_ids: Sequence[int]) -> dict[int, list[str]]:
    """Tag names per datapoint, sorted; datapoints without tags are absent."""
    return tags_by_datapoint(session, datapoint_ids=datapoint_ids)


def tags_of_projects(session: Session, project_ids: Sequence[int]) -> dict[int, list[TagRecord]]:
    """Each project's tags with how many datapoints carry them, by name."""
    query = (
        select(Tag.project_id, Tag.name, func.count(datapoint_tag.c.datapoint_id))
        .outerjoin(datapoint_tag, datapoint_tag.c.tag_id == Tag.id)
        .where(Tag.project_id.in_(list(project_ids)))
        .group_by(Tag.project_id, Tag.id, Tag.name)
        .order_by(Tag.project_id, Tag.name)
    )
    found: defaultdict[int, list[TagRecord]] = defaultdict(list)
    for project_id, name, count in session.execute(query):
        found[project_id].append(TagRecord(name=name, datapoint_count=count))
    return dict(found)


__all__ = [
    "TagChange",
    "TagRecord",
    "add_tags",
    "add_tags_where",
    "remove_tags",
    "remove_tags_where",
    "tags_of_datapoints",
    "tags_of_projects",
]
