"""Printing a benchmark's results: one aligned text table (a sibling module of the scripts)."""

from __future__ import annotations

import os


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


def load_average() -> str:
    """The 1, 5 and 15 minute load averages and the CPU count: beside every figure."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.2f} {five:.2f} {fifteen:.2f} on {os.cpu_count()} CPUs"
