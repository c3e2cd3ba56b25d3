"""Label corrections made in the review queue (or over GraphQL), as a DataFrame."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from chroma.sdk._client import Client
from chroma.sdk._graphql import graphql

if TYPE_CHECKING:
    import pandas as pd

PAGE = 5_000
FIELDS = "id key dataset decision labelBefore labelAfter source principal at undoneAt undoneBy"
COLUMNS = {
    "id": "correction_id",
    "key": "key",
    "dataset": "dataset",
    "decision": "decision",
    "labelBefore": "label_before",
    "labelAfter": "label",
    "source": "source",
    "principal": "by",
    "at": "at",
    "undoneAt": "undone_at",
    "undoneBy": "undone_by",
}


def fetch_corrections(client: Client, project: str, *, include_undone: bool) -> pd.DataFrame:
    """Every correction of the project, oldest first, paged through GraphQL."""
    import pandas as pd

    query = (
        "query ($project: String!, $first: Int!, $after: ID, $undone: Boolean!) { "
        "labelCorrections(project: $project, first: $first, after: $after, "
        f"includeUndone: $undone) {{ {FIELDS} }} }}"
    )
    rows: list[dict[str, Any]] = []
    after = None
    while True:
        page = graphql(
            client, query, project=project, first=PAGE, after=after, undone=include_undone
        )["labelCorrections"]
        rows.extend(page)
        if len(page) < PAGE:
            break
        after = page[-1]["id"]
    frame = pd.DataFrame(rows, columns=list(COLUMNS)).rename(columns=COLUMNS)
    frame["correction_id"] = frame["correction_id"].astype("int64")
    frame["decision"] = frame["decision"].str.lower()  # GraphQL's enum names: RELABEL
    for column in ("at", "undone_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame
