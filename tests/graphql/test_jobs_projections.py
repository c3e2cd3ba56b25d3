"""Jobs and projections through GraphQL on the real server (its in-process job runner).

Creating a projection checks everything before anything is written, then queues a job the
runner starts at once; the job's progress, the projection's state and the space's lists
follow it. Cancels of queued and running jobs; job listing.
"""

from __future__ import annotations

import time
from datetime import datetime
from typing import Any

import httpx
import pytest
from sql_statements import ran_statements

from chroma.db.store import Store
from projection_helpers import (
    CREATE_PROJECTION,
    JOB_FIELDS,
    computed_projection,
    get_job,
    gql,
    gql_error,
    ingest,
    queue_wait_job,
    row_counts,
    vectors,
    wait_job,
    wait_succeeded,
)

PROJECTION_FIELDS = (
    "id algorithm params state error autoPlace pointCount placedCount createdAt computedAt "
    f"datasets {{ name }} space {{ name }} job {{ {JOB_FIELDS} }}"
)
PROJECTION = f"query ($id: ID!) {{ projection(id: $id) {{ {PROJECTION_FIELDS} }} }}"
SPACE = """
query {
  project(name: "demo") {
    spaces {
      name
      projections { id algorithm state }
      neighbourIndex { metric indexedCount graphK updatedAt }
    }
  }
}
"""
CANCEL = f"mutation ($id: ID!) {{ cancelJob(id: $id) {{ {JOB_FIELDS} }} }}"
JOBS = f"""
query ($project: String, $states: [JobState!], $kinds: [String!], $first: Int! = 50) {{
  jobs(project: $project, states: $states, kinds: $kinds, first: $first) {{
    {JOB_FIELDS} project {{ name }} space {{ name }}
  }}
}}
"""


@pytest.fixture
def demo(http: httpx.Client) -> dict[str, int]:
    """Project "demo", space "clip" (8-D): train 120 points labelled a/b/c, test 60."""
    ingest(
        http,
        [f"train-{i}" for i in range(120)],
        vectors(120, seed=1),
        dataset="train",
        labels=["abc"[i % 3] for i in range(120)],
    )
    ingest(
        http,
        [f"test-{i}" for i in range(60)],
        vectors(60, seed=2),
        dataset="test",
        labels=["abc"[i % 3] for i in range(60)],
    )
    return {"train": 120, "test": 60}


def create(http: httpx.Client, **variables: Any) -> dict[str, Any]:
    variables = {"project": "demo", "space": "clip", "algorithm": "pca", **variables}
    return dict(gql(http, CREATE_PROJECTION, **variables)["createProjection"])


def projection(http: httpx.Client, projection_id: int | str) -> dict[str, Any]:
    return dict(gql(http, PROJECTION, id=str(projection_id))["projection"])


def when(value: str | None) -> datetime:
    assert value is not None
    return datetime.fromisoformat(value)


# ---- create, compute, read back --------------------------------------------------------------


def test_a_pca_projection_is_queued_computed_and_listed(
    http: httpx.Client, demo: dict[str, int]
) -> None:
    created = create(http, params={})
    queued, job = created, created["job"]  # the answer's job is the computation just queued
    assert queued["algorithm"] == "pca"
    assert queued["params"] == {}  # PCA has nothing to choose
    assert queued["state"] in ("QUEUED", "COMPUTING")
    assert queued["pointCount"] == 0
    assert queued["computedAt"] is None
    assert queued["datasets"] is None  # every dataset, present and future
    assert job["kind"] == "projection.compute"
    assert job["state"] in ("QUEUED", "RUNNING")
    assert job["finishedAt"] is None
    assert job["maxAttempts"] >= 1

    done = wait_succeeded(http, job["id"])
    assert done["progress"] == 1.0
    assert done["attempts"] == 1
    assert done["result"]["points"] == 180
    assert when(done["startedAt"]) <= when(done["finishedAt"])
    assert when(done["createdAt"]) <= when(done["startedAt"])

    ready = projection(http, queued["id"])
    assert ready["state"] == "READY"
    assert ready["error"] is None
    assert ready["pointCount"] == 180
    assert ready["placedCount"] == 0
    assert ready["autoPlace"] is True
    assert when(ready["computedAt"]) >= when(ready["createdAt"])
    assert ready["space"] == {"name": "clip"}
    assert ready["job"]["state"] == "SUCCEEDED"

    spaces = gql(http, SPACE)["project"]["spaces"]
    assert spaces == [
        {
            "name": "clip",
            "projections": [{"id": queued["id"], "algorithm": "pca", "state": "READY"}],
            "neighbourIndex": None,
        }
    ]


