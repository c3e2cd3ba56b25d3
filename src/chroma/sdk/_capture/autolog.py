"""``chroma.autolog``: log the outputs of common embedding calls without changing user code.

Every patched call runs the original and returns its result object untouched; logging
happens after, inside a ``try`` that reports a failure once (a
:class:`ChromaAutologWarning`) and never raises into the caller. Nested patched calls (a
Pipeline calling its steps' ``transform``) log only the outermost call's output.
"""

from __future__ import annotations

import hashlib
import threading
import time
import warnings
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from chroma.core.errors import InvalidInput
from chroma.sdk._capture.patcher import Patcher

if TYPE_CHECKING:
    from chroma.sdk._run import Run

DEFAULT_PROJECT = "autolog"
DEFAULT_DATASET = "default"
RETRY_CONNECT_AFTER = 30.0
"""Seconds before a space whose server could not be reached is tried again: without the
pause every patched call would wait for a dead server's connect timeout."""


class ChromaAutologWarning(UserWarning):
    """Logging from a patched call failed; the call itself returned normally."""


@dataclass
class Rows:
    """What a patched call produced, ready for ``Run.log``."""

    space: str
    model: str
    vectors: npt.NDArray[np.float32]
    keys: list[str] | None = None
    fields: dict[str, Any] = field(default_factory=dict)


@dataclass
class _Config:
    project: str
    dataset: str
    url: str | None
    token: str | None
    space: str | None


class _State:
    def __init__(self, config: _Config) -> None:
        self.config = config
        self.patcher = Patcher()
        self.runs: dict[tuple[str, str], Run] = {}
        self.unreachable_until: dict[tuple[str, str], float] = {}
        self.reported: set[tuple[str, str]] = set()
        self.lock = threading.Lock()


_state: _State | None = None
_state_lock = threading.Lock()
_local = threading.local()


# ---- public API ----------------------------------------------------------------------------


def autolog(
    run: Run | None = None,
    *,
    project: str | None = None,
    dataset: str | None = None,
    url: str | None = None,
    token: str | None = None,
    space: str | None = None,
    sentence_transformers: bool = True,
    sklearn: bool = True,
    disable: bool = False,
) -> None:
    """Log embeddings from common libraries' calls, with no change to your code.

    Patched (when the library is installed):

    - ``SentenceTransformer.encode`` (and so ``encode_query`` / ``encode_document``): one
      row per input, ``texts`` = the input strings, key = a hash of the text (encoding a
      sentence again updates its datapoint), space = the model's name.
    - scikit-learn transformers' ``transform`` / ``fit_transform`` (every transformer in
      ``sklearn.utils.all_estimators`` and ``TransformerMixin``): dense 2-D outputs, one
      row per input row, key = a hash of the input row, ``labels`` = ``y`` when
      ``fit_transform`` gets one, space = the estimator's class name.

    Identical inputs within one call are one datapoint (the first is logged). Add labels,
    metadata or ids to the next call with :func:`autolog_context`.

    Args:
        run: Take project, dataset and server from this run.
        project: Project to log into (default ``"autolog"``).
        dataset: Dataset to log into (default ``"default"``).
        url: Server address (default ``$CHROMA_URL`` or ``http://127.0.0.1:8000``).
        token: Bearer token (default ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``).
        space: One space for everything, instead of one per model.
        sentence_transformers: Patch sentence-transformers.
        sklearn: Patch scikit-learn.
        disable: Flush what was logged, then remove every patch (the classes are exactly
            as before). Calling ``autolog`` again first disables the previous patches.
    """
    global _state
    with _state_lock:
        previous, _state = _state, None
        if previous is not None:
            _shutdown(previous)
        if disable:
            return
        config = _Config(
            project=project or (run.project if run else DEFAULT_PROJECT),
            dataset=dataset or (run.dataset if run else DEFAULT_DATASET),
            url=url or (run.url if run else None),
            token=token,
            space=space,
        )
        state = _State(config)
        from chroma.sdk._capture import targets

        if sentence_transformers:
            targets.patch_sentence_transformers(state.patcher, _wrap)
        if sklearn:
            targets.patch_sklearn(state.patcher, _wrap)
        _state = state


