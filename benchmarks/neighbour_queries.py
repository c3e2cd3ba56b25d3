"""Neighbour query latency: GraphQL and the SDK against the index lookup alone.

Not a test: run on demand (`make bench-neighbour-queries`, or `.venv/bin/python
benchmarks/neighbour_queries.py --n 100000` for a quicker look). N vectors (default
1,000,000 x 384, benchmarks/mixture.py) are logged from the SDK to a real
``chroma application run`` server on SQLite, which builds the space's neighbour index
(the real ``neighbours.build`` job). Then, one query at a time, the top 10 of random
datapoints:

- the baseline, in this process: the same index file loaded with hnswlib (the server keeps
  it loaded between requests) and queried with the same datapoints' vectors;
- GraphQL ``neighbors(datapointId:, k: 10)`` over HTTP, with the id, key, label,
  prediction and dataset name of each neighbour (what the Explorer's datapoint view asks);
- the same by ``key`` and ``dataset``;
- for scale, GraphQL's floor on this server: ``{ __typename }`` over the same connection;
- the SDK's ``run.nearest(key, k=10)`` (a DataFrame).

It prints p50 / p99 of each and the ratio of each p50 to the index's p50.
Target (issue 12): GraphQL p50 <= 3x the index lookup at 1M.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import httpx
import numpy as np

import chroma
from chroma.db.store import open_store
from chroma.services import catalog, datapoints, index_files, neighbours
from chroma.settings import Settings
from mixture import DIM, gaussian_mixture
from servers import start_server, stop_server

PROJECT, DATASET, SPACE = "bench", "train", "mixture"
K = 10
TARGET_RATIO = 3.0
NEIGHBORS = """
query ($id: ID, $key: String, $dataset: String) {
  neighbors(project: "bench", space: "mixture", datapointId: $id, key: $key, dataset: $dataset,
            k: 10) {
    distance
    datapoint { id key label prediction dataset { name } }
  }
}
"""
INDEX_STATE = '{ project(name: "bench") { spaces { neighbourIndex { indexedCount } } } }'


def log(url: str, n: int) -> None:
    vectors, labels = gaussian_mixture(n, seed=7)
    with chroma.init(project=PROJECT, dataset=DATASET, space=SPACE, url=url) as run:
        for start in range(0, n, 20_000):
            stop = min(start + 20_000, n)
            run.log(
                vectors[start:stop],
                ids=[f"k{i}" for i in range(start, stop)],
                labels=[str(label) for label in labels[start:stop]],
            )


def wait_for_index(http: httpx.Client, n: int) -> None:
    while True:
        body = http.post("/graphql", json={"query": INDEX_STATE}).json()
        index = body["data"]["project"]["spaces"][0]["neighbourIndex"]
        if index is not None and index["indexedCount"] == n:
            return
        time.sleep(1.0)


def milliseconds(call: Callable[[int], object], picks: list[int]) -> list[float]:
    call(picks[0])  # the first query of a kind loads what it needs (the index, the SDK's client)
    out = []
    for pick in picks:
        start = time.perf_counter()
        call(pick)
        out.append((time.perf_counter() - start) * 1000)
    return out


def measure(data_dir: Path, url: str, picks: list[int]) -> dict[str, list[float]]:
    store = open_store(Settings(data_dir=data_dir), migrate=False)
    with store.read() as session:
        space = catalog.get_space(session, catalog.get_project(session, PROJECT), SPACE)
        row = neighbours.index_row(session, space.id)
        assert row is not None
        assert row.index_file is not None
        ids = {
            pick: datapoints.datapoint_id_by_key(session, PROJECT, DATASET, f"k{pick}")
            for pick in picks
        }
    index = index_files.load_index(
        store,
        row.index_file,
        metric=space.metric,
        dim=space.dimension,  # type: ignore[arg-type]
    )
    vectors = {pick: index.hnsw.get_items([ids[pick]]) for pick in picks}

    def by_index(pick: int) -> object:
        return index.query(np.asarray(vectors[pick], dtype=np.float32), K + 1)

    http = httpx.Client(base_url=url, timeout=60)

    def graphql(variables: dict[str, object]) -> object:
        response = http.post("/graphql", json={"query": NEIGHBORS, "variables": variables})
        body = response.json()
        assert not body.get("errors"), body
        assert len(body["data"]["neighbors"]) == K, body
        return body

    run = chroma.init(project=PROJECT, dataset=DATASET, space=SPACE, url=url)
    try:
        return {
            "index (hnswlib, this process)": milliseconds(by_index, picks),
            "GraphQL { __typename } (floor)": milliseconds(
                lambda p: http.post("/graphql", json={"query": "{ __typename }"}), picks
            ),
            "GraphQL by datapointId": milliseconds(lambda p: graphql({"id": str(ids[p])}), picks),
            "GraphQL by key": milliseconds(
                lambda p: graphql({"key": f"k{p}", "dataset": DATASET}), picks
            ),
            "SDK run.nearest(key)": milliseconds(lambda p: run.nearest(f"k{p}", k=K), picks),
        }
    finally:
        run.close()
        http.close()


def report(n: int, results: dict[str, list[float]]) -> bool:
    base, _ = percentiles(results["index (hnswlib, this process)"])
    print(f"\ntop-{K} at {n:,} x {DIM}, one query at a time")
    print(f"{'path':<32}{'p50 ms':>9}{'p99 ms':>9}{'x index':>9}")
    ok = True
    for name, ms in results.items():
        p50, p99 = percentiles(ms)
        print(f"{name:<32}{p50:>9.2f}{p99:>9.2f}{p50 / base:>8.1f}x")
        if name.startswith("GraphQL by datapointId"):
            ok = p50 / base <= TARGET_RATIO
    return ok


def percentiles(ms: list[float]) -> tuple[float, float]:
    ordered = sorted(ms)
    return statistics.median(ordered), ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=300)
    args = parser.parse_args()
    picks = [int(i) for i in np.random.default_rng(3).integers(0, args.n, args.queries)]
    with tempfile.TemporaryDirectory(prefix="chroma-neighbours-") as tmp:
        process, url = start_server(Path(tmp))
        try:
            print(f"logging {args.n:,} x {DIM}; the server builds the index ...")
            started = time.perf_counter()
            log(url, args.n)
            with httpx.Client(base_url=url, timeout=60) as http:
                wait_for_index(http, args.n)
            print(f"  logged and indexed in {time.perf_counter() - started:.1f} s")
            results = measure(Path(tmp), url, picks)
        finally:
            stop_server(process)
    ok = report(args.n, results)
    print(f"target (GraphQL p50 <= {TARGET_RATIO:g}x the index): {'met' if ok else 'NOT met'}")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
