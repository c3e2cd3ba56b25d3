"""Checking a quality-analysis request against its space, before any row is written.

What a job would trip over is refused here with a clear ``where``: unknown datasets
(``datasets``), too few points (``datasets``, ``params.k``), no labels where labels are
compared (``labels``), no reference where scores are measured against one
(``reference``), no map to cluster (``params.projection``). What passes is the plan to
store: the datasets, the reference and the params with what the space decides filled in
(the map to cluster, the two datasets to compare for drift).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from chroma.core.errors import InvalidInput, NotFound
from chroma.db.models import Datapoint, EmbeddingChunk, ProjectionSet, Space
from chroma.db.vectors import space_size
from chroma.services.analyses.comparisons import check_comparison
from chroma.services.analyses.params import MIN_ROWS, Kind, get_kind
from chroma.services.catalog import dataset_names


def _datasets_with_vectors(session: Session, space_id: int) -> list[int]:
    query = (
        select(EmbeddingChunk.dataset_id)
        .where(EmbeddingChunk.space_id == space_id, EmbeddingChunk.live_count > 0)
        .distinct()
    )
    return sorted(int(i) for i in session.scalars(query))


@dataclass(frozen=True)
class Plan:
    dataset_ids: list[int] | None
    reference_ids: list[int] | None
    params: dict[str, Any]


def plan_analysis(
    session: Session,
    space: Space,
    kind: str,
    chosen: list[int] | None,
    reference: list[int] | None,
    params: dict[str, Any],
) -> Plan:
    """Every check that needs the space; the datasets, reference and params to store."""
    spec = get_kind(kind)
    names = dataset_names(session, space.project_id)
    present = _datasets_with_vectors(session, space.id)
    if not present:
        raise InvalidInput(f"space {space.name!r} holds no vectors yet", where="space")
    for dataset_id in [*(chosen or []), *(reference or [])]:
        if dataset_id not in names:
            raise NotFound(f"dataset {dataset_id} no longer exists", where="datasets")
    for dataset_id in chosen or []:
        if dataset_id not in present:
            raise InvalidInput(
                f"dataset {names[dataset_id]!r} has no vectors in space {space.name!r}",
                where="datasets",
            )
    analysed = chosen or present
    if spec.reference:
        if reference is None:
            if len(analysed) != 1:
                listed = sorted(names[i] for i in analysed)
                raise InvalidInput(
                    f"name the dataset the scores are measured against, one of {listed}",
                    where="reference",
                )
            reference = list(analysed)
        for dataset_id in reference:
            if dataset_id not in present:
                raise InvalidInput(
                    f"reference dataset {names[dataset_id]!r} has no vectors in space "
                    f"{space.name!r}",
                    where="reference",
                )
        if chosen is not None:  # the reference's own rows are always scored too
            chosen = sorted(set(chosen) | set(reference))
            analysed = chosen
    elif reference is not None:
        raise InvalidInput(
            f"{kind} is measured against no reference: leave it out", where="reference"
        )
    n = space_size(session, space.id, chosen)
    if n < MIN_ROWS:
        raise InvalidInput(
            f"{kind} needs at least {MIN_ROWS} points with vectors; the datasets hold {n}",
            where="datasets",
        )
    k = params.get("k")
    if k is not None and kind not in ("outliers", "compare") and n < k + 1:
        raise InvalidInput(f"k={k} needs at least {k + 1} points; there are {n}", where="params.k")
    context = _Context(session, space, spec, kind, names, analysed, reference, n)
    params = _CHECKS.get(kind, _no_check)(context, params)
    return Plan(chosen, reference, params)


@dataclass(frozen=True)
class _Context:
    session: Session
    space: Space
    spec: Kind
    kind: str
    names: dict[int, str]
    analysed: list[int]
    reference: list[int] | None
    n: int

    def listed(self, ids: Sequence[int]) -> list[str]:
        return sorted(self.names[i] for i in ids)


def _no_check(_context: _Context, params: dict[str, Any]) -> dict[str, Any]:
    return params


def _label_counts(session: Session, dataset_ids: list[int]) -> dict[str, int]:
    query = (
        select(Datapoint.label, func.count())
        .where(Datapoint.dataset_id.in_(dataset_ids), Datapoint.label.is_not(None))
        .group_by(Datapoint.label)
    )
    return {str(label): int(count) for label, count in session.execute(query).all()}


def _check_mislabels(context: _Context, params: dict[str, Any]) -> dict[str, Any]:
    counts = _label_counts(context.session, context.analysed)
    if not counts:
        raise InvalidInput(
            f"no datapoint of {context.listed(context.analysed)} has a label: mislabels "
            "compares labels with their neighbours' (log labels=...)",
            where="labels",
        )
    if len(counts) < 2:
        raise InvalidInput(
            f"every label is {next(iter(counts))!r}: mislabels needs at least two classes",
            where="labels",
        )
    return params


def _check_class_distance(context: _Context, params: dict[str, Any]) -> dict[str, Any]:
    assert context.reference is not None
    counts = _label_counts(context.session, context.reference)
    if not counts:
        raise InvalidInput(
            f"no datapoint of the reference {context.listed(context.reference)} has a label: "
            "class distance fits one distribution per labelled class",
            where="labels",
        )
    largest, size = max(counts.items(), key=lambda item: item[1])
    if size < params["min_class_size"]:
        raise InvalidInput(
            f"no class of the reference has {params['min_class_size']} labelled points "
            f"(largest: {largest!r} with {size}); lower params.min_class_size or log more labels",
            where="labels",
        )
    return params


def _check_outliers(context: _Context, params: dict[str, Any]) -> dict[str, Any]:
    assert context.reference is not None
    m = space_size(context.session, context.space.id, context.reference)
    if m < params["k"] + 1:
        raise InvalidInput(
            f"outliers with k={params['k']} need at least {params['k'] + 1} reference points; "
            f"{context.listed(context.reference)} hold {m}",
            where="reference",
        )
    return params


def _dataset_param(context: _Context, params: dict[str, Any], name: str) -> None:
    value = params[name]
    if value is None:
        return
    allowed = context.listed(context.analysed)
    values = value if isinstance(value, list) else [value]
    for item in values:
        if item not in allowed:
            raise InvalidInput(
                f"{name}: {item!r} is not one of the analysed datasets {allowed}",
                where=f"params.{name}",
            )


def _check_clusters(context: _Context, params: dict[str, Any]) -> dict[str, Any]:
    params = dict(params)
    _dataset_param(context, params, "baseline")
    _dataset_param(context, params, "current")
    if params["baseline"] is None and len(context.analysed) == 2:
        params["baseline"], params["current"] = (context.names[i] for i in context.analysed)
    if params["source"] == "vectors":
        if params["projection"] is not None:
            raise InvalidInput(
                "source 'vectors' clusters the vectors themselves: leave projection out",
                where="params.projection",
            )
        return params
    query = select(ProjectionSet).where(
        ProjectionSet.space_id == context.space.id, ProjectionSet.computed_at.is_not(None)
    )
    if params["projection"] is not None:
        found = context.session.scalar(query.where(ProjectionSet.id == params["projection"]))
        if found is None:
            raise InvalidInput(
                f"no computed map {params['projection']} of space {context.space.name!r}",
                where="params.projection",
            )
        return params
    newest = context.session.scalar(query.order_by(ProjectionSet.computed_at.desc()).limit(1))
    if newest is None:
        raise InvalidInput(
            f"space {context.space.name!r} has no computed map to cluster: make one "
            "(createProjection), or pass params {source: 'vectors'}",
            where="params.projection",
        )
    params["projection"] = newest.id
    return params


def _check_label_next(context: _Context, params: dict[str, Any]) -> dict[str, Any]:
    _dataset_param(context, params, "candidates")
    which = params.get("candidate_rows", "all")
    if which == "all":
        return params
    by_name = {name: i for i, name in context.names.items()}
    names = params["candidates"]
    datasets = (
        [by_name[name] for name in (names if isinstance(names, list) else [names])]
        if names is not None
        else context.analysed
    )
    labelled = Datapoint.label.is_not(None) if which == "labelled" else Datapoint.label.is_(None)
    found = context.session.scalar(
        select(Datapoint.id).where(Datapoint.dataset_id.in_(datasets), labelled).limit(1)
    )
    if found is None:
        raise InvalidInput(
            f"candidate_rows is {which!r} but no datapoint of {context.listed(datasets)} is "
            f"{which}: pick other candidates or candidate_rows 'all'",
            where="params.candidate_rows",
        )
    return params


def _check_compare(context: _Context, params: dict[str, Any]) -> dict[str, Any]:
    return check_comparison(context.session, context.space, context.analysed, params)


_CHECKS = {
    "mislabels": _check_mislabels,
    "class_distance": _check_class_distance,
    "outliers": _check_outliers,
    "clusters": _check_clusters,
    "label_next": _check_label_next,
    "compare": _check_compare,
}
