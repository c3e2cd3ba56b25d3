"""The TensorFlow Embedding Projector's files: a tensors TSV and a metadata TSV.

``tensors.tsv`` holds one vector per line, values separated by tabs, no header.
``metadata.tsv`` holds one row per vector; with several columns its first line is a header,
with a single column it has none (the Projector's own rule). Values cannot be quoted, so
tabs and line breaks inside a value are written as spaces.
"""

from __future__ import annotations

import warnings
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from chroma.core.errors import InvalidInput

if TYPE_CHECKING:
    import pandas as pd

TENSORS = "tensors.tsv"
METADATA = "metadata.tsv"
SINGLE_COLUMN = "label"  # what a header-less single-column metadata file holds


def read_tensors(path: Path) -> npt.NDArray[np.float32]:
    """The vectors of a tensors TSV; a bad line is named by its number (from 1)."""
    try:
        with np.errstate(over="ignore"), warnings.catch_warnings():
            warnings.simplefilter("ignore")  # an empty file warns; it is refused below
            vectors = np.loadtxt(path, delimiter="\t", dtype=np.float64, ndmin=2)
    except ValueError:
        _locate_bad_line(path)
        raise
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", where=str(path)) from exc
    if vectors.size == 0:
        raise InvalidInput(f"{path}: the file holds no vectors", where=path.name)
    return np.asarray(vectors, dtype=np.float32)


def _locate_bad_line(path: Path) -> None:
    """Raise InvalidInput for the first line that is not a row of numbers of the usual width."""
    width: int | None = None
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            parts = line.rstrip("\r\n").split("\t")
            if width is None:
                width = len(parts)
            elif len(parts) != width:
                raise InvalidInput(
                    f"{path}: vectors are ragged: line 1 has {width} values, line {number} "
                    f"has {len(parts)}",
                    where=f"{path.name}:{number}",
                )
            for column, part in enumerate(parts, start=1):
                try:
                    float(part)
                except ValueError:
                    raise InvalidInput(
                        f"{path}: line {number}, value {column} is not a number: {part!r}",
                        where=f"{path.name}:{number}",
                    ) from None


def read_metadata(path: Path) -> pd.DataFrame:
    """The metadata TSV as text columns (header-less when it has a single column)."""
    import pandas as pd

    try:
        with path.open(encoding="utf-8") as handle:
            first = handle.readline()
    except OSError as exc:
        raise InvalidInput(f"cannot read {path}: {exc}", where=str(path)) from exc
    single = "\t" not in first
    frame: pd.DataFrame = pd.read_csv(
        path,
        sep="\t",
        dtype=str,
        keep_default_na=False,
        na_values=[""],
        quoting=3,  # csv.QUOTE_NONE: the Projector does not quote
        header=None if single else 0,
        names=[SINGLE_COLUMN] if single else None,
        skip_blank_lines=False,
    )
    # a trailing newline is not a row; a blank line inside the file is an empty value
    while len(frame) and frame.iloc[-1].isna().all() and single:
        frame = frame.iloc[:-1]
    return frame


def _cell(value: Any) -> str:
    if value is None or (isinstance(value, float) and np.isnan(value)):
        return ""
    if isinstance(value, list | tuple | np.ndarray):
        return ",".join(str(item) for item in value)
    text = str(value)
    return text.replace("\t", " ").replace("\r", " ").replace("\n", " ")


def write_tensors(path: Path, vectors: npt.NDArray[np.float32]) -> None:
    # nine significant digits read back as the very same float32
    np.savetxt(path, vectors.astype(np.float64), fmt="%.9g", delimiter="\t")


def write_metadata(path: Path, frame: pd.DataFrame, columns: Sequence[str]) -> None:
    with path.open("w", encoding="utf-8", newline="\n") as out:
        if len(columns) > 1:
            out.write("\t".join(_cell(name) for name in columns) + "\n")
        for row in frame[list(columns)].itertuples(index=False, name=None):
            out.write("\t".join(_cell(value) for value in row) + "\n")
