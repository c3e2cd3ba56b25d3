"""Projection benchmark: our UMAP against umap-learn's, placement, 1M points, numba start-up.

Not a test: run on demand (`.venv/bin/python benchmarks/projection.py`, or
`--skip-big` for a quicker look). Data: a Gaussian mixture of 50 clusters, 384 dimensions,
unit-normalised, float32 (as benchmarks/ingest.py). Each scenario runs in its own
subprocess so its peak RSS is its own; every subprocess first runs its implementation
once on 6,000 points so numba's compilation is not timed (a warm worker process).

Scenarios and targets:

- ``umap N``: ``project("umap", X)`` end to end (kNN graph included) against
  ``umap.UMAP().fit_transform(X)`` (defaults): at least 1.5x faster, trustworthiness
  (k=10, 5,000-point sample) no more than 0.01 below umap-learn's.
- ``place``: 10,000 new points into the N-point map, timing the kNN query against an HNSW
  index of the N reference vectors (built beforehand, as production keeps one per space)
  plus ``place``: under 5 s. Baseline: umap-learn's ``transform`` on its own model.
- ``umap BIG``: 1M points through landmarks: under 120 s (umap-learn is not run: ~400 s+).
- ``fresh``: the first projection in a new process, twice in a row (numba's on-disk cache
  warm after the first): ours and umap-learn's.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
import warnings
from typing import Any

import numpy as np

DIM = 384
CLASSES = 50
WARM = 6_000
"""Warm-up size: above 4,096 points, where umap-learn switches to NN-descent (compiled)."""


def make_data(n: int, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A 50-cluster Gaussian mixture, unit-normalised (the same as benchmarks/ingest.py)."""
    rng = np.random.default_rng(seed)
    centres = np.random.default_rng(0).standard_normal((CLASSES, DIM)).astype(np.float32)
    labels = rng.integers(0, CLASSES, n)
    vectors = np.empty((n, DIM), dtype=np.float32)
    for start in range(0, n, 65_536):  # in blocks, so the data's peak RSS is the data
        block = centres[labels[start : start + 65_536]]
        block += 0.5 * rng.standard_normal(block.shape, dtype=np.float32)
        block /= np.linalg.norm(block, axis=1, keepdims=True)
        vectors[start : start + len(block)] = block
    return vectors, labels


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def trust(vectors: np.ndarray, coords: np.ndarray) -> float:
    from chroma.compute.quality import trustworthiness

    return trustworthiness(vectors, coords, k=10, sample=5000)


def warm_up(which: str) -> None:
    """Compile (or load from cache) everything the timed run will use."""
    vectors, _ = make_data(WARM, seed=99)
    if which == "ours":
        from chroma.compute.projection import project

        project("umap", vectors)
    else:
        import umap

        umap.UMAP().fit(vectors).transform(vectors[:500])


# --- scenarios, each run in a subprocess ---------------------------------------------------


def run_ours(n: int, place_n: int) -> dict[str, Any]:
    from chroma.compute.neighbours import AnnIndex
    from chroma.compute.projection import place, project

    warm_up("ours")
    vectors, _ = make_data(n)
    data_rss = peak_rss_mb()
    start = time.perf_counter()
    result = project("umap", vectors)
    seconds = time.perf_counter() - start
    out: dict[str, Any] = {
        "seconds": seconds,
        "trust": trust(vectors, result.coords),
        "peak_rss_mb": peak_rss_mb(),
        "data_rss_mb": data_rss,
        "landmarks": int(result.model.get("landmarks", 0)),
        "n_epochs": result.params["n_epochs"],
    }
    if place_n:
        new, _ = make_data(place_n, seed=1)
        start = time.perf_counter()
        index = AnnIndex.build(vectors, np.arange(n, dtype=np.int64), metric="cosine")
        out["index_build_seconds"] = time.perf_counter() - start
        k = result.params["n_neighbors"]
        start = time.perf_counter()
        rows, distances = index.query(new, k)
        query_seconds = time.perf_counter() - start
        placed = place(
            "umap",
            result.model,
            new_vectors=new,
            reference_coords=result.coords,
            neighbour_rows=rows,
            neighbour_distances=distances,
        )
        out["place_seconds"] = time.perf_counter() - start
        out["place_query_seconds"] = query_seconds
        out["place_trust"] = trust(np.vstack([vectors, new]), np.vstack([result.coords, placed]))
    return out


def run_baseline(n: int, place_n: int) -> dict[str, Any]:
    import umap

    warm_up("baseline")
    vectors, _ = make_data(n)
    start = time.perf_counter()
    model = umap.UMAP()
    coords = model.fit_transform(vectors)
    seconds = time.perf_counter() - start
    out: dict[str, Any] = {
        "seconds": seconds,
        "trust": trust(vectors, coords),
        "peak_rss_mb": peak_rss_mb(),
    }
    if place_n:
        new, _ = make_data(place_n, seed=1)
        start = time.perf_counter()
        placed = model.transform(new)
        out["place_seconds"] = time.perf_counter() - start
        out["place_trust"] = trust(np.vstack([vectors, new]), np.vstack([coords, placed]))
    return out


FRESH = {
    "ours": (
        "from chroma.compute.projection import project\n"
        "import time; t1 = time.perf_counter(); project('umap', X)\n"
    ),
    "baseline": (
        "import umap\nimport time; t1 = time.perf_counter(); umap.UMAP().fit_transform(X)\n"
    ),
}