@pytest.mark.slow
def test_a_projection_answers_its_full_parameters(http: httpx.Client, demo: dict[str, int]) -> None:
    created = create(http, algorithm="umap", params={"n_neighbors": 10, "n_epochs": 20})
    params = created["params"]
    assert params["n_neighbors"] == 10
    assert params["n_epochs"] == 20
    assert params["min_dist"] == 0.1  # defaults filled in
    wait_succeeded(http, created["job"]["id"])
    assert projection(http, created["id"])["pointCount"] == 180


@pytest.mark.slow
def test_a_projection_of_some_datasets_maps_only_them(
    http: httpx.Client, demo: dict[str, int]
) -> None:
    created = create(http, datasets=["test"], autoPlace=False)
    assert created["datasets"] == [{"name": "test"}]
    assert created["autoPlace"] is False
    wait_succeeded(http, created["job"]["id"])
    ready = projection(http, created["id"])
    assert ready["pointCount"] == demo["test"]
    assert ready["datasets"] == [{"name": "test"}]


@pytest.mark.slow
def test_recompute_maps_the_points_logged_since(http: httpx.Client, demo: dict[str, int]) -> None:
    projection_id = computed_projection(http)
    first = projection(http, projection_id)
    ingest(http, [f"late-{i}" for i in range(20)], vectors(20, seed=9), dataset="train")

    query = """
    mutation ($id: ID!) { recomputeProjection(id: $id) { id state job { id kind } } }
    """
    again = gql(http, query, id=str(projection_id))["recomputeProjection"]
    assert (again["id"], again["state"]) == (str(projection_id), "READY")  # old map stays
    assert again["job"]["kind"] == "projection.compute"
    assert again["job"]["id"] != first["job"]["id"]
    wait_succeeded(http, again["job"]["id"])

    recomputed = projection(http, projection_id)
    assert recomputed["pointCount"] == 200
    assert recomputed["job"]["id"] == again["job"]["id"]
    assert when(recomputed["computedAt"]) >= when(first["computedAt"])


@pytest.mark.slow
def test_delete_projection_removes_it(http: httpx.Client, demo: dict[str, int]) -> None:
    projection_id = computed_projection(http)
    deleted = gql(
        http,
        "mutation ($id: ID!) { deleteProjection(id: $id) { id algorithm } }",
        id=str(projection_id),
    )
    assert deleted["deleteProjection"] == {"id": str(projection_id), "algorithm": "pca"}
    error = gql_error(http, PROJECTION, id=str(projection_id))
    assert (error["code"], error["where"]) == ("not_found", "projection")
    assert gql(http, SPACE)["project"]["spaces"][0]["projections"] == []
    points = http.get("/api/v1/points", params={"projection": projection_id})
    assert points.status_code == 404
    assert points.json()["error"]["where"] == "projection"


# ---- refused before anything is written ------------------------------------------------------


@pytest.mark.parametrize(
    ("variables", "code", "where"),
    [
        ({"project": "nope"}, "not_found", "project"),
        ({"space": "nope"}, "not_found", "space"),
        ({"datasets": ["nope"]}, "not_found", "datasets"),
        ({"algorithm": "kmeans"}, "invalid_input", "algorithm"),
        (
            {"algorithm": "umap", "params": {"n_neighbors": 1}},
            "invalid_input",
            "params.n_neighbors",
        ),
        (
            {"algorithm": "umap", "params": {"n_neighbors": 0}},
            "invalid_input",
            "params.n_neighbors",
        ),
        (
            {"algorithm": "umap", "params": {"n_neighbors": 500}},
            "invalid_input",
            "params.n_neighbors",
        ),
        ({"algorithm": "tsne", "params": {"perplexity": 80}}, "invalid_input", "params.perplexity"),
        ({"params": {"bogus": 1}}, "invalid_input", "params.bogus"),
        ({"params": [1, 2]}, "invalid_input", "params"),
        (
            {"algorithm": "umap", "params": {"random_state": "x"}},
            "invalid_input",
            "params.random_state",
        ),
    ],
)
def test_bad_projection_requests_are_refused_and_queue_nothing(
    http: httpx.Client,
    store: Store,
    demo: dict[str, int],
    variables: dict[str, Any],
    code: str,
    where: str,
) -> None:
    before = row_counts(store)
    variables = {"project": "demo", "space": "clip", "algorithm": "pca", **variables}
    error = gql_error(http, CREATE_PROJECTION, **variables)
    assert (error["code"], error["where"]) == (code, where), error
    assert row_counts(store) == before


