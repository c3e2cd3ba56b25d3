"""The kinds of quality analysis, their parameters and the columns each one writes.

Parameters are checked here without the database (types, ranges, names); what depends on
the space (enough points, labels, a reference, a map to cluster) is checked by
``services/analyses.py`` before any job row exists. Both raise
:class:`~chroma.core.errors.InvalidInput` whose ``where`` names the culprit
(``"kind"``, ``"params.k"``, ...).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

from chroma.compute.analyses.class_distance import MIN_CLASS_SIZE
from chroma.compute.analyses.label_next import CANDIDATE_ROWS, DEFAULT_WEIGHTS
from chroma.compute.analyses.mislabels import REVIEW_SHARE
from chroma.compute.analyses.outliers import DEFAULT_METHOD, DEFAULT_QUANTILE
from chroma.compute.analyses.outliers import METHODS as OOD_METHODS
from chroma.core.errors import InvalidInput

MIN_ROWS = 10
"""Fewer points than this make no analysis worth a job."""
GRAPH_K_LIMIT = 15
"""Neighbours the mislabel and label-next scores read: the space's stored kNN graph has
15 (``services.neighbours.GRAPH_K``), so up to this many never need a graph of their own."""


@dataclass(frozen=True)
class Param:
    kind: str  # "int" | "float" | "str" | "names" | "weights"
    default: Any
    low: float | None = None
    high: float | None = None
    optional: bool = False
    choices: tuple[str, ...] = ()
    open_low: bool = False  # low itself not allowed
    open_high: bool = False


@dataclass(frozen=True)
class Kind:
    params: dict[str, Param]
    columns: dict[str, str]
    """Column name -> Arrow-ish type: float32, int64, string, bool, list<int64>."""
    order: tuple[str, bool]
    """The natural order of its rows: (column, descending)."""
    reference: bool = False
    """Measured against reference datasets."""
    labels: bool = False
    """Needs labelled points."""
    description: str = ""
    extra: dict[str, Any] = field(default_factory=dict)


KINDS: dict[str, Kind] = {
    "class_distance": Kind(
        params={"min_class_size": Param("int", MIN_CLASS_SIZE, low=2, high=1_000_000)},
        columns={
            "class_distance": "float32",
            "nearest_class": "string",
            "nearest_class_distance": "float32",
        },
        order=("class_distance", True),
        reference=True,
        labels=True,
        description="Mahalanobis distance of each point to its labelled class's reference "
        "distribution, and the nearest class",
    ),
    "mislabels": Kind(
        params={
            "k": Param("int", 10, low=1, high=GRAPH_K_LIMIT),
            "review_share": Param("float", REVIEW_SHARE, low=0.0, high=1.0, open_low=True),
        },
        columns={
            "mislabel_score": "float32",
            "suggested_label": "string",
            "label_agreement": "float32",
            "evidence": "list<int64>",
        },
        order=("mislabel_score", True),
        labels=True,
        description="labels their nearest neighbours, a linear model of the labels and the "
        "logged model disagree with; the top review_share of the labelled points get a "
        "suggested label",
    ),
    "outliers": Kind(
        params={
            "k": Param("int", 10, low=1, high=100),
            "quantile": Param("float", DEFAULT_QUANTILE, low=0.5, high=1.0, open_high=True),
            "method": Param("str", DEFAULT_METHOD, choices=OOD_METHODS),
        },
        columns={
            "ood_score": "float32",
            "knn_distance": "float32",
            "density_score": "float32",
            "ood": "bool",
        },
        order=("ood_score", True),
        reference=True,
        description="how far each point lies outside the reference (distance to it, and "
        "how much denser the other points are there), distance to the k-th nearest "
        "reference point, density (LOF), and out-of-distribution flags calibrated on the "
        "reference (quantile: 1 - the share of in-distribution points flagged)",
    ),
    "duplicates": Kind(
        params={
            "threshold": Param("float", None, low=0.0, optional=True, open_low=True),
            "k": Param("int", 10, low=1, high=50),
        },
        columns={"duplicate_group": "int64", "duplicate_distance": "float32"},
        order=("duplicate_group", False),
        description="groups of near-identical points, and pairs across datasets (leakage)",
    ),
    "clusters": Kind(
        params={
            "source": Param("str", "projection", choices=("projection", "vectors")),
            "projection": Param("int", None, low=1, optional=True),
            "min_cluster_size": Param("int", None, low=2, high=1_000_000, optional=True),
            "baseline": Param("str", None, optional=True),
            "current": Param("str", None, optional=True),
        },
        columns={"cluster": "int64"},
        order=("cluster", False),
        description="density clusters (HDBSCAN) of a map or of the vectors, described, and "
        "their drift between two datasets",
    ),
    "label_next": Kind(
        params={
            "size": Param("int", 100, low=1, high=1_000_000),
            "weights": Param("weights", DEFAULT_WEIGHTS),
            "candidates": Param("names", None, optional=True),
            "candidate_rows": Param("str", "all", choices=CANDIDATE_ROWS),
            "k": Param("int", 10, low=1, high=GRAPH_K_LIMIT),
        },
        columns={"label_next_rank": "int64", "label_next_score": "float32"},
        order=("label_next_rank", False),
        description="which points to label next: likely mislabelled, uncertain or far from "
        "the labelled points, and spread over the space; candidate_rows picks among all, "
        "the unlabelled or the labelled points",
    ),
    "compare": Kind(
        params={
            "space_b": Param("int", None, low=1, high=2**63 - 1),
            "k": Param("int", 10, low=1, high=100),
        },
        columns={
            "neighbour_overlap": "float32",
            "moved": "float32",
            "gained_labels": "string",
            "lost_labels": "string",
            "moved_rank": "int64",
        },
        order=("moved_rank", False),
        description="how each shared datapoint's k nearest neighbours changed in a second "
        "space of the project (ADR 0015: comparisons.py)",
    ),
}


def get_kind(kind: str) -> Kind:
    if not isinstance(kind, str) or kind not in KINDS:
        raise InvalidInput(
            f"unknown analysis kind {kind!r}; use one of {', '.join(KINDS)}", where="kind"
        )
    return KINDS[kind]


def _fail(name: str, message: str) -> InvalidInput:
    return InvalidInput(message, where=f"params.{name}")


MAX_INT = 2**63 - 1
"""Integer parameters beyond 64 bits are refused (JSON and GraphQL allow any size)."""


def _number(name: str, spec: Param, value: Any) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(name, f"{name} must be a number, not {value!r}")
    if isinstance(value, int) and not -MAX_INT <= value <= MAX_INT:
        # Beyond any float too: math.isfinite would raise OverflowError.
        raise _fail(name, f"{name} must be a number within 64 bits")
    if not math.isfinite(value):
        raise _fail(name, f"{name} must be a finite number, not {value!r}")
    number: int | float
    if spec.kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise _fail(name, f"{name} must be a whole number, not {value!r}")
        number = int(value)
    else:
        number = float(value)
    value = number
    low_ok = spec.low is None or (value > spec.low if spec.open_low else value >= spec.low)
    high_ok = spec.high is None or (value < spec.high if spec.open_high else value <= spec.high)
    if not (low_ok and high_ok):
        low = "" if spec.low is None else f"{'>' if spec.open_low else '>='} {spec.low:g}"
        high = "" if spec.high is None else f"{'<' if spec.open_high else '<='} {spec.high:g}"
        raise _fail(name, f"{name} must be {' and '.join(p for p in (low, high) if p)}: {value!r}")
    return number


def _weights(name: str, value: Any) -> dict[str, float]:
    if not isinstance(value, Mapping):
        raise _fail(name, f"{name} must be an object like {DEFAULT_WEIGHTS}, not {value!r}")
    out = dict(DEFAULT_WEIGHTS)  # weights not named keep their default
    for key, weight in value.items():
        if key not in DEFAULT_WEIGHTS:
            raise _fail(name, f"unknown weight {key!r}; use {', '.join(DEFAULT_WEIGHTS)}")
        out[key] = float(_number(f"{name}.{key}", Param("float", 0.0, low=0.0), weight))
    if not any(out.values()):
        raise _fail(name, f"at least one of {', '.join(DEFAULT_WEIGHTS)} must weigh more than 0")
    return out


def _names(name: str, value: Any) -> list[str]:
    names = [value] if isinstance(value, str) else value
    if not isinstance(names, list) or not names or not all(isinstance(n, str) for n in names):
        raise _fail(name, f"{name} must be a list of dataset names, not {value!r}")
    return list(dict.fromkeys(names))


def _coerce(name: str, spec: Param, value: Any) -> Any:
    if value is None:
        if spec.optional:
            return None
        raise _fail(name, f"{name} must not be empty")
    if spec.kind == "weights":
        return _weights(name, value)
    if spec.kind == "names":
        return _names(name, value)
    if spec.kind == "str":
        if not isinstance(value, str) or (spec.choices and value not in spec.choices):
            wanted = f"one of {', '.join(spec.choices)}" if spec.choices else "a name"
            raise _fail(name, f"{name} must be {wanted}, not {value!r}")
        return value
    return _number(name, spec, value)


def validate_params(kind: str, params: Mapping[str, Any] | None) -> dict[str, Any]:
    """``params`` of ``kind`` complete with defaults; unknown names and bad values refused.

    Validating the result again returns it unchanged.

    Example:
        >>> validate_params("outliers", {"k": 5})
        {'k': 5, 'quantile': 0.95, 'method': 'combined'}
    """
    spec = get_kind(kind)
    if params is not None and not isinstance(params, Mapping):
        raise InvalidInput("params must be an object of parameter values", where="params")
    given = dict(params or {})
    for name in given:
        if name not in spec.params:
            known = ", ".join(spec.params) or "none"
            raise _fail(name, f"unknown parameter {name!r} for {kind}; known: {known}")
    out = {
        name: _coerce(name, p, given[name]) if name in given else _default(p)
        for name, p in spec.params.items()
    }
    if kind == "clusters" and (out["baseline"] is None) != (out["current"] is None):
        missing = "current" if out["current"] is None else "baseline"
        raise _fail(missing, "name both baseline and current datasets for drift, or neither")
    if kind == "clusters" and out["baseline"] is not None and out["baseline"] == out["current"]:
        raise _fail("current", "baseline and current must be different datasets")
    return out


def _default(spec: Param) -> Any:
    return dict(spec.default) if isinstance(spec.default, dict) else spec.default
