"""Neighbour index updates: appending 10k new points to a 1M x 384 space's index.

Not a test: run on demand (`make bench-index-updates`, or `.venv/bin/python
benchmarks/index_updates.py --n 200000` for a quicker look). N vectors (default 1,000,000,
benchmarks/mixture.py) are ingested into a SQLite store in a scratch data dir and the
space's index is built by the real `neighbours.build` job, run in this process. Then, for
a few rounds, --add more vectors are logged and the real `neighbours.update` job runs. It
prints:

- the build (what a user waits for once, before the first neighbour query),
- each update's time, where it went (the job's progress phases), the files it wrote and
  whether the main index file was left alone,
- the baseline, measured in the same run: what every update did before the delta index
  (the main index read from its file, the new points added, the whole index written again
  and fsynced), and the ratio of the update to it.

The first update in a process reads the main index from its file; later ones find the copy
the job process kept (a job process of the in-process runner, or a Celery worker, takes
the space's next update). Both are printed.

Targets (issue 12): an update of 10k new points <= 5 s that never rewrites the whole index.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from contextlib import ExitStack
from pathlib import Path

import numpy as np
import pyarrow as pa

from chroma.compute.neighbours import graph_ef
from chroma.db.models import NeighbourIndex
from chroma.db.store import open_store
from chroma.db.vectors import space_size
from chroma.jobs import context as job_context
from chroma.jobs.execute import execute_job
from chroma.services import index_files
from chroma.services.ingest import ingest
from chroma.services.ingest_batch import validate
from chroma.services.jobs import JobKind, create_job, get_job
from chroma.settings import Settings
from mixture import gaussian_mixture

TARGET_SECONDS = 5.0
STEP = 50_000


def log(store, vectors: np.ndarray, offset: int) -> int:
    space_id = 0
    for start in range(0, len(vectors), STEP):
        part = vectors[start : start + STEP]
        column = pa.FixedSizeListArray.from_arrays(pa.array(part.reshape(-1)), part.shape[1])
        keys = [f"k{offset + start + i}" for i in range(len(part))]
        batch = validate(pa.table({"key": keys, "vector": column}))
        space_id = ingest(store, batch, project="p", dataset="d", space="s", create=True).space_id
    return space_id


def run_job(store, kind: JobKind, space_id: int) -> tuple[float, dict, list[tuple[float, str]]]:
    """Run one job here; its time, result and progress messages with their moments."""
    with store.write() as session:
        job_id = create_job(session, kind, project_id=None, space_id=space_id).id
    phases: list[tuple[float, str]] = []
    report = job_context.JobContext.progress

    def timed(self, fraction, message=None):  # type: ignore[no-untyped-def]
        if message:
            phases.append((time.perf_counter(), message))
        return report(self, fraction, message)

    job_context.JobContext.progress = timed  # type: ignore[method-assign]
    started = time.perf_counter()
    try:
        execute_job(store, job_id)
    finally:
        job_context.JobContext.progress = report  # type: ignore[method-assign]
    took = time.perf_counter() - started
    with store.read() as session:
        job = get_job(session, job_id)
    if job.state != "succeeded":
        raise SystemExit(f"{kind} {job.state}: {job.error}")
    return took, dict(job.result or {}), [(t - started, m) for t, m in phases]


def print_phases(phases: list[tuple[float, str]], total: float) -> None:
    """The job's progress messages on a time line (each says what is done or starting)."""
    for at, message in [*phases, (total, "done")]:
        print(f"    at {at:7.2f} s  {message}")


def existing_space(store) -> tuple[int, int] | None:
    """The space and its size, when a kept data dir already holds an indexed one."""
    with store.read() as session:
        row = session.query(NeighbourIndex).one_or_none()
        return None if row is None else (row.space_id, space_size(session, row.space_id))


def index_row(store) -> NeighbourIndex:
    with store.read() as session:
        row = session.query(NeighbourIndex).one()
        session.expunge(row)
        return row


def baseline(store, row: NeighbourIndex, new: np.ndarray, first_id: int) -> float:
    """What an update did before the delta: read the main index, append, find the new
    points' neighbours, write the whole index again (the graph file, written by both, left
    out here)."""
    started = time.perf_counter()
    index = index_files.load_index(
        store, row.index_file, metric="cosine", dim=new.shape[1], cached=False
    )
    index.add(new, np.arange(first_id, first_id + len(new), dtype=np.int64))
    index.query(new, row.graph_k + 1, ef=graph_ef(row.graph_k))
    with index_files.save_index(store, 0, index) as claim:
        took = time.perf_counter() - started
        claim.path.unlink()
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--add", type=int, default=10_000, help="new points per update")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument(
        "--data-dir",
        type=Path,
        help="keep the store here; a later run reuses its space and index (no new build)",
    )
    args = parser.parse_args()
    sys.stdout.reconfigure(line_buffering=True)  # type: ignore[union-attr]

    with ExitStack() as stack:
        data_dir = args.data_dir or Path(
            stack.enter_context(tempfile.TemporaryDirectory(prefix="chroma-bench-"))
        )
        store = open_store(Settings(data_dir=data_dir, auto_jobs=False))
        kept = existing_space(store)
        if kept is None:
            vectors, _ = gaussian_mixture(args.n, seed=0)
            started = time.perf_counter()
            space_id = log(store, vectors, 0)
            print(
                f"ingested {args.n:,} x {vectors.shape[1]}: {time.perf_counter() - started:.1f} s"
            )
            del vectors
            took, result, phases = run_job(store, JobKind.NEIGHBOURS_BUILD, space_id)
            print(f"index build (neighbours.build job): {took:.1f} s  {result}")
            print_phases(phases, took)
            logged = args.n
        else:
            space_id, logged = kept
            print(f"reusing the space of {logged:,} points and its index in {data_dir}")
        indexes = store.settings.data_dir / "indexes"
        main_bytes = (indexes / index_row(store).index_file).stat().st_size
        print(f"  main index file: {main_bytes / 1e9:.2f} GB")

        for round_ in range(args.rounds):
            first = logged + round_ * args.add
            new, _ = gaussian_mixture(args.add, seed=first)
            log(store, new, first)
            if round_ == 0:
                index_files.forget_all()  # as a fresh job process: the main from its file
            before = index_row(store)
            main_path = indexes / before.index_file
            main_mtime = main_path.stat().st_mtime_ns
            took, result, phases = run_job(store, JobKind.NEIGHBOURS_UPDATE, space_id)
            row = index_row(store)
            untouched = (
                row.index_file == before.index_file and main_mtime == main_path.stat().st_mtime_ns
            )
            where = "main file read from disk" if round_ == 0 else "main kept by the job process"
            layers = (
                f"delta file {(indexes / row.delta_file).stat().st_size / 1e6:.0f} MB"
                f" ({row.delta_count:,} points); main index file untouched: {untouched}"
                if row.delta_file
                else "the delta was merged: the main index file was written again"
            )
            print(f"\nupdate {round_ + 1}: +{args.add:,} points in {took:.2f} s ({where}) {result}")
            print(f"  {layers}")
            print_phases(phases, took)
            base = baseline(store, row, new, 10**9)
            mark = "  <- meets target" if took <= TARGET_SECONDS and untouched else ""
            print(
                f"  baseline (read, append, rewrite the whole index): {base:.2f} s;"
                f" ratio {took / base:.2f}{mark}"
            )


if __name__ == "__main__":
    main()
