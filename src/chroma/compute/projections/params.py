"""The parameters of each projection algorithm: names, defaults and checks.

:func:`validate_params` is the one gate: it names the offending parameter in the error's
``where`` (``params.<name>``) so the API can point at the field, and returns the full set
with defaults filled in (``n_epochs`` resolved to the number that will run), which is what
a job should store next to its result.

Parameters (defaults in brackets):

- ``pca``: none (exact PCA of the vectors, unit-normalised first for ``cosine``).
- ``umap``: ``n_neighbors`` [15] neighbourhood size, counting the point itself as
  umap-learn does; ``min_dist`` [0.1] and ``spread`` [1.0] how tightly points pack;
  ``n_epochs`` [auto: 500 up to 10k points, 200 up to 50k, 100 above]; ``learning_rate``
  [1.0]; ``negative_sample_rate`` [5]; ``init`` [``pca``; ``spectral`` is umap-learn's
  default but its eigensolver can take minutes on clustered data (130 s on a 100k-point
  50-cluster mixture, against 0.03 s for PCA at the same trustworthiness); ``random``];
  ``random_state`` [None: both cores; a seed makes the SGD single-threaded and the
  layout reproducible for a given kNN graph]; ``landmarks`` [100,000; 0 = never].
- ``tsne``: ``perplexity`` [30]; ``n_iter`` [500] after ``early_exaggeration_iter``
  [250] at ``early_exaggeration`` [12]; ``exaggeration`` [None]; ``learning_rate``
  [``auto``: N / exaggeration]; ``dof`` [1, the Cauchy kernel; lower = heavier tails];
  ``init`` [``pca``, ``spectral``, ``random``]; ``random_state`` [None];
  ``landmarks`` [0 = never].
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from chroma.core.errors import InvalidInput

ALGORITHMS = ("pca", "umap", "tsne")

MIN_POINTS = {"pca": 3, "umap": 3, "tsne": 5}
"""Fewest points each algorithm accepts (a 2-D layout of fewer says nothing)."""

DEFAULT_LANDMARKS = {"umap": 100_000, "tsne": 0}
"""Above this many points, fit on this many sampled points and place the rest (0: never).

