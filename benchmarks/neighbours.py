"""Nearest-neighbour benchmark: the space index (hnswlib) against exact search, 1M x 384.

Not a test: run on demand (`make bench-neighbours`, or `.venv/bin/python
benchmarks/neighbours.py --n 100000` for a quick look). On one generated Gaussian mixture
(benchmarks/mixture.py) it prints:

- the index build time (what the `neighbours.build` job spends, before the graph),
- top-10 query latency p50 / p99 (one query at a time, one thread, as a GraphQL
  `neighbors` call does) and recall@10 against exact search, for several `ef`,
- the baseline, exact search (one numpy matrix product over the unit vectors per query, no
  copy of the data), measured in the same run, and the ratio of the two p50s,
- the kNN graph time for every point (the job's second half), measured on a sample and
  extrapolated when --graph-sample is below n.

Target (issue 3): p50 < 2 ms with recall@10 >= 0.95 at 1M.
"""

from __future__ import annotations

import argparse
import resource
import time

import numpy as np

from chroma.compute.neighbours import DEFAULT_EF, AnnIndex, exact_search
from mixture import gaussian_mixture

K = 10


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1_000_000)
    parser.add_argument("--queries", type=int, default=1000)
    parser.add_argument("--exact-queries", type=int, default=30, help="baseline timing queries")
    parser.add_argument("--ef", type=int, nargs="+", default=[64, DEFAULT_EF, 256])
    parser.add_argument("--graph-sample", type=int, default=50_000)
    args = parser.parse_args()

    data, _ = gaussian_mixture(args.n, seed=0)
    queries, _ = gaussian_mixture(args.queries, seed=1)  # unseen points of the same mixture
    print(
        f"data: {args.n:,} x {data.shape[1]} (Gaussian mixture, unit norm); queries: {args.queries}"
    )

    started = time.perf_counter()
    truth, _ = exact_search(data, queries, K, metric="cosine", normalized=True)
    print(f"ground truth (exact, all queries in blocks): {time.perf_counter() - started:.1f} s")

    exact_times = []
    for q in queries[: args.exact_queries]:
        t = time.perf_counter()
        exact_search(data, q[None, :], K, metric="cosine", normalized=True)
        exact_times.append(time.perf_counter() - t)
    exact_p50 = float(np.median(exact_times)) * 1000

    started = time.perf_counter()
    index = AnnIndex.build(data, np.arange(args.n, dtype=np.int64), metric="cosine")
    build = time.perf_counter() - started
    print(f"index build (hnswlib M=16, ef_construction=100, 2 threads): {build:.1f} s")

    print(
        f"\n{'ef':>5} {'p50 ms':>8} {'p99 ms':>8} {'recall@10':>10}"
        f" {'exact p50 ms':>13} {'speed-up':>9}"
    )
    for ef in args.ef:
        times = np.empty(args.queries)
        found = np.empty((args.queries, K), dtype=np.int64)
        for i, q in enumerate(queries):
            t = time.perf_counter()
            labels, _ = index.query(q[None, :], K, ef=ef, threads=1)
            times[i] = time.perf_counter() - t
            found[i] = labels[0]
        recall = np.mean([len(np.intersect1d(f, t)) / K for f, t in zip(found, truth, strict=True)])
        p50, p99 = np.percentile(times, 50) * 1000, np.percentile(times, 99) * 1000
        mark = "  <- meets target" if p50 < 2 and recall >= 0.95 else ""
        print(
            f"{ef:>5} {p50:>8.3f} {p99:>8.3f} {recall:>10.4f} {exact_p50:>13.1f}"
            f" {exact_p50 / p50:>8.0f}x{mark}"
        )

    sample = min(args.graph_sample, args.n)
    t = time.perf_counter()
    index.query(data[:sample], K + 1, ef=max(64, 2 * K))
    graph = (time.perf_counter() - t) * args.n / sample
    note = "" if sample == args.n else f" (extrapolated from {sample:,} points)"
    print(f"\nkNN graph of all points (k={K + 1}, 2 threads): {graph:.0f} s{note}")
    print(f"peak RSS: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")


if __name__ == "__main__":
    main()
