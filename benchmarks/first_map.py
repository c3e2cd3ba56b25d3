"""First-map benchmark: from the last logged batch to the first map a user can see, and to
the neighbour index, with the phases in between.

Not a test: run on demand (`make bench-first-map`, or `.venv/bin/python
benchmarks/first_map.py --n 100000 --databases sqlite` for a quicker look). For each
database it starts the real server (``chroma application run``, default settings: the
automatic jobs after ingest, the in-process runner) on a fresh data dir, logs N x 384
vectors of the shared mixture (benchmarks/mixture.py) with labels through the SDK, and
from ``flush`` returning (every batch acknowledged) watches the job table through GraphQL:

- ``debounce``: flush -> the space's refresh job starts (``CHROMA_AUTO_JOBS_DELAY``),
- ``refresh``: the refresh job, which queues the map and the index update,
- ``map queued``: the map job waits for a job slot (and its process to start),
- ``map job``: the map job itself (reading vectors, kNN, layout, storing) = the baseline,
- ``points``: the Explorer's points request for the new map, answered,
- ``index``: the neighbour index job, queued -> ready (it may run beside the map).

Printed: those phases, flush -> map visible and its ratio to the map job's own time
(target <= 1.3x; at 100k <= 20 s here, at 1M <= 60 s), and flush -> index ready.
"""

from __future__ import annotations

import argparse
import json
import shutil
import tempfile
import time
from contextlib import ExitStack
from dataclasses import asdict, dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx

import chroma
from mixture import DIM, gaussian_mixture
from servers import scratch_postgres, start_server, stop_server

PROJECT, SPACE = "bench", "mixture"
EXPLORER_COLUMNS = ("label", "prediction", "score", "dataset", "tags")
POLL_SECONDS = 0.1
STATE = """
query ($project: String!) {
  jobs(project: $project, first: 100) { id kind state createdAt startedAt finishedAt error }
  project(name: $project) { spaces { name projections { id state }
                                     neighbourIndex { indexedCount } } }
}
"""


@dataclass
class Result:
    database: str
    points: int
    log_seconds: float
    debounce: float
    refresh: float
    map_queued: float
    map_job: float
    points_request: float
    map_visible: float
    ratio_to_map_job: float
    index_queued: float | None
    index_job: float | None
    index_ready: float | None
    """None with ``--map-only`` (the index was not waited for)."""


def _moment(value: str | None) -> float:
    assert value is not None
    return datetime.fromisoformat(value).timestamp()


def _state(http: httpx.Client) -> dict[str, Any]:
    response = http.post("/graphql", json={"query": STATE, "variables": {"project": PROJECT}})
    response.raise_for_status()
    body = response.json()
    if body.get("errors"):
        raise RuntimeError(body["errors"])
    return dict(body["data"])


def _job(state: dict[str, Any], kind: str) -> dict[str, Any] | None:
    found = [j for j in state["jobs"] if j["kind"] == kind]
    return min(found, key=lambda j: int(j["id"])) if found else None


