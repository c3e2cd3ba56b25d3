"""A round trip to Label Studio through its JSON formats (no Label Studio package needed).

:func:`export_label_studio` writes a selection of datapoints as Label Studio tasks: the
text or image URL to label in ``data`` beside the datapoint's key and dataset (so they come
back in the export), the current label and the model's prediction as ``predictions`` of a
``Choices`` control. :func:`import_label_studio` reads Label Studio's JSON export of those
tasks once annotated and records each chosen class as a label correction (source
``label-studio``) in one all-or-none request: a relabel where it differs from the current
label, a confirmation where it is the same.
"""

from __future__ import annotations

import os
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any
from xml.sax.saxutils import quoteattr

import orjson

from chroma.core.errors import InvalidInput, NotFound
from chroma.sdk import read_datapoints
from chroma.sdk._client import Endpoint, resolve_url
from chroma.sdk._corrections import LabelDecision, corrections_frame, send_corrections
from chroma.sdk._graphql import graphql

if TYPE_CHECKING:
    import pandas as pd

PathLike = str | os.PathLike[str]
SOURCE = "label-studio"
"""The ``source`` of the corrections an import records."""
KEY = "chroma_key"
DATASET = "chroma_dataset"
LABEL_VERSION = "chroma-label"
PREDICTION_VERSION = "chroma-prediction"


@dataclass(frozen=True)
class LabelStudioTasks:
    """What :func:`export_label_studio` wrote.

    Attributes:
        tasks: The tasks, as written (Label Studio's JSON import format).
        path: The file written, if any.
        config: A labeling config that fits them: the object to label and a ``Choices``
            control with every label and prediction of the selection.
    """

    tasks: list[dict[str, Any]]
    path: Path | None
    config: str


@dataclass(frozen=True)
class Skipped:
    """A task whose annotations set no label, and why."""

    task: int
    key: str
    dataset: str
    reason: str


@dataclass(frozen=True)
class LabelStudioImport:
    """What :func:`import_label_studio` recorded.

    Attributes:
        corrections: The corrections made, with the columns of :meth:`Run.corrections`.
        skipped: Tasks without a usable annotation (not annotated, cancelled, no choice).
    """

    corrections: pd.DataFrame
    skipped: list[Skipped] = field(default_factory=list)

    @property
    def relabelled(self) -> int:
        return int((self.corrections["decision"] == "relabel").sum())

    @property
    def confirmed(self) -> int:
        return int((self.corrections["decision"] == "confirm").sum())


# ---- export ----------------------------------------------------------------------------------


def _selection(
    points: pd.DataFrame, keys: Sequence[str] | None, tag: str | None, query: str | None
) -> pd.DataFrame:
    if keys is not None:
        wanted = [str(key) for key in keys]
        missing = sorted(set(wanted) - set(points["key"]))
        if missing:
            raise InvalidInput(f"keys not in the project: {missing[:5]}", where="keys")
        points = points[points["key"].isin(wanted)]
    if tag is not None:
        points = points[[tag in (tags or ()) for tags in points["tags"]]]
    if query is not None:
        try:
            points = points.query(query)
        except Exception as exc:  # pandas raises many kinds for a bad expression
            raise InvalidInput(f"query {query!r} failed: {exc}", where="query") from exc
    return points


def _choice(key: str, control: str, target: str, value: str, kind: str) -> dict[str, Any]:
    return {
        "id": f"{kind}-{key}"[:64],
        "from_name": control,
        "to_name": target,
        "type": "choices",
        "value": {"choices": [value]},
    }


def _present(value: Any) -> bool:
    return isinstance(value, str) and value != ""


def _task(point: Any, server: str, control: str) -> dict[str, Any]:
    key, dataset = str(point.key), str(point.dataset)
    data: dict[str, Any] = {KEY: key, DATASET: dataset}
    uri = point.uri if _present(point.uri) else None
    if _present(point.text):
        data["text"], target = point.text, "text"
    elif uri is not None and uri.startswith(("http://", "https://")):
        data["image"], target = uri, "image"
    elif bool(point.has_image) or uri is not None:  # the server serves it (bytes or its file)
        data["image"], target = f"{server}/api/v1/datapoints/{point.datapoint_id}/image", "image"
    else:
        raise InvalidInput(
            f"datapoint {key!r} of dataset {dataset!r} has no text and no image to label",
            where="keys",
        )
    predictions = []
    if _present(point.label):
        predictions.append(
            {
                "model_version": LABEL_VERSION,
                "result": [_choice(key, control, target, point.label, "label")],
            }
        )
    if _present(point.prediction):
        prediction: dict[str, Any] = {
            "model_version": PREDICTION_VERSION,
            "result": [_choice(key, control, target, point.prediction, "prediction")],
        }
        if point.score is not None and point.score == point.score:  # NaN: no score
            prediction["score"] = float(point.score)
        predictions.append(prediction)
    return {"data": data, "predictions": predictions}