On by default for UMAP (1M points: ~1 minute instead of ~7); off for t-SNE, whose point is
local neighbourhoods that landmark placement would blur.
"""


def umap_epochs(n_points: int) -> int:
    """Optimisation epochs when ``n_epochs`` is not given: fewer for larger data.

    umap-learn runs 500 epochs up to 10,000 points and 200 above. From 50,000 points on
    we run 100: each epoch costs time in proportion to the points, and the layout has
    converged long before (100k-point mixture: trustworthiness 0.9910 after 50, 100 and
    200 epochs alike; 1M: 50 epochs as good as 200, docs MEASURED.md).
    """
    if n_points <= 10_000:
        return 500
    if n_points <= 50_000:
        return 200
    return 100


@dataclass(frozen=True)
class _Spec:
    kind: str  # "int" | "float" | "choice"
    default: Any
    optional: bool = False  # None allowed
    choices: tuple[str, ...] = ()
    number_choices: bool = False  # a "choice" that also takes a number ("auto" or 200.0)


_COMMON: dict[str, _Spec] = {"random_state": _Spec("int", None, optional=True)}

SPECS: dict[str, dict[str, _Spec]] = {
    "pca": {},  # exact: nothing to choose
    "umap": {
        **_COMMON,
        "n_neighbors": _Spec("int", 15),
        "min_dist": _Spec("float", 0.1),
        "spread": _Spec("float", 1.0),
        "n_epochs": _Spec("int", None, optional=True),
        "learning_rate": _Spec("float", 1.0),
        "negative_sample_rate": _Spec("int", 5),
        "init": _Spec("choice", "pca", choices=("pca", "spectral", "random")),
        "landmarks": _Spec("int", DEFAULT_LANDMARKS["umap"]),
    },
    "tsne": {
        **_COMMON,
        "perplexity": _Spec("float", 30.0),
        "n_iter": _Spec("int", 500),
        "early_exaggeration_iter": _Spec("int", 250),
        "early_exaggeration": _Spec("float", 12.0),
        "exaggeration": _Spec("float", None, optional=True),
        "learning_rate": _Spec("choice", "auto", choices=("auto",), number_choices=True),
        "dof": _Spec("float", 1.0),
        "init": _Spec("choice", "pca", choices=("pca", "spectral", "random")),
        "landmarks": _Spec("int", DEFAULT_LANDMARKS["tsne"]),
    },
}


def _fail(name: str, message: str) -> InvalidInput:
    return InvalidInput(message, where=f"params.{name}")


MAX_INT = 2**63 - 1
"""Integer parameters beyond 64 bits are refused (JSON and GraphQL allow any size)."""


def _number(name: str, value: Any, kind: str) -> int | float:
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _fail(name, f"{name} must be a number, not {value!r}")
    if isinstance(value, int) and not -MAX_INT <= value <= MAX_INT:
        # Beyond any float too: math.isfinite would raise OverflowError.
        raise _fail(name, f"{name} must be a number within 64 bits")
    if not math.isfinite(value):
        raise _fail(name, f"{name} must be a finite number, not {value!r}")
    if kind == "int":
        if isinstance(value, float) and not value.is_integer():
            raise _fail(name, f"{name} must be a whole number, not {value!r}")
        return int(value)
    return float(value)


def _coerce(name: str, spec: _Spec, value: Any) -> Any:
    if value is None:
        if spec.optional:
            return None
        raise _fail(name, f"{name} must not be empty")
    if spec.kind == "choice":
        if isinstance(value, str):
            if value not in spec.choices:
                raise _fail(name, f"{name} must be one of {', '.join(spec.choices)}; not {value!r}")
            return value
        if spec.number_choices:
            return _number(name, value, "float")
        raise _fail(name, f"{name} must be one of {', '.join(spec.choices)}; not {value!r}")
    return _number(name, value, spec.kind)


def _require(ok: bool, name: str, message: str) -> None:
    if not ok:
        raise _fail(name, message)


def validate_params(
    algorithm: str, params: Mapping[str, Any] | None, n_points: int
) -> dict[str, Any]:
    """Check ``params`` for ``algorithm`` on ``n_points`` points; return them complete.

    Raises :class:`~chroma.core.errors.InvalidInput` with ``where="algorithm"`` for an
    unknown algorithm, ``where="vectors"`` for too few points, and
    ``where="params.<name>"`` for an unknown parameter, a value of the wrong type, or a
    value out of range (``n_neighbors`` not in ``2..n_points-1``, ``min_dist`` not in
    ``[0, spread]``, ``perplexity`` too large for the number of points, ``n_epochs < 1``,
    ...). Returns a new dict holding every parameter of the algorithm, defaults filled in
    and UMAP's automatic ``n_epochs`` resolved; validating that dict again returns it
    unchanged.

    Example:
        >>> validate_params("umap", {"n_neighbors": 30}, 1000)["min_dist"]
        0.1
    """
    if algorithm not in SPECS:
        raise InvalidInput(
            f"unknown algorithm {algorithm!r}; use one of {', '.join(ALGORITHMS)}",
            where="algorithm",
        )
    specs = SPECS[algorithm]
    given = dict(params or {})
    for name in given:
        if name not in specs:
            raise _fail(
                name, f"unknown parameter {name!r} for {algorithm}; known: {', '.join(specs)}"
            )
    minimum = MIN_POINTS[algorithm]
    if n_points < minimum:
        raise InvalidInput(
            f"{algorithm} needs at least {minimum} points, got {n_points}", where="vectors"
        )
    out = {
        name: _coerce(name, spec, given[name]) if name in given else spec.default
        for name, spec in specs.items()
    }
    _CHECKS[algorithm](out, n_points)
    return out


def _check_common(p: dict[str, Any], n_points: int) -> None:
    seed = p.get("random_state")
    _require(
        seed is None or 0 <= seed < 2**32, "random_state", "random_state must be in 0..2**32-1"
    )
    landmarks = p.get("landmarks", 0)
    _require(landmarks >= 0, "landmarks", "landmarks must be 0 (never) or a number of points")


def fit_size(p: Mapping[str, Any], n_points: int) -> int:
    """How many points the layout is fitted on: all, or the landmark sample."""
    landmarks = int(p.get("landmarks") or 0)
    return landmarks if 0 < landmarks < n_points else n_points


def _check_pca(p: dict[str, Any], n_points: int) -> None:
    _check_common(p, n_points)


def _check_umap(p: dict[str, Any], n_points: int) -> None:
    _check_common(p, n_points)
    k = p["n_neighbors"]
    _require(k >= 2, "n_neighbors", f"n_neighbors must be at least 2, got {k}")
    _require(
        k < n_points,
        "n_neighbors",
        f"n_neighbors ({k}) must be less than the number of points ({n_points})",
    )
    landmarks = p["landmarks"]
    _require(
        landmarks == 0 or landmarks > k,
        "landmarks",
        f"landmarks ({landmarks}) must be 0 (never) or more than n_neighbors ({k})",
    )
    _require(p["spread"] > 0, "spread", "spread must be positive")
    _require(
        0 <= p["min_dist"] <= p["spread"],
        "min_dist",
        f"min_dist must be between 0 and spread ({p['spread']}), got {p['min_dist']}",
    )
    _require(p["learning_rate"] > 0, "learning_rate", "learning_rate must be positive")
    _require(
        p["negative_sample_rate"] >= 1,
        "negative_sample_rate",
        "negative_sample_rate must be at least 1",
    )
    if p["n_epochs"] is None:
        p["n_epochs"] = umap_epochs(fit_size(p, n_points))
    _require(p["n_epochs"] >= 1, "n_epochs", f"n_epochs must be at least 1, got {p['n_epochs']}")


def max_perplexity(n_points: int) -> float:
    """openTSNE needs ``3 * perplexity < n_points - 1`` (that many neighbours per point)."""
    return (n_points - 1) / 3.0


def _check_tsne(p: dict[str, Any], n_points: int) -> None:
    _check_common(p, n_points)
    perplexity = p["perplexity"]
    _require(perplexity > 0, "perplexity", "perplexity must be positive")
    size = fit_size(p, n_points)
    _require(
        3 * perplexity < size - 1,
        "perplexity",
        f"perplexity ({perplexity:g}) is too large for {size} points: it must be below "
        f"{max_perplexity(size):g} (3 x perplexity neighbours per point)",
    )
    landmarks = p["landmarks"]
    _require(
        landmarks == 0 or 3 * perplexity < landmarks - 1,
        "landmarks",
        f"landmarks ({landmarks}) must be 0 (never) or above 3 x perplexity + 1",
    )
    _require(p["n_iter"] >= 1, "n_iter", f"n_iter must be at least 1, got {p['n_iter']}")
    _require(
        p["early_exaggeration_iter"] >= 0,
        "early_exaggeration_iter",
        "early_exaggeration_iter must be 0 or more",
    )
    _require(
        p["early_exaggeration"] > 0, "early_exaggeration", "early_exaggeration must be positive"
    )
    _require(
        p["exaggeration"] is None or p["exaggeration"] > 0,
        "exaggeration",
        "exaggeration must be positive",
    )
    rate = p["learning_rate"]
    _require(rate == "auto" or rate > 0, "learning_rate", "learning_rate must be positive or auto")
    _require(p["dof"] > 0, "dof", "dof must be positive")


_CHECKS: dict[str, Callable[[dict[str, Any], int], None]] = {
    "pca": _check_pca,
    "umap": _check_umap,
    "tsne": _check_tsne,
}