def run_one(
    database: str, database_url: str | None, workdir: Path, n: int, *, map_only: bool = False
) -> Result:
    vectors, clusters = gaussian_mixture(n)
    labels = [f"topic-{c}" for c in clusters]
    keys = [f"row-{i}" for i in range(n)]
    process, url = start_server(workdir / database, database_url, log=workdir / "server.log")
    try:
        started = time.perf_counter()
        with chroma.init(project=PROJECT, dataset="train", space=SPACE, url=url) as run:
            for i in range(0, n, 20_000):
                run.log(
                    vectors[i : i + 20_000], ids=keys[i : i + 20_000], labels=labels[i : i + 20_000]
                )
            run.flush()
            flushed = time.time()
            log_seconds = time.perf_counter() - started
        with httpx.Client(base_url=url, timeout=300) as http:
            visible = points_seconds = index_ready = None
            while visible is None or (index_ready is None and not map_only):
                state = _state(http)
                [space] = state["project"]["spaces"]
                ready = [p for p in space["projections"] if p["state"] == "READY"]
                if visible is None and ready:
                    asked = time.time()
                    response = http.get(
                        "/api/v1/points",
                        params={"projection": ready[0]["id"], "column": list(EXPLORER_COLUMNS)},
                    )
                    response.raise_for_status()
                    visible, points_seconds = time.time(), time.time() - asked
                index = space["neighbourIndex"]
                if index_ready is None and index and index["indexedCount"] >= n:
                    index_ready = time.time()
                failed = [j for j in state["jobs"] if j["state"] == "FAILED"]
                if failed:
                    raise RuntimeError(f"a job failed: {failed}")
                time.sleep(POLL_SECONDS)
            state = _state(http)
    finally:
        stop_server(process)
    refresh = _job(state, "space.refresh")
    mapped = _job(state, "projection.compute")
    indexed = _job(state, "neighbours.update") or _job(state, "neighbours.build")
    if refresh is None or mapped is None or (indexed is None and not map_only):
        raise RuntimeError(f"the automatic jobs are missing: {state['jobs']}")
    index_done = indexed is not None and indexed["finishedAt"] is not None and index_ready
    map_job = _moment(mapped["finishedAt"]) - _moment(mapped["startedAt"])
    map_visible = visible - flushed
    return Result(
        database=database,
        points=n,
        log_seconds=round(log_seconds, 2),
        debounce=round(_moment(refresh["startedAt"]) - flushed, 2),
        refresh=round(_moment(refresh["finishedAt"]) - _moment(refresh["startedAt"]), 2),
        map_queued=round(_moment(mapped["startedAt"]) - _moment(mapped["createdAt"]), 2),
        map_job=round(map_job, 2),
        points_request=round(points_seconds or 0.0, 2),
        map_visible=round(map_visible, 2),
        ratio_to_map_job=round(map_visible / map_job, 2),
        index_queued=(
            round(_moment(indexed["startedAt"]) - _moment(indexed["createdAt"]), 2)
            if index_done and indexed
            else None
        ),
        index_job=(
            round(_moment(indexed["finishedAt"]) - _moment(indexed["startedAt"]), 2)
            if index_done and indexed
            else None
        ),
        index_ready=round(index_ready - flushed, 2) if index_ready is not None else None,
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="vectors to log")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument(
        "--map-only",
        action="store_true",
        help="stop once the map is visible (a 1M index takes minutes more)",
    )
    args = parser.parse_args()
    print(f"{args.n:,} x {DIM} vectors; flush -> first map and index, per database", flush=True)
    workdir = Path(tempfile.mkdtemp(prefix="chroma-first-map-", dir=Path.home()))
    results = []
    try:
        for database in args.databases.split(","):
            with ExitStack() as stack:
                url = stack.enter_context(scratch_postgres()) if database == "postgresql" else None
                result = run_one(database, url, workdir, args.n, map_only=args.map_only)
            results.append(result)
            print(json.dumps(asdict(result)), flush=True)
    finally:
        shutil.rmtree(workdir, ignore_errors=True)
    print()
    phases = ("debounce", "refresh", "map_queued", "map_job", "points_request")
    print(
        f"{'database':<11}" + "".join(f"{p:>15}" for p in phases) + f"{'map visible':>13}"
        f"{'x map job':>10}{'index ready':>13}"
    )
    missed = []
    for r in results:
        row = f"{r.database:<11}" + "".join(f"{getattr(r, p):>14.2f}s" for p in phases)
        ready = f"{r.index_ready:>12.2f}s" if r.index_ready is not None else f"{'-':>13}"
        print(row + f"{r.map_visible:>12.2f}s{r.ratio_to_map_job:>10.2f}{ready}")
        if r.ratio_to_map_job > 1.3:
            missed.append(f"{r.database}: map visible {r.ratio_to_map_job}x its job (> 1.3x)")
    print("\n".join(["TARGETS MISSED:", *missed]) if missed else "targets met")
    out = Path(__file__).parent / "results"
    out.mkdir(exist_ok=True)
    (out / f"first_map_{args.n}.json").write_text(
        json.dumps([asdict(r) for r in results], indent=2)
    )


if __name__ == "__main__":
    main()
