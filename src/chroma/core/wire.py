"""The bulk wire format shared by the SDK and the server: Apache Arrow IPC streams.

An ingest body is one Arrow IPC stream whose record batches have these columns:

==========  ==============================  ========  =====================================
column      Arrow type                      required  meaning
==========  ==============================  ========  =====================================
key         utf8                            yes       client key, unique per dataset
vector      fixed_size_list<float32>[dim]   yes       the embedding in the request's space
label       utf8                            no        ground-truth label
prediction  utf8                            no        the model's prediction
score       float64                         no        the model's score for its prediction
metadata    utf8 (a JSON object per row)    no        free-form fields
uri         utf8                            no        where the resource lives
text        utf8                            no        inline text resource
image       binary                          no        inline image bytes (PNG/JPEG/...)
==========  ==============================  ========  =====================================

Vector read-back uses the same ``key`` and ``vector`` columns plus ``datapoint_id`` (int64)
and ``dataset`` (utf8).
"""

from __future__ import annotations

import pyarrow as pa

ARROW_STREAM_MEDIA_TYPE = "application/vnd.apache.arrow.stream"

MAX_ROW_ID = 2**31 - 1
"""The largest row id (datapoints, maps, analyses, jobs): the id columns are PostgreSQL's
32-bit ``integer`` (SQLite's hold 64 bits, but its ids never grow past this either; Arrow
id columns are int64). A larger number names nothing, and the database refuses it (a
parameter out of range: a server error), so requests check ids against this first."""

END_OF_STREAM = b"\xff\xff\xff\xff\x00\x00\x00\x00"
"""The marker closing an Arrow IPC stream (after the schema and record batch messages)."""

KEY = "key"
VECTOR = "vector"
OPTIONAL_COLUMNS: dict[str, pa.DataType] = {
    "label": pa.string(),
    "prediction": pa.string(),
    "score": pa.float64(),
    "metadata": pa.string(),
    "uri": pa.string(),
    "text": pa.string(),
    "image": pa.binary(),
}
REQUIRED_COLUMNS = (KEY, VECTOR)
ALL_COLUMNS = (*REQUIRED_COLUMNS, *OPTIONAL_COLUMNS)


def vector_type(dimension: int) -> pa.DataType:
    return pa.list_(pa.float32(), dimension)


def ingest_schema(dimension: int, optional: list[str]) -> pa.Schema:
    """The schema of an ingest batch carrying ``optional`` columns besides key and vector."""
    fields = [pa.field(KEY, pa.string(), nullable=False), pa.field(VECTOR, vector_type(dimension))]
    fields += [pa.field(name, OPTIONAL_COLUMNS[name]) for name in optional]
    return pa.schema(fields)


def read_back_schema(dimension: int, *, with_keys: bool = True) -> pa.Schema:
    """The schema of ``GET /api/v1/vectors`` in Arrow form (``key`` only when asked for)."""
    fields = [pa.field("datapoint_id", pa.int64()), pa.field("dataset", pa.string())]
    if with_keys:
        fields.append(pa.field(KEY, pa.string()))
    fields.append(pa.field(VECTOR, vector_type(dimension)))
    return pa.schema(fields)


def first_repeat(keys: list[str]) -> tuple[int, int] | None:
    """(first row, repeating row) of the first key that appears twice, or None."""
    if len(set(keys)) == len(keys):
        return None
    seen: dict[str, int] = {}
    for row, key in enumerate(keys):
        if key in seen:
            return seen[key], row
        seen[key] = row
    return None  # unreachable: the set was smaller
