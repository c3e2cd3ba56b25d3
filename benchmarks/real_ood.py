"""Out-of-distribution scores on real text corpora (and the digits), against cleanlab.

Not a test: run on demand (``.venv/bin/python benchmarks/real_ood.py``; ``--seeds 0`` for one
seed, ``--scenarios evaluation`` for the outside evaluation's case only). Offline: the two
corpora of ``benchmarks/corpora.py`` (Debian package synopses by Section, Python docstrings
by package, all-MiniLM-L6-v2 embeddings, cached) and scikit-learn's digits
(``benchmarks/quality.py``'s case: an MLP's hidden layer).

Per corpus and seed, ``corpora.split`` holds two labels out as unlabelled "production" beside
as many rows of seen labels; the analysis sees every row (train, test, production), train is
the reference (with 10% of its labels flipped: the Mahalanobis scores read them). Scores are
rated on the production rows: AUROC of held-out (new) labels against seen ones. Scenarios:

- ``evaluation``: the split as it comes (new labels ~60% of production);
- ``few-new``: new-label rows cut to a tenth of production (a new category just starting);
- ``small-reference``: the reference cut to a quarter (production outweighs it).

Scores compared (all from exact cosine neighbour lists, self excluded):

- kNN distance to the reference: the k-th (k = 1, 5, 10, 20) and the mean of the first k;
- LOF against the reference (``density_score``, k = 10);
- class-conditional Mahalanobis (``class_distances``: one robust Ledoit-Wolf Gaussian per
  reference label, the nearest class's distance) and relative Mahalanobis (Ren et al. 2021:
  that minus the distance to one Gaussian of the whole reference);
- kNN distance on centred, re-normalised embeddings (k = 1);
- the kNN density ratio alone (reference vs other rows, k = 10 and 20);
- combinations: rank-average of kNN and Mahalanobis; ``outlier_scores``' methods (``knn``,
  and ``combined``, the default: robust z of the nearest reference distance + robust z of
  the density ratio), at k = 10 (the default) and 20;
- cleanlab's ``OutOfDistribution`` kNN score (fitted on train's embeddings, its defaults).

The flag: ``outlier_scores``' ``ood`` at quantiles 0.90 / 0.95 (the default) / 0.98 / 0.99:
its true-positive rate on new labels, false-positive rate on seen production rows and on the
reference itself (the calibration: about 1 - quantile).

Targets (the evaluation scenario, every corpus): the default's mean AUROC >= 0.80 and >=
cleanlab's in every seed; digits >= 0.95. About 4 minutes here for the defaults.

``--clusters`` (evaluation scenario only, a UMAP map per corpus and seed, HDBSCAN at
``min_cluster_size`` 10, 20, 40): how often a cluster's top label among its labelled rows is
its true majority label (production rows are unlabelled, their truth known here), by the
share of the cluster that is labelled: what ``clusters.MIN_COVERAGE`` rests on.
"""

from __future__ import annotations

import argparse
import time
import warnings
from itertools import pairwise
from typing import Any

import numpy as np
from scipy.stats import rankdata
from sklearn.metrics import roc_auc_score
from threadpoolctl import threadpool_limits

import corpora
from chroma.compute.analyses.class_distance import class_distances
from chroma.compute.analyses.outliers import outlier_scores
from chroma.compute.neighbours import exact_search
from report import table

K = 10
DEEP = 20
"""Neighbours searched: the widest k any score here reads."""
QUANTILES = (0.90, 0.95, 0.98, 0.99)
SCENARIOS = ("evaluation", "few-new", "small-reference")
DEFAULT = "ours: combined (default, k=10)"
CLEANLAB = "cleanlab OutOfDistribution (kNN)"


def lists_among(vectors: np.ndarray, among: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray]:
    """Every row's ``k`` nearest rows of ``among`` (row positions, self excluded)."""
    rows_among = np.flatnonzero(among)
    found, dist = exact_search(vectors[rows_among], vectors, k + 1, metric="cosine")
    rows = np.where(found >= 0, rows_among[found.clip(0)], -1)
    is_self = rows == np.arange(len(vectors))[:, None]
    is_self[~is_self.any(axis=1), -1] = True  # not listed: drop the farthest instead
    return rows[~is_self].reshape(len(rows), k), dist[~is_self].reshape(len(rows), k)


