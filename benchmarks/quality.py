"""Quality-analysis benchmark: mislabels (against cleanlab), OOD, duplicates, on real digits.

Not a test: run on demand (`make bench-quality`, or `.venv/bin/python benchmarks/quality.py
--seeds 0` for one seed). Offline: scikit-learn's bundled digits (1,797 8x8 images).

Per seed: two digit classes are held out of training entirely (drawn with the seed,
printed); the rest is split 70/30 into train and test; 10% of the *training* labels are
flipped to another seen class. A small model, an MLP (128 ReLU units, scikit-learn,
L2 penalty 1e-3, ~2 s), is trained on the noisy labels; its hidden layer is the embedding
of train, test and "production" (the held-out classes plus as many test digits of seen
classes). The model does not memorise the flips (it fits ~90% of the noisy labels, printed
per seed); ``--memorise`` trains one that does (~100%, ~10 s a seed), a stress test: its
embeddings pull the flipped rows towards their wrong class and its logged predictions
confirm the wrong labels. Nothing below knows which labels were flipped or which classes
were held out.

- **mislabels**: ``mislabel_scores`` on the train rows (cosine kNN graph, k=10, from
  ``knn_graph``; labels = the noisy labels; the embeddings for its linear view, as the
  analysis job passes them), top k = the number of flipped labels:
  precision, recall, F1. Three variants: the neighbourhood alone; with the model's
  predictions on its own training rows (in-sample: what a user logs after training, the
  headline figure); with out-of-fold predictions (those cleanlab gets). Baseline, same run:
  ``cleanlab.filter.find_label_issues`` with out-of-fold probabilities of a
  ``LogisticRegression`` on the same embeddings (5-fold ``cross_val_predict``), ranked by
  self-confidence, its top k (it may return fewer: then that is its answer); and, for
  fairness, cleanlab's ``get_label_quality_scores`` ranking cut at k. Target: ours F1 >=
  cleanlab's.
- **OOD**: ``outlier_scores`` with reference = train, on the production rows: AUROC of
  held-out digits against seen ones, for ``knn_distance`` and ``density_score``, and the
  OOD flag's rate on each. Target: AUROC >= 0.95.
- **duplicates**: copies of 60 random rows of the whole space (train, test, production),
  20 exact, 20 near (Gaussian pixel noise, sd 1% of the range, then embedded: a re-encoded
  image) and 20 noisier (2%: reported, no target); ``duplicate_groups`` at
  ``suggest_threshold`` (derived from the data, blind to the copies): recall of exact and
  near pairs found in one group, the share of groups holding no injected pair (false
  groups), and the margins: the farthest exact/near pair and the closest pair that is no
  copy, over the threshold. Target: recall >= 0.99.
- **class distance** (sanity): AUROC of each train row's own-class distance,
  flipped rows against clean ones.
- **clusters / drift / label next** (sanity, no target): HDBSCAN on the space; the share of
  held-out digits in the cluster ``cluster_drift`` ranks first between train and
  production; the share of held-out digits among ``label_next``'s 50 production picks
  (outlier signal only, with diversity).

Timings are per call of ours (the kNN graph apart) and cleanlab's (its cross-validation
apart), with one BLAS thread throughout. About 15 s for the five default seeds.
"""

from __future__ import annotations

import argparse
import time
import warnings
from dataclasses import dataclass
from typing import Any

import numpy as np
from sklearn.datasets import load_digits
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import roc_auc_score
from sklearn.model_selection import cross_val_predict
from sklearn.neural_network import MLPClassifier
from threadpoolctl import threadpool_limits

from chroma.compute.analyses.class_distance import class_distances
from chroma.compute.analyses.clusters import cluster_drift, density_clusters
from chroma.compute.analyses.duplicates import duplicate_groups, suggest_threshold
from chroma.compute.analyses.label_next import label_next
from chroma.compute.analyses.mislabels import mislabel_scores
from chroma.compute.analyses.outliers import outlier_scores
from chroma.compute.neighbours import exact_search, knn_graph
from report import table  # a sibling module

