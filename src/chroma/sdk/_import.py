"""``chroma.import_file`` / ``chroma.import_dataframe``: check a whole file, then log it.

Everything is read and checked locally before the first byte goes to the server, so a file
with a missing column, a non-numeric value or ragged vectors imports nothing.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from chroma.core.errors import InvalidInput
from chroma.sdk import _tf_projector as tf
from chroma.sdk._convert import prepare
from chroma.sdk._graphql import graphql
from chroma.sdk._init import init
from chroma.sdk._io import METADATA_PREFIX, RESERVED, TEXT_COLUMNS, format_of

if TYPE_CHECKING:
    import pandas as pd

    from chroma.sdk._run import Run

PathLike = str | os.PathLike[str]
FIELD_COLUMNS = {  # log() argument -> the column of that name used when none is named
    "labels": "label",
    "predictions": "prediction",
    "scores": "score",
    "uris": "uri",
    "texts": "text",
}


@dataclass
class _Loaded:
    frame: pd.DataFrame
    vectors: npt.NDArray[np.float32] | None  # when the vectors came in a file of their own
    source: str  # the file(s), for messages
    typed: bool  # whether the format keeps types (Parquet, Arrow); else metadata is parsed


def _bad(source: str, message: str, where: str) -> InvalidInput:
    return InvalidInput(f"{source}: {message}", where=where)


def _read_csv(path: Path, text_columns: Sequence[str]) -> pd.DataFrame:
    import pandas as pd

    dtype = dict.fromkeys((*TEXT_COLUMNS, *text_columns), str)
    frame: pd.DataFrame = pd.read_csv(path, dtype=dtype, keep_default_na=False, na_values=[""])
    return frame


def _read_table(path: Path, fmt: str) -> pd.DataFrame:
    import pyarrow as pa
    import pyarrow.feather as feather
    import pyarrow.parquet as pq

    if fmt == "parquet":
        table = pq.read_table(path)
    else:
        try:
            table = feather.read_table(path)
        except pa.ArrowInvalid:
            with pa.OSFile(str(path)) as source:
                table = pa.ipc.open_stream(source).read_all()
    frame: pd.DataFrame = table.to_pandas(integer_object_nulls=True)  # ints stay ints beside nulls
    return frame


def _load(
    path: Path,
    fmt: str,
    metadata: Path | None,
    vectors: Path | None,
    text_columns: Sequence[str],
) -> _Loaded:
    import pandas as pd

    if fmt in ("parquet", "arrow"):
        return _Loaded(_read_table(path, fmt), None, str(path), typed=True)
    if fmt == "csv" and vectors is None:
        return _Loaded(_read_csv(path, text_columns), None, str(path), typed=False)
    if fmt in ("csv", "numpy"):
        npy, table = (vectors, path) if fmt == "csv" else (path, metadata)
        assert npy is not None
        try:
            matrix = np.load(npy, allow_pickle=False)
        except ValueError as exc:
            raise _bad(str(npy), f"not a NumPy array of numbers: {exc}", npy.name) from exc
        frame = pd.DataFrame(index=range(len(matrix))) if table is None else None
        if table is not None:
            frame = _read_csv(table, text_columns)
        assert frame is not None
        return _Loaded(frame, matrix, f"{npy} + {table}" if table else str(npy), typed=False)
    # the TensorFlow Embedding Projector: a folder, or the tensors file
    tensors = path / tf.TENSORS if path.is_dir() else path
    if metadata is None and path.is_dir() and (path / tf.METADATA).is_file():
        metadata = path / tf.METADATA
    matrix = tf.read_tensors(tensors)
    frame = (
        pd.DataFrame(index=range(len(matrix))) if metadata is None else tf.read_metadata(metadata)
    )
    source = f"{tensors} + {metadata}" if metadata else str(tensors)
    return _Loaded(frame, matrix, source, typed=False)


def _parsed(column: pd.Series) -> pd.Series:
    """A text column as numbers when every value is one (whole numbers as integers)."""
    import pandas as pd

    if pd.api.types.is_numeric_dtype(column) or pd.api.types.is_bool_dtype(column):
        numbers = column
    else:
        try:
            numbers = pd.to_numeric(column)
        except (ValueError, TypeError):
            return column
    if pd.api.types.is_float_dtype(numbers) and numbers.notna().any():
        present = numbers.dropna()
        if (present == present.round()).all() and present.abs().max() < 2**53:
            return numbers.astype("Int64")
    return numbers


def _metadata(frame: pd.DataFrame, columns: Sequence[str], parse: bool) -> list[Any]:
    """One dict per row, without the missing values; None for a row with none."""
    import pandas as pd

    names = [c[len(METADATA_PREFIX) :] if c.startswith(METADATA_PREFIX) else c for c in columns]
    values = {
        name: _parsed(frame[c]) if parse else frame[c]
        for name, c in zip(names, columns, strict=True)
    }
    records = pd.DataFrame(values).to_dict("records")
    out: list[Any] = []
    for record in records:
        kept = {k: v for k, v in record.items() if not _is_missing(v)}
        out.append(kept or None)
    return out


def _is_missing(value: Any) -> bool:
    import pandas as pd

    if isinstance(value, list | tuple | dict | np.ndarray):
        return False
    return bool(pd.isna(value))


def _vector_column_rows(loaded: _Loaded, columns: Sequence[str]) -> None:
    """Name the first row of a vector column that holds something other than a number."""
    import pandas as pd

    for name in columns:
        column = loaded.frame[name]
        if pd.api.types.is_numeric_dtype(column) and not pd.api.types.is_bool_dtype(column):
            continue
        bad = pd.to_numeric(column, errors="coerce").isna() & column.notna()
        if bad.any():
            row = int(np.flatnonzero(bad.to_numpy())[0])
            raise _bad(
                loaded.source,
                f"column {name!r}, row {row}: {column.iloc[row]!r} is not a number",
                f"{name}[{row}]",
            )
        raise _bad(loaded.source, f"column {name!r} is {column.dtype}, not numbers", name)


def _arguments(
    loaded: _Loaded,
    vector_column: str | None,
    vector_columns: Sequence[str] | None,
    columns: dict[str, str | None],
    metadata_columns: Sequence[str] | None,
) -> tuple[Any, Any, dict[str, Any], dict[str, str]]:
    frame, source = loaded.frame, loaded.source
    have = [str(c) for c in frame.columns]
    for argument, name in columns.items():
        if name is not None and name not in have:
            raise _bad(source, f"no column {name!r} (for {argument}); it has {have}", name)
    for name in [*(vector_columns or []), *(metadata_columns or [])]:
        if name not in have:
            raise _bad(source, f"no column {name!r}; it has {have}", name)
    names: dict[str, str] = {}
    embeddings: Any
    if loaded.vectors is not None:
        embeddings, used = loaded.vectors, []
        names["embeddings"] = "vectors"
    elif vector_columns:
        _vector_column_rows(loaded, vector_columns)
        embeddings, used = frame[list(vector_columns)], list(vector_columns)
        names["embeddings"] = ", ".join(vector_columns)
    else:
        chosen = vector_column or next((c for c in ("vector", "embedding") if c in have), None)
        if chosen is None or chosen not in have:
            raise _bad(
                source,
                f"no vector column {chosen or 'vector'!r}; it has {have} (pass "
                "vector_column= for a column of vectors, or vector_columns= for numeric columns)",
                chosen or "vector",
            )
        embeddings, used = frame[chosen], [chosen]
        names["embeddings"] = chosen
    id_column = columns.pop("ids") or next((c for c in ("key", "id") if c in have), None)
    ids = None if id_column is None else frame[id_column]
    if id_column is not None:
        names["ids"] = id_column
    optional: dict[str, Any] = {}
    for argument, default in FIELD_COLUMNS.items():
        name = columns.get(argument) or (default if default in have else None)
        if name is not None:
            optional[argument] = frame[name]
            names[argument] = name
            used.append(name)
    used += [c for c in (id_column,) if c]
    if metadata_columns is None:
        metadata_columns = [c for c in have if c not in used and c not in RESERVED]
    if metadata_columns:
        optional["metadata"] = _metadata(frame, metadata_columns, parse=not loaded.typed)
    return embeddings, ids, optional, names


def _import(
    loaded: _Loaded,
    *,
    project: str,
    dataset: str,
    space: str,
    vector_column: str | None,
    vector_columns: Sequence[str] | None,
    columns: dict[str, str | None],
    metadata_columns: Sequence[str] | None,
    url: str | None,
    token: str | None,
) -> int:
    if loaded.vectors is not None and len(loaded.vectors) != len(loaded.frame):
        raise _bad(
            loaded.source,
            f"{len(loaded.vectors)} vectors but {len(loaded.frame)} metadata rows",
            "metadata",
        )
    embeddings, ids, optional, names = _arguments(
        loaded, vector_column, vector_columns, dict(columns), metadata_columns
    )
    tags = _tags_of(loaded)
    try:  # every check, before anything is sent
        rows = prepare(embeddings, ids=ids, optional=optional, dimension=None, names=names)
    except InvalidInput as exc:
        raise _bad(loaded.source, exc.message, exc.where or "") from exc
    with init(project, dataset, space, url, token=token) as run:
        if run.dimension is not None and run.dimension != rows.dimension:
            raise _bad(
                loaded.source,
                f"vectors have dimension {rows.dimension}, but space {space!r} holds "
                f"vectors of dimension {run.dimension}",
                names["embeddings"],
            )
        run.log(rows.vectors, ids=rows.keys, **optional)
        if tags:
            run.flush()
            _restore_tags(run, rows.keys, tags)
    return len(rows)


def _tags_of(loaded: _Loaded) -> list[list[str]] | None:
    """The ``tags`` column an export wrote: lists (Parquet, Arrow) or comma-joined text."""
    if "tags" not in loaded.frame.columns:
        return None
    out: list[list[str]] = []
    for row, value in enumerate(loaded.frame["tags"]):
        if not isinstance(value, list | np.ndarray) and _is_missing(value):
            out.append([])
        elif isinstance(value, str):
            out.append([tag.strip() for tag in value.split(",") if tag.strip()])
        elif isinstance(value, list | np.ndarray) and all(isinstance(t, str) for t in value):
            out.append([str(tag) for tag in value])
        else:
            raise _bad(
                loaded.source,
                f"column 'tags', row {row}: {value!r} is not a list of tags or comma-joined text",
                "tags",
            )
    return out if any(out) else None


TAG_BATCH = 5_000
"""Datapoint ids per addTags request: well inside the server's GraphQL body limit."""


