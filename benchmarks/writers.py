"""Concurrent writers: N processes post Arrow batches to one server; batch latency.

Not a test: run on demand (`.venv/bin/python benchmarks/writers.py`).
It starts the real server (`chroma application run`, SQLite by default) and N writer
processes (default 8). Each writer builds its batches first (5,000 x 384 float32 vectors,
a label and two metadata fields a row, keys of its own), waits for the others, then posts
them one after another to `POST /api/v1/ingest`, all into one dataset. It prints the
latency of a batch (request sent to answer received) at p50 / p95 / p99 / max, failures,
and rows/s (every row acknowledged over the wall time from the first request to the last
answer). Automatic jobs stay on (queuing the space's refresh is part of every batch),
with the job processes started lazily so their start-up does not land in the
measurement.

`--baseline-src PATH` (e.g. `/work/baseline/src`, a checkout of older code) runs the same
writers against a server started from that source first, in the same run, and prints the
ratios (baseline / this tree). `--rounds 2` alternates them twice.

Issue 14, item 11: with 8 writers the p99 batch took 28 s, next to SQLite's 30 s busy
timeout, beyond which "database is locked" reaches the client.
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import shutil
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from pathlib import Path

import httpx
import numpy as np
import orjson
import pyarrow as pa

from servers import scratch_postgres, start_server, stop_server

ARROW = {"content-type": "application/vnd.apache.arrow.stream"}


@dataclass
class Result:
    code: str
    database: str
    writers: int
    batches: int
    rows_per_batch: int
    failures: int
    p50_s: float
    p95_s: float
    p99_s: float
    max_s: float
    rows_per_second: float
    wall_s: float
    load_before: float
    load_after: float


def _bodies(writer: int, batches: int, rows: int, dim: int) -> list[bytes]:
    rng = np.random.default_rng(writer)
    out = []
    for batch in range(batches):
        vectors = rng.standard_normal((rows, dim), dtype=np.float32)
        table = pa.table(
            {
                "key": [f"w{writer}-b{batch}-r{i}" for i in range(rows)],
                "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), dim),
                "label": [f"class-{i % 10}" for i in range(rows)],
                "metadata": [
                    orjson.dumps({"writer": writer, "step": batch * rows + i}).decode()
                    for i in range(rows)
                ],
            }
        )
        sink = pa.BufferOutputStream()
        with pa.ipc.new_stream(sink, table.schema) as stream:
            stream.write_table(table)
        out.append(sink.getvalue().to_pybytes())
    return out


def _writer(
    url: str, writer: int, batches: int, rows: int, dim: int, go: mp.Barrier, out: mp.Queue
) -> None:
    """One client: its batches in turn; reports (start, end, acknowledged rows or -status)."""
    bodies = _bodies(writer, batches, rows, dim)
    params = {"project": "bench", "dataset": "train", "space": "s"}
    timings = []
    with httpx.Client(base_url=url, timeout=600) as client:
        go.wait()
        for body in bodies:
            start = time.time()
            response = client.post("/api/v1/ingest", params=params, content=body, headers=ARROW)
            end = time.time()
            if response.status_code == 200:
                answer = response.json()
                timings.append((start, end, answer["inserted"] + answer["updated"]))
            else:
                timings.append((start, end, -response.status_code))
                print(f"writer {writer}: {response.status_code} {response.text[:300]}")
    out.put(timings)


def run_writers(url: str, writers: int, batches: int, rows: int, dim: int) -> list[tuple]:
    context = mp.get_context("spawn")
    go = context.Barrier(writers)
    out = context.Queue()
    processes = [
        context.Process(target=_writer, args=(url, w, batches, rows, dim, go, out))
        for w in range(writers)
    ]
    for process in processes:
        process.start()
    timings = [t for _ in processes for t in out.get()]
    for process in processes:
        process.join()
    return timings


def measure(
    code: str, src: str | None, database: str, workdir: Path, args: argparse.Namespace
) -> Result:
    env = {"CHROMA_JOB_PREWARM": "false"}
    if src is not None:
        env["PYTHONPATH"] = src  # ahead of the installed package: the server runs that code
    workdir.mkdir(parents=True)
    load_before = os.getloadavg()[0]
    with ExitStack() as stack:
        database_url = stack.enter_context(scratch_postgres()) if database == "postgresql" else None
        process, url = start_server(
            workdir / "data", database_url, env=env, log=workdir / "server.log"
        )
        try:
            timings = run_writers(url, args.writers, args.batches, args.rows, args.dim)
        finally:
            stop_server(process)
    latencies = np.array([end - start for start, end, _ in timings])
    stored = sum(n for _, _, n in timings if n > 0)
    failures = sum(1 for _, _, n in timings if n < 0)
    wall = max(end for _, end, _ in timings) - min(start for start, _, _ in timings)
    expected = args.writers * args.batches * args.rows
    if not failures and stored != expected:
        raise AssertionError(f"{stored} rows acknowledged, {expected} sent")
    p50, p95, p99 = np.percentile(latencies, [50, 95, 99])
    return Result(
        code=code,
        database=database,
        writers=args.writers,
        batches=args.batches,
        rows_per_batch=args.rows,
        failures=failures,
        p50_s=round(float(p50), 3),
        p95_s=round(float(p95), 3),
        p99_s=round(float(p99), 3),
        max_s=round(float(latencies.max()), 3),
        rows_per_second=round(stored / wall),
        wall_s=round(wall, 2),
        load_before=round(load_before, 2),
        load_after=round(os.getloadavg()[0], 2),
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--writers", type=int, default=8, help="concurrent writer processes")
    parser.add_argument("--batches", type=int, default=6, help="batches per writer")
    parser.add_argument("--rows", type=int, default=5000, help="rows per batch")
    parser.add_argument("--dim", type=int, default=384, help="vector dimension")
    parser.add_argument("--database", choices=("sqlite", "postgresql"), default="sqlite")
    parser.add_argument("--baseline-src", help="a source tree (its src/) to compare against")
    parser.add_argument("--rounds", type=int, default=1, help="alternate baseline and this tree")
    args = parser.parse_args()

    variants: list[tuple[str, str | None]] = [("this tree", None)]
    if args.baseline_src:
        variants.insert(0, ("baseline", str(Path(args.baseline_src).resolve())))
    results: list[Result] = []
    workdir = Path(tempfile.mkdtemp(prefix="chroma-writers-", dir=Path.home()))
    try:
        for round_ in range(args.rounds):
            for code, src in variants:
                result = measure(
                    code, src, args.database, workdir / f"{round_}-{len(results)}", args
                )
                results.append(result)
                print(json.dumps(asdict(result)), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)

    print()
    print(
        f"{args.writers} writers x {args.batches} batches of {args.rows:,} x {args.dim} "
        f"on {args.database}"
    )
    print(
        f"{'code':<11}{'p50':>8}{'p95':>8}{'p99':>8}{'max':>8}{'rows/s':>10}{'fail':>6}{'load':>6}"
    )
    for r in results:
        print(
            f"{r.code:<11}{r.p50_s:>7.2f}s{r.p95_s:>7.2f}s{r.p99_s:>7.2f}s{r.max_s:>7.2f}s"
            f"{r.rows_per_second:>10,.0f}{r.failures:>6}{r.load_before:>6.1f}"
        )
    for round_ in range(args.rounds):
        pair = results[round_ * len(variants) : (round_ + 1) * len(variants)]
        if len(pair) == 2:
            base, this = pair
            print(
                f"round {round_ + 1}: p99 {base.p99_s / this.p99_s:.1f}x lower, max "
                f"{base.max_s / this.max_s:.1f}x lower, rows/s "
                f"{this.rows_per_second / base.rows_per_second:.2f}x (baseline / this tree)"
            )
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / "writers.json").write_text(json.dumps([asdict(r) for r in results], indent=2))


if __name__ == "__main__":
    main()
