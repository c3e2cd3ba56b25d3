"""How much each point's neighbourhood changed between two spaces (a comparison).

Both neighbour lists are row positions into the same shared points (``-1`` pads), so a
neighbour is the same datapoint in either space. A point's *overlap* is the share of its
neighbours both spaces agree on, ``|A ∩ B| / max(|A|, |B|)`` (``|A ∩ B| / k`` when both lists
are full); *moved* is ``1 - overlap``. Neighbours only in the second space are *gained*,
neighbours only in the first are *lost*. Pure: arrays in, arrays out (ADR 0015).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from chroma.compute.analyses._common import F32, I64, Obj
from chroma.core.errors import InvalidInput

CELLS = 16_000_000
"""Boolean cells of one block of the row-by-row membership test (rows x k x k)."""
NO_LABEL = "(no label)"


@dataclass(frozen=True)
class NeighbourhoodChange:
    overlap: F32
    """Share of neighbours kept, 0..1 (NaN where neither space lists any)."""
    gained: I64
    """(n, k) neighbours in the second space only (row positions, ``-1`` pads)."""
    lost: I64
    """(n, k) neighbours in the first space only."""


def neighbourhood_change(rows_a: I64, rows_b: I64) -> NeighbourhoodChange:
    """Compare two neighbour lists of the same points, row by row."""
    if rows_a.ndim != 2 or rows_a.shape[0] != rows_b.shape[0]:
        raise InvalidInput("both neighbour lists need one row per shared point", where="rows")
    n, ka = rows_a.shape
    kb = rows_b.shape[1]
    in_b = np.zeros((n, ka), dtype=bool)  # rows_a[i, j] is among rows_b[i]
    in_a = np.zeros((n, kb), dtype=bool)
    step = max(1, CELLS // max(ka * kb, 1))
    for start in range(0, n, step):
        a = rows_a[start : start + step]
        b = rows_b[start : start + step]
        same = (a[:, :, None] == b[:, None, :]) & (a[:, :, None] >= 0)
        in_b[start : start + step] = same.any(axis=2)
        in_a[start : start + step] = same.any(axis=1)
    valid_a = rows_a >= 0
    valid_b = rows_b >= 0
    kept = (in_b & valid_a).sum(axis=1)
    size = np.maximum(valid_a.sum(axis=1), valid_b.sum(axis=1))
    with np.errstate(invalid="ignore", divide="ignore"):
        overlap = np.where(size > 0, kept / np.maximum(size, 1), np.nan).astype(np.float32)
    lost = np.where(valid_a & ~in_b, rows_a, -1).astype(np.int64)
    gained = np.where(valid_b & ~in_a, rows_b, -1).astype(np.int64)
    return NeighbourhoodChange(overlap=overlap, gained=gained, lost=lost)


def label_lists(rows: I64, codes: I64, names: list[str]) -> Obj:
    """Per row, the labels of the listed neighbours as text, most frequent first, ties in
    label order, unlabelled last (``"cat (2), dog"``); None where the row lists none.
    ``codes`` are the label code of every point (``-1``: no label), ``names`` the labels of
    the codes.

    Vectorised but for one ``join`` per row: the rows' sorted codes are cut into runs (a
    label and how often), the runs ordered, and each row's tokens joined.
    """
    n, k = rows.shape if rows.ndim == 2 else (len(rows), 0)
    out = np.full(n, None, dtype=object)
    if n == 0 or k == 0:
        return out
    last = len(names)  # unlabelled neighbours sort after every label
    listed = np.where(rows >= 0, codes[rows.clip(0)], -2)  # -2: no neighbour here
    listed = np.where(listed == -1, last, listed)
    listed.sort(axis=1)  # pads (-2) first, then codes ascending
    valid = listed != -2
    start = valid.copy()
    start[:, 1:] &= listed[:, 1:] != listed[:, :-1]
    flat = np.flatnonzero(start.ravel())
    if not len(flat):
        return out
    run_row = flat // k
    stop = np.minimum(np.append(flat[1:], n * k), (run_row + 1) * k)
    count = stop - flat
    code = listed.ravel()[flat]
    order = np.lexsort((code, -count, run_row))
    run_row, count, code = run_row[order], count[order], code[order]
    label = np.array([*names, NO_LABEL], dtype=object)[code]
    tokens = [
        name if c == 1 else f"{name} ({c})"
        for name, c in zip(label.tolist(), count.tolist(), strict=True)
    ]
    bounds = np.flatnonzero(np.diff(run_row)) + 1
    firsts = np.concatenate([[0], bounds]).tolist()
    lasts = np.concatenate([bounds, [len(tokens)]]).tolist()
    texts = [", ".join(tokens[a:b]) for a, b in zip(firsts, lasts, strict=True)]
    out[run_row[firsts]] = texts
    return out


def _name(code: int, names: list[str] | None) -> str:
    if code < 0:
        return NO_LABEL if names is not None else "noise"
    return str(code) if names is None else names[code]


def moved_rank(moved: F32, ids: I64) -> I64:
    """Rank 1 for the point that moved most; ties by datapoint id, NaN last."""
    key = np.where(np.isnan(moved), -np.inf, moved.astype(np.float64))
    order = np.lexsort((ids, -key))
    rank = np.empty(len(moved), dtype=np.int64)
    rank[order] = np.arange(1, len(moved) + 1, dtype=np.int64)
    return rank


def mean_by_group(values: F32, groups: I64, names: list[str] | None) -> dict[str, dict[str, float]]:
    """Per group code: its size and mean value. With ``names`` (labels) a code is named by
    them and ``-1`` is :data:`NO_LABEL`; without (clusters) a code is its number and ``-1``
    is ``"noise"``."""
    out: dict[str, dict[str, float]] = {}
    finite = np.isfinite(values)
    for code in np.unique(groups).tolist():
        member = (groups == code) & finite
        count = int((groups == code).sum())
        mean = float(values[member].mean()) if member.any() else float("nan")
        out[_name(int(code), names)] = {"count": count, "mean_overlap": mean}
    return out