def run_fresh(which: str) -> dict[str, Any]:
    """Import and first projection of WARM points in a brand-new interpreter."""
    code = (
        "import time; t0 = time.perf_counter()\n"
        "import numpy as np\n"
        f"X = np.random.default_rng(0).standard_normal(({WARM}, {DIM})).astype(np.float32)\n"
        + FRESH[which]
        + "t2 = time.perf_counter(); print(t2 - t0, t2 - t1)\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True, env=os.environ
    )
    total, projection = map(float, done.stdout.split()[-2:])
    return {"seconds": total, "projection_seconds": projection}


def worker(spec: dict[str, Any]) -> None:
    warnings.filterwarnings("ignore")
    kind = spec["kind"]
    if kind == "ours":
        out = run_ours(spec["n"], spec["place"])
    elif kind == "baseline":
        out = run_baseline(spec["n"], spec["place"])
    else:
        out = run_fresh(spec["which"])
    print("RESULT " + json.dumps(out), flush=True)


def in_subprocess(**spec: Any) -> dict[str, Any]:
    done = subprocess.run(
        [sys.executable, __file__, "--worker", json.dumps(spec)],
        capture_output=True,
        text=True,
    )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            result: dict[str, Any] = json.loads(line[len("RESULT ") :])
            return result
    raise RuntimeError(f"scenario {spec} failed:\n{done.stdout}\n{done.stderr[-3000:]}")


# --- report ---------------------------------------------------------------------------------


def fmt(value: float | None, spec: str = ".2f") -> str:
    return "-" if value is None else format(value, spec)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=100_000, help="points for ours vs umap-learn")
    parser.add_argument("--big", type=int, default=1_000_000, help="points for the big run")
    parser.add_argument("--place", type=int, default=10_000, help="new points to place")
    parser.add_argument("--skip-big", action="store_true", help="skip the big run")
    parser.add_argument("--skip-fresh", action="store_true", help="skip the fresh-process runs")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(json.loads(args.worker))
        return

    rows: list[tuple[str, ...]] = []
    missed: list[str] = []

    def row(name: str, ours: dict[str, Any], base: dict[str, Any] | None, key: str = "") -> None:
        ours_s = ours[f"{key}seconds"]
        base_s = base[f"{key}seconds"] if base else None
        rows.append(
            (
                name,
                fmt(ours_s),
                fmt(base_s),
                fmt(base_s / ours_s if base_s else None, ".2f") + ("x" if base_s else ""),
                fmt(ours.get(f"{key}trust"), ".4f"),
                fmt(base.get(f"{key}trust") if base else None, ".4f"),
                fmt(ours.get("peak_rss_mb"), ",.0f") if not key else "",
                fmt(base.get("peak_rss_mb"), ",.0f") if base and not key else "",
            )
        )

    print(f"umap, {args.n:,} points (+ placing {args.place:,}) ...", flush=True)
    ours = in_subprocess(kind="ours", n=args.n, place=args.place)
    print(f"  ours: {json.dumps(ours)}", flush=True)
    base = in_subprocess(kind="baseline", n=args.n, place=args.place)
    print(f"  umap-learn: {json.dumps(base)}", flush=True)
    row(f"umap {args.n:,}", ours, base)
    if base["seconds"] / ours["seconds"] < 1.5:
        missed.append(f"umap {args.n:,}: {base['seconds'] / ours['seconds']:.2f}x < 1.5x")
    if ours["trust"] < base["trust"] - 0.01:
        missed.append(f"umap {args.n:,}: trustworthiness {ours['trust']:.4f} < base - 0.01")
    if args.place:
        row(f"place {args.place:,}", ours, base, key="place_")
        if ours["place_seconds"] >= 5:
            missed.append(f"place {args.place:,}: {ours['place_seconds']:.2f} s >= 5 s")

    if not args.skip_big:
        print(f"umap, {args.big:,} points ...", flush=True)
        big = in_subprocess(kind="ours", n=args.big, place=0)
        print(f"  ours: {json.dumps(big)}", flush=True)
        row(f"umap {args.big:,} (landmarks {big['landmarks']:,})", big, None)
        if big["seconds"] >= 120:
            missed.append(f"umap {args.big:,}: {big['seconds']:.1f} s >= 120 s")

    if not args.skip_fresh:
        print(f"first projection in a fresh process ({WARM:,} points), twice each ...", flush=True)
        for which in ("ours", "baseline"):
            for attempt in (1, 2):
                fresh = in_subprocess(kind="fresh", which=which)
                label = "ours" if which == "ours" else "umap-learn"
                print(
                    f"  {label} #{attempt}: {fresh['seconds']:.2f} s in all (projection, "
                    f"compilation or cache loading included: {fresh['projection_seconds']:.2f} s)",
                    flush=True,
                )

    print()
    header = ("scenario", "ours s", "base s", "ratio", "trust", "base trust", "RSS MB", "base RSS")
    widths = [max(len(r[i]) for r in [header, *rows]) + 2 for i in range(len(header))]
    for r in [header, *rows]:
        print(
            "".join(
                cell.rjust(w) if i else cell.ljust(w)
                for i, (cell, w) in enumerate(zip(r, widths, strict=True))
            )
        )
    print()
    if ours.get("index_build_seconds") is not None:
        print(
            f"placement: HNSW index of the {args.n:,} reference vectors built beforehand in "
            f"{ours['index_build_seconds']:.1f} s (untimed); the kNN query took "
            f"{ours['place_query_seconds']:.2f} s of the placement"
        )
    print(f"ours at {args.n:,}: {ours['n_epochs']} epochs; peak RSS includes the input data")
    if missed:
        print("TARGETS MISSED:\n  " + "\n  ".join(missed))
    else:
        print("all targets met")


if __name__ == "__main__":
    main()
