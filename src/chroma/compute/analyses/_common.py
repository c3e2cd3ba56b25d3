"""What the analyses share: label codes, neighbour-list checks, block sizes."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
import pandas as pd

from chroma.core.errors import InvalidInput

F32 = npt.NDArray[np.float32]
F64 = npt.NDArray[np.float64]
I64 = npt.NDArray[np.int64]
Bool = npt.NDArray[np.bool_]
Obj = npt.NDArray[np.object_]

BLOCK = 65_536
"""Rows per block wherever a per-row temporary would otherwise be (n, something) wide."""


def label_codes(*columns: Obj | None) -> tuple[list[I64], list[str]]:
    """Integer codes (``-1`` = missing) for one or more label-like columns, in one shared
    sorted vocabulary, so that a label and a prediction of the same class get the same code.
    A column given as None gets an empty code array.

    pandas' hash-based ``factorize`` is used rather than ``np.unique``: it is linear, and
    takes ``None``/NaN as missing without comparing them with strings.
    """
    given = [np.asarray(c, dtype=object) for c in columns if c is not None]
    if not given:  # one (empty) code array per column still, so callers can unpack
        return [np.empty(0, dtype=np.int64) for _ in columns], []
    joined = np.concatenate(given) if len(given) > 1 else given[0]
    codes, uniques = pd.factorize(joined, sort=True, use_na_sentinel=True)
    codes = codes.astype(np.int64, copy=False)
    out: list[I64] = []
    start = 0
    for column in columns:
        if column is None:
            out.append(np.empty(0, dtype=np.int64))
            continue
        out.append(codes[start : start + len(column)])
        start += len(column)
    return out, [str(u) for u in uniques]


def check_neighbours(
    neighbours: npt.NDArray[np.int64], n: int, *, where: str = "neighbours", min_k: int = 1
) -> I64:
    """Neighbour rows as documented in the package: (n, k) int64 positions, -1 for none."""
    rows = np.asarray(neighbours)
    if rows.ndim != 2 or len(rows) != n:
        raise InvalidInput(f"expected ({n}, k) neighbour rows, got {rows.shape}", where=where)
    if rows.shape[1] < min_k:
        raise InvalidInput(
            f"neighbour lists hold {rows.shape[1]} neighbours, at least {min_k} are needed",
            where=where,
        )
    if not np.issubdtype(rows.dtype, np.integer):
        raise InvalidInput(f"neighbour rows must be integers, got {rows.dtype}", where=where)
    out: I64 = rows.astype(np.int64, copy=False)
    if out.size and (out.max() >= n or out.min() < -1):
        raise InvalidInput(f"neighbour rows must lie in -1..{n - 1}", where=where)
    return out


def check_lists(
    neighbours: npt.NDArray[np.int64],
    distances: npt.NDArray[np.float32],
    n: int,
    *,
    where: str = "neighbours",
    min_k: int = 1,
) -> tuple[I64, F32]:
    """Neighbour rows (see :func:`check_neighbours`) and their (n, k) distances."""
    rows = check_neighbours(neighbours, n, where=where, min_k=min_k)
    dist: F32 = np.asarray(distances, dtype=np.float32)
    if dist.shape != rows.shape:
        raise InvalidInput(
            f"distances have shape {dist.shape}, neighbours {rows.shape}",
            where=where.replace("neighbours", "distances"),
        )
    return rows, dist


def check_length(values: object, n: int, where: str) -> None:
    length = len(values) if hasattr(values, "__len__") else -1
    if length != n:
        raise InvalidInput(f"expected {n} values, got {length}", where=where)
