"""Checking an ingest batch before anything is written: every rule names where it broke.

A batch is accepted whole or not at all; nothing here touches the database.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from chroma.core import wire
from chroma.core.errors import InvalidInput, PayloadTooLarge

MAX_KEY_LENGTH = 500
MAX_LABEL_LENGTH = 500


@dataclass
class IngestBatch:
    keys: list[str]
    vectors: npt.NDArray[np.float32]
    columns: dict[str, list[Any]]
    """Present optional columns as Python lists (``metadata`` as JSON text)."""

    @property
    def dimension(self) -> int:
        return int(self.vectors.shape[1])

    def __len__(self) -> int:
        return len(self.keys)


def read_arrow_stream(body: bytes, *, max_rows: int | None = None) -> pa.Table:
    if not body:
        raise InvalidInput("the request body is empty: send an Arrow IPC stream", where="body")
    try:
        table = pa.ipc.open_stream(pa.py_buffer(body)).read_all()
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        raise InvalidInput(
            f"the body is not a valid Arrow IPC stream: {exc}", where="body"
        ) from exc
    if max_rows is not None and table.num_rows > max_rows:
        raise PayloadTooLarge(f"{table.num_rows} rows exceed the limit of {max_rows}", where="body")
    return table


def _first_true(mask: npt.NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(mask)[0])


def _vectors(table: pa.Table) -> npt.NDArray[np.float32]:
    column = table.column(wire.VECTOR).combine_chunks()
    if column.null_count:
        row = _first_true(np.asarray(column.is_null()))
        raise InvalidInput("a vector is missing", where=f"vector[{row}]")
    kind = column.type
    if pa.types.is_fixed_size_list(kind):
        dimension = kind.list_size
    elif pa.types.is_list(kind) or pa.types.is_large_list(kind):
        lengths = np.asarray(pc.list_value_length(column))
        dimension = int(lengths[0])
        if (lengths != dimension).any():
            row = _first_true(lengths != dimension)
            raise InvalidInput(
                f"vectors are ragged: row 0 has {dimension} values, row {row} has {lengths[row]}",
                where=f"vector[{row}]",
            )
    else:
        raise InvalidInput(f"vector must be a list of floats, got {kind}", where="vector")
    values = column.flatten()
    if not (pa.types.is_floating(values.type) or pa.types.is_integer(values.type)):
        raise InvalidInput(f"vector values must be numbers, got {values.type}", where="vector")
    if values.null_count:
        row = _first_true(np.asarray(values.is_null())) // max(dimension, 1)
        raise InvalidInput("a vector holds a null value", where=f"vector[{row}]")
    if dimension < 1:
        raise InvalidInput("vectors must have at least one dimension", where="vector")
    flat = values.to_numpy(zero_copy_only=False)
    vectors: npt.NDArray[np.float32] = flat.astype(np.float32, copy=False).reshape(-1, dimension)
    finite = np.asarray(np.isfinite(vectors).all(axis=1), dtype=np.bool_)
    if not finite.all():
        row = _first_true(~finite)
        raise InvalidInput("a vector holds NaN or infinity", where=f"vector[{row}]")
    return vectors


def _keys(table: pa.Table) -> list[str]:
    column = table.column(wire.KEY)
    if not pa.types.is_string(column.type) and not pa.types.is_large_string(column.type):
        raise InvalidInput(f"key must be a string column, got {column.type}", where="key")
    if column.null_count:
        row = _first_true(np.asarray(column.is_null()))
        raise InvalidInput("a key is missing", where=f"key[{row}]")
    lengths = np.asarray(pc.utf8_length(column))
    if (lengths == 0).any():
        raise InvalidInput("a key is empty", where=f"key[{_first_true(lengths == 0)}]")
    if (lengths > MAX_KEY_LENGTH).any():
        row = _first_true(lengths > MAX_KEY_LENGTH)
        raise InvalidInput(f"a key is longer than {MAX_KEY_LENGTH} characters", where=f"key[{row}]")
    keys: list[str] = column.to_pylist()
    repeat = wire.first_repeat(keys)
    if repeat is not None:
        first, row = repeat
        raise InvalidInput(
            f"key {keys[row]!r} appears twice in the batch (rows {first} and {row})",
            where=f"key[{row}]",
        )
    return keys


def _optional(table: pa.Table, name: str) -> list[Any]:
    column = table.column(name)
    expected = wire.OPTIONAL_COLUMNS[name]
    if column.type != expected:
        try:
            column = column.cast(expected)
        except (pa.ArrowInvalid, pa.ArrowNotImplementedError) as exc:
            raise InvalidInput(
                f"column {name!r} must be {expected}, got {column.type}", where=name
            ) from exc
    if name in ("label", "prediction"):
        lengths = np.asarray(pc.utf8_length(column).fill_null(0))
        if (lengths > MAX_LABEL_LENGTH).any():
            row = _first_true(lengths > MAX_LABEL_LENGTH)
            raise InvalidInput(
                f"a {name} is longer than {MAX_LABEL_LENGTH} characters", where=f"{name}[{row}]"
            )
    if name == "score":
        finite = np.isfinite(np.asarray(column.fill_null(0.0)))
        if not finite.all():
            raise InvalidInput("a score is NaN or infinite", where=f"score[{_first_true(~finite)}]")
    values: list[Any] = column.to_pylist()
    if name == "metadata":
        for row, raw in enumerate(values):
            if raw is None:
                continue
            try:
                parsed = orjson.loads(raw)
            except orjson.JSONDecodeError as exc:
                raise InvalidInput(
                    f"metadata is not valid JSON: {exc}", where=f"metadata[{row}]"
                ) from exc
            if not isinstance(parsed, dict):
                raise InvalidInput("metadata must be a JSON object", where=f"metadata[{row}]")
    return values


def validate(table: pa.Table) -> IngestBatch:
    """Check every rule; return the batch in the shapes the writer needs."""
    if table.num_rows == 0:
        raise InvalidInput("the batch is empty: log at least one vector", where="body")
    names = table.column_names
    unknown = [n for n in names if n not in wire.ALL_COLUMNS]
    if unknown:
        raise InvalidInput(
            f"unknown column {unknown[0]!r}; expected some of {', '.join(wire.ALL_COLUMNS)}",
            where=unknown[0],
        )
    if len(set(names)) != len(names):
        raise InvalidInput("a column appears twice", where="body")
    for required in wire.REQUIRED_COLUMNS:
        if required not in names:
            raise InvalidInput(f"the batch has no {required!r} column", where=required)
    keys = _keys(table)
    vectors = _vectors(table)
    columns = {name: _optional(table, name) for name in names if name in wire.OPTIONAL_COLUMNS}
    return IngestBatch(keys=keys, vectors=vectors, columns=columns)
