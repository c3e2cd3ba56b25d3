"""Checking an ingest batch before anything is written: every rule names where it broke.

A batch is accepted whole or not at all; nothing here touches the database. The limits
(:class:`IngestLimits`, from the ``CHROMA_*`` settings) bound what a batch may make the
server hold: its size once decompressed, its rows, the vectors' dimension, each row's
metadata and image. Text the databases cannot store the same way is refused too: a NUL
character (PostgreSQL refuses it, SQLite cuts the text short at it), invalid UTF-8.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
import pyarrow.compute as pc

from chroma.compute.images import MAX_PIXELS, NotAnImage, media_type
from chroma.core import wire
from chroma.core.errors import InvalidInput, PayloadTooLarge
from chroma.services.arrow_size import stream_size
from chroma.settings import Settings

MAX_KEY_LENGTH = 500
MAX_LABEL_LENGTH = 500
MAX_METADATA_DEPTH = 32
"""Nesting of metadata objects and lists (readers parse JSON recursively: Python's own
parser gives up near 1,000 levels, PostgreSQL's stack sooner or later)."""
TEXT_COLUMNS = ("label", "prediction", "uri", "text")


@dataclass(frozen=True)
class IngestLimits:
    """What one batch may hold; None: no limit (tests and benchmarks that build batches
    themselves). The server's come from its settings (:meth:`of`)."""

    max_bytes: int | None = None
    """The Arrow data once decompressed, and the vectors as float32."""
    max_rows: int | None = None
    max_dimension: int | None = None
    max_metadata_bytes: int | None = None
    """Per row: the metadata's JSON text, in UTF-8 bytes."""
    max_metadata_fields: int | None = None
    """Per row: top-level fields of the metadata object."""
    max_image_bytes: int | None = None
    """Per row: the inline image."""

    @classmethod
    def of(cls, settings: Settings) -> IngestLimits:
        return cls(
            max_bytes=settings.max_request_bytes,
            max_rows=settings.max_batch_rows,
            max_dimension=settings.max_dimension,
            max_metadata_bytes=settings.max_metadata_bytes,
            max_metadata_fields=settings.max_metadata_fields,
            max_image_bytes=settings.image_max_bytes,
        )


NO_LIMITS = IngestLimits()


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


def read_arrow_stream(body: bytes, limits: IngestLimits = NO_LIMITS) -> pa.Table:
    """The stream as a table, refused before it is read when its batches would take more
    than ``limits`` allow once decompressed (Arrow IPC may compress every buffer)."""
    if not body:
        raise InvalidInput("the request body is empty: send an Arrow IPC stream", where="body")
    size = stream_size(body)
    if limits.max_bytes is not None and size.decoded_bytes > limits.max_bytes:
        raise PayloadTooLarge(
            f"the batch is {size.decoded_bytes} bytes once decompressed, over the limit of "
            f"{limits.max_bytes} (CHROMA_MAX_REQUEST_BYTES); send smaller batches",
            where="body",
        )
    _check_rows(size.rows, limits)
    try:
        table = pa.ipc.open_stream(pa.py_buffer(body)).read_all()
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError) as exc:
        raise InvalidInput(
            f"the body is not a valid Arrow IPC stream: {exc}", where="body"
        ) from exc
    try:
        _decode_names(table.schema)
    except UnicodeDecodeError as exc:
        raise InvalidInput("a column or field name is not UTF-8 text", where="body") from exc
    return table


def _decode_names(fields: Iterable[pa.Field]) -> None:
    """Decode every field name, nested ones too: Arrow's reader takes any bytes as a name,
    and pyarrow decodes them only on use (raising UnicodeDecodeError there)."""
    for field in fields:
        _ = field.name
        _decode_names(field.type.field(i) for i in range(field.type.num_fields))


def _check_rows(rows: int, limits: IngestLimits) -> None:
    if limits.max_rows is not None and rows > limits.max_rows:
        raise PayloadTooLarge(
            f"the batch has {rows} rows, over the limit of {limits.max_rows} "
            "(CHROMA_MAX_BATCH_ROWS); send smaller batches",
            where="body",
        )


def _check_arrow(table: pa.Table) -> None:
    """Full validation (offsets in bounds, UTF-8 text): a reader checks only the layout,
    and invalid text would fail later, in the database or while answering a read."""
    for name in table.column_names:
        try:
            table.column(name).validate(full=True)
        except pa.ArrowInvalid as exc:
            raise InvalidInput(f"column {name!r} holds invalid data: {exc}", where=name) from exc


def _first_nul(column: pa.ChunkedArray | pa.Array) -> int | None:
    """The first row whose text holds a NUL character, or None."""
    found = np.asarray(pc.match_substring(column, "\x00").fill_null(False), dtype=np.bool_)
    return _first_true(found) if found.any() else None


def _first_true(mask: npt.NDArray[np.bool_]) -> int:
    return int(np.flatnonzero(mask)[0])


def _vectors(table: pa.Table, limits: IngestLimits) -> npt.NDArray[np.float32]:
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
    if limits.max_dimension is not None and dimension > limits.max_dimension:
        raise InvalidInput(
            f"vectors have {dimension} dimensions, over the limit of {limits.max_dimension} "
            "(CHROMA_MAX_DIMENSION)",
            where="vector",
        )
    as_float32 = len(column) * dimension * 4
    if limits.max_bytes is not None and as_float32 > limits.max_bytes:
        raise PayloadTooLarge(
            f"the batch's vectors are {as_float32} bytes as float32, over the limit of "
            f"{limits.max_bytes} (CHROMA_MAX_REQUEST_BYTES); send smaller batches",
            where="vector",
        )
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
    nul = _first_nul(column)
    if nul is not None:
        raise InvalidInput("a key contains a NUL character", where=f"key[{nul}]")
    keys: list[str] = column.to_pylist()
    repeat = wire.first_repeat(keys)
    if repeat is not None:
        first, row = repeat
        raise InvalidInput(
            f"key {keys[row]!r} appears twice in the batch (rows {first} and {row})",
            where=f"key[{row}]",
        )
    return keys


