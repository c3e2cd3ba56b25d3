"""Spaces with known answers for the quality analyses, logged straight through the ingest
service, and queued jobs run in the test's own process (deterministic job tests).

The space: 4 well separated clusters in 16-D (labels ``c0``..``c3`` = the cluster), so a
flipped label, a far point or an injected copy is unambiguous.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import orjson
import pyarrow as pa
from sqlalchemy import func, select

from chroma.db.models import Analysis, AnalysisChunk, Job
from chroma.db.store import Store
from chroma.jobs.execute import execute_job
from chroma.services import jobs as job_service
from chroma.services.ingest import IngestResult, ingest
from chroma.services.ingest_batch import validate

DIM = 16
CENTRES = np.random.default_rng(7).normal(size=(4, DIM)).astype(np.float32) * 4


def clustered(
    n: int, *, seed: int = 0, prefix: str = "k", spread: float = 0.3
) -> tuple[np.ndarray, list[str], list[str]]:
    """``n`` vectors around the 4 centres, their keys and their true labels."""
    rng = np.random.default_rng(seed)
    cluster = np.arange(n) % len(CENTRES)
    vectors = (CENTRES[cluster] + spread * rng.normal(size=(n, DIM))).astype(np.float32)
    return vectors, [f"{prefix}{i}" for i in range(n)], [f"c{c}" for c in cluster]


def far_points(n: int, *, seed: int = 1, prefix: str = "far") -> tuple[np.ndarray, list[str]]:
    """``n`` points in a tight clump far from every centre (off-distribution)."""
    rng = np.random.default_rng(seed)
    centre = -CENTRES.sum(axis=0) * 2
    return (centre + 0.3 * rng.normal(size=(n, DIM))).astype(np.float32), [
        f"{prefix}{i}" for i in range(n)
    ]


def log(
    store: Store,
    vectors: np.ndarray,
    keys: list[str],
    *,
    labels: list[str | None] | None = None,
    predictions: list[str | None] | None = None,
    scores: list[float | None] | None = None,
    metadata: list[dict[str, Any] | None] | None = None,
    texts: list[str | None] | None = None,
    dataset: str = "train",
    project: str = "p",
    space: str = "s",
) -> IngestResult:
    column = pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), vectors.shape[1])
    columns: dict[str, Any] = {"key": keys, "vector": column}
    for name, values in (
        ("label", labels),
        ("prediction", predictions),
        ("score", scores),
        ("text", texts),
    ):
        if values is not None:
            columns[name] = values
    if metadata is not None:
        columns["metadata"] = [None if m is None else orjson.dumps(m).decode() for m in metadata]
    batch = validate(pa.table(columns))
    return ingest(store, batch, project=project, dataset=dataset, space=space, create=True)


def run_queued(store: Store) -> list[job_service.JobRecord]:
    """Run every queued job here, oldest first; their final records."""
    ran = []
    while True:
        with store.read() as session:
            due = job_service.due_job_ids(session, limit=1)
        if not due:
            return ran
        execute_job(store, due[0])
        with store.read() as session:
            ran.append(job_service.get_job(session, due[0]))


def counts(store: Store) -> tuple[int, int, int]:
    """(jobs, analyses, analysis chunks): what a refused request must not have added."""
    with store.read() as session:
        return tuple(  # type: ignore[return-value]
            int(session.scalar(select(func.count()).select_from(model)) or 0)
            for model in (Job, Analysis, AnalysisChunk)
        )


def fail_inserts_into(store: Store, table: str) -> list[str]:
    """Statements making every INSERT into ``table`` fail (undo: :func:`stop_failing`)."""
    if store.is_sqlite:
        return [
            f"CREATE TRIGGER fail_insert BEFORE INSERT ON {table} "
            "BEGIN SELECT RAISE(ABORT, 'injected failure'); END"
        ]
    return [
        "CREATE FUNCTION fail_insert() RETURNS trigger AS "
        "$$ BEGIN RAISE EXCEPTION 'injected failure'; END $$ LANGUAGE plpgsql",
        f"CREATE TRIGGER fail_insert BEFORE INSERT ON {table} "
        "FOR EACH ROW EXECUTE FUNCTION fail_insert()",
    ]


def stop_failing(store: Store, table: str) -> list[str]:
    if store.is_sqlite:
        return ["DROP TRIGGER fail_insert"]
    return [f"DROP TRIGGER fail_insert ON {table}", "DROP FUNCTION fail_insert()"]
