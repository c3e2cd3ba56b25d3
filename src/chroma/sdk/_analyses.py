"""Quality analyses from the SDK: start one, wait, read its scores as a DataFrame.

An analysis is computed by a server job; :class:`Analysis` follows it over GraphQL and
reads the per-datapoint scores from ``GET /api/v1/analysis-rows`` (Arrow).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from chroma.core.errors import InvalidInput
from chroma.sdk._client import Client, Endpoint, Params
from chroma.sdk._computed import Computed, names, read_arrow
from chroma.sdk._graphql import graphql

if TYPE_CHECKING:
    import pandas as pd

__all__ = ["Analysis", "get_analysis", "start_analysis"]

KINDS = ("class_distance", "mislabels", "outliers", "duplicates", "clusters", "label_next")
_RUN = """
mutation ($project: String!, $space: String!, $kind: String!, $datasets: [String!],
          $reference: [String!], $params: JSON) {
  runAnalysis(project: $project, space: $space, kind: $kind, datasets: $datasets,
              reference: $reference, params: $params) { %s }
}
"""


class Analysis(Computed):
    """A quality analysis of a space, computed by a server job; scores per datapoint.

    Made by :meth:`Run.analyze`, :meth:`Run.analyses` or :func:`chroma.get_analysis`. Its
    attributes are a snapshot: :meth:`refresh` reads them again, :meth:`wait` follows the
    computation, :meth:`to_pandas` reads the scores.

    Attributes:
        id: The analysis's id (``column=analysis.<id>.<column>`` colours a map by it).
        kind: ``"class_distance"``, ``"mislabels"``, ``"outliers"``, ``"duplicates"``,
            ``"clusters"`` or ``"label_next"``.
        space: The space analysed.
        params: Every parameter, defaults filled in.
        datasets: The dataset names analysed, or None for every dataset of the space.
        reference: The datasets scores are measured against (None when the kind uses none).
        state: ``"ready"`` (a result exists, also while recomputed), ``"queued"``,
            ``"computing"``, ``"failed"`` or ``"cancelled"``.
        error: Why the last computation failed.
        summary: What it found as a whole (a dict; depends on the kind).
        row_count: Datapoints scored.
        columns: The per-datapoint columns it writes.
        created_at: When it was created (UTC).
        computed_at: When its result was computed.
        job: The latest computation (a :class:`chroma.Job`), or None.
        stale: Its result was computed before the latest data: rows of the datasets it
            reads were logged, corrected or deleted since (False until it has a result).
        auto_refresh: A stale result is computed again by the server once ingest
            settles (default True; :meth:`set_auto_refresh` changes it).

    Example::

        found = run.analyze("mislabels", k=10)
        df = found.to_pandas()  # most likely mislabelled first
        df[df.suggested_label.notna()][["key", "label", "suggested_label", "evidence"]]
    """

    _TYPE = "Analysis"
    _PLURAL = "analyses"
    _OWN_FIELDS = "kind summary rowCount columns referenceDatasets { name } stale autoRefresh"

    kind: str
    reference: list[str] | None
    summary: dict[str, Any] | None
    row_count: int
    columns: list[str]
    stale: bool
    auto_refresh: bool

    def _update_own(self, data: Mapping[str, Any]) -> None:
        reference = data.get("referenceDatasets")
        self.kind = str(data["kind"])
        self.reference = None if reference is None else [d["name"] for d in reference]
        self.summary = data.get("summary")
        self.row_count = int(data["rowCount"])
        self.columns = list(data["columns"])
        self.stale = bool(data["stale"])
        self.auto_refresh = bool(data["autoRefresh"])

    def set_auto_refresh(self, on: bool) -> Analysis:
        """Turn computing it again by itself, once stale, on or off; returns ``self``.

        Raises:
            NotFound: It was deleted.
            Forbidden: The token's user may not change analyses (a viewer).
        """
        document = (
            "mutation ($id: ID!, $on: Boolean!) { "
            f"setAnalysisAutoRefresh(id: $id, on: $on) {{ {self.fields()} }} }}"
        )
        with self._endpoint.client() as client:
            found = graphql(client, document, id=str(self.id), on=bool(on))
            self._update(found["setAnalysisAutoRefresh"])
        return self

    def __repr__(self) -> str:
        return (
            f"<chroma.Analysis id={self.id} {self.kind} space={self.space!r} "
            f"state={self.state!r} rows={self.row_count}{' stale' if self.stale else ''}>"
        )

    def to_pandas(
        self,
        order_by: str | None = None,
        descending: bool | None = None,
        datasets: str | Sequence[str] | None = None,
    ) -> pd.DataFrame:
        """The scores as a DataFrame, one row per datapoint.

        Args:
            order_by: A column to sort by. Default: the kind's main score, most
                suspicious first (``mislabel_score``, ``ood_score``, ``class_distance``
                descending; ``duplicate_group``, ``cluster``, ``label_next_rank``
                ascending). Missing values (None, NaN) always come last.
            descending: Sort direction. Default: the column's natural one (descending
                for a column you name).
            datasets: Only datapoints of these datasets.

        Returns:
            Columns ``datapoint_id``, ``key``, ``dataset``, ``label``, ``prediction``,
            ``score``, then the analysis's columns (``self.columns``). Whole-number columns
            with gaps are pandas ``Int64``; ``evidence`` holds lists of client keys.
            Empty before the first computation.

        Raises:
            InvalidInput: An unknown column to order by.
            NotFound: The analysis or a dataset is unknown.

        Example::

            df = run.analyze("outliers", reference="train", datasets=["train", "prod"]).to_pandas()
            df[df.ood].groupby("dataset").size()
        """
        params: Params = {
            "analysis": self.id,
            "order_by": order_by,
            "descending": descending,
            "dataset": names(datasets, "datasets"),
        }
        with self._endpoint.client() as client:
            table = read_arrow(
                client, "/api/v1/analysis-rows", params, f"the rows of analysis {self.id}"
            )
        return _frame(table)


def _frame(table: pa.Table) -> pd.DataFrame:
    import pandas as pd

    frame: pd.DataFrame = table.to_pandas()
    for name in table.column_names:
        column = table.column(name)
        if pa.types.is_integer(column.type) and column.null_count:
            frame[name] = pd.array(column.to_pylist(), dtype="Int64")
        elif pa.types.is_list(column.type):
            frame[name] = pd.Series(column.to_pylist(), dtype=object)
    return frame


def start_analysis(
    client: Client,
    *,
    project: str,
    space: str,
    kind: str,
    datasets: str | Sequence[str] | None,
    reference: str | Sequence[str] | None,
    params: Mapping[str, Any],
) -> Analysis:
    if not isinstance(kind, str):
        raise InvalidInput(f"kind must be one of {', '.join(KINDS)}, not {kind!r}", where="kind")
    answer = graphql(
        client,
        _RUN % Analysis.fields(),
        project=project,
        space=space,
        kind=kind,
        datasets=names(datasets, "datasets"),
        reference=names(reference, "reference"),
        params=dict(params),
    )
    return Analysis(Endpoint.of(client), answer["runAnalysis"])


def get_analysis(analysis_id: int, *, url: str | None = None, token: str | None = None) -> Analysis:
    """An analysis by id.

    Raises:
        NotFound: No analysis with this id.

    Example::

        df = chroma.get_analysis(7).to_pandas()
    """
    with Endpoint.resolve(url, token).client() as client:
        return Analysis.get(client, analysis_id)
