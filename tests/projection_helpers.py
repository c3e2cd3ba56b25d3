"""Helpers for tests of jobs, projections and neighbours against the real server.

Data goes in through the real ingest endpoint, everything else through GraphQL over HTTP;
jobs are waited for by polling with a deadline, never by sleeping a fixed time.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from typing import Any

import httpx
import numpy as np
import numpy.typing as npt
import orjson
import pyarrow as pa
from sqlalchemy import func, select

from chroma.core import wire
from chroma.db.models import Job, ProjectionSet
from chroma.db.store import Store
from chroma.services import jobs as job_service

JOB_DEADLINE_S = 120.0
JOB_FIELDS = (
    "id kind state progress message error result attempts maxAttempts cancelRequested "
    "createdAt startedAt finishedAt heartbeatAt"
)


def vectors(n: int, dimension: int = 8, seed: int = 0) -> npt.NDArray[np.float32]:
    return np.random.default_rng(seed).standard_normal((n, dimension)).astype(np.float32)


def ingest(
    http: httpx.Client,
    keys: Sequence[str],
    embeddings: npt.NDArray[np.float32],
    *,
    project: str = "demo",
    dataset: str = "train",
    space: str = "clip",
    labels: Sequence[str | None] | None = None,
    predictions: Sequence[str | None] | None = None,
    scores: Sequence[float | None] | None = None,
    metadata: Sequence[dict[str, Any] | None] | None = None,
) -> dict[str, Any]:
    """POST one Arrow batch to /api/v1/ingest; the answer must be 200."""
    columns: dict[str, Any] = {
        wire.KEY: list(keys),
        wire.VECTOR: list(np.asarray(embeddings, dtype=np.float32)),
    }
    optional = []
    for name, values in (
        ("label", labels),
        ("prediction", predictions),
        ("score", scores),
        ("metadata", metadata),
    ):
        if values is not None:
            optional.append(name)
            if name == "metadata":
                values = [None if v is None else orjson.dumps(v).decode() for v in values]
            columns[name] = list(values)
    schema = wire.ingest_schema(embeddings.shape[1], optional)
    table = pa.table(
        {name: pa.array(values, type=schema.field(name).type) for name, values in columns.items()},
        schema=schema,
    )
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, schema) as writer:
        writer.write_table(table)
    response = http.post(
        "/api/v1/ingest",
        params={"project": project, "dataset": dataset, "space": space},
        content=sink.getvalue().to_pybytes(),
        headers={"content-type": wire.ARROW_STREAM_MEDIA_TYPE},
    )
    assert response.status_code == 200, response.text
    return dict(response.json())


def gql(http: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    """The ``data`` of a GraphQL request that must succeed."""
    response = http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    body = response.json()
    assert "errors" not in body, body["errors"]
    return dict(body["data"])


def gql_error(http: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    """The single error of a GraphQL request that must fail: message, code and where."""
    response = http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    errors = response.json()["errors"]
    assert len(errors) == 1, errors
    error = errors[0]
    return {"message": error["message"], **error["extensions"]}


def get_job(http: httpx.Client, job_id: int | str) -> dict[str, Any]:
    query = f"query ($id: ID!) {{ job(id: $id) {{ {JOB_FIELDS} }} }}"
    return dict(gql(http, query, id=str(job_id))["job"])


def wait_job(
    http: httpx.Client,
    job_id: int | str,
    *,
    until: Sequence[str] = ("SUCCEEDED", "FAILED", "CANCELLED"),
    deadline_s: float = JOB_DEADLINE_S,
) -> dict[str, Any]:
    """Poll the job until its state is one of ``until``; fail the test after the deadline."""
    deadline = time.monotonic() + deadline_s
    while True:
        job = get_job(http, job_id)
        if job["state"] in until:
            return job
        assert time.monotonic() < deadline, f"job {job_id} still {job['state']}: {job}"
        time.sleep(0.05)


def wait_succeeded(http: httpx.Client, job_id: int | str) -> dict[str, Any]:
    job = wait_job(http, job_id)
    assert job["state"] == "SUCCEEDED", job
    return job


def row_counts(store: Store) -> tuple[int, int]:
    """(job rows, projection rows): to check that a refused request wrote nothing."""
    with store.read() as session:
        jobs = session.scalar(select(func.count()).select_from(Job)) or 0
        sets = session.scalar(select(func.count()).select_from(ProjectionSet)) or 0
    return int(jobs), int(sets)


def queue_wait_job(store: Store, seconds: float, *, delay_seconds: float = 0.0) -> int:
    """A ``system.wait`` job (the runner's own diagnostic) that occupies a worker for a while;
    with ``delay_seconds`` it stays queued that long."""
    with store.write() as session:
        job = job_service.create_job(
            session,
            "system.wait",
            project_id=None,
            params={"seconds": seconds},
            delay_seconds=delay_seconds,
        )
        return job.id


CREATE_PROJECTION = f"""
mutation ($project: String!, $space: String!, $algorithm: String!, $params: JSON,
          $datasets: [String!], $autoPlace: Boolean! = true) {{
  createProjection(project: $project, space: $space, algorithm: $algorithm, params: $params,
                   datasets: $datasets, autoPlace: $autoPlace) {{
    id algorithm params state pointCount placedCount autoPlace computedAt
    datasets {{ name }} job {{ {JOB_FIELDS} }}
  }}
}}
"""


def computed_projection(
    http: httpx.Client,
    *,
    project: str = "demo",
    space: str = "clip",
    algorithm: str = "pca",
    params: dict[str, Any] | None = None,
    datasets: list[str] | None = None,
) -> int:
    """Create a projection through GraphQL and wait until it is computed; its id."""
    created = gql(
        http,
        CREATE_PROJECTION,
        project=project,
        space=space,
        algorithm=algorithm,
        params=params or {},
        datasets=datasets,
    )["createProjection"]
    wait_succeeded(http, created["job"]["id"])
    return int(created["id"])
