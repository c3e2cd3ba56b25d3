"""``chroma.import_hf_dataset``: log a Hugging Face ``datasets.Dataset`` into a space.

The dataset's Arrow table is read in batches (``Dataset.iter`` in the ``arrow`` format), so
a dataset larger than memory streams from its memory-mapped cache files: no column is ever
turned into one Python list. A first pass checks every batch with Arrow's compute kernels
(types, ragged or missing vectors, NaN, missing or repeated keys); only then is anything
logged, so bad input logs nothing.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt
import pyarrow as pa  # pyarrow.compute is imported where used: +50 ms to `import chroma`

from chroma.core.errors import InvalidInput
from chroma.sdk import init
from chroma.sdk._import import FIELD_COLUMNS

if TYPE_CHECKING:
    import datasets

BATCH_ROWS = 10_000
"""Rows read, checked and logged at a time (the run re-batches them for the network)."""
_SOURCE = "the Hugging Face dataset"


@dataclass
class _Plan:
    """Which column feeds which ``log()`` argument, and the vectors' dimension once seen."""

    vector: str
    ids: str | None
    fields: dict[str, str]
    metadata: list[str]
    class_names: dict[str, list[str]] = field(default_factory=dict)
    dimension: int | None = None


def _bad(message: str, where: str) -> InvalidInput:
    return InvalidInput(f"{_SOURCE}: {message}", where=where)


def _require_dataset(ds: object) -> datasets.Dataset:
    try:
        import datasets
    except ImportError as exc:  # pragma: no cover - exercised only without the extra
        raise ImportError(
            "chroma.import_hf_dataset needs Hugging Face datasets: "
            "pip install 'chroma-embeddings[hf]'"
        ) from exc
    if isinstance(ds, datasets.DatasetDict):
        raise InvalidInput(
            f"got a DatasetDict with splits {list(ds)}: pass one split, "
            f"e.g. ds[{next(iter(ds))!r}]",
            where="ds",
        )
    if not isinstance(ds, datasets.Dataset):
        raise InvalidInput(
            f"expected a datasets.Dataset, got {type(ds).__name__} (an IterableDataset has "
            "no table to check before logging: materialize it first)",
            where="ds",
        )
    return ds


def _is_number(kind: pa.DataType) -> bool:
    return bool(pa.types.is_integer(kind) or pa.types.is_floating(kind))


def _plan(
    ds: datasets.Dataset,
    vector_column: str | None,
    id_column: str | None,
    given: dict[str, str | None],
    metadata_columns: Sequence[str] | None,
) -> _Plan:
    import datasets

    schema = ds.features.arrow_schema
    have = list(schema.names)
    # the parameter names: labels -> label_column
    named = {f"{argument[:-1]}_column": name for argument, name in given.items()}
    named.update(vector_column=vector_column, id_column=id_column)
    for parameter, name in named.items():
        if name is not None and name not in have:
            raise _bad(f"no column {name!r} (for {parameter}); it has {have}", name)
    vector = vector_column or next((c for c in ("embedding", "vector") if c in have), None)
    if vector is None:
        raise _bad(f"no column 'embedding'; it has {have} (pass vector_column=)", "embedding")
    kind = schema.field(vector).type
    list_like = pa.types.is_list(kind) or pa.types.is_large_list(kind)
    if not (list_like or pa.types.is_fixed_size_list(kind)) or not _is_number(kind.value_type):
        raise _bad(f"column {vector!r} is {kind}, not a list of numbers per row", vector)
    ids = id_column or next((c for c in ("key", "id") if c in have), None)
    fields = {}
    for argument, default in FIELD_COLUMNS.items():
        name = given.get(argument) or (default if default in have else None)
        if name is not None:
            fields[argument] = name
    scores = fields.get("scores")
    if scores is not None and not _is_number(schema.field(scores).type):
        raise _bad(f"column {scores!r} is {schema.field(scores).type}, not numbers", scores)
    used = {vector, *fields.values(), *([ids] if ids else [])}
    if metadata_columns is None:
        # Images and audio (bytes) are no metadata: leave them out unless asked for.
        metadata = [c for c in have if c not in used and not _holds_bytes(schema.field(c).type)]
    else:
        for name in metadata_columns:
            if name not in have:
                raise _bad(f"no column {name!r} (for metadata_columns); it has {have}", name)
            if _holds_bytes(schema.field(name).type):
                raise _bad(f"column {name!r} holds bytes, which metadata cannot", name)
        metadata = list(metadata_columns)
    class_names = {
        name: list(feature.names)
        for name, feature in ds.features.items()
        if isinstance(feature, datasets.ClassLabel)
    }
    return _Plan(vector, ids, fields, metadata, class_names)