def test_too_few_points_for_a_map_is_refused(http: httpx.Client, store: Store) -> None:
    ingest(http, ["a", "b"], vectors(2), dataset="train")
    before = row_counts(store)
    error = gql_error(http, CREATE_PROJECTION, project="demo", space="clip", algorithm="pca")
    assert (error["code"], error["where"]) == ("invalid_input", "vectors")
    assert "at least" in error["message"]
    assert row_counts(store) == before


def test_unknown_ids_name_what_is_missing(http: httpx.Client) -> None:
    for query, name in (
        (PROJECTION, "projection"),
        ("query ($id: ID!) { job(id: $id) { id } }", "job"),
        (CANCEL, "job"),
        ("mutation ($id: ID!) { recomputeProjection(id: $id) { job { id } } }", "projection"),
        ("mutation ($id: ID!) { deleteProjection(id: $id) { id } }", "projection"),
    ):
        error = gql_error(http, query, id="987654")
        assert (error["code"], error["where"]) == ("not_found", name), query
    error = gql_error(http, PROJECTION, id="not-a-number")
    assert (error["code"], error["where"]) == ("invalid_input", "id")


# ---- jobs: listing, progress, cancel ---------------------------------------------------------


@pytest.mark.slow
def test_jobs_are_listed_newest_first_with_their_project_and_space(
    http: httpx.Client, store: Store, demo: dict[str, int]
) -> None:
    first = create(http)["job"]
    second = gql(
        http,
        f'mutation {{ buildNeighbourIndex(project: "demo", space: "clip") {{ {JOB_FIELDS} }} }}',
    )["buildNeighbourIndex"]
    system = queue_wait_job(store, 0, delay_seconds=3600)  # no project; stays queued
    wait_succeeded(http, first["id"])
    wait_succeeded(http, second["id"])

    listed = gql(http, JOBS, project="demo")["jobs"]
    assert [j["id"] for j in listed] == [second["id"], first["id"]]
    assert listed[0]["kind"] == "neighbours.build"
    assert listed[0]["project"] == {"name": "demo"}
    assert listed[0]["space"] == {"name": "clip"}

    everything = gql(http, JOBS)["jobs"]
    assert [j["id"] for j in everything] == [str(system), second["id"], first["id"]]
    assert everything[0]["project"] is None
    assert everything[0]["space"] is None
    queued = gql(http, JOBS, states=["QUEUED"])["jobs"]
    assert [j["id"] for j in queued] == [str(system)]
    assert [j["id"] for j in gql(http, JOBS, kinds=["projection.compute"])["jobs"]] == [first["id"]]
    assert len(gql(http, JOBS, first=1)["jobs"]) == 1

    for first_value in (0, 1001):
        error = gql_error(http, JOBS, first=first_value)
        assert (error["code"], error["where"]) == ("invalid_input", "first")
    error = gql_error(http, JOBS, project="nope")
    assert (error["code"], error["where"]) == ("not_found", "project")


def test_cancel_a_queued_job(http: httpx.Client, store: Store) -> None:
    job_id = queue_wait_job(store, 1, delay_seconds=3600)
    assert get_job(http, job_id)["state"] == "QUEUED"
    cancelled = gql(http, CANCEL, id=str(job_id))["cancelJob"]
    assert cancelled["state"] == "CANCELLED"
    assert cancelled["finishedAt"] is not None
    assert cancelled["startedAt"] is None
    assert cancelled["attempts"] == 0
    error = gql_error(http, CANCEL, id=str(job_id))
    assert (error["code"], error["where"]) == ("conflict", "job")


