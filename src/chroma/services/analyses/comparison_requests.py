"""A comparison of two spaces requested by their names (GraphQL ``compareSpaces``, the
SDK's ``run.compare``): the ``compare`` analysis of the first space (ADR 0015)."""

from __future__ import annotations

from sqlalchemy.orm import Session

from chroma.core.errors import ChromaError, InvalidInput, NotFound
from chroma.db.store import Store
from chroma.services import catalog
from chroma.services.analyses.comparisons import KIND
from chroma.services.analyses.requests import AnalysisRecord, get_analysis, run_analysis
from chroma.services.jobs import JobRecord

_WHERE = {"params.space_b": "spaceB", "params.k": "k", "space": "spaceA"}


def compare_spaces(
    store: Store,
    *,
    project: str,
    space_a: str,
    space_b: str,
    k: int = 10,
    project_b: str | None = None,
    datasets: list[str] | None = None,
) -> tuple[AnalysisRecord, JobRecord]:
    """Compare two spaces of ``project`` by name: everything checked, then one job queued
    (the ``compare`` analysis of ``space_a``). Errors name the argument (``spaceA``,
    ``spaceB``, ``projectB``, ``k``)."""
    with store.read() as session:
        found = catalog.get_project(session, project)
        if project_b is not None and project_b != project:
            try:
                catalog.get_project(session, project_b)
            except NotFound as error:
                raise NotFound(error.message, where="projectB") from None
            raise InvalidInput(
                f"spaces of different projects ({project!r}, {project_b!r}) share no "
                "datapoints: compare two spaces of one project",
                where="projectB",
            )
        spaces = {}
        for name, where in ((space_a, "spaceA"), (space_b, "spaceB")):
            try:
                spaces[where] = catalog.get_space(session, found, name)
            except NotFound as error:
                raise NotFound(error.message, where=where) from None
        other_id = spaces["spaceB"].id
    try:
        return run_analysis(
            store,
            project=project,
            space=space_a,
            kind=KIND,
            datasets=datasets,
            params={"space_b": other_id, "k": k},
        )
    except ChromaError as error:
        if error.where in _WHERE:
            error.where = _WHERE[error.where]
        raise


def get_comparison(session: Session, analysis_id: int) -> AnalysisRecord:
    """A comparison by id: an analysis of kind ``compare`` (another kind is not one)."""
    try:
        record = get_analysis(session, analysis_id)
    except NotFound:
        record = None
    if record is None or record.kind != KIND:
        raise NotFound(f"no comparison with id {analysis_id}", where="comparison")
    return record