def _restore_tags(run: Run, keys: Sequence[str], tags: list[list[str]]) -> None:
    """Tag the imported datapoints: addTags per tag, at most ``TAG_BATCH`` ids a request."""
    stored = run.datapoints()
    ids = dict(zip(stored["key"], stored["datapoint_id"], strict=True))
    by_tag: dict[str, list[int]] = {}
    for key, row_tags in zip(keys, tags, strict=True):
        for tag in row_tags:
            by_tag.setdefault(tag, []).append(int(ids[key]))
    for tag, datapoint_ids in by_tag.items():
        for start in range(0, len(datapoint_ids), TAG_BATCH):
            graphql(
                run._client,
                "mutation($p: String!, $ids: [ID!]!, $t: [String!]!) "
                "{ addTags(project: $p, datapointIds: $ids, tags: $t) { changed } }",
                p=run.project,
                ids=[str(i) for i in datapoint_ids[start : start + TAG_BATCH]],
                t=[tag],
            )


def import_dataframe(
    frame: pd.DataFrame,
    *,
    project: str,
    dataset: str,
    space: str,
    vector_column: str | None = None,
    vector_columns: Sequence[str] | None = None,
    id_column: str | None = None,
    label_column: str | None = None,
    prediction_column: str | None = None,
    score_column: str | None = None,
    uri_column: str | None = None,
    text_column: str | None = None,
    metadata_columns: Sequence[str] | None = None,
    url: str | None = None,
    token: str | None = None,
) -> int:
    """Check a whole DataFrame, then log it into a dataset of a space.

    Columns are found by name when not given: ``vector`` (else ``embedding``) holds the
    vectors, ``key`` (else ``id``) the keys, and ``label``, ``prediction``, ``score``,
    ``uri``, ``text`` those fields. Every other column becomes a metadata field, except
    the ones an export adds (``dataset``, ``tags``, ``x``, ``y``, ...); a ``metadata.``
    prefix is dropped. Importing an export again therefore updates the same datapoints.
    A ``tags`` column (lists, or comma-joined text) tags the datapoints once stored.

    Args:
        frame: One row per datapoint.
        project: Project name.
        dataset: Dataset the rows go to.
        space: Space the vectors go to.
        vector_column: A column holding one vector (list or array) per row.
        vector_columns: Numeric columns that together form each vector (instead).
        id_column: Column of keys. Default: ``key`` or ``id`` if present, else new keys.
        label_column: Column of labels. Default: ``label`` if present.
        prediction_column: Column of predictions. Default: ``prediction`` if present.
        score_column: Column of scores. Default: ``score`` if present.
        uri_column: Column of URIs. Default: ``uri`` if present.
        text_column: Column of texts. Default: ``text`` if present.
        metadata_columns: Columns gathered into the metadata. Default: all the others.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.

    Returns:
        The number of datapoints logged.

    Raises:
        InvalidInput: A missing column, a value of the wrong type, ragged vectors, a
            dimension other than the space's; nothing was sent.
    """
    loaded = _Loaded(frame, None, "the DataFrame", typed=True)
    return _import(
        loaded,
        project=project,
        dataset=dataset,
        space=space,
        vector_column=vector_column,
        vector_columns=vector_columns,
        columns=_columns(
            id_column, label_column, prediction_column, score_column, uri_column, text_column
        ),
        metadata_columns=metadata_columns,
        url=url,
        token=token,
    )


