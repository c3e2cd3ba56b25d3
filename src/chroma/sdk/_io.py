"""What import and export share: the formats, how a path names one, the reserved columns."""

from __future__ import annotations

from pathlib import Path

from chroma.core.columns import METADATA_PREFIX, RESERVED
from chroma.core.errors import InvalidInput

FILE_FORMATS = ("parquet", "arrow", "csv", "numpy", "tf-projector")
"""The file formats of ``chroma.import_file`` and ``chroma.export`` (their ``format=``)."""
SUFFIXES = {
    ".parquet": "parquet",
    ".pq": "parquet",
    ".arrow": "arrow",
    ".feather": "arrow",
    ".ipc": "arrow",
    ".csv": "csv",
    ".npy": "numpy",
    ".tsv": "tf-projector",
}
_ALIASES = {"tf": "tf-projector", "tf_projector": "tf-projector", "feather": "arrow"}

# Columns an export writes besides the metadata fields: chroma/core/columns.py.
__all__ = ["FILE_FORMATS", "METADATA_PREFIX", "RESERVED", "SUFFIXES", "TEXT_COLUMNS", "format_of"]

TEXT_COLUMNS = ("key", "id", "dataset", "label", "prediction", "uri", "text", "tags")


def format_of(path: Path, format: str | None) -> str:
    """The format asked for, else the one the path's extension names (a folder: TF)."""
    if format is not None:
        name = _ALIASES.get(format.lower(), format.lower())
        if name not in FILE_FORMATS:
            raise InvalidInput(
                f"unknown format {format!r}; use one of {', '.join(FILE_FORMATS)}", where="format"
            )
        return name
    if path.is_dir() or not path.suffix:
        return "tf-projector"
    found = SUFFIXES.get(path.suffix.lower())
    if found is None:
        raise InvalidInput(
            f"{path}: cannot tell the format from the extension {path.suffix!r} (known: "
            f"{', '.join(SUFFIXES)}); pass format= one of {', '.join(FILE_FORMATS)}",
            where="format",
        )
    return found
