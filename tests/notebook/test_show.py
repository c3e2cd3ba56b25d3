"""``chroma.show`` against a real server: the widget's buffer is the map's points, the
selection goes both ways on the Python side, colour-by reads what it lacks, and the
Explorer IFrame is the fallback where widgets do not run."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import pandas as pd
import pyarrow as pa
import pytest
from IPython.display import IFrame
from ipywidgets.widgets.widget import _remove_buffers
from notebook_data import PROJECT, SPACE, Mapped, log_and_map, needs_widget_bundle

import chroma
from chroma.notebook import MapWidget, WidgetNotBuilt
from chroma.notebook._bundle import widget_module

widget_tests = needs_widget_bundle()
N_OUTSIDE = 10_000
"""A row past the end of the map."""


def decoded(widget: MapWidget) -> pa.Table:
    return pa.ipc.open_stream(widget.points).read_all()


@widget_tests
def test_show_sends_the_maps_points_as_one_binary_buffer(server: Any) -> None:
    mapped = log_and_map(server.url)
    widget = chroma.show(PROJECT, SPACE, url=server.url)
    assert isinstance(widget, MapWidget)
    table = decoded(widget)
    expected = mapped.projection.points(["key", "label"]).sort_values("id")
    got = table.to_pandas().sort_values("id")
    assert got["id"].tolist() == expected["id"].tolist()
    assert got["x"].tolist() == expected["x"].tolist()
    assert got["y"].tolist() == expected["y"].tolist()
    assert got["key"].tolist() == expected["key"].tolist()
    assert {"label", "prediction", "score", "dataset", "tags"} <= set(table.column_names)
    # What the kernel sends the front end: the points travel as a binary buffer, not JSON.
    state, paths, buffers = _remove_buffers(widget.get_state())
    assert paths == [["points"]]
    assert bytes(buffers[0]) == widget.points
    assert "points" not in state
    assert state["_esm"] == widget_module()  # the built front end, inline
    assert widget.color_by == "label"
    assert {"label", "prediction", "dataset", "correct", "score"} <= set(widget.colors)


@widget_tests
def test_a_map_by_id_or_projection_is_the_same_map(mapped: Mapped) -> None:
    by_space = chroma.show(PROJECT, SPACE, url=mapped.url)
    by_id = chroma.show(PROJECT, mapped.projection.id, url=mapped.url)
    by_projection = chroma.show(PROJECT, mapped.projection)  # its own server
    assert by_space.points == by_id.points == by_projection.points
    assert by_id.explorer_url.endswith(f"/p/{PROJECT}/explore?projection={mapped.projection.id}")


@widget_tests
def test_selection_round_trip_on_the_python_side(mapped: Mapped) -> None:
    widget = chroma.show(PROJECT, SPACE, url=mapped.url, columns=["metadata.group"])
    assert widget.selection.empty
    wanted = ["pt-3", "pt-10", "pt-61"]
    widget.selection = wanted
    selected = widget.selection
    assert sorted(selected["key"]) == sorted(wanted)
    assert list(selected.columns[:4]) == ["key", "label", "x", "y"]
    assert {"id", "prediction", "score", "dataset", "metadata.group"} <= set(selected.columns)
    keys = decoded(widget).column("key").to_pylist()
    assert sorted(keys[i] for i in widget.selected_indices) == sorted(wanted)
    # A DataFrame with a key column selects the same (e.g. one filtered from .selection).
    widget.selection = []
    assert widget.selected_indices == []
    widget.selection = selected
    assert sorted(widget.selection["key"]) == sorted(wanted)
    # What a lasso in the front end does: the model's selected_indices changes.
    widget.set_state({"selected_indices": [5, 2, 5]})
    assert widget.selected_indices == [2, 5]
    assert widget.selection["key"].tolist() == [keys[2], keys[5]]


@widget_tests
def test_bad_selections_say_what_and_change_nothing(mapped: Mapped) -> None:
    widget = chroma.show(PROJECT, SPACE, url=mapped.url)
    widget.selection = ["pt-1"]
    before = list(widget.selected_indices)
    with pytest.raises(chroma.InvalidInput, match="'nope-1'") as caught:
        widget.selection = ["pt-2", "nope-1"]
    assert caught.value.where == "selection"
    with pytest.raises(chroma.InvalidInput, match=r"'key' \(or 'id'\) column"):
        widget.selection = pd.DataFrame({"name": ["pt-2"]})
    with pytest.raises(chroma.InvalidInput, match="got 3") as caught:
        widget.selection = ["pt-2", 3]
    assert caught.value.where == "selection[1]"
    with pytest.raises(chroma.InvalidInput, match="selected rows"):
        widget.selected_indices = [N_OUTSIDE]
    assert widget.selected_indices == before


@widget_tests
def test_color_by_a_column_not_read_yet_reads_it_and_keeps_the_selection(
    mapped: Mapped,
) -> None:
    widget = chroma.show(PROJECT, SPACE, url=mapped.url, color_by="prediction")
    assert widget.color_by == "prediction"
    widget.selection = ["pt-4", "pt-70"]
    widget.color_by = "metadata.group"
    assert "metadata.group" in decoded(widget).column_names
    assert "metadata.group" in widget.colors
    assert sorted(widget.selection["key"]) == ["pt-4", "pt-70"]
    points = widget.points
    with pytest.raises(chroma.InvalidInput) as caught:
        widget.color_by = "no-such-column"
    assert widget.color_by == "metadata.group"
    assert widget.points == points
    assert "no-such-column" in str(caught.value)
    widget.color_by = ""  # colour by nothing
    assert widget.color_by == ""


def test_the_iframe_fallback_opens_the_explorer_on_the_map(mapped: Mapped) -> None:
    shown = chroma.show(PROJECT, SPACE, url=mapped.url, iframe=True, color_by="prediction")
    assert isinstance(shown, IFrame)
    link = f"{mapped.url}/p/{PROJECT}/explore?projection={mapped.projection.id}&color=prediction"
    assert shown.src == link
    assert httpx.get(link).status_code == 200  # the UI (or its "not built" page) answers


def test_without_anywidget_show_falls_back_to_the_iframe(
    mapped: Mapped, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "anywidget", None)  # `import anywidget` now fails
    shown = chroma.show(PROJECT, mapped.projection.id, url=mapped.url)
    assert isinstance(shown, IFrame)
    assert shown.src == f"{mapped.url}/p/{PROJECT}/explore?projection={mapped.projection.id}"


def test_unknown_maps_and_bad_arguments_say_what(mapped: Mapped) -> None:
    with pytest.raises(chroma.NotFound, match="space"):
        chroma.show(PROJECT, "no-such-space", url=mapped.url)
    with pytest.raises(chroma.NotFound, match="project"):
        chroma.show("no-such-project", SPACE, url=mapped.url)
    with pytest.raises(chroma.NotFound):
        chroma.show(PROJECT, 987_654, url=mapped.url)
    with chroma.init("nb-other", "train", SPACE, url=mapped.url) as other:
        other.log([[0.0] * 6], ids=["lone"])
    with pytest.raises(chroma.NotFound, match="not a map of project 'nb-other'"):
        chroma.show("nb-other", mapped.projection.id, url=mapped.url)
    with pytest.raises(chroma.InvalidInput) as caught:
        chroma.show(PROJECT, 1.5, url=mapped.url)  # type: ignore[arg-type]
    assert caught.value.where == "space_or_map"
    with pytest.raises(chroma.InvalidInput) as caught:
        chroma.show(PROJECT, SPACE, url=mapped.url, height=5)
    assert caught.value.where == "height"
    with pytest.raises(chroma.InvalidInput, match="nothing-such"):
        chroma.show(PROJECT, SPACE, url=mapped.url, color_by="nothing-such")


def test_a_missing_bundle_says_how_to_build_it(tmp_path: Path) -> None:
    checkout = tmp_path / "checkout"
    (checkout / "ui").mkdir(parents=True)
    (checkout / "ui" / "package.json").write_text("{}")
    (checkout / "pyproject.toml").write_text("")
    bundle = checkout / "src" / "chroma" / "notebook" / "static" / "widget.js"
    with pytest.raises(WidgetNotBuilt, match=r"running from source.*make ui.*iframe=True"):
        widget_module(bundle)
    installed = tmp_path / "site-packages" / "chroma" / "notebook" / "static" / "widget.js"
    with pytest.raises(WidgetNotBuilt, match="release wheel"):
        widget_module(installed)
    bundle.parent.mkdir(parents=True)
    bundle.write_text("export default {};")
    assert widget_module(bundle) == "export default {};"
