"""``chroma.show``: a projection's map in a notebook, as a widget or an Explorer IFrame."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING
from urllib.parse import quote, urlencode

from chroma.core.errors import InvalidInput, NotFound
from chroma.notebook._points import SHOWN_COLUMNS, MapPoints
from chroma.sdk._client import Client, Endpoint
from chroma.sdk._computed import names
from chroma.sdk._projections import Projection

if TYPE_CHECKING:
    from IPython.display import IFrame

    from chroma.notebook._widget import MapWidget

__all__ = ["explorer_url", "show"]

DEFAULT_COLOR = "label"
"""The Explorer's own default colouring (a link leaves it out)."""


def show(
    project: str,
    space_or_map: str | int | Projection,
    *,
    color_by: str = DEFAULT_COLOR,
    columns: str | Sequence[str] = (),
    iframe: bool = False,
    height: int = 480,
    url: str | None = None,
    token: str | None = None,
) -> MapWidget | IFrame:
    """Show a map of a space in a notebook (Jupyter, JupyterLab, VS Code).

    The widget draws the map with the Explorer's renderer, coloured by ``color_by`` (a menu
    in the widget changes it too), and shares the selection both ways: a lasso (shift +
    drag, or the lasso button) sets ``widget.selection``, a DataFrame of the points;
    assigning keys to ``widget.selection`` selects them in the map. The kernel reads the
    points through the SDK, so the browser needs no access to the server.

    Where widgets do not run, ``iframe=True`` (and the default without the ``notebook``
    extra, ``pip install 'chroma-embeddings[notebook]'``) shows the Explorer in an IFrame
    instead; it opens in the browser's own session with the server (sign in there when the
    server wants a token).

    Args:
        project: Project name.
        space_or_map: A space's name (its newest computed map is shown), a map's id, or a
            :class:`chroma.Projection`.
        color_by: The column colouring the map: ``label``, ``prediction``, ``score``,
            ``dataset``, ``tags``, ``correct``, ``metadata.<field>`` or
            ``analysis.<id>.<column>``; ``""`` for none.
        columns: More columns to read for the selection and the menu (e.g.
            ``["metadata.source"]``); key, label, prediction, score, dataset and tags always
            are.
        iframe: Show the Explorer in an IFrame instead of the widget.
        height: The widget's (or IFrame's) height in CSS pixels.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.

    Returns:
        A :class:`chroma.notebook.MapWidget` (display it by leaving it last in a cell), or
        an ``IPython.display.IFrame``.

    Raises:
        NotFound: Unknown project or space, no map with this id in the project, or a space
            without any map.
        InvalidInput: A map not computed yet, an unknown column, a bad argument.
        WidgetNotBuilt: Running from source without the built widget (it says how to
            build it).

    Example::

        import chroma

        widget = chroma.show("demo", "encoder-v1", color_by="prediction")
        widget  # lasso some points, then
        widget.selection[["key", "label"]]
        widget.selection = ["img-3", "img-9"]  # selects them in the map
    """
    if not isinstance(project, str) or not project:
        raise InvalidInput(f"project must be a project's name, not {project!r}", where="project")
    if not isinstance(color_by, str):
        raise InvalidInput(f"color_by must be a column name, not {color_by!r}", where="color_by")
    if isinstance(height, bool) or not isinstance(height, int) or not 100 <= height <= 4000:
        raise InvalidInput(f"height must be 100 to 4000 pixels, not {height!r}", where="height")
    extra = names(columns, "columns") or []
    endpoint = _endpoint_of(space_or_map, url, token)
    with endpoint.client() as client:
        projection = _resolve(client, project, space_or_map)
    link = explorer_url(endpoint.url, project, projection.id, color_by)
    if iframe or not _widgets_available():
        return _iframe(link, height)
    from chroma.notebook._widget import MapWidget

    wanted = [*SHOWN_COLUMNS, *extra]
    if color_by and color_by != "correct":
        wanted.append(color_by)
    points = MapPoints.read(endpoint, projection.id, wanted)
    return MapWidget(
        points,
        endpoint,
        color_by=color_by,
        height=height,
        title=f"{project} · {projection.space} · {projection.algorithm} (map {projection.id})",
        explorer_url=link,
    )


def explorer_url(server: str, project: str, projection_id: int, color_by: str = "") -> str:
    """The Explorer's deep link to a map (ui/src/state/router.ts and urlState.ts)."""
    query = {"projection": str(projection_id)}
    if color_by != DEFAULT_COLOR:
        query["color"] = color_by
    path = f"/p/{quote(project, safe='')}/explore"
    return f"{server.rstrip('/')}{path}?{urlencode(query, quote_via=quote)}"


def _endpoint_of(space_or_map: object, url: str | None, token: str | None) -> Endpoint:
    # A Projection remembers the server it came from; url/token, when given, win.
    if isinstance(space_or_map, Projection) and url is None and token is None:
        return space_or_map._endpoint
    return Endpoint.resolve(url, token)


def _resolve(client: Client, project: str, space_or_map: object) -> Projection:
    """The map to show, checked to be one of ``project``'s."""
    if isinstance(space_or_map, str):
        found = Projection.of_space(client, project, space_or_map)
        ready = [p for p in found if p.ready]
        if ready:
            return max(ready, key=lambda p: (p.computed_at or p.created_at, p.id))
        if not found:
            raise NotFound(
                f"space {space_or_map!r} of project {project!r} has no map yet: make one with "
                f"chroma.create_projection({project!r}, {space_or_map!r})",
                where="space_or_map",
            )
        states = ", ".join(sorted({p.state for p in found}))
        raise InvalidInput(
            f"no map of space {space_or_map!r} is computed yet ({states}): wait for it "
            "(Projection.wait) and show it again",
            where="space_or_map",
        )
    if isinstance(space_or_map, Projection):
        projection_id = space_or_map.id
    elif isinstance(space_or_map, int) and not isinstance(space_or_map, bool):
        projection_id = space_or_map
    else:
        raise InvalidInput(
            "space_or_map must be a space's name, a map's id or a chroma.Projection, "
            f"not {space_or_map!r}",
            where="space_or_map",
        )
    projection = Projection.get(client, projection_id)
    # The link and the points must agree on the project: the map must be one of its own.
    if projection.space is None or not any(
        p.id == projection.id for p in Projection.of_space(client, project, projection.space)
    ):
        raise NotFound(
            f"map {projection_id} is not a map of project {project!r}", where="space_or_map"
        )
    if not projection.ready:
        raise InvalidInput(
            f"map {projection_id} is not computed yet ({projection.state}): wait for it "
            "(Projection.wait) and show it again",
            where="space_or_map",
        )
    return projection


def _widgets_available() -> bool:
    try:
        import anywidget  # noqa: F401
    except ImportError:
        return False
    return True


def _iframe(link: str, height: int) -> IFrame:
    try:
        from IPython.display import IFrame
    except ImportError as exc:
        raise ImportError(
            "chroma.show displays in a notebook and needs IPython: "
            "pip install 'chroma-embeddings[notebook]'"
        ) from exc
    return IFrame(link, width="100%", height=height)