K = 10
METRIC = "cosine"
NOISE = 0.10
COPIES = 20  # per tier: exact copies, near copies, noisier copies
NEAR_NOISE = 0.01  # pixel noise (sd) of a near copy, as a share of the pixel range
FAR_NOISE = 0.02  # and of a noisier copy (reported, no target)


@dataclass
class Case:
    seed: int
    held_out: list[int]
    train_x: np.ndarray
    noisy: np.ndarray
    truth: np.ndarray
    """The true training labels: for scoring only, never given to a method."""
    flipped: np.ndarray
    test_x: np.ndarray
    prod_x: np.ndarray
    prod_held: np.ndarray
    classes: np.ndarray
    model: MLPClassifier
    fit_seconds: float

    def embed(self, pixels: np.ndarray) -> np.ndarray:
        hidden = pixels
        for weights, bias in zip(self.model.coefs_[:-1], self.model.intercepts_[:-1], strict=True):
            hidden = np.maximum(hidden @ weights + bias, 0)
        return hidden.astype(np.float32)


MEMORISE = {"alpha": 1e-6, "max_iter": 2000, "tol": 1e-7, "n_iter_no_change": 200}
"""``--memorise``: train until the model fits (nearly) every noisy label, flips included."""


def make_case(seed: int, memorise: bool = False) -> Case:
    rng = np.random.default_rng(seed)
    pixels, digits = load_digits(return_X_y=True)
    pixels = pixels / 16.0
    held_out = np.sort(rng.choice(10, 2, replace=False))
    classes = np.setdiff1d(np.arange(10), held_out)
    seen = np.flatnonzero(~np.isin(digits, held_out))
    shuffled = rng.permutation(seen)
    cut = int(0.7 * len(shuffled))
    train, test = np.sort(shuffled[:cut]), np.sort(shuffled[cut:])
    noisy = digits[train].copy()
    flip = rng.choice(len(train), round(NOISE * len(train)), replace=False)
    for row in flip:
        noisy[row] = rng.choice(classes[classes != noisy[row]])
    flipped = np.zeros(len(train), dtype=bool)
    flipped[flip] = True
    held_rows = np.flatnonzero(np.isin(digits, held_out))
    seen_prod = rng.choice(test, len(held_rows), replace=False)
    prod = np.concatenate([held_rows, seen_prod])
    started = time.perf_counter()
    model = MLPClassifier(hidden_layer_sizes=(128,), alpha=1e-3, max_iter=300, random_state=seed)
    if memorise:
        model.set_params(**MEMORISE)
    model.fit(pixels[train], noisy)
    return Case(
        seed=seed,
        held_out=held_out.tolist(),
        train_x=pixels[train],
        noisy=noisy,
        truth=digits[train],
        flipped=flipped,
        test_x=pixels[np.setdiff1d(test, seen_prod)],
        prod_x=pixels[prod],
        prod_held=np.r_[np.ones(len(held_rows), bool), np.zeros(len(seen_prod), bool)],
        classes=classes,
        model=model,
        fit_seconds=time.perf_counter() - started,
    )


def names(values: np.ndarray) -> np.ndarray:
    return np.array([str(v) for v in values], dtype=object)


