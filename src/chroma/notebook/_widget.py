"""``MapWidget``: an anywidget showing a map in Jupyter, JupyterLab and VS Code.

The kernel reads the points through the SDK (HTTP, with the user's token) and hands them
to the front end as a binary buffer of the widget's model (``points``: an Arrow IPC
stream), so the browser never talks to the Chroma server. The front end
(ui/src/widget/) decodes and draws them with the Explorer's own decoder and map.

Traits shared with the front end (names are the model's keys):

- ``points``: the Arrow IPC stream; row ``i`` is point ``i`` of the map.
- ``color_by``: the column colouring the map (``""``: none); set from Python or the
  widget's menu. A column not read yet is read on assignment.
- ``colors``: the columns the menu offers.
- ``selected_indices``: the selected rows, set by a lasso in the map or through
  :attr:`MapWidget.selection`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import anywidget
import traitlets

from chroma.core.errors import InvalidInput
from chroma.notebook._bundle import widget_module
from chroma.notebook._points import CORRECT, MapPoints
from chroma.sdk._client import Endpoint

if TYPE_CHECKING:
    import pandas as pd


class MapWidget(anywidget.AnyWidget):
    """A live map of a projection in a notebook, made by :func:`chroma.show`.

    Attributes:
        color_by: The column colouring the map: ``label``, ``prediction``, ``score``,
            ``dataset``, ``tags``, ``correct``, ``metadata.<field>``,
            ``analysis.<id>.<column>``; ``""`` colours nothing.
        selection: The selected points as a DataFrame (key, label, x, y, then every
            column read); assign keys, or a DataFrame with a ``key`` column, to select.
        selected_indices: The same as row numbers of the map (observe it to react to a
            lasso: ``widget.observe(callback, "selected_indices")``).

    Example::

        widget = chroma.show("demo", "encoder-v1", color_by="label")
        widget  # the map; lasso some points (shift + drag), then:
        widget.selection.label.value_counts()
        widget.selection = ["img-1", "img-7"]
    """

    points = traitlets.Bytes(b"").tag(sync=True)
    color_by = traitlets.Unicode("label").tag(sync=True)
    colors = traitlets.List(traitlets.Unicode()).tag(sync=True)
    selected_indices = traitlets.List(traitlets.Int()).tag(sync=True)
    height = traitlets.Int(480).tag(sync=True)
    title = traitlets.Unicode("").tag(sync=True)
    explorer_url = traitlets.Unicode("").tag(sync=True)

    def __init__(
        self,
        points: MapPoints,
        endpoint: Endpoint,
        *,
        color_by: str = "label",
        height: int = 480,
        title: str = "",
        explorer_url: str = "",
    ) -> None:
        # Read here, not at import: a checkout without the built bundle still imports.
        self._esm = widget_module()
        self._map = points
        self._endpoint = endpoint
        super().__init__(
            points=points.ipc_bytes(),
            colors=points.colours(),
            height=height,
            title=title,
            explorer_url=explorer_url,
        )
        self.color_by = color_by

    @property
    def map_points(self) -> MapPoints:
        """The points shown (their Arrow table: ``widget.map_points.table``)."""
        return self._map

    @property
    def selection(self) -> pd.DataFrame:
        """The selected points, one row each: key, label, x, y, then every column read.

        Assign keys (a list of str), a DataFrame with a ``key`` (else ``id``) column, or
        ``None`` / ``[]`` to clear; it is selected in the map. Unknown keys raise
        :class:`chroma.InvalidInput` naming them, and the selection stays as it was.
        """
        return self._map.rows(self.selected_indices)

    @selection.setter
    def selection(self, value: object) -> None:
        self.selected_indices = self._map.indices_of(value)

    @traitlets.validate("selected_indices")
    def _valid_selection(self, proposal: Any) -> list[int]:
        rows = sorted({int(i) for i in proposal["value"]})
        if rows and (rows[0] < 0 or rows[-1] >= self._map.count):
            raise InvalidInput(
                f"selected rows must be 0 to {self._map.count - 1}, got {rows[0]}..{rows[-1]}",
                where="selected_indices",
            )
        return rows

    @traitlets.validate("color_by")
    def _valid_color(self, proposal: Any) -> str:
        column = str(proposal["value"])
        if column == "" or column in self._map.colours():
            return column
        if column == CORRECT:
            raise InvalidInput(
                "'correct' compares label and prediction: this map has no predictions",
                where="color_by",
            )
        # A column not read yet: read the map again with it (an unknown one raises here,
        # before anything changed).
        wider = MapPoints.read(self._endpoint, self._map.projection_id, [*self._map.loaded, column])
        rows = wider.same_points(self.selected_indices, self._map)
        self._map = wider
        with self.hold_sync():
            self.points = wider.ipc_bytes()
            self.colors = wider.colours()
            self.selected_indices = rows
        return column
