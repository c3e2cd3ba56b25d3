"""The Label Studio round trip: export tasks, import the completed annotations as label
corrections, against a real server. The annotations are written by hand as Label Studio's
JSON export writes them (https://labelstud.io/guide/task_format)."""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import orjson
import pytest

import chroma


def _log(url: str, project: str) -> None:
    """Five texts; three tagged for review, with labels, predictions and scores."""
    with chroma.init(project, "train", "enc", url) as run:
        run.log(
            np.eye(5, dtype=np.float32),
            ids=[f"t{i}" for i in range(5)],
            labels=["cat", "dog", "cat", "owl", "dog"],
            predictions=["dog", "dog", "owl", "owl", "cat"],
            scores=[0.9, 0.8, 0.6, 0.7, 0.55],
            texts=[f"text {i}" for i in range(5)],
        )
    ids = chroma.read_datapoints(project, url=url).set_index("key")["datapoint_id"]
    tagged = httpx.post(
        f"{url}/graphql",
        json={
            "query": "mutation($p: String!, $ids: [ID!]!) { addTags(project: $p, "
            'datapointIds: $ids, tags: ["review"]) { changed } }',
            "variables": {"p": project, "ids": [str(ids[k]) for k in ("t0", "t2", "t4")]},
        },
    ).json()
    assert "errors" not in tagged, tagged


def _annotated(
    task: dict[str, Any], choice: str | list[str] | None, *, cancelled: bool = False, n: int = 1
) -> dict[str, Any]:
    """The task as Label Studio exports it once annotated."""
    out = copy.deepcopy(task)
    out.update(
        id=n, project=3, created_at="2026-12-06T06:00:00Z", updated_at="2026-12-06T06:10:00Z"
    )
    result = []
    if choice is not None:
        result.append(
            {
                "id": f"r{n}",
                "from_name": "label",
                "to_name": "text",
                "type": "choices",
                "origin": "manual",
                "value": {"choices": choice if isinstance(choice, list) else [choice]},
            }
        )
    out["annotations"] = [
        {
            "id": 100 + n,
            "completed_by": 1,
            "result": result,
            "was_cancelled": cancelled,
            "ground_truth": False,
            "created_at": "2026-12-06T06:09:00Z",
            "updated_at": "2026-12-06T06:09:30Z",
            "lead_time": 4.2,
            "task": n,
        }
    ]
    return out


def test_round_trip_relabels_and_confirms(server: Any, project: str, tmp_path: Path) -> None:
    _log(server.url, project)
    out = chroma.export_label_studio(
        tmp_path / "tasks.json", project=project, tag="review", url=server.url
    )
    tasks = orjson.loads((tmp_path / "tasks.json").read_bytes())
    assert tasks == out.tasks
    assert len(tasks) == 3
    first = next(t for t in tasks if t["data"]["chroma_key"] == "t0")
    assert first["data"] == {"chroma_key": "t0", "chroma_dataset": "train", "text": "text 0"}
    label, prediction = first["predictions"]
    assert label["model_version"] == "chroma-label"
    assert label["result"][0]["value"] == {"choices": ["cat"]}
    assert label["result"][0]["type"] == "choices"
    assert label["result"][0]["to_name"] == "text"
    assert prediction["result"][0]["value"] == {"choices": ["dog"]}
    assert prediction["score"] == pytest.approx(0.9)
    assert '<Choice value="owl"/>' in out.config
    assert '<Text name="text"' in out.config

    by_key = {t["data"]["chroma_key"]: t for t in tasks}
    completed = [
        _annotated(by_key["t0"], "dog", n=1),  # relabel cat -> dog
        _annotated(by_key["t2"], "cat", n=2),  # confirm cat
        _annotated(by_key["t4"], "dog", cancelled=True, n=3),  # skipped in Label Studio
    ]
    path = tmp_path / "project-3-at-2026-12-06.json"
    path.write_bytes(orjson.dumps(completed))
    done = chroma.import_label_studio(path, project=project, url=server.url)
    assert (done.relabelled, done.confirmed) == (1, 1)
    assert [(s.key, s.reason) for s in done.skipped] == [
        ("t4", "cancelled (skipped in Label Studio)")
    ]
    with chroma.init(project, "train", "enc", server.url) as run:
        fixed = run.corrections().set_index("key")
        labels = run.datapoints().set_index("key")["label"]
    assert fixed.loc["t0", ["decision", "label_before", "label", "source"]].tolist() == [
        "relabel",
        "cat",
        "dog",
        "label-studio",
    ]
    assert fixed.loc["t2", "decision"] == "confirm"
    assert "t4" not in fixed.index
    assert labels.to_dict() == {"t0": "dog", "t1": "dog", "t2": "cat", "t3": "owl", "t4": "dog"}


def test_selection_by_keys_and_query(local_url: str, project: str) -> None:
    _log(local_url, project)
    by_keys = chroma.export_label_studio(None, project=project, keys=["t1", "t3"], url=local_url)
    assert sorted(t["data"]["chroma_key"] for t in by_keys.tasks) == ["t1", "t3"]
    unsure = chroma.export_label_studio(
        None, project=project, query="score < 0.65 and label != prediction", url=local_url
    )
    assert sorted(t["data"]["chroma_key"] for t in unsure.tasks) == ["t2", "t4"]
    with pytest.raises(chroma.InvalidInput, match=r"keys not in the project: \['nope'\]"):
        chroma.export_label_studio(None, project=project, keys=["t1", "nope"], url=local_url)
    with pytest.raises(chroma.InvalidInput, match="query 'colour ==' failed"):
        chroma.export_label_studio(None, project=project, query="colour ==", url=local_url)


