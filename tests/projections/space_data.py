"""Logging clustered data straight through the ingest service, and running queued jobs
in the test's own process (no runner), for deterministic job tests."""

from __future__ import annotations

import numpy as np
import pyarrow as pa
from sqlalchemy import select

from chroma.db.models import Job
from chroma.db.store import Store
from chroma.jobs.execute import execute_job
from chroma.services import jobs as job_service
from chroma.services.ingest import IngestResult, ingest
from chroma.services.ingest_batch import validate

CENTRES = np.random.default_rng(42).normal(size=(4, 16)).astype(np.float32) * 3


def clustered(n: int, *, seed: int = 0, offset: int = 0) -> tuple[np.ndarray, list[str], list[str]]:
    """``n`` vectors around 4 centres, their keys and their cluster labels."""
    rng = np.random.default_rng(seed)
    labels = rng.integers(0, len(CENTRES), size=n)
    vectors = (CENTRES[labels] + 0.3 * rng.normal(size=(n, 16))).astype(np.float32)
    keys = [f"k{offset + i}" for i in range(n)]
    return vectors, keys, [f"c{label}" for label in labels]


def log(
    store: Store,
    vectors: np.ndarray,
    keys: list[str],
    labels: list[str],
    *,
    dataset: str = "train",
) -> IngestResult:
    column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), vectors.shape[1])
    batch = validate(pa.table({"key": keys, "vector": column, "label": labels}))
    return ingest(store, batch, project="p", dataset=dataset, space="s", create=True)


def run_queued(store: Store) -> list[job_service.JobRecord]:
    """Run every queued job (and the jobs those queue) here, oldest first."""
    ran = []
    while True:
        with store.read() as session:
            due = job_service.due_job_ids(session, limit=1)
        if not due:
            return ran
        execute_job(store, due[0])
        with store.read() as session:
            ran.append(job_service.get_job(session, due[0]))


def job_row(store: Store, job_id: int) -> Job:
    with store.read() as session:
        job = session.scalar(select(Job).where(Job.id == job_id))
        assert job is not None
        return job