def _config(tasks: list[dict[str, Any]], control: str) -> str:
    """A labeling config for the tasks: their object(s) and every class they mention."""
    classes = sorted(
        {
            choice
            for task in tasks
            for prediction in task["predictions"]
            for result in prediction["result"]
            for choice in result["value"]["choices"]
        }
    )
    target = "text" if any("text" in task["data"] for task in tasks) else "image"
    view = "Text" if target == "text" else "Image"
    lines = [
        "<View>",
        f'  <{view} name="{target}" value="${target}"/>',
        f'  <Choices name={quoteattr(control)} toName="{target}" choice="single">',
        *(f"    <Choice value={quoteattr(name)}/>" for name in classes),
        "  </Choices>",
        "</View>",
    ]
    return "\n".join(lines)


def export_label_studio(
    path: PathLike | None,
    *,
    project: str,
    datasets: str | Sequence[str] | None = None,
    keys: Sequence[str] | None = None,
    tag: str | None = None,
    query: str | None = None,
    control: str = "label",
    url: str | None = None,
    token: str | None = None,
) -> LabelStudioTasks:
    """Write a selection of datapoints as Label Studio tasks, to relabel them there.

    Each task's ``data`` holds the ``text`` to label, else the ``image`` URL (the
    datapoint's ``uri`` when it is a web URL, else the server's image of the datapoint),
    and ``chroma_key`` / ``chroma_dataset``, which Label Studio keeps so that
    :func:`import_label_studio` finds the datapoint again. ``predictions`` hold the
    current label (model version ``chroma-label``) and the model's prediction with its
    score (``chroma-prediction``) as choices of the ``control``. Import the file in Label
    Studio with the labeling config returned in ``.config``.

    Args:
        path: The JSON file to write; None writes nothing (use ``.tasks``).
        project: Project name.
        datasets: A dataset name or several. Default: every dataset.
        keys: Only these keys.
        tag: Only the datapoints with this tag.
        query: Only the rows of the datapoints DataFrame (see :func:`chroma.read_datapoints`)
            that match this ``DataFrame.query`` expression, e.g. ``"score < 0.5"``.
        control: The name of the ``Choices`` control in the labeling config.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.

    Returns:
        A :class:`LabelStudioTasks` (``.tasks``, ``.path``, ``.config``).

    Raises:
        InvalidInput: A key not in the project, a bad query, an empty selection, or a
            datapoint with neither text nor image.
        NotFound: Unknown project or dataset.

    Example::

        out = chroma.export_label_studio("to-review.json", project="demo", tag="review")
        print(out.config)  # paste into the Label Studio project's labeling setup
    """
    points = read_datapoints(project, datasets=datasets, url=url, token=token)
    chosen = _selection(points, keys, tag, query)
    if chosen.empty:
        raise InvalidInput("the selection holds no datapoints", where="keys")
    server = resolve_url(url).rstrip("/")
    tasks = [_task(point, server, control) for point in chosen.itertuples(index=False)]
    written = None
    if path is not None:
        written = Path(path)
        written.parent.mkdir(parents=True, exist_ok=True)
        written.write_bytes(orjson.dumps(tasks, option=orjson.OPT_INDENT_2))
    return LabelStudioTasks(tasks=tasks, path=written, config=_config(tasks, control))


# ---- import ----------------------------------------------------------------------------------


def _load(annotations: PathLike | Sequence[Any]) -> tuple[list[Any], str]:
    if isinstance(annotations, str | os.PathLike):
        file = Path(annotations)
        try:
            loaded = orjson.loads(file.read_bytes())
        except OSError as exc:
            raise InvalidInput(f"{file}: cannot read it: {exc}", where=str(file)) from exc
        except orjson.JSONDecodeError as exc:
            raise InvalidInput(f"{file}: not JSON: {exc}", where=str(file)) from exc
        source = str(file)
    else:
        loaded, source = annotations, "the annotations"
    if not isinstance(loaded, list):
        raise InvalidInput(
            f"{source}: expected a list of tasks (Label Studio's JSON export), got "
            f"{type(loaded).__name__}",
            where="annotations",
        )
    return loaded, source


def _field(task: Any, name: str, i: int, source: str) -> str:
    data = task.get("data") if isinstance(task, dict) else None
    value = data.get(name) if isinstance(data, dict) else None
    if not isinstance(value, str) or not value:
        raise InvalidInput(
            f"{source}: task {i} has no data.{name} (was it exported by "
            "chroma.export_label_studio?)",
            where=f"tasks[{i}].data.{name}",
        )
    return value


