"""Maps and jobs from the SDK: ``run.create_projection``, ``Projection``, waiting, cancels.

Against the real server (both dialects) and its in-process job runner.
"""

from __future__ import annotations

import textwrap
import threading
from collections.abc import Callable
from typing import Any

import httpx
import numpy as np
import pytest

import chroma
from chroma.db.store import Store
from chroma.services import jobs as job_service
from projection_helpers import queue_wait_job, row_counts, wait_job

N = 120
MakeRun = Callable[..., chroma.Run]


def logged_run(make_run: MakeRun, n: int = N, seed: int = 0) -> tuple[chroma.Run, list[str]]:
    run = make_run()
    rng = np.random.default_rng(seed)
    keys = [f"img-{i}" for i in range(n)]
    run.log(
        rng.standard_normal((n, 8)).astype(np.float32),
        ids=keys,
        labels=[i % 4 for i in range(n)],
    )
    return run, keys


def test_create_projection_waits_and_reads_points(
    make_run: MakeRun, capsys: pytest.CaptureFixture[str]
) -> None:
    run, keys = logged_run(make_run)
    projection = run.create_projection("pca")  # flushes the run first
    assert isinstance(projection, chroma.Projection)
    assert projection.state == "ready"
    assert projection.ready
    assert projection.point_count == N
    assert projection.placed_count == 0
    assert projection.algorithm == "pca"
    assert projection.space == run.space
    assert projection.datasets is None
    assert projection.computed_at is not None
    assert projection.job is not None
    assert projection.job.state == "succeeded"
    assert projection.job.kind == "projection.compute"
    assert "100%" in capsys.readouterr().err  # the progress bar reached the end

    points = projection.points(columns=("label", "key", "dataset"))
    assert list(points.columns) == ["id", "x", "y", "placed", "label", "key", "dataset"]
    assert len(points) == N
    assert sorted(points["key"]) == sorted(keys)  # every point exactly once
    assert points["x"].dtype == np.float32
    assert points["y"].dtype == np.float32
    labels = dict(zip(points["key"], points["label"].astype(str), strict=True))
    assert all(labels[key] == str(i % 4) for i, key in enumerate(keys))
    assert set(points["dataset"].astype(str)) == {run.dataset}
    assert not points["placed"].any()

    datapoints = run.datapoints()
    joined = points.merge(datapoints, left_on="id", right_on="datapoint_id")
    assert (joined["key_x"] == joined["key_y"]).all()


@pytest.mark.slow
def test_no_wait_returns_at_once_and_wait_follows(make_run: MakeRun) -> None:
    run, _ = logged_run(make_run)
    projection = run.create_projection("pca", wait=False, datasets=run.dataset)
    assert projection.state in ("queued", "computing", "ready")
    assert projection.datasets == [run.dataset]
    assert projection.job is not None
    done = projection.wait(progress=False, timeout=120)
    assert done is projection
    assert projection.state == "ready"
    assert projection.point_count == N


def test_parameters_are_checked_before_anything_is_queued(make_run: MakeRun, store: Store) -> None:
    run, _ = logged_run(make_run, n=40)
    before = row_counts(store)
    cases = [
        ({"algorithm": "umap", "n_neighbors": 1}, "params.n_neighbors"),
        ({"algorithm": "tsne", "perplexity": 30}, "params.perplexity"),
        ({"algorithm": "kmeans"}, "algorithm"),
        ({"algorithm": "umap", "colour": "red"}, "params.colour"),
    ]
    for arguments, where in cases:
        with pytest.raises(chroma.InvalidInput) as caught:
            run.create_projection(**arguments)
        assert caught.value.where == where, arguments
    with pytest.raises(chroma.NotFound) as missing:
        run.create_projection("pca", datasets=["nope"])
    assert missing.value.where == "datasets"
    assert row_counts(store) == before


def test_a_space_that_does_not_exist_yet_is_not_found(make_run: MakeRun) -> None:
    run = make_run()
    with pytest.raises(chroma.NotFound) as caught:
        run.create_projection("pca")
    assert caught.value.where in ("project", "space")
    with pytest.raises(chroma.NotFound):
        run.projections()


