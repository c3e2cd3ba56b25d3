"""Label corrections: read those made in the review queue (or over GraphQL) as a
DataFrame, and make them from code (:func:`correct_labels`, one all-or-none request)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from chroma.core.errors import InvalidInput
from chroma.sdk._client import Client
from chroma.sdk._graphql import graphql
from chroma.sdk._read import _client, read_datapoints

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
    return corrections_frame(rows)


def corrections_frame(rows: list[dict[str, Any]]) -> pd.DataFrame:
    """GraphQL ``LabelCorrection`` objects as the DataFrame of :meth:`Run.corrections`."""
    import pandas as pd

    frame = pd.DataFrame(rows, columns=list(COLUMNS)).rename(columns=COLUMNS)
    frame["correction_id"] = frame["correction_id"].astype("int64")
    frame["decision"] = frame["decision"].str.lower()  # GraphQL's enum names: RELABEL
    for column in ("at", "undone_at"):
        frame[column] = pd.to_datetime(frame[column], utc=True)
    return frame


@dataclass(frozen=True)
class LabelDecision:
    """One decision for ``correctLabels``: ``relabel`` (with the new label) or ``confirm``."""

    datapoint_id: int
    decision: str
    label: str | None = None


def send_corrections(
    project: str,
    decisions: Sequence[LabelDecision],
    *,
    source: str | None,
    url: str | None,
    token: str | None,
    timeout: float = 60.0,
) -> pd.DataFrame:
    """One ``correctLabels`` request: the server records all the decisions or none."""
    query = (
        "mutation ($project: String!, $corrections: [LabelDecisionInput!]!, $source: String) "
        "{ correctLabels(project: $project, corrections: $corrections, source: $source) "
        f"{{ {FIELDS} }} }}"
    )
    given = [
        {"datapointId": str(d.datapoint_id), "decision": d.decision.upper(), "label": d.label}
        for d in decisions
    ]
    client = _client(url, token, timeout)
    try:
        found = graphql(client, query, project=project, corrections=given, source=source)
    finally:
        client.close()
    return corrections_frame(found["correctLabels"])


def datapoint_ids(
    points: pd.DataFrame, keys: Sequence[str], *, dataset: str | None, where: str
) -> list[int]:
    """The datapoint id of each key (read with :func:`read_datapoints`); a key in no dataset,
    or in several while ``dataset`` is None, raises before anything is changed."""
    if dataset is not None:
        points = points[points["dataset"] == dataset]
    by_key = points.groupby("key")["datapoint_id"].agg(list).to_dict()
    ids: list[int] = []
    for row, key in enumerate(keys):
        found = by_key.get(key, [])
        if not found:
            scope = f"dataset {dataset!r}" if dataset is not None else "any dataset"
            raise InvalidInput(f"key {key!r} is not in {scope}", where=f"{where}[{row}]")
        if len(found) > 1:
            raise InvalidInput(
                f"key {key!r} is in several datasets: name one with dataset=",
                where=f"{where}[{row}]",
            )
        ids.append(int(found[0]))
    return ids


def correct_labels(
    project: str,
    labels: Mapping[str, str],
    *,
    dataset: str | None = None,
    source: str | None = None,
    url: str | None = None,
    token: str | None = None,
    timeout: float = 60.0,
) -> pd.DataFrame:
    """Set datapoints' labels as label corrections, like the review queue does.

    A key whose new label differs from its current one is relabelled (the label before is
    kept, and the correction can be undone in the UI); one whose label is already the
    given one is recorded as confirmed. All the decisions are one request: the server
    records all of them or none.

    Args:
        project: Project name.
        labels: The new label of each datapoint, by key.
        dataset: The dataset of the keys. Default: the one dataset each key is in.
        source: Where the labels came from, kept with each correction (e.g. ``"script"``).
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.
        timeout: Seconds a network operation may stall before it fails.

    Returns:
        The corrections made, with the columns of :meth:`Run.corrections`.

    Raises:
        InvalidInput: No labels, an empty label, a key in no dataset (or in several
            without ``dataset=``), more than the server takes at once (10,000); nothing
            was changed.
        NotFound: Unknown project or dataset.

    Example::

        chroma.correct_labels("demo", {"img-17": "cat", "img-42": "dog"}, dataset="train")
    """
    if not labels:
        raise InvalidInput("no labels given", where="labels")
    keys = [str(key) for key in labels]
    points = read_datapoints(project, datasets=dataset, url=url, token=token, timeout=timeout)
    ids = datapoint_ids(points, keys, dataset=dataset, where="labels")
    current = dict(zip(points["datapoint_id"].astype(int), points["label"], strict=True))
    decisions = []
    for row, (point, label) in enumerate(zip(ids, labels.values(), strict=True)):
        if not isinstance(label, str):
            raise InvalidInput(f"a label must be text, got {label!r}", where=f"labels[{row}]")
        unchanged = current.get(point) == label
        decisions.append(
            LabelDecision(point, "confirm", None)
            if unchanged
            else LabelDecision(point, "relabel", label)
        )
    return send_corrections(
        project, decisions, source=source, url=url, token=token, timeout=timeout
    )