def precision_recall_f1(top: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    hits = int(truth[top].sum())
    precision = hits / len(top) if len(top) else 0.0
    recall = hits / int(truth.sum())
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def top_k(score: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-np.nan_to_num(score, nan=-np.inf), kind="stable")[:k]


def bench_mislabels(case: Case, out: dict[str, Any]) -> None:
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    vectors = case.embed(case.train_x)
    labels = names(case.noisy)
    k = int(case.flipped.sum())
    rows, dist = knn_graph(vectors, K, metric=METRIC)
    proba = case.model.predict_proba(case.train_x)
    codes = np.searchsorted(case.classes, case.noisy)
    started = time.perf_counter()
    oof = cross_val_predict(
        LogisticRegression(max_iter=2000), vectors, codes, cv=5, method="predict_proba"
    )
    out["cv_s"] = time.perf_counter() - started
    variants: dict[str, dict[str, np.ndarray]] = {
        "knn": {},
        "logged": {
            "predictions": names(case.model.classes_[proba.argmax(axis=1)]),
            "prediction_scores": proba.max(axis=1).astype(np.float32),
        },
        "oof": {
            "predictions": names(case.classes[oof.argmax(axis=1)]),
            "prediction_scores": oof.max(axis=1).astype(np.float32),
        },
    }
    for name, extra in variants.items():
        started = time.perf_counter()
        result = mislabel_scores(labels, rows, dist, vectors=vectors, **extra)
        out[f"ours_{name}_s"] = time.perf_counter() - started
        top = top_k(result.score, k)
        out[f"ours_{name}"] = precision_recall_f1(top, case.flipped)
        if name == "logged":  # of the flipped rows found, how many get their true label back
            found = top[case.flipped[top]]
            out["suggested_right"] = float(
                np.mean(result.suggested[found] == names(case.truth[found]))
            )
    started = time.perf_counter()
    ranked = find_label_issues(codes, oof, return_indices_ranked_by="self_confidence")
    out["cleanlab_s"] = time.perf_counter() - started
    out["cleanlab_found"] = len(ranked)
    out["cleanlab"] = precision_recall_f1(ranked[:k], case.flipped)
    quality = get_label_quality_scores(codes, oof)
    out["cleanlab_rank"] = precision_recall_f1(np.argsort(quality, kind="stable")[:k], case.flipped)
    out["train_fit"] = float((case.model.predict(case.train_x) == case.noisy).mean())
    out["flipped"] = k
    out["train_rows"] = len(case.noisy)

    started = time.perf_counter()
    distances = class_distances(vectors, labels, np.ones(len(labels), dtype=bool))
    out["class_s"] = time.perf_counter() - started
    out["class_auroc"] = float(roc_auc_score(case.flipped, distances.own_distance))


def reference_lists(
    reference: np.ndarray, everything: np.ndarray, n_reference: int
) -> tuple[np.ndarray, np.ndarray]:
    """Neighbour lists of every row among the reference rows (the first ``n_reference``
    rows of ``everything``), self excluded, as row positions into ``everything``."""
    rows, dist = exact_search(reference, everything, K + 1, metric=METRIC)
    own = np.r_[np.arange(n_reference), np.full(len(everything) - n_reference, -2)]
    is_self = rows == own[:, None]
    is_self[~is_self.any(axis=1), -1] = True  # not listed: drop the farthest instead
    keep = ~is_self
    return rows[keep].reshape(len(rows), K), dist[keep].reshape(len(rows), K)


def bench_ood(case: Case, out: dict[str, Any]) -> None:
    train = case.embed(case.train_x)
    prod = case.embed(case.prod_x)
    everything = np.vstack([train, prod])
    reference = np.r_[np.ones(len(train), bool), np.zeros(len(prod), bool)]
    rows, dist = reference_lists(train, everything, len(train))
    started = time.perf_counter()
    result = outlier_scores(rows, dist, reference, k=K)
    out["ood_s"] = time.perf_counter() - started
    on_prod = slice(len(train), None)
    out["ood_auroc_knn"] = float(roc_auc_score(case.prod_held, result.knn_distance[on_prod]))
    out["ood_auroc_lof"] = float(roc_auc_score(case.prod_held, result.density_score[on_prod]))
    flags = result.ood[on_prod]
    out["ood_flag_held"] = float(flags[case.prod_held].mean())
    out["ood_flag_seen"] = float(flags[~case.prod_held].mean())
    out["ood_flag_train"] = float(result.ood[: len(train)].mean())

    # Drift and what to label next on the same space: the held-out digits are what moved.
    test = case.embed(case.test_x)
    space = np.vstack([train, test, prod])
    dataset = np.r_[np.zeros(len(train)), np.ones(len(test)), np.full(len(prod), 2)].astype(
        np.int32
    )
    started = time.perf_counter()
    cluster = density_clusters(space)
    out["cluster_s"] = time.perf_counter() - started
    out["clusters"] = int(cluster.max() + 1)
    drift = cluster_drift(cluster, dataset, 0, 2)
    top = cluster[len(train) + len(test) :] == drift[0]["cluster"]
    out["drift_top_held"] = float(case.prod_held[top].mean()) if top.any() else float("nan")
    graph, _ = knn_graph(space, K, metric=METRIC)
    outlier = np.r_[np.full(len(train) + len(test), np.nan), result.density_score[on_prod]]
    started = time.perf_counter()
    picks = label_next(
        size=50,
        uncertainty=None,
        mislabel=None,
        outlier=outlier.astype(np.float32),
        neighbours=graph,
        candidates=dataset == 2,
    )
    out["label_next_s"] = time.perf_counter() - started
    out["label_next_held"] = float(case.prod_held[picks.order - len(train) - len(test)].mean())
    out["label_next_adjacent"] = adjacent_share(picks.order, graph)
    plain = label_next(
        size=50,
        uncertainty=None,
        mislabel=None,
        outlier=outlier.astype(np.float32),
        neighbours=graph,
        candidates=dataset == 2,
        weights={"diversity": 0},
    )
    out["label_next_adjacent_plain"] = adjacent_share(plain.order, graph)


def adjacent_share(order: np.ndarray, graph: np.ndarray) -> float:
    """Share of picks that neighbour (either way) an earlier pick: redundancy."""
    adjacent = 0
    for i, row in enumerate(order.tolist()):
        earlier = order[:i]
        adjacent += bool(np.isin(graph[row], earlier).any() or (graph[earlier] == row).any())
    return adjacent / len(order)


def bench_duplicates(case: Case, out: dict[str, Any]) -> None:
    """Copies of random rows, in three tiers of COPIES each: exact, near (NEAR_NOISE) and
    noisier (FAR_NOISE, reported, no target), put into random datasets."""
    rng = np.random.default_rng(1000 + case.seed)
    pixels = np.vstack([case.train_x, case.test_x, case.prod_x])
    sources = rng.choice(len(pixels), 3 * COPIES, replace=False)
    copies = pixels[sources].copy()
    noise = np.repeat([0.0, NEAR_NOISE, FAR_NOISE], COPIES)[:, None]
    copies += rng.normal(0, 1, size=copies.shape) * noise
    everything = np.vstack([pixels, copies])
    vectors = case.embed(everything)
    started = time.perf_counter()
    rows, dist = knn_graph(vectors, K, metric=METRIC)
    out["dup_graph_s"] = time.perf_counter() - started
    threshold = suggest_threshold(dist, metric=METRIC)
    started = time.perf_counter()
    result = duplicate_groups(rows, dist, threshold=threshold)
    out["dup_s"] = time.perf_counter() - started
    copy_rows = np.arange(len(pixels), len(everything))
    same = (result.group[sources] >= 0) & (result.group[sources] == result.group[copy_rows])
    tiers = {"exact": slice(0, COPIES), "near": slice(COPIES, 2 * COPIES)}
    for name, part in tiers.items():
        out[f"dup_recall_{name}"] = float(same[part].mean())
    out["dup_recall"] = float(same[: 2 * COPIES].mean())  # the target: exact and near
    out["dup_recall_far"] = float(same[2 * COPIES :].mean())
    injected = set(result.group[sources[same]].tolist())
    out["dup_groups"] = len(result.groups)
    out["dup_false_rate"] = 1 - len(injected) / len(result.groups) if result.groups else 0.0
    out["dup_threshold"] = threshold
    # Margins, against the truth the method did not see: the farthest exact-or-near pair
    # over the threshold (< 1: found), and the closest pair that is not a copy (> 1: kept
    # apart).
    gap = 1 - np.einsum(
        "ij,ij->i", unit(vectors[sources]), unit(vectors[copy_rows]), dtype=np.float64
    )
    out["dup_farthest_copy"] = float(gap[: 2 * COPIES].max()) / threshold
    pair = np.full(len(everything), -1, dtype=np.int64)
    pair[sources] = pair[copy_rows] = np.arange(len(sources))
    other = pair[np.maximum(rows, 0)]
    distinct = (rows >= 0) & ((pair[:, None] < 0) | (pair[:, None] != other))
    out["dup_closest_distinct"] = float(dist[distinct].min()) / threshold


def unit(vectors: np.ndarray) -> np.ndarray:
    return vectors / np.maximum(np.linalg.norm(vectors, axis=1, keepdims=True), 1e-12)


def run(seed: int, memorise: bool = False) -> dict[str, Any]:
    started = time.perf_counter()
    case = make_case(seed, memorise)
    out: dict[str, Any] = {"seed": seed, "held_out": case.held_out, "fit_s": case.fit_seconds}
    bench_mislabels(case, out)
    bench_ood(case, out)
    bench_duplicates(case, out)
    out["total_s"] = time.perf_counter() - started
    return out


# --- report ---------------------------------------------------------------------------------


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2, 3, 4])
    parser.add_argument("--seed", type=int, help="one seed only (same as --seeds N)")
    parser.add_argument(
        "--memorise",
        action="store_true",
        help="a stress test: train the model until it fits the flipped labels too",
    )
    args = parser.parse_args()
    seeds = [args.seed] if args.seed is not None else args.seeds
    warnings.filterwarnings("ignore")  # the MLP's convergence notes

    runs = []
    for seed in seeds:
        # One BLAS thread: every matrix here is small, and threads only fight each other
        # (and the machine's other work); ours and cleanlab's run under the same limit.
        with threadpool_limits(1):
            got = run(seed, args.memorise)
        runs.append(got)
        print(
            f"seed {seed}: held-out digits {got['held_out']}, {got['flipped']} of "
            f"{got['train_rows']} training labels flipped, the model fits "
            f"{got['train_fit']:.1%} of the noisy labels ({got['total_s']:.1f} s)",
            flush=True,
        )
    print()

    print("mislabels: top k = flipped labels; precision / recall / F1")
    methods = [
        ("ours: kNN + logged predictions", "ours_logged"),
        ("ours: kNN only", "ours_knn"),
        ("ours: kNN + out-of-fold predictions", "ours_oof"),
        ("cleanlab find_label_issues (top k)", "cleanlab"),
        ("cleanlab quality-score ranking (top k)", "cleanlab_rank"),
    ]
    rows = []
    for label, key in methods:
        f1 = [r[key][2] for r in runs]
        cells = [f"{r[key][0]:.2f}/{r[key][1]:.2f}/{r[key][2]:.3f}" for r in runs]
        rows.append((label, *cells, f"{np.mean(f1):.3f}", f"{np.min(f1):.3f}"))
    table(("method", *(f"seed {r['seed']}" for r in runs), "mean F1", "min F1"), rows)
    print(
        "cleanlab's find_label_issues returned "
        + ", ".join(str(r["cleanlab_found"]) for r in runs)
        + " issues for "
        + ", ".join(str(r["flipped"]) for r in runs)
        + " flipped labels; ours suggested the true label for "
        + ", ".join(f"{r['suggested_right']:.0%}" for r in runs)
        + " of the flipped rows it found\n"
    )

    figures = [
        ("OOD AUROC, knn_distance", "ood_auroc_knn", ".3f"),
        ("OOD AUROC, density_score (LOF)", "ood_auroc_lof", ".3f"),
        ("OOD flag rate: held-out digits", "ood_flag_held", ".1%"),
        ("OOD flag rate: seen digits (production)", "ood_flag_seen", ".1%"),
        ("OOD flag rate: train (reference)", "ood_flag_train", ".1%"),
        ("duplicates: recall, exact + near pairs", "dup_recall", ".3f"),
        ("duplicates: recall, exact copies", "dup_recall_exact", ".3f"),
        ("duplicates: recall, near copies (1% noise)", "dup_recall_near", ".3f"),
        ("duplicates: recall, noisier copies (2%)", "dup_recall_far", ".3f"),
        ("duplicates: groups found", "dup_groups", "d"),
        ("duplicates: false group rate", "dup_false_rate", ".3f"),
        ("duplicates: threshold (suggest_threshold)", "dup_threshold", ".2e"),
        ("  farthest exact/near pair / threshold", "dup_farthest_copy", ".3f"),
        ("  closest other pair / threshold", "dup_closest_distinct", ".2f"),
        ("class distance AUROC, flipped vs clean", "class_auroc", ".3f"),
        ("clusters (HDBSCAN, whole space)", "clusters", "d"),
        ("held-out share, top drift cluster", "drift_top_held", ".2f"),
        ("label_next (outlier + diversity): held-out share", "label_next_held", ".2f"),
        ("label_next: picks next to an earlier pick", "label_next_adjacent", ".2f"),
        ("  the same without diversity", "label_next_adjacent_plain", ".2f"),
    ]
    rows = []
    for label, key, spec in figures:
        values = [r[key] for r in runs]
        mean = format(float(np.mean(values)), spec.replace("d", ".1f"))
        rows.append((label, *(format(v, spec) for v in values), mean, format(min(values), spec)))
    table(("figure", *(f"seed {r['seed']}" for r in runs), "mean", "min"), rows)

    timings = [
        ("model fit (MLP, 128 units)", "fit_s"),
        ("ours: mislabel_scores, logged", "ours_logged_s"),
        ("cleanlab: LogisticRegression 5-fold", "cv_s"),
        ("cleanlab: find_label_issues", "cleanlab_s"),
        ("ours: class_distances (train)", "class_s"),
        ("ours: outlier_scores", "ood_s"),
        ("ours: density_clusters", "cluster_s"),
        ("ours: label_next", "label_next_s"),
        ("knn_graph for duplicates", "dup_graph_s"),
        ("ours: duplicate_groups", "dup_s"),
    ]
    rows = []
    for label, key in timings:
        values = [r[key] * 1000 for r in runs]
        rows.append((label, *(f"{v:.1f}" for v in values), f"{np.mean(values):.1f}"))
    table(("timing (ms)", *(f"seed {r['seed']}" for r in runs), "mean"), rows)

    missed = []
    ours = [r["ours_logged"][2] for r in runs]
    theirs = [r["cleanlab"][2] for r in runs]
    if np.mean(ours) < np.mean(theirs):
        missed.append(f"mislabel F1 {np.mean(ours):.3f} < cleanlab's {np.mean(theirs):.3f} (mean)")
    for key in ("ood_auroc_knn", "ood_auroc_lof"):
        low = min(r[key] for r in runs)
        if low < 0.95:
            missed.append(f"{key}: min {low:.3f} < 0.95")
    low = min(r["dup_recall"] for r in runs)
    if low < 0.99:
        missed.append(f"duplicate recall: min {low:.3f} < 0.99")
    if missed:
        print("TARGETS MISSED:\n  " + "\n  ".join(missed))
    else:
        print("all targets met: mislabel F1 >= cleanlab's, OOD AUROC >= 0.95, dup recall >= 0.99")


if __name__ == "__main__":
    main()
