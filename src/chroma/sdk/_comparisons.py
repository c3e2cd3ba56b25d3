"""Comparisons of two spaces from the SDK (``run.compare``): start one, wait, read it as a
DataFrame. A comparison is an analysis of kind ``compare`` of the first space (ADR 0015),
so :class:`chroma.Analysis` follows, recomputes and deletes it."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from chroma.core.errors import InvalidInput
from chroma.sdk._analyses import Analysis
from chroma.sdk._client import Client, Endpoint
from chroma.sdk._computed import names
from chroma.sdk._graphql import graphql

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["FRAME_COLUMNS", "comparison_frame", "start_comparison"]

_COMPARE = """
mutation ($project: String!, $spaceA: String!, $spaceB: String!, $k: Int!,
          $datasets: [String!]) {
  compareSpaces(project: $project, spaceA: $spaceA, spaceB: $spaceB, k: $k,
                datasets: $datasets) { %s }
}
"""
FRAME_COLUMNS = (
    "datapoint_id",
    "key",
    "dataset",
    "label",
    "neighbour_overlap",
    "moved",
    "gained_labels",
    "lost_labels",
    "moved_rank",
)


def start_comparison(
    client: Client,
    *,
    project: str,
    space_a: str,
    space_b: str,
    k: int,
    datasets: str | Sequence[str] | None,
) -> Analysis:
    for value, where in ((space_a, "space_a"), (space_b, "space_b")):
        if not isinstance(value, str) or not value:
            raise InvalidInput(f"{where} must be a space name, not {value!r}", where=where)
    if isinstance(k, bool) or not isinstance(k, int):
        raise InvalidInput(f"k must be a whole number, not {k!r}", where="k")
    answer = graphql(
        client,
        _COMPARE % Analysis.fields(),
        project=project,
        spaceA=space_a,
        spaceB=space_b,
        k=k,
        datasets=names(datasets, "datasets"),
    )
    return Analysis(Endpoint.of(client), answer["compareSpaces"])


def comparison_frame(comparison: Analysis) -> pd.DataFrame:
    """A ready comparison's rows, moved most first; ``attrs`` hold its id and summary."""
    frame = comparison.to_pandas()
    frame = frame[[c for c in FRAME_COLUMNS if c in frame.columns]].reset_index(drop=True)
    frame.attrs["comparison_id"] = comparison.id
    frame.attrs["summary"] = comparison.summary
    return frame