def _holds_bytes(kind: pa.DataType) -> bool:
    if pa.types.is_binary(kind) or pa.types.is_large_binary(kind):
        return True
    if pa.types.is_struct(kind):
        return any(_holds_bytes(kind.field(i).type) for i in range(kind.num_fields))
    return False


def _batches(ds: datasets.Dataset, batch_rows: int) -> Iterator[tuple[int, pa.Table]]:
    """(first row, Arrow table) per batch; honours a selection or shuffle (indices)."""
    start = 0
    for batch in ds.with_format("arrow").iter(batch_size=batch_rows):
        assert isinstance(batch, pa.Table)
        yield start, batch
        start += batch.num_rows


def _true_rows(mask: pa.ChunkedArray | pa.Array) -> npt.NDArray[np.intp]:
    """The indices of the true values of a boolean column (null counts as false)."""
    import pyarrow.compute as pc

    if isinstance(mask, pa.ChunkedArray):
        mask = mask.combine_chunks()
    return np.flatnonzero(pc.fill_null(mask, False).to_numpy(zero_copy_only=False))


def _first(mask: pa.ChunkedArray | pa.Array) -> int:
    return int(_true_rows(mask)[0])


def _check_vectors(plan: _Plan, start: int, column: pa.ChunkedArray) -> None:
    import pyarrow.compute as pc

    name = plan.vector
    if column.null_count:
        row = start + _first(pc.is_null(column))
        raise _bad(f"column {name!r}, row {row}: no vector", f"{name}[{row}]")
    lengths = pc.list_value_length(column)
    low, high = pc.min_max(lengths).values()
    expected = plan.dimension if plan.dimension is not None else low.as_py()
    if expected == 0:
        raise _bad(f"column {name!r}: vectors have no dimensions", name)
    if low.as_py() != expected or high.as_py() != expected:
        row = start + _first(pc.not_equal(lengths, expected))
        raise _bad(
            f"column {name!r}, row {row}: a vector of {lengths[row - start].as_py()} numbers, "
            f"but the ones before have {expected} (ragged vectors)",
            f"{name}[{row}]",
        )
    plan.dimension = expected
    values = pc.list_flatten(column)
    bad = pc.is_null(values)
    if pa.types.is_floating(values.type):
        bad = pc.or_(bad, pc.invert(pc.is_finite(values)))
    if pc.any(bad).as_py():
        row = start + _first(bad) // expected
        raise _bad(
            f"column {name!r}, row {row}: a vector holds NaN, infinity or null", f"{name}[{row}]"
        )


def _check_scores(plan: _Plan, start: int, batch: pa.Table) -> None:
    import pyarrow.compute as pc

    name = plan.fields.get("scores")
    if name is None or not pa.types.is_floating(batch.schema.field(name).type):
        return
    infinite = pc.is_inf(batch.column(name))
    if pc.any(infinite).as_py():
        row = start + _first(infinite)
        raise _bad(f"column {name!r}, row {row}: a score is infinite", f"{name}[{row}]")


def _check_keys(ds: datasets.Dataset, name: str) -> None:
    """Keys are present, non-empty and unique across the whole dataset (one Arrow column)."""
    import pyarrow.compute as pc

    keys = pc.cast(ds.with_format("arrow")[name], pa.string())
    blank = pc.or_kleene(pc.is_null(keys), pc.equal(pc.utf8_length(keys), 0))
    if pc.any(blank).as_py():
        row = _first(pc.fill_null(blank, True))
        raise _bad(f"column {name!r}, row {row}: a key is missing or empty", f"{name}[{row}]")
    if pc.count_distinct(keys).as_py() != len(keys):
        counts = pc.value_counts(keys)
        repeated = counts.filter(pc.greater(counts.field("counts"), 1))[0]["values"].as_py()
        rows = _true_rows(pc.equal(keys, repeated))
        raise _bad(
            f"key {repeated!r} appears more than once (rows {rows[0]} and {rows[1]})",
            f"{name}[{rows[1]}]",
        )


def _named(plan: _Plan, column: str, values: pa.ChunkedArray) -> Any:
    """A ClassLabel column's integers as their names (a negative index means none)."""
    import pyarrow.compute as pc

    names = plan.class_names.get(column)
    if names is None:
        return values
    indices = pc.fill_null(values, -1).to_numpy(zero_copy_only=False)
    lookup = np.array([*names, None], dtype=object)  # -1 -> the trailing None
    return lookup[np.where(indices < 0, -1, indices)]


