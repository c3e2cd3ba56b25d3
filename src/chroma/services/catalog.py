"""Finding (and, for ingest, creating) projects, datasets and spaces by name."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.orm import Session

from chroma.core.errors import InvalidInput, NotFound
from chroma.db.bulk import dialect_insert
from chroma.db.models import Dataset, Project, Space

MAX_NAME_LENGTH = 200


def check_name(kind: str, name: str) -> str:
    if not isinstance(name, str) or not name.strip():
        raise InvalidInput(f"{kind} name must be a non-empty string", where=kind)
    if len(name) > MAX_NAME_LENGTH:
        raise InvalidInput(f"{kind} name is longer than {MAX_NAME_LENGTH} characters", where=kind)
    return name


def _find_project(session: Session, name: str) -> Project | None:
    return session.scalar(select(Project).where(Project.name == name))


def _find_dataset(session: Session, project: Project, name: str) -> Dataset | None:
    return session.scalar(
        select(Dataset).where(Dataset.project_id == project.id, Dataset.name == name)
    )


def _find_space(session: Session, project: Project, name: str) -> Space | None:
    return session.scalar(select(Space).where(Space.project_id == project.id, Space.name == name))


def get_project(session: Session, name: str) -> Project:
    project = _find_project(session, name)
    if project is None:
        raise NotFound(f"no project named {name!r}", where="project")
    return project


def get_dataset(session: Session, project: Project, name: str) -> Dataset:
    dataset = _find_dataset(session, project, name)
    if dataset is None:
        raise NotFound(f"no dataset named {name!r} in project {project.name!r}", where="dataset")
    return dataset


def get_space(session: Session, project: Project, name: str) -> Space:
    space = _find_space(session, project, name)
    if space is None:
        raise NotFound(f"no space named {name!r} in project {project.name!r}", where="space")
    return space


def _insert_ignoring_conflict(session: Session, model: type, values: dict[str, object]) -> None:
    """INSERT ... ON CONFLICT DO NOTHING: two concurrent first logs both succeed."""
    session.execute(dialect_insert(session)(model).values(**values).on_conflict_do_nothing())


# The ensure_* functions read first: every batch after the first costs one query, no write.


def ensure_project(session: Session, name: str) -> Project:
    project = _find_project(session, name)
    if project is None:
        _insert_ignoring_conflict(session, Project, {"name": check_name("project", name)})
        project = get_project(session, name)
    return project


def ensure_dataset(session: Session, project: Project, name: str) -> Dataset:
    dataset = _find_dataset(session, project, name)
    if dataset is None:
        values = {"project_id": project.id, "name": check_name("dataset", name)}
        _insert_ignoring_conflict(session, Dataset, values)
        dataset = get_dataset(session, project, name)
    return dataset


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
    space = _find_space(session, project, name)
    if space is None:
        values = {
            "project_id": project.id,
            "name": check_name("space", name),
            "dimension": dimension,
            "model": model,
            "layer": layer,
        }
        _insert_ignoring_conflict(session, Space, values)
        space = get_space(session, project, name)
    check_dimension(space, dimension)  # a concurrent first batch may have fixed another
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
    "check_name",
    "ensure_dataset",
    "ensure_project",
    "ensure_space",
    "get_dataset",
    "get_project",
    "get_space",
]
