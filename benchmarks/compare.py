"""Comparison benchmark: the ``compare`` job (two spaces over their shared datapoints)
against building the two kNN graphs alone, the part no comparison can skip.

Not a test: run on demand (`.venv/bin/python benchmarks/compare.py --n 100000`; `--n
1000000` for the million). On one generated Gaussian mixture (benchmarks/mixture.py):
space ``a`` holds the points, space ``b`` the same datapoints moved a little (a second
checkpoint: ``a`` plus Gaussian noise, renormalised), both logged through the ingest
service into a SQLite store in a temporary folder, with the cluster as the label. Neither
space has a stored kNN graph (automatic jobs off), so the job computes both, as it does
when the spaces' graphs do not cover exactly the shared points.

It prints:

- the baseline: ``knn_graph`` of each space's vectors (k neighbours, HNSW above 5k
  points), on arrays already in memory, measured in the same run;
- the job, end to end (``execute_job``): read both spaces' vectors and the datapoints'
  labels, the two graphs, the comparison, the label texts, the Arrow columns and summary,
  written in the job's commit; and the comparison alone (``neighbourhood_change`` and
  ``label_lists`` on the baseline's graphs);
- the ratio job / baseline (the baseline measured before and after the job, averaged;
  1.0 would be: the comparison costs nothing beyond the graphs);
- peak memory: numpy's allocations (``tracemalloc``) of the baseline and of the job, and the
  process's peak RSS (hnswlib's index is outside tracemalloc; RSS includes it).

Timings run under ``tracemalloc``, which slows Python-level allocation (the label texts:
about 3x at 1M), not hnswlib or numpy's loops; the graphs dominate either way.
"""

from __future__ import annotations

import argparse
import os
import resource
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
import pyarrow as pa

from chroma.compute.analyses._common import label_codes
from chroma.compute.analyses.comparisons import label_lists, neighbourhood_change
from chroma.compute.neighbours import knn_graph
from chroma.db.store import Store, open_store
from chroma.jobs.execute import execute_job
from chroma.services.analyses import get_analysis
from chroma.services.analyses.comparison_requests import compare_spaces
from chroma.services.ingest import ingest
from chroma.services.ingest_batch import validate
from chroma.settings import Settings
from mixture import gaussian_mixture

BATCH = 20_000


def measured(call: Callable[[], Any]) -> tuple[Any, float, float]:
    """``call()``, its seconds and its peak of traced (numpy) memory in MB."""
    tracemalloc.start()
    started = time.perf_counter()
    try:
        out = call()
    finally:
        seconds = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
        tracemalloc.stop()
    return out, seconds, peak / 2**20


def line(what: str, seconds: float, mb: float) -> None:
    print(f"{what:<40} {seconds:8.1f} s   peak numpy {mb:7.0f} MB")


def log(store: Store, space: str, vectors: np.ndarray, labels: list[str]) -> None:
    for start in range(0, len(vectors), BATCH):
        part = vectors[start : start + BATCH]
        column = pa.FixedSizeListArray.from_arrays(pa.array(part.reshape(-1)), part.shape[1])
        table = pa.table(
            {
                "key": [f"k{i}" for i in range(start, start + len(part))],
                "vector": column,
                "label": labels[start : start + len(part)],
            }
        )
        ingest(store, validate(table), project="bench", dataset="train", space=space, create=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="shared datapoints")
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--k", type=int, default=10)
    parser.add_argument("--noise", type=float, default=0.3, help="how far space b moves")
    args = parser.parse_args()

    vectors, cluster = gaussian_mixture(args.n, dim=args.dim, seed=0)
    rng = np.random.default_rng(1)
    moved = vectors + args.noise * rng.normal(size=vectors.shape).astype(np.float32) / np.sqrt(
        args.dim
    )
    moved /= np.linalg.norm(moved, axis=1, keepdims=True)
    moved = moved.astype(np.float32)
    labels = [f"c{c}" for c in cluster.tolist()]
    print(f"n={args.n:,} shared datapoints, dim={args.dim}, k={args.k}, cpus={os.cpu_count()}")

    # Baseline: the two kNN graphs alone, from arrays in memory.
    def graphs() -> tuple[np.ndarray, np.ndarray]:
        rows_a = knn_graph(vectors, args.k, metric="cosine")[0]
        return rows_a, knn_graph(moved, args.k, metric="cosine")[0]

    found, baseline_s, baseline_mb = measured(graphs)
    built = {"a": found[0], "b": found[1]}
    del found
    line("baseline: the two kNN graphs", baseline_s, baseline_mb)

    (codes,), names = label_codes(np.asarray(labels, dtype=object))

    def comparison() -> None:
        change = neighbourhood_change(built["a"], built["b"])
        label_lists(change.gained, codes, names)
        label_lists(change.lost, codes, names)

    _, compare_s, compare_mb = measured(comparison)
    line("the comparison alone, on those graphs", compare_s, compare_mb)
    built.clear()  # the job computes its own

    with tempfile.TemporaryDirectory() as folder:
        settings = Settings(data_dir=Path(folder), auto_jobs=False, job_prewarm=False)
        store = open_store(settings)
        try:
            started = time.perf_counter()
            log(store, "a", vectors, labels)
            log(store, "b", moved, labels)
            print(f"(ingest of both spaces: {time.perf_counter() - started:.1f} s, not counted)")
            record, job = compare_spaces(store, project="bench", space_a="a", space_b="b", k=args.k)
            _, job_s, job_mb = measured(lambda: execute_job(store, job.id))
            with store.read() as session:
                found = get_analysis(session, record.id)
            assert found.state == "ready", found.error
            summary = found.summary or {}
        finally:
            store.dispose()
    line("the compare job, end to end", job_s, job_mb)
    _, again_s, _ = measured(graphs)  # again: the machine's load drifts
    line("baseline again, after the job", again_s, baseline_mb)
    baseline_s = (baseline_s + again_s) / 2
    print(
        f"ratio job / two graphs: {job_s / baseline_s:.2f}x   memory: {job_mb / baseline_mb:.2f}x"
    )
    print(
        f"mean overlap {summary.get('mean_overlap', float('nan')):.3f} over "
        f"{summary.get('shared', 0):,} shared points; peak RSS of the process "
        f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB"
    )


if __name__ == "__main__":
    main()
