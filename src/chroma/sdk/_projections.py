"""Projections (2-D maps of a space) from the SDK: start one, wait, read its points.

A map is computed by a server job; :class:`Projection` follows it and reads the finished
map's points from ``GET /api/v1/points`` (Arrow: one int64 id and two float32 coordinates
per point, plus the columns asked for).
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

__all__ = ["Projection", "create_projection", "get_projection", "projections"]

_CREATE = """
mutation ($project: String!, $space: String!, $algorithm: String!, $params: JSON,
          $datasets: [String!], $autoPlace: Boolean!, $alignTo: ID) {
  createProjection(project: $project, space: $space, algorithm: $algorithm, params: $params,
                   datasets: $datasets, autoPlace: $autoPlace, alignTo: $alignTo) { %s }
}
"""
DEFAULT_COLUMNS = ("label",)


class Projection(Computed):
    """A 2-D map of a space (PCA, UMAP or t-SNE), computed by a server job.

    Made by :meth:`Run.create_projection`, :func:`chroma.create_projection`,
    :meth:`Run.projections` or :func:`chroma.get_projection`. Its attributes are a
    snapshot: :meth:`refresh` reads them again, :meth:`wait` follows the computation.

    Attributes:
        id: The projection's id (the UI's and ``GET /api/v1/points?projection=<id>``).
        space: The space it maps.
        algorithm: ``"pca"``, ``"umap"`` or ``"tsne"``.
        params: Every parameter of the algorithm, defaults filled in.
        datasets: The dataset names mapped, or None for every dataset of the space.
        state: ``"ready"`` (a map exists, also while recomputed), ``"queued"``,
            ``"computing"``, ``"failed"`` or ``"cancelled"``.
        error: Why the last computation failed.
        auto_place: Points logged later are placed into the map (the others do not move).
        point_count: Points on the map.
        placed_count: Of those, points placed after the map was computed.
        align_to: The id of the map this one starts from and is rotated onto (a family's
            previous step, or ``align_to=`` when made), or None. Its ``movement`` column
            is how far each point moved from there.
        created_at: When it was created (UTC).
        computed_at: When the map was last computed in full.
        job: The latest computation (a :class:`chroma.Job`), or None.

    Example::

        projection = run.create_projection("pca")
        df = projection.points(columns=["label", "dataset"])  # id, x, y, placed, label, ...
        df.plot.scatter(x="x", y="y")
    """

    _TYPE = "Projection"
    _PLURAL = "projections"
    _OWN_FIELDS = "algorithm autoPlace pointCount placedCount alignTo"

    algorithm: str
    auto_place: bool
    point_count: int
    placed_count: int
    align_to: int | None

    def _update_own(self, data: Mapping[str, Any]) -> None:
        self.algorithm = str(data["algorithm"])
        self.auto_place = bool(data["autoPlace"])
        self.point_count = int(data["pointCount"])
        self.placed_count = int(data["placedCount"])
        self.align_to = int(data["alignTo"]) if data.get("alignTo") is not None else None

    def __repr__(self) -> str:
        return (
            f"<chroma.Projection id={self.id} {self.algorithm} space={self.space!r} "
            f"state={self.state!r} points={self.point_count}>"
        )

    def points(self, columns: str | Sequence[str] = DEFAULT_COLUMNS) -> pd.DataFrame:
        """The map's points as a DataFrame, one row per point.

        Args:
            columns: Columns besides ``id`` (the datapoint id), ``x``, ``y`` (float32) and
                ``placed`` (placed after the map was computed): any of ``label``,
                ``prediction``, ``score``, ``dataset``, ``key``, ``tags`` and
                ``metadata.<field>``. Text columns come as pandas categoricals.

        Returns:
            A DataFrame; empty while the map is not computed yet.

        Raises:
            InvalidInput: An unknown column.
            NotFound: The projection was deleted.

        Example::

            df = projection.points(["label", "key"])
            df[df.label == "cat"][["key", "x", "y"]]
        """
        wanted = names(columns, "columns") or []
        with self._endpoint.client() as client:
            table = fetch_points(client, self.id, wanted)
        frame: pd.DataFrame = table.to_pandas()
        return frame


def fetch_points(client: Client, projection_id: int, columns: Sequence[str]) -> pa.Table:
    params: Params = {"projection": projection_id, "column": list(columns)}
    return read_arrow(client, "/api/v1/points", params, f"the points of projection {projection_id}")


def start_projection(
    client: Client,
    *,
    project: str,
    space: str,
    algorithm: str,
    params: Mapping[str, Any],
    datasets: str | Sequence[str] | None,
    auto_place: bool,
    align_to: int | Projection | None = None,
) -> Projection:
    if not isinstance(algorithm, str):
        raise InvalidInput(f"algorithm must be a name, not {algorithm!r}", where="algorithm")
    if isinstance(align_to, Projection):
        align_to = align_to.id
    if align_to is not None and (isinstance(align_to, bool) or not isinstance(align_to, int)):
        raise InvalidInput(
            f"align_to is a map (a Projection or its id), not {align_to!r}", where="align_to"
        )
    answer = graphql(
        client,
        _CREATE % Projection.fields(),
        project=project,
        space=space,
        algorithm=algorithm,
        params=dict(params),
        datasets=names(datasets, "datasets"),
        autoPlace=bool(auto_place),
        alignTo=None if align_to is None else str(align_to),
    )
    return Projection(Endpoint.of(client), answer["createProjection"])


def create_projection(
    project: str,
    space: str,
    algorithm: str = "umap",
    *,
    datasets: str | Sequence[str] | None = None,
    auto_place: bool = True,
    align_to: int | Projection | None = None,
    wait: bool = True,
    progress: bool = True,
    timeout: float | None = None,
    url: str | None = None,
    token: str | None = None,
    **params: Any,
) -> Projection:
    """Make a 2-D map of a space, without a run; as :meth:`Run.create_projection`.

    Args:
        project: Project name.
        space: Space name.
        algorithm: ``"umap"``, ``"pca"`` or ``"tsne"``.
        datasets: Dataset names to map. Default: every dataset of the space, present and
            future.
        auto_place: Place points logged later into the map.
        align_to: A map of the same project (a :class:`Projection` or its id) sharing
            datapoints: the new map starts from it and is rotated onto it.
        wait: Wait for the computation (with a progress bar when ``progress``).
        progress: Show a tqdm progress bar while waiting.
        timeout: Seconds to wait at most.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.
        **params: The algorithm's parameters, e.g. ``n_neighbors=30, min_dist=0.05``.

    Returns:
        The :class:`Projection` (ready when ``wait``).

    Raises:
        InvalidInput: Unknown algorithm or parameter, a value out of range for the space's
            size (``where`` is ``"params.<name>"``); nothing was queued.
        NotFound: Unknown project, space or dataset.
        ChromaJobFailed: The computation failed.

    Example::

        projection = chroma.create_projection("demo", "encoder-v1", "pca")
        print(projection.point_count)
    """
    with Endpoint.resolve(url, token).client() as client:
        projection = start_projection(
            client,
            project=project,
            space=space,
            algorithm=algorithm,
            params=params,
            datasets=datasets,
            auto_place=auto_place,
            align_to=align_to,
        )
    return projection.wait(progress=progress, timeout=timeout) if wait else projection


def get_projection(
    projection_id: int, *, url: str | None = None, token: str | None = None
) -> Projection:
    """A projection by id.

    Raises:
        NotFound: No projection with this id.

    Example::

        df = chroma.get_projection(3).points()
    """
    with Endpoint.resolve(url, token).client() as client:
        return Projection.get(client, projection_id)


def projections(
    project: str, space: str, *, url: str | None = None, token: str | None = None
) -> list[Projection]:
    """The projections of a space, oldest first.

    Raises:
        NotFound: Unknown project or space.

    Example::

        for projection in chroma.projections("demo", "encoder-v1"):
            print(projection.id, projection.algorithm, projection.state)
    """
    with Endpoint.resolve(url, token).client() as client:
        return Projection.of_space(client, project, space)
