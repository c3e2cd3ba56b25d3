"""Turning what a user passes to ``Run.log`` into checked columns, before anything is queued.

Every rule raises :class:`~chroma.core.errors.InvalidInput` with a ``where`` naming the
argument and, when one row is at fault, its index: ``"embeddings[17]"``, ``"labels"``.
pandas is never imported here: a DataFrame can only be passed if pandas is already loaded.
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa

from chroma.core import wire
from chroma.core.errors import InvalidInput
from chroma.sdk._png import encode_png

# log() argument -> wire column
ARGUMENT_COLUMNS = {
    "labels": "label",
    "predictions": "prediction",
    "scores": "score",
    "metadata": "metadata",
    "uris": "uri",
    "texts": "text",
    "images": "image",
}
_JSON_OPTIONS = orjson.OPT_SERIALIZE_NUMPY | orjson.OPT_NON_STR_KEYS


@dataclass
class Rows:
    """Checked rows: keys, an owned float32 matrix, and optional wire columns."""

    keys: list[str]
    vectors: npt.NDArray[np.float32]
    columns: dict[str, pa.Array] = field(default_factory=dict)

    def __len__(self) -> int:
        return len(self.keys)

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def slice(self, start: int, stop: int) -> Rows:
        return Rows(
            keys=self.keys[start:stop],
            vectors=self.vectors[start:stop],
            columns={name: array[start:stop] for name, array in self.columns.items()},
        )


def _pandas() -> Any:
    """The pandas module if the user has loaded it, else None (we never import it here)."""
    return sys.modules.get("pandas")


def _missing(value: object) -> bool:
    if value is None:
        return True
    if isinstance(value, float):
        return math.isnan(value)
    pd = _pandas()
    return pd is not None and (value is pd.NA or value is pd.NaT)


def _first(mask: npt.NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(mask)[0])


# ---- embeddings ----------------------------------------------------------------------------


def _numeric_matrix(array: npt.NDArray[Any], where: str) -> npt.NDArray[np.float32]:
    if array.ndim != 2:
        hint = " (for a single vector pass [vector])" if array.ndim == 1 else ""
        raise InvalidInput(
            f"embeddings must be 2-D, one row per datapoint; got shape {array.shape}{hint}",
            where=where,
        )
    if array.dtype.kind not in "fiu":
        raise InvalidInput(f"embeddings must be numbers, got dtype {array.dtype}", where=where)
    with np.errstate(over="ignore", invalid="ignore"):  # out-of-range values become inf: caught
        # always a copy: the caller may reuse its buffer once log() returns
        return np.array(array, dtype=np.float32, order="C", copy=True)


def _stacked(rows: Sequence[Any], where: str) -> npt.NDArray[np.float32]:
    """Vectors given one per row (lists, arrays): ragged rows are named."""
    lengths = []
    for row, vector in enumerate(rows):
        if isinstance(vector, str | bytes) or not hasattr(vector, "__len__"):
            raise InvalidInput(
                f"each embedding must be a sequence of numbers, got {type(vector).__name__}",
                where=f"{where}[{row}]",
            )
        lengths.append(len(vector))
    if lengths and any(n != lengths[0] for n in lengths):
        row = next(i for i, n in enumerate(lengths) if n != lengths[0])
        raise InvalidInput(
            f"embeddings are ragged: row 0 has {lengths[0]} values, row {row} has {lengths[row]}",
            where=f"{where}[{row}]",
        )
    try:
        with np.errstate(over="ignore", invalid="ignore"):
            return np.array(rows, dtype=np.float32)
    except (TypeError, ValueError):
        for row, vector in enumerate(rows):
            try:
                np.asarray(vector, dtype=np.float32)
            except (TypeError, ValueError) as exc:
                raise InvalidInput(
                    f"an embedding holds a value that is not a number: {exc}",
                    where=f"{where}[{row}]",
                ) from exc
        raise


def _frame_vectors(frame: Any, where: str) -> npt.NDArray[np.float32]:
    pd = _pandas()
    if frame.shape[1] == 1 and frame.dtypes.iloc[0] == np.dtype(object):
        return _stacked(frame.iloc[:, 0].tolist(), where)
    for name, dtype in frame.dtypes.items():
        if not pd.api.types.is_numeric_dtype(dtype) or pd.api.types.is_bool_dtype(dtype):
            raise InvalidInput(
                f"a DataFrame of embeddings needs one column of vectors or only numeric "
                f"columns; column {name!r} is {dtype}",
                where=where,
            )
    return _numeric_matrix(frame.to_numpy(dtype=np.float32), where)


def to_vectors(embeddings: object, where: str = "embeddings") -> npt.NDArray[np.float32]:
    """A C-contiguous float32 ``(n, dim)`` copy; raises InvalidInput for anything else."""
    pd = _pandas()
    if pd is not None and isinstance(embeddings, pd.DataFrame):
        vectors = _frame_vectors(embeddings, where)
    elif pd is not None and isinstance(embeddings, pd.Series):
        vectors = _stacked(embeddings.tolist(), where)
    elif isinstance(embeddings, list | tuple):
        vectors = _stacked(embeddings, where)
    else:
        try:
            array = np.asarray(embeddings)
        except (TypeError, ValueError) as exc:
            raise InvalidInput(f"cannot read embeddings: {exc}", where=where) from exc
        if array.dtype == object and array.ndim == 1:
            vectors = _stacked(list(array), where)
        else:
            vectors = _numeric_matrix(array, where)
    if vectors.shape[0] == 0:
        raise InvalidInput("nothing to log: embeddings has no rows", where=where)
    if vectors.ndim != 2:
        raise InvalidInput(f"embeddings must be 2-D, got shape {vectors.shape}", where=where)
    if vectors.shape[1] == 0:
        raise InvalidInput("embeddings have no dimensions", where=where)
    # A float64 row sum cannot overflow for float32 inputs, and is NaN/inf iff a value is.
    finite = np.isfinite(np.add.reduce(vectors, axis=1, dtype=np.float64))
    if not finite.all():
        row = _first(~finite)
        raise InvalidInput("an embedding holds NaN or infinity", where=f"{where}[{row}]")
    return vectors


# ---- per-row columns -----------------------------------------------------------------------


def _sequence(values: object, where: str, rows: int) -> Sequence[Any] | npt.NDArray[Any]:
    """A list or 1-D array of exactly ``rows`` entries."""
    pd = _pandas()
    out: Sequence[Any] | npt.NDArray[Any]
    if pd is not None and isinstance(values, pd.Series | pd.Index):
        out = values.to_numpy()
    elif isinstance(values, np.ndarray):
        if values.ndim != 1:
            raise InvalidInput(f"{where} must be 1-D, got shape {values.shape}", where=where)
        out = values
    elif isinstance(values, pa.Array | pa.ChunkedArray):
        out = values.to_pylist()
    elif isinstance(values, str | bytes | Mapping) or not hasattr(values, "__iter__"):
        raise InvalidInput(
            f"{where} must be a sequence with one entry per row, got {type(values).__name__}",
            where=where,
        )
    else:
        out = values if isinstance(values, list | tuple) else list(values)
    if len(out) != rows:
        raise InvalidInput(
            f"{where} has {len(out)} entries but embeddings has {rows} rows", where=where
        )
    return out


def to_strings(values: object, where: str, rows: int) -> pa.Array:
    """Text per row; numbers become their ``str`` (``3`` -> ``"3"``); None/NaN are missing."""
    seq = _sequence(values, where, rows)
    if isinstance(seq, np.ndarray) and seq.dtype.kind in "U":
        return pa.array(seq, pa.string())
    if isinstance(seq, np.ndarray) and seq.dtype.kind in "iu":
        return pa.array(seq).cast(pa.string())
    try:  # the common case, strings and None (NaN as missing), converted in C
        return pa.array(seq, pa.string(), from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        pass
    strings = [None if _missing(v) else v if isinstance(v, str) else str(v) for v in seq]
    return pa.array(strings, pa.string())


def to_keys(ids: object | None, rows: int, where: str = "ids") -> list[str]:
    """Client keys: the given ids as strings, or fresh uuid4 hex strings."""
    if ids is None:
        return new_keys(rows)
    keys: list[str | None] = to_strings(ids, where, rows).to_pylist()
    for row, key in enumerate(keys):
        if not key:
            raise InvalidInput("an id is missing or empty", where=f"{where}[{row}]")
    present: list[str] = [key for key in keys if key]  # all of them: checked just above
    repeat = wire.first_repeat(present)
    if repeat is not None:
        first, row = repeat
        raise InvalidInput(
            f"id {present[row]!r} appears twice (rows {first} and {row})",
            where=f"{where}[{row}]",
        )
    return present


def new_keys(count: int) -> list[str]:
    """``count`` random uuid4 hex strings, made in bulk (uuid.uuid4() is slow per call)."""
    raw = np.frombuffer(os.urandom(16 * count), dtype=np.uint8).reshape(count, 16).copy()
    raw[:, 6] = (raw[:, 6] & 0x0F) | 0x40  # version 4
    raw[:, 8] = (raw[:, 8] & 0x3F) | 0x80  # RFC 4122 variant
    text = raw.tobytes().hex()
    return [text[start : start + 32] for start in range(0, 32 * count, 32)]


def to_scores(values: object, where: str, rows: int) -> pa.Array:
    seq = _sequence(values, where, rows)
    if isinstance(seq, np.ndarray) and seq.dtype.kind in "fiub":
        scores = seq.astype(np.float64)
    else:
        try:
            scores = np.array([math.nan if _missing(v) else v for v in seq], dtype=np.float64)
        except (TypeError, ValueError):
            for row, value in enumerate(seq):
                try:
                    float(value)
                except (TypeError, ValueError) as exc:
                    raise InvalidInput(
                        f"a score must be a number, got {value!r}", where=f"{where}[{row}]"
                    ) from exc
            raise
    infinite = np.isinf(scores)
    if infinite.any():
        raise InvalidInput("a score is infinite", where=f"{where}[{_first(infinite)}]")
    return pa.array(scores, pa.float64(), from_pandas=True)  # NaN -> missing


def _json_default(value: Any) -> Any:
    if isinstance(value, np.generic):
        return value.item()
    if _missing(value):
        return None
    if hasattr(value, "isoformat"):  # pandas.Timestamp, datetime subclasses
        return value.isoformat()
    if isinstance(value, set | frozenset):
        return sorted(value, key=str)
    raise TypeError(f"{type(value).__name__} is not JSON serializable")


def to_metadata(values: object, where: str, rows: int) -> pa.Array:
    """One JSON object per row, from a list of dicts (or None) or a DataFrame."""
    pd = _pandas()
    if pd is not None and isinstance(values, pd.DataFrame):
        if len(values) != rows:
            raise InvalidInput(
                f"{where} has {len(values)} rows but embeddings has {rows}", where=where
            )
        values = values.to_dict("records")
    seq = _sequence(values, where, rows)
    if all(type(item) is dict for item in seq):
        try:  # the common case in one comprehension; errors are located by the loop below
            fast = [orjson.dumps(item, default=_json_default, option=_JSON_OPTIONS) for item in seq]
            return pa.array(fast, pa.binary()).cast(pa.string())
        except TypeError:
            pass
    encoded: list[bytes | None] = []
    for row, item in enumerate(seq):
        if item is None:
            encoded.append(None)
            continue
        if type(item) is not dict and not isinstance(item, Mapping):  # ABC checks are slow
            raise InvalidInput(
                f"metadata must be a dict per row, got {type(item).__name__}",
                where=f"{where}[{row}]",
            )
        try:
            encoded.append(orjson.dumps(item, default=_json_default, option=_JSON_OPTIONS))
        except TypeError as exc:
            raise InvalidInput(
                f"metadata is not JSON serializable: {exc}", where=f"{where}[{row}]"
            ) from exc
    return pa.array(encoded, pa.binary()).cast(pa.string())


def _image_bytes(item: object, where: str) -> bytes | None:
    if item is None:
        return None
    if isinstance(item, bytes | bytearray | memoryview):
        if len(item) == 0:
            raise InvalidInput("an image is empty", where=where)
        return bytes(item)
    if isinstance(item, np.ndarray):
        try:
            return encode_png(item)
        except ValueError as exc:
            raise InvalidInput(str(exc), where=where) from exc
    raise InvalidInput(
        f"an image must be PNG/JPEG bytes or a uint8 array, got {type(item).__name__} "
        "(for files on disk, pass uris= or read their bytes)",
        where=where,
    )


def to_images(values: object, where: str, rows: int) -> pa.Array:
    """Image bytes per row; uint8 arrays are encoded as PNG. A 3-D/4-D array is a stack."""
    seq = values
    if isinstance(values, np.ndarray) and values.dtype != object and values.ndim in (3, 4):
        seq = list(values)
    items = _sequence(seq, where, rows)
    return pa.array(
        [_image_bytes(item, f"{where}[{row}]") for row, item in enumerate(items)], pa.binary()
    )


_CONVERTERS = {
    "labels": to_strings,
    "predictions": to_strings,
    "scores": to_scores,
    "metadata": to_metadata,
    "uris": to_strings,
    "texts": to_strings,
    "images": to_images,
}


def prepare(
    embeddings: object,
    *,
    ids: object | None,
    optional: Mapping[str, object | None],
    dimension: int | None,
    names: Mapping[str, str] | None = None,
) -> Rows:
    """Check and convert one ``log()`` call; ``names`` renames arguments in ``where``."""
    names = names or {}
    vectors = to_vectors(embeddings, names.get("embeddings", "embeddings"))
    rows = vectors.shape[0]
    if dimension is not None and vectors.shape[1] != dimension:
        raise InvalidInput(
            f"embeddings have dimension {vectors.shape[1]}, but this run's space holds "
            f"vectors of dimension {dimension}",
            where=names.get("embeddings", "embeddings"),
        )
    keys = to_keys(ids, rows, names.get("ids", "ids"))
    columns = {}
    for argument, values in optional.items():
        if values is None:
            continue
        convert = _CONVERTERS[argument]
        columns[ARGUMENT_COLUMNS[argument]] = convert(values, names.get(argument, argument), rows)
    return Rows(keys=keys, vectors=vectors, columns=columns)


def frame_arguments(
    frame: Any,
    embedding_column: str | Sequence[str],
    chosen: Mapping[str, str | None],
    metadata_columns: Sequence[str] | None,
) -> tuple[Any, Any, dict[str, Any], dict[str, str]]:
    """``log`` arguments from DataFrame columns: (embeddings, ids, optional, names).

    ``chosen`` maps ``log`` argument names (``"ids"``, ``"labels"``, ...) to columns; the
    metadata gathers ``metadata_columns``, by default every column not named otherwise.
    """
    vector_columns = (
        [embedding_column] if isinstance(embedding_column, str) else list(embedding_column)
    )
    named = [*vector_columns, *(c for c in chosen.values() if c is not None)]
    absent = [c for c in [*named, *(metadata_columns or [])] if c not in frame.columns]
    if absent:
        raise InvalidInput(
            f"the DataFrame has no column {absent[0]!r}; it has {list(frame.columns)}",
            where=str(absent[0]),
        )
    if metadata_columns is None:
        metadata_columns = [c for c in frame.columns if c not in named]
    embeddings = (
        frame[vector_columns[0]] if isinstance(embedding_column, str) else frame[vector_columns]
    )
    names = {"embeddings": ", ".join(map(str, vector_columns))}
    names |= {argument: str(c) for argument, c in chosen.items() if c is not None}
    optional: dict[str, Any] = {
        argument: None if column is None else frame[column]
        for argument, column in chosen.items()
        if argument != "ids"
    }
    if metadata_columns:
        optional["metadata"] = frame[list(metadata_columns)]
        names["metadata"] = "metadata"
    ids = None if chosen.get("ids") is None else frame[chosen["ids"]]
    return embeddings, ids, optional, names


def encode_batch(rows: Rows) -> bytes:
    """One Arrow IPC stream: the bytes a retry re-sends unchanged."""
    present = [name for name in wire.OPTIONAL_COLUMNS if name in rows.columns]
    schema = wire.ingest_schema(rows.dimension, present)
    flat = pa.array(rows.vectors.reshape(-1))
    arrays = [
        pa.array(rows.keys, pa.string()),
        pa.FixedSizeListArray.from_arrays(flat, rows.dimension),
        *(rows.columns[name] for name in present),
    ]
    batch = pa.RecordBatch.from_arrays(arrays, schema=schema)
    # An IPC stream is the schema message, the batch message, then the end marker. Joining
    # the exactly-sized messages copies the data once; a growing output stream copies it
    # again at every doubling (measured: 27 ms -> ~10 ms for a 15 MB batch).
    return b"".join((schema.serialize(), batch.serialize(), wire.END_OF_STREAM))