def autolog_enabled() -> bool:
    """Whether :func:`autolog` patches are in place."""
    return _state is not None


@contextmanager
def autolog_context(
    *,
    ids: Any = None,
    labels: Any = None,
    predictions: Any = None,
    scores: Any = None,
    metadata: Any = None,
    texts: Any = None,
    uris: Any = None,
    dataset: str | None = None,
    space: str | None = None,
) -> Iterator[None]:
    """Fields for the rows of patched calls made inside the block.

    Per-row fields (``ids``, ``labels``, ...) apply to the *first* patched call in the
    block and need one value per input row; ``dataset`` and ``space`` apply to every call
    in it.

    Example:
        >>> with chroma.autolog_context(labels=sections, dataset="test"):
        ...     model.encode(sentences)
    """
    given = {
        "ids": ids,
        "labels": labels,
        "predictions": predictions,
        "scores": scores,
        "metadata": metadata,
        "texts": texts,
        "uris": uris,
    }
    previous = getattr(_local, "context", None)
    _local.context = {
        "rows": {name: value for name, value in given.items() if value is not None},
        "dataset": dataset,
        "space": space,
    }
    try:
        yield
    finally:
        _local.context = previous


def autolog_flush() -> None:
    """Send every row autolog has buffered and wait for the server to store them.

    Unlike the patched calls, this raises: you asked for the rows to be stored.
    """
    state = _state
    if state is None:
        return
    with state.lock:
        runs = list(state.runs.values())
    for run in runs:
        run.flush()


# ---- the wrapper every patch uses ----------------------------------------------------------

Extract = Callable[[Any, tuple[Any, ...], dict[str, Any], Any], "Rows | str | None"]
"""(self, args, kwargs, result) -> rows to log, a reason not to log (reported once), or
None to log nothing silently."""


def _wrap(extract: Extract) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    def wrapper(original: Callable[..., Any]) -> Callable[..., Any]:
        def patched(self: Any, *args: Any, **kwargs: Any) -> Any:
            depth = getattr(_local, "depth", 0)
            _local.depth = depth + 1
            try:
                result = original(self, *args, **kwargs)
            finally:
                _local.depth = depth
            if depth == 0 and _state is not None:
                _log_quietly(extract, self, args, kwargs, result)
            return result

        return patched

    return wrapper


def _log_quietly(
    extract: Extract, owner: Any, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any
) -> None:
    state = _state
    if state is None:
        return
    topic = f"{type(owner).__qualname__} output"
    try:
        rows = extract(owner, args, kwargs, result)
        if isinstance(rows, str):
            _report(state, topic, rows, kind=rows)
        elif rows is not None:
            _log(state, rows)
    except Exception as exc:
        _report(state, topic, f"{type(exc).__name__}: {exc}", kind=type(exc).__name__)


def _report(state: _State, topic: str, message: str, *, kind: str) -> None:
    """Warn once per (what, kind of failure): a loop of failing calls warns once."""
    with state.lock:
        if (topic, kind) in state.reported:
            return
        state.reported.add((topic, kind))
    warnings.warn(
        f"chroma.autolog could not log {topic}: {message}. Your call returned normally; "
        "this is reported once.",
        ChromaAutologWarning,
        stacklevel=4,
    )