def _columns(*given: str | None) -> dict[str, str | None]:
    return dict(zip(("ids", *FIELD_COLUMNS), given, strict=True))


def import_file(
    path: PathLike,
    *,
    project: str,
    dataset: str,
    space: str,
    format: str | None = None,
    metadata: PathLike | None = None,
    vectors: PathLike | None = None,
    vector_column: str | None = None,
    vector_columns: Sequence[str] | None = None,
    id_column: str | None = None,
    label_column: str | None = None,
    prediction_column: str | None = None,
    score_column: str | None = None,
    uri_column: str | None = None,
    text_column: str | None = None,
    metadata_columns: Sequence[str] | None = None,
    url: str | None = None,
    token: str | None = None,
) -> int:
    """Import a file into a dataset of a space; the whole file is checked before sending.

    Formats (``format=``, else from the extension): ``parquet`` (``.parquet``), ``arrow``
    (``.arrow``, ``.feather``, ``.ipc``), ``csv`` (``.csv``: vectors from ``vectors=`` a
    ``.npy`` file, or from ``vector_columns=``), ``numpy`` (``.npy``, with
    ``metadata=`` a CSV), ``tf-projector`` (``.tsv`` tensors with ``metadata=`` a metadata
    TSV, or a folder holding ``tensors.tsv`` and ``metadata.tsv``). Columns are found as
    for :func:`import_dataframe`.

    Returns:
        The number of datapoints logged.

    Raises:
        InvalidInput: Unknown format, unreadable file, missing column, non-numeric or
            ragged vectors, row counts that differ between vectors and metadata; the
            message names the file, column and row. Nothing was sent.

    Example::

        chroma.import_file("export/", project="demo", dataset="train", space="enc")
        chroma.import_file("emb.npy", metadata="rows.csv", project="demo", ...)
    """
    file = Path(path)
    fmt = format_of(file, format)
    extra = [Path(p) for p in (metadata, vectors) if p is not None]
    for needed in (file, *extra):
        if not needed.exists():
            raise InvalidInput(f"{needed}: no such file", where=str(needed))
    given = (id_column, label_column, prediction_column, score_column, uri_column, text_column)
    try:
        loaded = _load(
            file,
            fmt,
            None if metadata is None else Path(metadata),
            None if vectors is None else Path(vectors),
            [c for c in given if c],
        )
    except InvalidInput:
        raise
    except (ValueError, OSError, UnicodeDecodeError) as exc:  # pandas/pyarrow parse errors
        raise InvalidInput(f"{file}: cannot read it as {fmt}: {exc}", where=str(file)) from exc
    return _import(
        loaded,
        project=project,
        dataset=dataset,
        space=space,
        vector_column=vector_column,
        vector_columns=vector_columns,
        columns=_columns(*given),
        metadata_columns=metadata_columns,
        url=url,
        token=token,
    )