def _vectors(plan: _Plan, column: pa.ChunkedArray) -> npt.NDArray[np.float32]:
    import pyarrow.compute as pc

    flat = pc.list_flatten(column).to_numpy(zero_copy_only=False)
    assert plan.dimension is not None
    return np.ascontiguousarray(flat, dtype=np.float32).reshape(len(column), plan.dimension)


def _metadata(plan: _Plan, batch: pa.Table) -> list[dict[str, Any] | None]:
    columns = {name: _named(plan, name, batch.column(name)) for name in plan.metadata}
    lists = {
        name: values.tolist() if isinstance(values, np.ndarray) else values.to_pylist()
        for name, values in columns.items()
    }
    out: list[dict[str, Any] | None] = []
    for row in range(batch.num_rows):
        kept = {name: values[row] for name, values in lists.items() if values[row] is not None}
        out.append(kept or None)
    return out


def import_hf_dataset(
    ds: datasets.Dataset,
    *,
    project: str,
    dataset: str,
    space: str,
    vector_column: str | None = None,
    id_column: str | None = None,
    label_column: str | None = None,
    prediction_column: str | None = None,
    score_column: str | None = None,
    uri_column: str | None = None,
    text_column: str | None = None,
    metadata_columns: Sequence[str] | None = None,
    batch_rows: int = BATCH_ROWS,
    url: str | None = None,
    token: str | None = None,
) -> int:
    """Check a whole Hugging Face ``datasets.Dataset``, then log it into a space.

    Columns are found by name when not given, as for :func:`chroma.import_dataframe`:
    ``embedding`` (else ``vector``) holds the vectors (a list of numbers per row), ``key``
    (else ``id``) the keys, and ``label``, ``prediction``, ``score``, ``uri``, ``text``
    those fields. Every other column becomes a metadata field, except images and audio
    (bytes). A ``ClassLabel`` column gives the class names, not their integers.

    The table is read in batches of ``batch_rows`` straight from Arrow, twice: once to
    check everything, once to log. A selected, filtered or shuffled dataset is logged in
    its own order.

    Args:
        ds: The dataset (one split).
        project: Project name.
        dataset: Dataset the rows go to.
        space: Space the vectors go to.
        vector_column: The column of vectors.
        id_column: Column of keys. Default: ``key`` or ``id`` if present, else new keys.
        label_column: Column of labels. Default: ``label`` if present.
        prediction_column: Column of predictions. Default: ``prediction`` if present.
        score_column: Column of scores. Default: ``score`` if present.
        uri_column: Column of URIs. Default: ``uri`` if present.
        text_column: Column of texts. Default: ``text`` if present.
        metadata_columns: Columns gathered into the metadata. Default: all the others.
        batch_rows: Rows read and checked at a time.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.

    Returns:
        The number of datapoints logged.

    Raises:
        InvalidInput: Not a ``Dataset``, a missing column, vectors that are not lists of
            numbers, ragged, missing or holding NaN, missing or repeated keys, a
            dimension other than the space's; the message names the column and row.
            Nothing was sent.

    Example::

        ds = datasets.Dataset.from_dict({"embedding": vectors, "label": labels})
        chroma.import_hf_dataset(ds, project="demo", dataset="train", space="enc")
    """
    ds = _require_dataset(ds)
    if batch_rows < 1:
        raise InvalidInput("batch_rows must be at least 1", where="batch_rows")
    given = dict(
        zip(
            FIELD_COLUMNS,
            (label_column, prediction_column, score_column, uri_column, text_column),
            strict=True,
        )
    )
    plan = _plan(ds, vector_column, id_column, given, metadata_columns)
    if ds.num_rows == 0:
        raise _bad("it has no rows", "ds")
    for start, batch in _batches(ds, batch_rows):
        _check_vectors(plan, start, batch.column(plan.vector))
        _check_scores(plan, start, batch)
    if plan.ids is not None:
        _check_keys(ds, plan.ids)
    logged = 0
    with init(project, dataset, space, url, token=token) as run:
        if run.dimension is not None and run.dimension != plan.dimension:
            raise _bad(
                f"vectors have dimension {plan.dimension}, but space {space!r} holds vectors "
                f"of dimension {run.dimension}",
                plan.vector,
            )
        for _, batch in _batches(ds, batch_rows):
            fields = {
                argument: _named(plan, name, batch.column(name))
                for argument, name in plan.fields.items()
            }
            run.log(
                _vectors(plan, batch.column(plan.vector)),
                ids=None if plan.ids is None else batch.column(plan.ids),
                metadata=_metadata(plan, batch) if plan.metadata else None,
                **fields,
            )
            logged += batch.num_rows
    return logged