@pytest.mark.slow
def test_a_projection_queued_behind_a_running_job_is_cancelled_and_the_running_one_stops(
    http: httpx.Client, store: Store, demo: dict[str, int]
) -> None:
    """One worker (the default): a long job runs, the projection waits its turn."""
    blocker = queue_wait_job(store, 60)
    running = wait_job(http, blocker, until=("RUNNING",))
    assert running["attempts"] == 1
    # It reports progress and heartbeats while it runs.
    reporting = wait_progress(http, blocker)
    assert 0 < reporting["progress"] < 1
    assert reporting["message"].startswith("waited")
    assert reporting["heartbeatAt"] is not None
    assert reporting["startedAt"] is not None

    created = create(http)
    job_id = created["job"]["id"]
    assert get_job(http, job_id)["state"] == "QUEUED"
    cancelled = gql(http, CANCEL, id=job_id)["cancelJob"]
    assert cancelled["state"] == "CANCELLED"
    cancelled_projection = projection(http, created["id"])
    assert cancelled_projection["state"] == "CANCELLED"
    assert cancelled_projection["pointCount"] == 0

    asked = gql(http, CANCEL, id=str(blocker))["cancelJob"]
    assert asked["state"] in ("RUNNING", "CANCELLED")
    if asked["state"] == "RUNNING":
        assert asked["cancelRequested"] is True
    stopped = wait_job(http, blocker)
    assert stopped["state"] == "CANCELLED"
    assert stopped["finishedAt"] is not None


def wait_progress(http: httpx.Client, job_id: int) -> dict[str, Any]:
    """The running job once it has reported some progress."""
    deadline = time.monotonic() + 60
    while True:
        job = get_job(http, job_id)
        if job["state"] == "RUNNING" and job["progress"] > 0 and job["message"]:
            return job
        assert time.monotonic() < deadline, job
        time.sleep(0.05)


@pytest.mark.slow
def test_deleting_a_projection_cancels_its_queued_computation(
    http: httpx.Client, store: Store, demo: dict[str, int]
) -> None:
    blocker = queue_wait_job(store, 60)
    wait_job(http, blocker, until=("RUNNING",))
    created = create(http)
    gql(
        http,
        "mutation ($id: ID!) { deleteProjection(id: $id) { id } }",
        id=created["id"],
    )
    assert get_job(http, created["job"]["id"])["state"] == "CANCELLED"
    gql(http, CANCEL, id=str(blocker))


# ---- neighbour index ------------------------------------------------------------------------


@pytest.mark.slow
def test_build_neighbour_index_fills_the_space_field(
    http: httpx.Client, demo: dict[str, int]
) -> None:
    assert gql(http, SPACE)["project"]["spaces"][0]["neighbourIndex"] is None
    job = gql(
        http,
        f'mutation {{ buildNeighbourIndex(project: "demo", space: "clip") {{ {JOB_FIELDS} }} }}',
    )["buildNeighbourIndex"]
    assert job["kind"] == "neighbours.build"
    done = wait_succeeded(http, job["id"])
    assert done["result"]["indexed"] == 180
    index = gql(http, SPACE)["project"]["spaces"][0]["neighbourIndex"]
    assert index["metric"] == "cosine"
    assert index["indexedCount"] == 180
    assert index["graphK"] == 15
    assert when(index["updatedAt"]) >= when(done["startedAt"])

    for project, space, where in (("nope", "clip", "project"), ("demo", "nope", "space")):
        error = gql_error(
            http,
            """mutation ($p: String!, $s: String!) {
              buildNeighbourIndex(project: $p, space: $s) { id }
            }""",
            p=project,
            s=space,
        )
        assert (error["code"], error["where"]) == ("not_found", where)


# ---- nested fields stay batched ----------------------------------------------------------------


NESTED = """
{
  projects { spaces {
    projections {
      id datasets { name } space { name } job { id state project { name } space { name } }
    }
    neighbourIndex { indexedCount }
  } }
  jobs { id project { name } space { name } }
}
"""


@pytest.mark.slow
def test_nested_job_and_projection_fields_cost_the_same_for_one_or_many(
    http: httpx.Client, store: Store, demo: dict[str, int]
) -> None:
    def count() -> int:
        with ran_statements(store) as statements:
            gql(http, NESTED)
        return len(statements)

    wait_succeeded(http, create(http, datasets=["train"])["job"]["id"])
    one = count()
    for _ in range(4):
        wait_succeeded(http, create(http, datasets=["train", "test"])["job"]["id"])
    many = count()
    assert len(gql(http, NESTED)["projects"][0]["spaces"][0]["projections"]) == 5
    assert many == one, (one, many)