def test_too_few_points(make_run: MakeRun) -> None:
    run = make_run()
    run.log([[1.0, 0.0], [0.0, 1.0]])
    with pytest.raises(chroma.InvalidInput) as caught:
        run.create_projection("pca")
    assert caught.value.where == "vectors"


@pytest.mark.slow
def test_recompute_includes_points_logged_since(make_run: MakeRun) -> None:
    run, _ = logged_run(make_run)
    projection = run.create_projection("pca", progress=False)
    first_job = projection.job
    run.log(np.ones((5, 8), dtype=np.float32) + np.eye(5, 8, dtype=np.float32))
    run.flush()
    again = projection.recompute(progress=False)
    assert again is projection
    assert projection.point_count == N + 5
    assert projection.job is not None
    assert first_job is not None
    assert projection.job.id != first_job.id
    assert len(projection.points()) == N + 5


@pytest.mark.slow
def test_projections_lists_and_get_projection_reads(make_run: MakeRun, server: Any) -> None:
    run, _ = logged_run(make_run)
    first = run.create_projection("pca", progress=False)
    second = run.create_projection("pca", wait=False, auto_place=False)
    listed = run.projections()
    assert [p.id for p in listed] == [first.id, second.id]
    assert listed[1].auto_place is False
    assert [p.id for p in chroma.projections(run.project, run.space, url=server.url)] == [
        first.id,
        second.id,
    ]
    same = chroma.get_projection(first.id, url=server.url)
    assert same.point_count == N
    assert repr(same).startswith(f"<chroma.Projection id={first.id} pca")

    first.delete()
    with pytest.raises(chroma.NotFound):
        first.refresh()
    with pytest.raises(chroma.NotFound) as caught:
        first.points()
    assert caught.value.where == "projection"


@pytest.mark.slow
def test_module_level_create_projection(make_run: MakeRun, server: Any) -> None:
    run, _ = logged_run(make_run)
    run.flush()
    projection = chroma.create_projection(
        run.project, run.space, "pca", url=server.url, progress=False
    )
    assert projection.point_count == N


@pytest.mark.slow
def test_build_index(make_run: MakeRun, server: Any) -> None:
    run, _ = logged_run(make_run)
    job = run.build_index(progress=False)
    assert isinstance(job, chroma.Job)
    assert job.state == "succeeded"
    assert job.finished
    assert job.result == {"indexed": N, "graph_k": 15}
    queued = run.build_index(wait=False)
    assert queued.state in ("queued", "running", "succeeded")
    assert chroma.wait_for_job(queued, url=server.url, progress=False).succeeded
    assert chroma.get_job(queued.id, url=server.url).state == "succeeded"


# ---- failures, cancels, timeouts -----------------------------------------------------------


@pytest.mark.slow
def test_a_failed_job_raises_with_its_error(server: Any, store: Store) -> None:
    with store.write() as session:
        job_id = job_service.create_job(
            session, "system.wait", project_id=None, params={"seconds": 0, "fail": "boom"}
        ).id
    with pytest.raises(chroma.ChromaJobFailed) as caught:
        chroma.wait_for_job(job_id, url=server.url, progress=False, timeout=120)
    assert "boom" in str(caught.value)
    assert caught.value.job is not None
    assert caught.value.job.state == "failed"
    assert caught.value.where == "job"
    assert isinstance(caught.value, chroma.ChromaJobError)


@pytest.mark.slow
def test_a_projection_whose_data_is_gone_fails_clearly(
    make_run: MakeRun, store: Store, server: Any
) -> None:
    run, _ = logged_run(make_run)
    run.flush()
    with httpx.Client(base_url=server.url) as http:
        blocker = queue_wait_job(store, 60)  # one worker: the projection waits behind it
        wait_job(http, blocker, until=("RUNNING",))
        projection = run.create_projection("pca", wait=False)
        deleted = http.post(
            "/graphql",
            json={
                "query": "mutation ($p: String!, $d: String!) "
                "{ deleteDataset(project: $p, name: $d) { name } }",
                "variables": {"p": run.project, "d": run.dataset},
            },
        )
        assert "errors" not in deleted.json()
        chroma.cancel_job(blocker, url=server.url)
    with pytest.raises(chroma.ChromaJobFailed) as caught:
        projection.wait(progress=False, timeout=120)
    assert "at least 3 points" in str(caught.value)
    assert projection.refresh().state == "failed"
    assert projection.error is not None


