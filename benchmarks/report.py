"""Printing a benchmark's results: one aligned text table (a sibling module of the scripts)."""

from __future__ import annotations


def table(header: tuple[str, ...], rows: list[tuple[str, ...]]) -> None:
    """The rows under the header, the first column left-aligned, the others right-aligned."""
    widths = [max(len(r[i]) for r in [header, *rows]) + 2 for i in range(len(header))]
    for r in [header, *rows]:
        print(
            "".join(
                cell.rjust(w) if i else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    print()