def _chosen(task: dict[str, Any], i: int, control: str | None, source: str) -> str:
    """The class of the task's latest live annotation; :class:`_Skip` when it has none."""
    annotations = task.get("annotations") or []
    if not isinstance(annotations, list) or not all(isinstance(a, dict) for a in annotations):
        raise InvalidInput(
            f"{source}: task {i}: annotations must be a list of objects",
            where=f"tasks[{i}].annotations",
        )
    live = [a for a in annotations if not a.get("was_cancelled")]
    if not live:
        raise _Skip("cancelled (skipped in Label Studio)" if annotations else "not annotated")
    latest = max(live, key=lambda a: str(a.get("updated_at") or a.get("created_at") or ""))
    results = latest.get("result") or []
    choices = [
        r
        for r in results
        if isinstance(r, dict)
        and r.get("type") == "choices"
        and (control is None or r.get("from_name") == control)
    ]
    if not choices:
        raise _Skip("its annotation chose no class")
    values = [v for r in choices for v in _choices_of(r)]
    if len(values) != 1 or not isinstance(values[0], str):
        raise InvalidInput(
            f"{source}: task {i}: the annotation chose {values!r}; a label is one class",
            where=f"tasks[{i}].annotations",
        )
    return values[0]


def _choices_of(result: dict[str, Any]) -> list[Any]:
    value = result.get("value")
    chosen = value.get("choices") if isinstance(value, dict) else None
    return chosen if isinstance(chosen, list) else []


class _Skip(Exception):
    """A task that sets no label; its reason is reported, not raised."""


def import_label_studio(
    annotations: PathLike | Sequence[Any],
    *,
    project: str,
    control: str | None = "label",
    url: str | None = None,
    token: str | None = None,
) -> LabelStudioImport:
    """Record the classes chosen in Label Studio as label corrections.

    Reads Label Studio's JSON export (a list of tasks with their ``annotations``) of tasks
    written by :func:`export_label_studio`. Each task's latest annotation that was not
    cancelled gives the datapoint's label: a relabel when it differs from the current
    label, a confirmation when it is the same; both are recorded with source
    ``label-studio`` and can be undone in the review queue. Everything is checked first
    and sent in one request: all the corrections are made, or none.

    Args:
        annotations: The exported JSON file, or its tasks already loaded.
        project: Project name.
        control: The ``Choices`` control whose choice is the label. None: any one.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.

    Returns:
        A :class:`LabelStudioImport`: ``.corrections`` made, ``.skipped`` tasks (not
        annotated, cancelled, or no class chosen) with the reason.

    Raises:
        InvalidInput: A file that is not JSON or not a list of tasks, a task without
            ``chroma_key``, a key not in its dataset, a task twice, more than one class
            chosen; nothing was changed.
        NotFound: Unknown project.

    Example::

        done = chroma.import_label_studio("project-3-at-2026-12-06.json", project="demo")
        print(done.relabelled, "relabelled,", len(done.skipped), "skipped")
    """
    tasks, source = _load(annotations)
    wanted: list[tuple[int, str, str, str]] = []  # task, dataset, key, label
    skipped: list[Skipped] = []
    seen: dict[tuple[str, str], int] = {}
    for i, task in enumerate(tasks):
        key, dataset = _field(task, KEY, i, source), _field(task, DATASET, i, source)
        if (dataset, key) in seen:
            raise InvalidInput(
                f"{source}: tasks {seen[dataset, key]} and {i} are both {key!r} of {dataset!r}",
                where=f"tasks[{i}]",
            )
        seen[dataset, key] = i
        try:
            label = _chosen(task, i, control, source)
        except _Skip as reason:
            skipped.append(Skipped(i, key, dataset, str(reason)))
            continue
        wanted.append((i, dataset, key, label))
    if not wanted:
        # Nothing to look up, but an unknown project is still an error, not "0 corrections".
        _require_project(project, url, token)
        return LabelStudioImport(corrections=corrections_frame([]), skipped=skipped)
    points = read_datapoints(project, url=url, token=token)
    stored = {
        (dataset, key): (int(point), label)
        for dataset, key, point, label in zip(
            points["dataset"], points["key"], points["datapoint_id"], points["label"], strict=True
        )
    }
    decisions = []
    for i, dataset, key, label in wanted:
        found = stored.get((dataset, key))
        if found is None:
            raise InvalidInput(
                f"{source}: task {i}: key {key!r} is not in dataset {dataset!r} of project "
                f"{project!r}; nothing was imported",
                where=f"tasks[{i}].data.{KEY}",
            )
        point, current = found
        same = current == label
        decisions.append(
            LabelDecision(point, "confirm" if same else "relabel", None if same else label)
        )
    made = send_corrections(project, decisions, source=SOURCE, url=url, token=token)
    return LabelStudioImport(corrections=made, skipped=skipped)


_PROJECT = "query ($project: String!) { project(name: $project) { name } }"


def _require_project(project: str, url: str | None, token: str | None) -> None:
    with Endpoint.resolve(url, token).client() as client:
        if graphql(client, _PROJECT, project=project)["project"] is None:
            raise NotFound(f"no project named {project!r}", where="project")