def _optional(table: pa.Table, name: str, limits: IngestLimits) -> list[Any]:
    column = table.column(name)
    expected = wire.OPTIONAL_COLUMNS[name]
    if pa.types.is_dictionary(column.type) or pa.types.is_run_end_encoded(column.type):
        # A few bytes on the wire that expand to any size once cast.
        raise InvalidInput(
            f"column {name!r} must be {expected}, got {column.type} (send it plain, not "
            "dictionary or run-end encoded)",
            where=name,
        )
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
    if name in TEXT_COLUMNS:
        nul = _first_nul(column)
        if nul is not None:
            raise InvalidInput(f"a {name} contains a NUL character", where=f"{name}[{nul}]")
    if name == "score":
        finite = np.isfinite(np.asarray(column.fill_null(0.0)))
        if not finite.all():
            raise InvalidInput("a score is NaN or infinite", where=f"score[{_first_true(~finite)}]")
    if name == "metadata":
        _check_sizes(column, limits.max_metadata_bytes, "metadata", "CHROMA_MAX_METADATA_BYTES")
    if name == "image":
        _check_sizes(column, limits.max_image_bytes, "image", "CHROMA_IMAGE_MAX_BYTES")
    values: list[Any] = column.to_pylist()
    if name == "metadata":
        for row, raw in enumerate(values):
            if raw is not None:
                _check_metadata(raw, f"metadata[{row}]", limits)
    if name == "image":
        for row, data in enumerate(values):
            if data is not None:
                _check_image(data, f"image[{row}]")
    return values


def _check_sizes(column: pa.ChunkedArray, limit: int | None, name: str, setting: str) -> None:
    if limit is None:
        return
    sizes = np.asarray(pc.binary_length(column).fill_null(0))
    if (sizes > limit).any():
        row = _first_true(sizes > limit)
        raise PayloadTooLarge(
            f"a {name} value is {sizes[row]} bytes, over the limit of {limit} ({setting})",
            where=f"{name}[{row}]",
        )


def _check_metadata(raw: str, where: str, limits: IngestLimits) -> None:
    try:
        parsed = orjson.loads(raw)
    except orjson.JSONDecodeError as exc:
        raise InvalidInput(f"metadata is not valid JSON: {exc}", where=where) from exc
    if not isinstance(parsed, dict):
        raise InvalidInput("metadata must be a JSON object", where=where)
    if limits.max_metadata_fields is not None and len(parsed) > limits.max_metadata_fields:
        raise InvalidInput(
            f"metadata has {len(parsed)} fields, over the limit of "
            f"{limits.max_metadata_fields} (CHROMA_MAX_METADATA_FIELDS)",
            where=where,
        )
    # JSON text can only spell NUL as an escape; only deep or NUL-bearing text needs a walk.
    if "\\u0000" in raw or raw.count("{") + raw.count("[") > MAX_METADATA_DEPTH:
        problem = _metadata_problem(parsed)
        if problem is not None:
            raise InvalidInput(problem, where=where)


def _metadata_problem(parsed: dict[str, Any]) -> str | None:
    """Why this metadata cannot be stored (NUL characters, nesting too deep), or None."""
    stack: list[tuple[Any, int]] = [(parsed, 1)]
    while stack:
        item, depth = stack.pop()
        if depth > MAX_METADATA_DEPTH:
            return f"metadata nests deeper than {MAX_METADATA_DEPTH} levels"
        children: list[Any]
        if isinstance(item, dict):
            if any("\x00" in key for key in item):
                return "a metadata field name contains a NUL character"
            children = list(item.values())
        else:
            children = item
        for child in children:
            if isinstance(child, str):
                if "\x00" in child:
                    return "a metadata value contains a NUL character"
            elif isinstance(child, dict | list):
                stack.append((child, depth + 1))
    return None


def _check_image(data: bytes, where: str) -> None:
    """The bytes must be an image the server can show (its header, read by Pillow)."""
    try:
        media_type(data)
    except NotAnImage as exc:
        raise InvalidInput(
            "not an image the server can show (PNG, JPEG, WebP, GIF or BMP, at most "
            f"{MAX_PIXELS:,} pixels)",
            where=where,
        ) from exc


def validate(table: pa.Table, limits: IngestLimits = NO_LIMITS) -> IngestBatch:
    """Check every rule; return the batch in the shapes the writer needs."""
    if table.num_rows == 0:
        raise InvalidInput("the batch is empty: log at least one vector", where="body")
    _check_rows(table.num_rows, limits)
    names = table.column_names
    unknown = [n for n in names if n not in wire.ALL_COLUMNS]
    if unknown:
        raise InvalidInput(
            f"unknown column {unknown[0]!r}; expected some of {', '.join(wire.ALL_COLUMNS)}",
            where=unknown[0] or "body",
        )
    if len(set(names)) != len(names):
        raise InvalidInput("a column appears twice", where="body")
    for required in wire.REQUIRED_COLUMNS:
        if required not in names:
            raise InvalidInput(f"the batch has no {required!r} column", where=required)
    _check_arrow(table)
    keys = _keys(table)
    vectors = _vectors(table, limits)
    columns = {
        name: _optional(table, name, limits) for name in names if name in wire.OPTIONAL_COLUMNS
    }
    return IngestBatch(keys=keys, vectors=vectors, columns=columns)
