"""Chroma in notebooks: :func:`show` draws a projection's map in Jupyter, JupyterLab and
VS Code as a widget (the ``notebook`` extra: anywidget), with colour-by and a selection
shared both ways with Python; or, where widgets do not run, the Explorer in an IFrame.

Like the SDK it talks HTTP only and imports nothing of the server side.
"""

from chroma.notebook._bundle import WidgetNotBuilt
from chroma.notebook._show import explorer_url, show

__all__ = ["WidgetNotBuilt", "explorer_url", "show"]


def __getattr__(name: str) -> object:
    # The widget class imports anywidget (an optional extra): only when asked for.
    if name == "MapWidget":
        from chroma.notebook._widget import MapWidget

        return MapWidget
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