def test_cancel_a_queued_job_and_waiting_for_it_raises(server: Any, store: Store) -> None:
    job_id = queue_wait_job(store, 1, delay_seconds=3600)
    job = chroma.cancel_job(job_id, url=server.url)
    assert job.state == "cancelled"
    with pytest.raises(chroma.ChromaJobCancelled) as caught:
        chroma.wait_for_job(job_id, url=server.url, progress=False)
    assert caught.value.job is not None
    assert caught.value.job.id == job_id
    with pytest.raises(chroma.Conflict):
        chroma.cancel_job(job_id, url=server.url)


@pytest.mark.slow
def test_cancelling_a_running_job_ends_the_wait(server: Any, store: Store) -> None:
    # A job far longer than the wait's timeout: a wait that ends in ChromaJobCancelled
    # (not ChromaJobTimeout) saw the cancel mid-job.
    job_id = queue_wait_job(store, 600)
    with httpx.Client(base_url=server.url) as http:
        wait_job(http, job_id, until=("RUNNING",))
    timer = threading.Timer(0.5, chroma.cancel_job, args=(job_id,), kwargs={"url": server.url})
    timer.start()
    try:
        with pytest.raises(chroma.ChromaJobCancelled) as caught:
            chroma.wait_for_job(job_id, url=server.url, progress=False, timeout=120)
    finally:
        timer.join()
    job = caught.value.job
    assert job is not None
    assert job.state == "cancelled"
    assert job.progress < 0.5, f"the job ran on after its cancel: {job}"


def _outcome(call: Callable[[], object], *, deadline_s: float) -> object:
    """What ``call()`` returned or raised, run in a thread: a call still running after
    ``deadline_s`` fails the test instead of hanging it (a safety net, not a speed target)."""
    outcome: list[object] = []

    def run() -> None:
        try:
            outcome.append(call())
        except Exception as exc:  # the test inspects whatever happened
            outcome.append(exc)

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    thread.join(deadline_s)
    assert outcome, f"still running after {deadline_s} s"
    return outcome[0]


def test_a_wait_with_a_timeout_gives_up_and_the_job_goes_on(server: Any, store: Store) -> None:
    job_id = queue_wait_job(store, 1, delay_seconds=3600)  # queued for an hour
    caught = _outcome(
        lambda: chroma.wait_for_job(job_id, url=server.url, progress=False, timeout=0.5),
        deadline_s=60,
    )
    assert isinstance(caught, chroma.ChromaJobTimeout), caught
    assert isinstance(caught, TimeoutError)
    assert "is still queued (0%) after 0.5 s" in str(caught)
    assert f"chroma.cancel_job({job_id})" in str(caught)
    assert chroma.get_job(job_id, url=server.url).state == "queued"


def test_unknown_jobs_and_bad_ids(server: Any) -> None:
    with pytest.raises(chroma.NotFound) as caught:
        chroma.wait_for_job(987654, url=server.url, progress=False)
    assert caught.value.where == "job"
    with pytest.raises(chroma.InvalidInput):
        chroma.get_job("twelve", url=server.url)
    with pytest.raises(chroma.NotFound):
        chroma.get_projection(987654, url=server.url)


@pytest.mark.slow
def test_the_create_projection_docstring_example_runs(
    local_server: Any, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    doc = chroma.Run.create_projection.__doc__ or ""
    example = textwrap.dedent(doc.split("then::", 1)[1]).strip()
    monkeypatch.setenv("CHROMA_URL", local_server.url)
    for _ in range(2):  # a rerun updates the same keys and makes a second map
        exec(compile(example, "Run.create_projection example", "exec"), {})
        assert capsys.readouterr().out.strip() == "500"
