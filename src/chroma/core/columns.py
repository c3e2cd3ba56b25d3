"""The columns of an exported table, shared by the SDK's files and the server's export.

An export writes ``key``, ``dataset``, ``label``, ``prediction``, ``score``, ``uri``,
``text``, ``tags``, one column per metadata field and the map's ``x`` and ``y``. A metadata
field named like one of the reserved columns is written as ``metadata.<name>``, and an
import never files a reserved column under metadata.
"""

from __future__ import annotations

RESERVED = (
    "key",
    "dataset",
    "label",
    "prediction",
    "score",
    "uri",
    "text",
    "tags",
    "x",
    "y",
    "vector",
    "datapoint_id",
    "has_image",
    "placed",
)
METADATA_PREFIX = "metadata."
DROPPED_WHEN_EMPTY = ("label", "prediction", "score", "uri", "text")
"""Columns an export leaves out when no row has a value."""


def metadata_column(field: str) -> str:
    """The exported column of a metadata field."""
    return f"{METADATA_PREFIX}{field}" if field in RESERVED else field
