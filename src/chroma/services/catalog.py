"""Finding (and, for ingest, creating) projects, datasets and spaces by name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.orm import Session

from chroma.core.errors import InvalidInput, NotFound
from chroma.db.models import Dataset, Project, Space

MAX_NAME_LENGTH = 200


def check_name(kind: str, name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"{kind} name must be a non-empty string", where=kind)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"{kind} name is longer than {MAX_NAME_LENGTH} characters", where=kind)
    return name


def get_project(session: Session, name: str) -> Project:
    project = session.scalar(select(Project).where(Project.name == name))
    if project is None:
        raise NotFound(f"no project named {name!r}", where="project")
    return project


def get_dataset(session: Session, project: Project, name: str) -> Dataset:
    dataset = session.scalar(
        select(Dataset).where(Dataset.project_id == project.id, Dataset.name == name)
    )
    if dataset is None:
        raise NotFound(f"no dataset named {name!r} in project {project.name!r}", where="dataset")
    return dataset


def get_space(session: Session, project: Project, name: str) -> Space:
    space = session.scalar(select(Space).where(Space.project_id == project.id, Space.name == name))
    if space is None:
        raise NotFound(f"no space named {name!r} in project {project.name!r}", where="space")
    return space


def _insert_ignoring_conflict(session: Session, model: type, values: dict[str, object]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: two concurrent first logs both succeed."""
    insert = pg_insert if session.get_bind().dialect.name == "postgresql" else sqlite_insert
    session.execute(insert(model).values(**values).on_conflict_do_nothing())


def ensure_project(session: Session, name: str) -> Project:
    found = session.scalar(select(Project).where(Project.name == name))
    if found is not None:  # every batch after the first: one query, no write
        return found
    _insert_ignoring_conflict(session, Project, {"name": check_name("project", name)})
    return get_project(session, name)


def ensure_dataset(session: Session, project: Project, name: str) -> Dataset:
    found = session.scalar(
        select(Dataset).where(Dataset.project_id == project.id, Dataset.name == name)
    )
    if found is not None:
        return found
    values = {"project_id": project.id, "name": check_name("dataset", name)}
    _insert_ignoring_conflict(session, Dataset, values)
    return get_dataset(session, project, name)


def ensure_space(
    session: Session,
    project: Project,
    name: str,
    dimension: int,
    model: str | None = None,
    layer: str | None = None,
) -> Space:
    """The space, created with ``dimension`` if new; a fixed dimension never changes."""
    if dimension < 1:
        raise InvalidInput("a space needs vectors of at least one dimension", where="vector")
    found = session.scalar(select(Space).where(Space.project_id == project.id, Space.name == name))
    if found is not None:
        check_dimension(found, dimension)
        return found
    values = {
        "project_id": project.id,
        "name": check_name("space", name),
        "dimension": dimension,
        "model": model,
        "layer": layer,
    }
    _insert_ignoring_conflict(session, Space, values)
    space = get_space(session, project, name)
    check_dimension(space, dimension)
    return space


def check_dimension(space: Space, dimension: int) -> None:
    if space.dimension != dimension:
        raise InvalidInput(
            f"space {space.name!r} holds vectors of dimension {space.dimension}, "
            f"this batch has dimension {dimension}",
            where="vector",
        )


__all__ = [
    "check_dimension",
    "ensure_dataset",
    "ensure_project",
    "ensure_space",
    "get_dataset",
    "get_project",
    "get_space",
]