def space_of(case: corpora.Case, scenario: str) -> dict[str, Any]:
    """The analysed rows of one scenario: vectors, reference mask, labels, production mask
    and which production rows are new."""
    rng = np.random.default_rng(1000 + case.seed)
    new = case.production[case.production_new]
    seen = case.production[~case.production_new]
    train, noisy = case.train, case.noisy
    if scenario == "few-new":
        new = np.sort(rng.choice(new, max(2, len(seen) // 9), replace=False))
    elif scenario == "small-reference":
        keep = np.sort(rng.choice(len(train), len(train) // 4, replace=False))
        train, noisy = train[keep], noisy[keep]
    rows = np.r_[train, case.test, seen, new]
    n_ref, n_test = len(train), len(case.test)
    labels = np.full(len(rows), None, dtype=object)
    labels[:n_ref] = noisy
    labels[n_ref : n_ref + n_test] = case.corpus.labels[case.test]
    production = np.zeros(len(rows), bool)
    production[n_ref + n_test :] = True
    return {
        "vectors": case.corpus.vectors[rows],
        "reference": np.r_[np.ones(n_ref, bool), np.zeros(len(rows) - n_ref, bool)],
        "labels": labels,
        "production": production,
        "new": np.r_[np.zeros(len(seen), bool), np.ones(len(new), bool)],
    }


def measure(space: dict[str, Any]) -> dict[str, Any]:
    vectors, reference = space["vectors"], space["reference"]
    prod, new = space["production"], space["new"]
    aurocs: dict[str, float] = {}
    out: dict[str, Any] = {"auroc": aurocs}

    def auroc(name: str, score: np.ndarray) -> None:
        aurocs[name] = float(roc_auc_score(new, score[prod]))

    started = time.perf_counter()
    rows, dist = lists_among(vectors, reference, DEEP)
    other_rows, other_dist = lists_among(vectors, ~reference, DEEP)
    out["search_s"] = time.perf_counter() - started
    for k in (1, 5, 10, 20):
        auroc(f"kNN distance, k-th, k={k}", dist[:, k - 1])
    for k in (5, 10):
        auroc(f"kNN distance, mean of k={k}", dist[:, :k].mean(axis=1))

    for k in (K, DEEP):
        started = time.perf_counter()
        found = outlier_scores(
            rows, dist, reference, k=k, other_neighbours=other_rows, other_distances=other_dist
        )
        if k == K:
            out["ours_s"] = time.perf_counter() - started
            auroc("LOF (density_score, k=10)", found.density_score)
            for q in QUANTILES:
                flags = outlier_scores(
                    rows,
                    dist,
                    reference,
                    k=k,
                    quantile=q,
                    other_neighbours=other_rows,
                    other_distances=other_dist,
                ).ood
                out[f"tpr@{q}"] = float(flags[prod][new].mean())
                out[f"fpr@{q}"] = float(flags[prod][~new].mean())
                out[f"ref@{q}"] = float(flags[reference].mean())
        auroc(DEFAULT if k == K else f"ours: combined, k={k}", found.ood_score)
    knn = outlier_scores(rows, dist, reference, k=K, method="knn")
    auroc("ours: method=knn (k=10)", knn.ood_score)
    for k in (K, DEEP):
        ratio = np.log(dist[:, :k].mean(axis=1)) - np.log(other_dist[:, :k].mean(axis=1))
        auroc(f"density ratio alone, k={k}", ratio)

    started = time.perf_counter()
    classes = class_distances(vectors, space["labels"], reference)
    out["mahalanobis_s"] = time.perf_counter() - started
    auroc("class-conditional Mahalanobis", classes.nearest_distance)
    whole = np.where(reference, "reference", None).astype(object)
    background = class_distances(vectors, whole, reference, reweight=False)
    auroc(
        "relative Mahalanobis",
        classes.nearest_distance.astype(np.float64) ** 2
        - background.nearest_distance.astype(np.float64) ** 2,
    )
    auroc(
        "rank-average: kNN k=1 + Mahalanobis",
        rankdata(dist[:, 0]) + rankdata(classes.nearest_distance),
    )
    centred = vectors - vectors[reference].mean(axis=0)
    centred /= np.linalg.norm(centred, axis=1, keepdims=True)
    _, centred_dist = lists_among(centred, reference, 1)
    auroc("kNN k=1, centred + re-normalised", centred_dist[:, 0])

    from cleanlab.outlier import OutOfDistribution

    started = time.perf_counter()
    detector = OutOfDistribution()
    detector.fit(features=vectors[reference], verbose=False)
    # cleanlab scores in-distribution high: its negative ranks like ours
    theirs = -detector.score(features=vectors[prod])
    out["cleanlab_s"] = time.perf_counter() - started
    aurocs[CLEANLAB] = float(roc_auc_score(new, theirs))
    return out


def digits(seed: int) -> dict[str, Any]:
    """``benchmarks/quality.py``'s OOD case on the digits: the default and cleanlab."""
    from cleanlab.outlier import OutOfDistribution

    import quality

    case = quality.make_case(seed)
    parts = [case.embed(x) for x in (case.train_x, case.test_x, case.prod_x)]
    vectors = np.vstack(parts)
    reference = np.r_[np.ones(len(parts[0]), bool), np.zeros(len(vectors) - len(parts[0]), bool)]
    prod = slice(len(parts[0]) + len(parts[1]), None)
    rows, dist = lists_among(vectors, reference, K)
    other_rows, other_dist = lists_among(vectors, ~reference, K)
    found = outlier_scores(
        rows, dist, reference, k=K, other_neighbours=other_rows, other_distances=other_dist
    )
    knn = outlier_scores(rows, dist, reference, k=K, method="knn")
    detector = OutOfDistribution()
    detector.fit(features=parts[0], verbose=False)
    return {
        DEFAULT: float(roc_auc_score(case.prod_held, found.ood_score[prod])),
        "ours: method=knn (k=10)": float(roc_auc_score(case.prod_held, knn.ood_score[prod])),
        CLEANLAB: float(roc_auc_score(case.prod_held, -detector.score(features=parts[2]))),
        "tpr@0.95": float(found.ood[prod][case.prod_held].mean()),
        "fpr@0.95": float(found.ood[prod][~case.prod_held].mean()),
    }


def cluster_claims(case: corpora.Case) -> list[tuple[float, int, bool, bool]]:
    """Per cluster with a labelled row: (coverage, labelled rows, its top label is the
    cluster's true majority, ``describe_clusters`` lets the labels name it)."""
    from chroma.compute.analyses.clusters import density_clusters, describe_clusters
    from chroma.compute.projections.fitting import project

    space = space_of(case, "evaluation")
    truth = case.corpus.labels[np.r_[case.train, case.test, case.production]]
    coords = project("umap", space["vectors"], {}, metric="cosine").coords
    out = []
    for size in (10, 20, 40):
        cluster = density_clusters(coords, min_cluster_size=size)
        for entry in describe_clusters(cluster, labels=space["labels"]):
            if not entry["labels"]:
                continue
            values, counts = np.unique(truth[cluster == entry["cluster"]], return_counts=True)
            right = entry["labels"][0][0] == values[counts.argmax()]
            out.append((entry["coverage"], entry["labelled"], right, entry["labels_supported"]))
    return out


def report_clusters(claims: list[tuple[float, int, bool, bool]]) -> None:
    print(f"\nclusters: {len(claims)} with a labelled row; top label = true majority, by coverage")
    edges = (0.0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.7, 1.01)
    for low, high in pairwise(edges):
        part = [c for c in claims if low <= c[0] < high]
        if part:
            print(
                f"  labelled {low:.0%}-{min(high, 1):.0%} of the cluster: {len(part):4d} clusters, "
                f"right {np.mean([c[2] for c in part]):.0%} "
                f"(median {np.median([c[1] for c in part]):.0f} labelled rows)"
            )
    for named in (True, False):
        part = [c for c in claims if c[3] is named]
        if part:
            print(
                f"  {'named by their labels' if named else 'withheld (mostly unlabelled)'}: "
                f"{len(part)} clusters, top label right {np.mean([c[2] for c in part]):.0%}"
            )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--corpora", nargs="+", default=["debian", "docstrings"])
    parser.add_argument("--scenarios", nargs="+", default=list(SCENARIOS), choices=SCENARIOS)
    parser.add_argument("--no-digits", action="store_true")
    parser.add_argument("--clusters", action="store_true", help="measure cluster labels only")
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # the MLP's convergence notes, cleanlab's chatter

    if args.clusters:
        claims = []
        for name in args.corpora:
            corpus = corpora.load(name)
            for seed in args.seeds:
                claims += cluster_claims(corpora.split(corpus, seed))
                print(f"{name} seed {seed}: {len(claims)} clusters so far", flush=True)
        report_clusters(claims)
        return

    results: dict[tuple[str, str], list[dict[str, Any]]] = {}
    for name in args.corpora:
        corpus = corpora.load(name)
        for seed in args.seeds:
            case = corpora.split(corpus, seed)
            for scenario in args.scenarios:
                space = space_of(case, scenario)
                with threadpool_limits(1):  # ours and cleanlab's under the same limit
                    got = measure(space)
                got.update(seed=seed, held_out=case.held_out, rows=len(space["vectors"]))
                got["new"], got["seen"] = int(space["new"].sum()), int((~space["new"]).sum())
                results.setdefault((name, scenario), []).append(got)
            print(
                f"{name} seed {seed}: held out {case.held_out}; "
                f"{len(case.train)} reference rows, {len(case.production)} production",
                flush=True,
            )
    print()

    methods = list(next(iter(results.values()))[0]["auroc"])
    header = ("AUROC, new vs seen production", *(f"{n[:6]}/{s[:8]}" for n, s in results))
    rows = []
    for method in methods:
        cells = []
        for runs in results.values():
            values = [r["auroc"][method] for r in runs]
            cells.append(f"{np.mean(values):.3f} ({np.min(values):.2f})")
        rows.append((method, *cells))
    print("mean over seeds (min in brackets)")
    table(header, rows)

    print(f"the flag (default score, k={K}): rate on new labels / seen production / reference")
    rows = []
    for q in QUANTILES:
        cells = []
        for runs in results.values():
            tpr, fpr, ref = (np.mean([r[f"{w}@{q}"] for r in runs]) for w in ("tpr", "fpr", "ref"))
            cells.append(f"{tpr:.2f} / {fpr:.3f} / {ref:.3f}")
        rows.append((f"quantile {q}{' (default)' if q == 0.95 else ''}", *cells))
    table(("flag", *(f"{n[:6]}/{s[:8]}" for n, s in results)), rows)

    print("per seed, evaluation scenario: ours (default) vs cleanlab")
    for (name, scenario), runs in results.items():
        if scenario != "evaluation":
            continue
        for r in runs:
            print(
                f"  {name} seed {r['seed']} (held out {', '.join(r['held_out'])}; {r['new']} new, "
                f"{r['seen']} seen): ours {r['auroc'][DEFAULT]:.3f}, "
                f"cleanlab {r['auroc'][CLEANLAB]:.3f}, "
                f"flag {r['tpr@0.95']:.0%} of new, {r['fpr@0.95']:.1%} of seen"
            )
    timing = [
        (key, np.mean([r[key] for runs in results.values() for r in runs]) * 1000)
        for key in ("search_s", "ours_s", "mahalanobis_s", "cleanlab_s")
    ]
    print("\ntimings (ms, mean): " + ", ".join(f"{k[:-2]} {v:.0f}" for k, v in timing))

    digit_runs = []
    if not args.no_digits:
        with threadpool_limits(1):
            digit_runs = [digits(seed) for seed in args.seeds]
        print("\ndigits (benchmarks/quality.py's case), AUROC per seed:")
        for key in (DEFAULT, "ours: method=knn (k=10)", CLEANLAB):
            values = [r[key] for r in digit_runs]
            print(f"  {key}: " + " ".join(f"{v:.3f}" for v in values) + f"  min {min(values):.3f}")
        print(
            "  flag at 0.95: "
            + " ".join(f"{r['tpr@0.95']:.0%}/{r['fpr@0.95']:.1%}" for r in digit_runs)
            + " (new / seen)"
        )

    missed = []
    for (name, scenario), runs in results.items():
        if scenario != "evaluation":
            continue
        mean = np.mean([r["auroc"][DEFAULT] for r in runs])
        if mean < 0.80:
            missed.append(f"{name}: default AUROC {mean:.3f} < 0.80")
        behind = [r["seed"] for r in runs if r["auroc"][DEFAULT] < r["auroc"][CLEANLAB]]
        if behind:
            missed.append(f"{name}: behind cleanlab on seeds {behind}")
    if digit_runs and min(r[DEFAULT] for r in digit_runs) < 0.95:
        missed.append("digits: default AUROC < 0.95")
    print()
    if missed:
        print("TARGETS MISSED:\n  " + "\n  ".join(missed))
    else:
        print("all targets met: AUROC >= 0.80 and >= cleanlab's per seed; digits >= 0.95")


if __name__ == "__main__":
    main()