def _labels(url: str, project: str) -> dict[str, str]:
    return dict(chroma.read_datapoints(project, url=url)[["key", "label"]].to_numpy().tolist())


def _exported(url: str, project: str) -> dict[str, dict[str, Any]]:
    tasks = chroma.export_label_studio(None, project=project, url=url).tasks
    return {t["data"]["chroma_key"]: t for t in tasks}


def test_an_unknown_key_imports_nothing(local_url: str, project: str) -> None:
    _log(local_url, project)
    tasks = _exported(local_url, project)
    stranger = copy.deepcopy(tasks["t1"])
    stranger["data"]["chroma_key"] = "deleted-since"
    completed = [_annotated(tasks["t0"], "owl", n=1), _annotated(stranger, "owl", n=2)]
    before = _labels(local_url, project)
    with pytest.raises(
        chroma.InvalidInput, match="task 1: key 'deleted-since' is not in"
    ) as caught:
        chroma.import_label_studio(completed, project=project, url=local_url)
    assert caught.value.where == "tasks[1].data.chroma_key"
    assert _labels(local_url, project) == before
    with chroma.init(project, "train", "enc", local_url) as run:
        assert run.corrections().empty


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (b'[{"data": {"chroma_key": "t0"', "not JSON"),
        (b'{"data": {}}', "expected a list of tasks"),
        (b'[{"data": {"text": "no key"}, "annotations": []}]', "task 0 has no data.chroma_key"),
    ],
)
def test_malformed_files_import_nothing(
    local_url: str, project: str, tmp_path: Path, content: bytes, message: str
) -> None:
    _log(local_url, project)
    path = tmp_path / "export.json"
    path.write_bytes(content)
    before = _labels(local_url, project)
    with pytest.raises(chroma.InvalidInput, match=message):
        chroma.import_label_studio(path, project=project, url=local_url)
    assert _labels(local_url, project) == before


def test_several_classes_or_a_task_twice_import_nothing(local_url: str, project: str) -> None:
    _log(local_url, project)
    tasks = _exported(local_url, project)
    before = _labels(local_url, project)
    two = [_annotated(tasks["t0"], "owl", n=1), _annotated(tasks["t1"], ["cat", "owl"], n=2)]
    with pytest.raises(chroma.InvalidInput, match=r"task 1: the annotation chose \['cat', 'owl'\]"):
        chroma.import_label_studio(two, project=project, url=local_url)
    twice = [_annotated(tasks["t0"], "owl", n=1), _annotated(tasks["t0"], "cat", n=2)]
    with pytest.raises(chroma.InvalidInput, match="tasks 0 and 1 are both 't0'"):
        chroma.import_label_studio(twice, project=project, url=local_url)
    assert _labels(local_url, project) == before


def test_unannotated_tasks_are_reported_and_change_nothing(local_url: str, project: str) -> None:
    _log(local_url, project)
    tasks = _exported(local_url, project)
    untouched = copy.deepcopy(tasks["t0"]) | {"id": 1, "annotations": []}
    empty = _annotated(tasks["t1"], None, n=2)
    done = chroma.import_label_studio([untouched, empty], project=project, url=local_url)
    assert done.corrections.empty
    assert [(s.task, s.reason) for s in done.skipped] == [
        (0, "not annotated"),
        (1, "its annotation chose no class"),
    ]


def test_a_file_of_untouched_tasks_for_an_unknown_project_is_an_error(
    local_url: str, project: str
) -> None:
    _log(local_url, project)
    untouched = copy.deepcopy(_exported(local_url, project)["t0"]) | {"annotations": []}
    with pytest.raises(chroma.NotFound, match="no project named 'nowhere'"):
        chroma.import_label_studio([untouched], project="nowhere", url=local_url)


def test_images_go_as_urls(local_url: str, project: str) -> None:
    with chroma.init(project, "photos", "enc", local_url) as run:
        run.log(
            np.eye(3, dtype=np.float32),
            ids=["web", "stored", "bare"],
            uris=["https://images.example/1.jpg", None, None],
            images=[None, np.zeros((4, 4), np.uint8), None],
        )
    ids = chroma.read_datapoints(project, url=local_url).set_index("key")["datapoint_id"]
    out = chroma.export_label_studio(None, project=project, keys=["web", "stored"], url=local_url)
    images = {t["data"]["chroma_key"]: t["data"]["image"] for t in out.tasks}
    assert images == {
        "web": "https://images.example/1.jpg",
        "stored": f"{local_url}/api/v1/datapoints/{ids['stored']}/image",
    }
    assert '<Image name="image" value="$image"/>' in out.config
    with pytest.raises(chroma.InvalidInput, match="'bare' of dataset 'photos' has no text"):
        chroma.export_label_studio(None, project=project, url=local_url)
