"""``chroma label-studio export`` / ``import`` in a subprocess, against a real (SQLite) server:
the round trip through a file edited as Label Studio's JSON export writes it
(https://labelstud.io/guide/task_format), and bad input that changes nothing."""

from __future__ import annotations

import copy
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import orjson
import pytest
from chroma_cli import Chroma

import chroma as sdk
from chroma.db.store import open_store
from chroma.settings import Settings
from live_server import LiveServer

LABELS = {"t0": "cat", "t1": "cat", "t2": "cat", "t3": "owl"}


@pytest.fixture(scope="module")
def url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    settings = Settings(data_dir=tmp_path_factory.mktemp("cli-label-studio"), auto_jobs=False)
    with LiveServer(open_store(settings), owns_store=True) as live:
        yield live.url


@pytest.fixture
def project(url: str) -> str:
    """A project of four texts, three labelled cat, with the model's predictions."""
    name = f"p-{uuid.uuid4().hex[:8]}"
    with sdk.init(name, "train", "enc", url) as run:
        run.log(
            np.eye(4, dtype=np.float32),
            ids=list(LABELS),
            labels=list(LABELS.values()),
            predictions=["dog", "cat", "owl", "owl"],
            scores=[0.9, 0.2, 0.7, 0.1],
            texts=[f"text {i}" for i in range(4)],
        )
    return name


def _annotated(task: dict[str, Any], choice: str, n: int) -> dict[str, Any]:
    """The task as Label Studio exports it once someone chose ``choice``."""
    out = copy.deepcopy(task)
    out.update(id=n, project=3)
    out["annotations"] = [
        {
            "id": 100 + n,
            "was_cancelled": False,
            "created_at": "2026-12-06T06:09:00Z",
            "result": [
                {
                    "from_name": "label",
                    "to_name": "text",
                    "type": "choices",
                    "value": {"choices": [choice]},
                }
            ],
        }
    ]
    return out


def _labels(project: str, url: str) -> dict[str, str]:
    table = sdk.read_datapoints(project, url=url)
    return dict(zip(table["key"], table["label"], strict=True))


def test_export_edit_import_round_trip(chroma: Chroma, url: str, project: str, tmp_path: Path):
    tasks_file, config = tmp_path / "tasks.json", tmp_path / "config.xml"
    done = chroma.run(
        "label-studio",
        "export",
        str(tasks_file),
        "--project",
        project,
        "--query",
        "label == 'cat'",
        "--config",
        str(config),
        env={"CHROMA_URL": url},
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"exported 3 tasks to {tasks_file}",
        f"labeling config written to {config}",
    ]
    tasks = orjson.loads(tasks_file.read_bytes())
    assert sorted(t["data"]["chroma_key"] for t in tasks) == ["t0", "t1", "t2"]
    assert '<Choice value="dog"/>' in config.read_text()

    # Annotate as in Label Studio: t0 becomes a dog, t1 stays a cat, t2 is left alone.
    by_key = {t["data"]["chroma_key"]: t for t in tasks}
    exported = [_annotated(by_key["t0"], "dog", 1), _annotated(by_key["t1"], "cat", 2)]
    exported.append({**by_key["t2"], "id": 3, "annotations": []})
    annotations = tmp_path / "project-3-at-2026-12-06.json"
    annotations.write_bytes(orjson.dumps(exported))
    done = chroma.run(
        "label-studio", "import", str(annotations), "--project", project, "--url", url
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        f"recorded 2 corrections in {project}: 1 relabelled, 1 confirmed; 1 tasks skipped",
        "skipped task 2 ('t2' of 'train'): not annotated",
    ]
    assert _labels(project, url) == {**LABELS, "t0": "dog"}
    with sdk.init(project, "train", "enc", url) as run:
        fixed = run.corrections().set_index("key")
    assert sorted(fixed.index) == ["t0", "t1"]
    assert fixed.loc["t0", ["decision", "label_before", "label", "source"]].tolist() == [
        "relabel",
        "cat",
        "dog",
        "label-studio",
    ]
    assert fixed.loc["t1", "decision"] == "confirm"


def _one_line_error(done: Any, *expected: str) -> None:
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    for text in expected:
        assert text in done.stderr, done.stderr


def test_bad_input_is_an_error_and_changes_nothing(
    chroma: Chroma, url: str, project: str, tmp_path: Path
) -> None:
    env = {"CHROMA_URL": url}
    out = tmp_path / "tasks.json"
    unknown = chroma.run("label-studio", "export", str(out), "--project", "nope", env=env)
    _one_line_error(unknown, "nope")
    no_dataset = chroma.run(
        "label-studio", "export", str(out), "--project", project, "--dataset", "prod", env=env
    )
    _one_line_error(no_dataset, "prod")
    missing_key = chroma.run(
        "label-studio", "export", str(out), "--project", project, "--key", "t9", env=env
    )
    _one_line_error(missing_key, "t9")
    assert not out.exists()

    missing = chroma.run(
        "label-studio", "import", str(tmp_path / "absent.json"), "--project", project, env=env
    )
    _one_line_error(missing, "absent.json", "does not exist")
    broken = tmp_path / "broken.json"
    broken.write_text('[{"data": ')
    _one_line_error(
        chroma.run("label-studio", "import", str(broken), "--project", project, env=env),
        "broken.json",
        "not JSON",
    )
    # One good relabel beside a task whose key is not in the project: nothing is recorded.
    task = {"data": {"chroma_key": "t0", "chroma_dataset": "train", "text": "text 0"}}
    stray = {"data": {"chroma_key": "t9", "chroma_dataset": "train", "text": "?"}}
    mixed = tmp_path / "mixed.json"
    mixed.write_bytes(orjson.dumps([_annotated(task, "dog", 1), _annotated(stray, "owl", 2)]))
    _one_line_error(
        chroma.run("label-studio", "import", str(mixed), "--project", project, env=env),
        "'t9'",
        "nothing was imported",
    )
    other_project = chroma.run("label-studio", "import", str(mixed), "--project", "nope", env=env)
    _one_line_error(other_project, "no project named 'nope'")
    # Nothing annotated yet, so nothing to record: still an error for an unknown project.
    untouched = tmp_path / "untouched.json"
    untouched.write_bytes(orjson.dumps([task]))
    _one_line_error(
        chroma.run("label-studio", "import", str(untouched), "--project", "nope", env=env),
        "no project named 'nope'",
    )
    assert _labels(project, url) == LABELS
    with sdk.init(project, "train", "enc", url) as run:
        assert run.corrections().empty