def _log(state: _State, rows: Rows) -> None:
    context = getattr(_local, "context", None) or {}
    per_row: dict[str, Any] = context.get("rows") or {}
    if per_row:
        context["rows"] = {}  # the first patched call in the block takes them
    fields = {**rows.fields, **per_row}
    keys = per_row.get("ids", rows.keys)
    fields.pop("ids", None)
    count = rows.vectors.shape[0]
    for name, value in fields.items():
        if len(value) != count:
            raise InvalidInput(
                f"autolog_context {name} has {len(value)} values but the call produced "
                f"{count} rows",
                where=f"autolog_context.{name}",
            )
    vectors, keys, fields = _first_of_each_key(rows.vectors, keys, fields)
    space = context.get("space") or state.config.space or rows.space
    dataset = context.get("dataset") or state.config.dataset
    run = _run_for(state, dataset, space, rows.model)
    if run is not None:
        run.log(vectors, ids=keys, **fields)


def _first_of_each_key(
    vectors: npt.NDArray[np.float32], keys: Any, fields: dict[str, Any]
) -> tuple[npt.NDArray[np.float32], Any, dict[str, Any]]:
    if keys is None:
        return vectors, None, fields
    keys = [str(key) for key in keys]
    _, first = np.unique(np.asarray(keys, dtype=object), return_index=True)
    if len(first) == len(keys):
        return vectors, keys, fields
    keep = np.sort(first)
    picked = {name: [value[i] for i in keep] for name, value in fields.items()}
    return vectors[keep], [keys[i] for i in keep], picked


def _run_for(state: _State, dataset: str, space: str, model: str) -> Run | None:
    """The run for (dataset, space); None while its server is known to be unreachable."""
    from chroma.sdk._errors import ChromaConnectionError
    from chroma.sdk._init import init

    key = (dataset, space)
    with state.lock:
        run = state.runs.get(key)
        if run is not None:
            return run
        if time.monotonic() < state.unreachable_until.get(key, 0.0):
            return None
        config = state.config
        try:
            run = init(config.project, dataset, space, config.url, token=config.token, model=model)
        except ChromaConnectionError:
            state.unreachable_until[key] = time.monotonic() + RETRY_CONNECT_AFTER
            raise
        state.runs[key] = run
        return run


def _shutdown(state: _State) -> None:
    skipped = state.patcher.revert()
    if skipped:
        warnings.warn(
            f"chroma.autolog left {skipped} patched: something else replaced them since",
            ChromaAutologWarning,
            stacklevel=3,
        )
    for run in state.runs.values():
        try:
            run.close()
        except Exception as exc:
            _report(state, f"space {run.space!r}", f"{type(exc).__name__}: {exc}", kind="close")


# ---- helpers for targets -------------------------------------------------------------------


def text_key(text: str) -> str:
    """A stable key for a text: the same sentence is the same datapoint across runs."""
    return "t-" + hashlib.blake2b(text.encode("utf-8"), digest_size=10).hexdigest()


def row_keys(matrix: npt.NDArray[Any]) -> list[str]:
    """A stable key per input row (its bytes as float64, so 1 and 1.0 agree)."""
    rows = np.ascontiguousarray(matrix, dtype=np.float64).reshape(matrix.shape[0], -1)
    return ["r-" + hashlib.blake2b(row.tobytes(), digest_size=10).hexdigest() for row in rows]


def as_vectors(value: Any) -> npt.NDArray[np.float32] | None:
    """A dense float matrix from numpy, pandas or torch output, else None."""
    if hasattr(value, "detach") and hasattr(value, "cpu"):
        value = value.detach().cpu().numpy()
    elif hasattr(value, "to_numpy") and hasattr(value, "columns"):
        value = value.to_numpy()
    if not isinstance(value, np.ndarray) or value.dtype == object:
        return None
    if not (np.issubdtype(value.dtype, np.floating) or np.issubdtype(value.dtype, np.integer)):
        return None
    return np.ascontiguousarray(value, dtype=np.float32)


def sequence_of(value: Any) -> Sequence[Any] | None:
    if value is None or isinstance(value, str | bytes):
        return None
    try:
        return list(value)
    except TypeError:
        return None
