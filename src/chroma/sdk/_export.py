"""``chroma.export``: a space's datapoints, vectors and map coordinates, written to files."""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import orjson
import pyarrow as pa

from chroma.core.errors import InvalidInput
from chroma.sdk import _tf_projector as tf
from chroma.sdk._io import METADATA_PREFIX, RESERVED, format_of
from chroma.sdk._projections import get_projection
from chroma.sdk._read import read_datapoints, read_vectors

if TYPE_CHECKING:
    import pandas as pd

PathLike = str | os.PathLike[str]
_DROPPED_WHEN_EMPTY = ("label", "prediction", "score", "uri", "text")


@dataclass(frozen=True)
class Exported:
    """What :func:`chroma.export` wrote.

    Attributes:
        rows: Datapoints written.
        files: The files written (one, or two for CSV + NumPy and the TF Projector).
        columns: The columns of the table written (besides the vectors).
    """

    rows: int
    files: list[Path]
    columns: list[str] = field(default_factory=list)


def _frame(
    project: str,
    space: str,
    datasets: str | Sequence[str] | None,
    projection: int | None,
    url: str | None,
    token: str | None,
) -> tuple[pd.DataFrame, np.ndarray[Any, np.dtype[np.float32]]]:
    """The table (key, dataset, fields, tags, metadata fields, x, y) and its vectors."""
    import pandas as pd

    read = read_vectors(project, space, datasets=datasets, keys=False, url=url, token=token)
    points = None
    if projection is not None:
        found = get_projection(projection, url=url, token=token)
        if found.space is not None and found.space != space:
            raise InvalidInput(
                f"projection {projection} maps space {found.space!r}, not {space!r}",
                where="projection",
            )
        if not found.ready:
            raise InvalidInput(
                f"projection {projection} is not computed yet (state {found.state})",
                where="projection",
            )
        points = found.points(columns=[])
    table = read_datapoints(project, datasets=datasets, url=url, token=token)
    row_of = pd.Series(np.arange(len(read)), index=read.datapoint_ids)
    table = table[table["datapoint_id"].isin(row_of.index)].reset_index(drop=True)
    vectors = read.vectors[row_of.loc[table["datapoint_id"]].to_numpy()]
    columns = ["key", "dataset"]
    columns += [c for c in _DROPPED_WHEN_EMPTY if c in table and table[c].notna().any()]
    out = table[columns].copy()
    out["tags"] = [list(tags) if tags is not None else [] for tags in table["tags"]]
    metadata = [m if isinstance(m, dict) else {} for m in table["metadata"]]
    fields: dict[str, None] = {}
    for item in metadata:
        fields.update(dict.fromkeys(item))
    for name in fields:
        column = f"{METADATA_PREFIX}{name}" if name in RESERVED else name
        out[column] = [item.get(name) for item in metadata]
    if points is not None:
        where = points.set_index("id")
        ids = table["datapoint_id"]
        out["x"] = ids.map(where["x"]).astype(np.float32).to_numpy()
        out["y"] = ids.map(where["y"]).astype(np.float32).to_numpy()
    return out, vectors


def _arrow_column(values: pd.Series) -> pa.Array:
    """A column as Arrow; mixed or nested metadata values become JSON text."""
    try:
        return pa.array(values, from_pandas=True)
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        return pa.array(
            [None if v is None else orjson.dumps(v, default=str).decode() for v in values],
            pa.string(),
        )


def _arrow_table(frame: pd.DataFrame, vectors: np.ndarray[Any, Any]) -> pa.Table:
    arrays = {name: _arrow_column(frame[name]) for name in frame.columns}
    arrays["tags"] = pa.array(frame["tags"].tolist(), pa.list_(pa.string()))
    dimension = vectors.shape[1]
    flat = pa.array(np.ascontiguousarray(vectors, dtype=np.float32).reshape(-1))
    arrays["vector"] = pa.FixedSizeListArray.from_arrays(flat, dimension)
    return pa.table(arrays)


def _text_frame(frame: pd.DataFrame) -> pd.DataFrame:
    out = frame.copy()
    out["tags"] = [",".join(tags) for tags in frame["tags"]]
    return out


def export(
    path: PathLike,
    *,
    project: str,
    space: str,
    datasets: str | Sequence[str] | None = None,
    format: str | None = None,
    projection: int | None = None,
    url: str | None = None,
    token: str | None = None,
) -> Exported:
    """Write a space's datapoints to files: vectors, keys, fields, tags, metadata, map.

    Every datapoint with a vector in the space is written with its ``key``, ``dataset``,
    ``label``, ``prediction``, ``score``, ``uri``, ``text`` (those present), ``tags``,
    one column per metadata field (``metadata.<field>`` when the name is one of the
    columns before), and with ``projection=`` the map's ``x`` and ``y`` (empty for points
    not on the map).

    Formats (``format=``, else from the extension): ``parquet`` and ``arrow`` (one file,
    vectors in a ``vector`` column of fixed-size float32 lists), ``csv`` (``<name>.csv``
    plus the vectors in ``<name>.npy``; ``numpy`` is the same from the ``.npy`` side),
    ``tf-projector`` (a folder, by default for a path without extension, holding
    ``tensors.tsv`` and ``metadata.tsv`` for the TensorFlow Embedding Projector; tags are
    joined with commas).

    Args:
        path: File or folder to write.
        project: Project name.
        space: Space name.
        datasets: A dataset name or several. Default: every dataset.
        format: See above.
        projection: Id of a projection of this space whose coordinates to add.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.

    Returns:
        An :class:`Exported` (``.rows``, ``.files``, ``.columns``).

    Raises:
        NotFound: Unknown project, space, dataset or projection.
        InvalidInput: Unknown format, or a projection of another space or not computed.

    Example::

        chroma.export("demo.parquet", project="demo", space="enc", projection=3)
        chroma.export("for-tf/", project="demo", space="enc", format="tf-projector")
    """
    out = Path(path)
    fmt = format_of(out, format)
    frame, vectors = _frame(project, space, datasets, projection, url, token)
    files: list[Path]
    if fmt in ("parquet", "arrow"):
        import pyarrow.feather as feather
        import pyarrow.parquet as pq

        out.parent.mkdir(parents=True, exist_ok=True)
        table = _arrow_table(frame, vectors)
        if fmt == "parquet":
            pq.write_table(table, out)
        else:
            feather.write_feather(table, str(out), compression="uncompressed")
        files = [out]
    elif fmt in ("csv", "numpy"):
        table_path, npy = out.with_suffix(".csv"), out.with_suffix(".npy")
        out.parent.mkdir(parents=True, exist_ok=True)
        _text_frame(frame).to_csv(table_path, index=False)
        np.save(npy, np.ascontiguousarray(vectors, dtype=np.float32))
        files = [table_path, npy]
    else:
        folder = out.parent if out.suffix.lower() == ".tsv" else out
        folder.mkdir(parents=True, exist_ok=True)
        tensors = out if out.suffix.lower() == ".tsv" else folder / tf.TENSORS
        metadata = folder / tf.METADATA
        tf.write_tensors(tensors, vectors)
        tf.write_metadata(metadata, _text_frame(frame), list(frame.columns))
        files = [tensors, metadata]
    return Exported(rows=len(frame), files=files, columns=[str(c) for c in frame.columns])
