"""Mislabel and label-next scores on two real text corpora, against cleanlab, in one run.

Not a test: run on demand (``PYTHONPATH=src .venv/bin/python benchmarks/real_scores.py``;
``--seeds 0`` for one seed, ``--corpora debian``). The corpora (Debian package synopses by
Section, Python docstrings by package, all-MiniLM-L6-v2 embeddings) and their split come
from ``benchmarks/corpora.py``: per seed two labels are held out as unlabelled
"production" (with as many rows of seen labels beside them), the rest is split 70/30 into
train and test, and 10% of the training labels are flipped to another seen label.

The space is what a user would log: train (noisy labels), test (true labels) and
production (no label), one cosine kNN graph (k=10) over all of it. Nothing below knows
which labels were flipped or which were held out.

- **mislabels**, on the labelled rows (train + test), top k = the number of flipped labels:
  precision / recall / F1 of ``mislabel_scores``: the neighbourhood alone (no vectors),
  with the linear view of the embeddings (what the analysis job runs), and with
  out-of-fold predictions logged (a ``LogisticRegression`` on the embeddings, 5-fold
  ``cross_val_predict`` over the labelled rows; production rows get the prediction of one
  fitted on all of them). Baselines in the same run, from the same out-of-fold
  probabilities: ``cleanlab.filter.find_label_issues`` (ranked by self-confidence, its top
  k: it may return fewer) and ``get_label_quality_scores`` cut at k. Ties at the top: the
  rows sharing the highest score. The flagged set (rows with a ``suggested_label``, sized
  by ``review_share``): its share of the labelled rows, precision and recall.
- **label next**: ``label_next`` as the analysis job runs it (``label_next_signals``), its
  top 200 among all rows: the share that are production rows of a held-out label or
  flipped training rows, against the expected share of a random pick of 200 (the base
  rate), with and without the logged predictions; and among the unlabelled rows only
  (``candidate_rows="unlabelled"``), the share of new-category rows against theirs among
  all unlabelled rows.

About a minute a seed and corpus here (the cross-validation dominates); the corpora's
embeddings are cached by ``corpora.py``.
"""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path
from typing import Any

import numpy as np
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import cross_val_predict
from threadpoolctl import threadpool_limits

sys.path.insert(0, str(Path(__file__).resolve().parent))

import corpora  # a sibling module, not a package
from chroma.compute.analyses.label_next import (
    candidate_rows,
    label_next,
    label_next_signals,
)
from chroma.compute.analyses.mislabels import mislabel_scores
from chroma.compute.neighbours import knn_graph
from report import table

K = 10
METRIC = "cosine"
PICKS = 200


class Space:
    """One seed's case as the analyses see it: rows train, test, production."""

    def __init__(self, case: corpora.Case) -> None:
        corpus = case.corpus
        self.case = case
        self.rows = np.concatenate([case.train, case.test, case.production])
        self.vectors = corpus.vectors[self.rows]
        n_train, n_test = len(case.train), len(case.test)
        self.labels = np.empty(len(self.rows), dtype=object)
        self.labels[:n_train] = case.noisy
        self.labels[n_train : n_train + n_test] = corpus.labels[case.test]
        self.labelled = np.zeros(len(self.rows), dtype=bool)
        self.labelled[: n_train + n_test] = True
        self.flipped = np.zeros(len(self.rows), dtype=bool)
        self.flipped[:n_train] = case.flipped
        self.new = np.zeros(len(self.rows), dtype=bool)
        self.new[n_train + n_test :] = case.production_new
        self.graph = knn_graph(self.vectors, K, metric=METRIC)

    def out_of_fold(self) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """Codes of the labelled rows, their out-of-fold probabilities, and every row's
        logged prediction and its probability (production: a model fitted on all labels)."""
        labelled = np.flatnonzero(self.labelled)
        classes, codes = np.unique(self.labels[labelled].astype(str), return_inverse=True)
        model = LogisticRegression(max_iter=2000)
        proba = np.empty((len(self.rows), len(classes)))
        proba[labelled] = cross_val_predict(
            model, self.vectors[labelled], codes, cv=5, method="predict_proba"
        )
        rest = np.flatnonzero(~self.labelled)
        proba[rest] = model.fit(self.vectors[labelled], codes).predict_proba(self.vectors[rest])
        return codes, proba[labelled], proba_to_logged(proba, classes)


def proba_to_logged(proba: np.ndarray, classes: np.ndarray) -> np.ndarray:
    """What a user logs per row: the predicted class and its probability (a pair per row)."""
    logged = np.empty((len(proba), 2), dtype=object)
    logged[:, 0] = classes[proba.argmax(axis=1)].astype(object)
    logged[:, 1] = proba.max(axis=1)
    return logged


def precision_recall_f1(picked: np.ndarray, truth: np.ndarray) -> tuple[float, float, float]:
    hits = int(truth[picked].sum())
    precision = hits / len(picked) if len(picked) else 0.0
    recall = hits / max(int(truth.sum()), 1)
    f1 = 2 * precision * recall / (precision + recall) if hits else 0.0
    return precision, recall, f1


def top_k(score: np.ndarray, k: int) -> np.ndarray:
    return np.argsort(-np.nan_to_num(score, nan=-np.inf), kind="stable")[:k]


def top_ties(score: np.ndarray) -> int:
    finite = score[np.isfinite(score)]
    return int((finite == finite.max()).sum()) if len(finite) else 0


def bench_mislabels(space: Space, logged: np.ndarray, out: dict[str, Any], **options: Any) -> None:
    k = int(space.flipped.sum())
    rows, dist = space.graph
    variants = {
        "alone": {},
        "knn": {"vectors": space.vectors},
        "oof": {"vectors": space.vectors, **predicted(logged)},
    }
    for name, extra in variants.items():
        started = time.perf_counter()
        result = mislabel_scores(space.labels, rows, dist, **extra, **options)
        out[f"{name}_s"] = time.perf_counter() - started
        out[name] = precision_recall_f1(top_k(result.score, k), space.flipped)
        out[f"{name}_ties"] = top_ties(result.score)
        flagged = np.flatnonzero(np.array([s is not None for s in result.suggested]))
        flagged = flagged[space.labelled[flagged]]
        out[f"{name}_flag_share"] = len(flagged) / int(space.labelled.sum())
        out[f"{name}_flag"] = precision_recall_f1(flagged, space.flipped)


def predicted(logged: np.ndarray) -> dict[str, np.ndarray]:
    return {
        "predictions": logged[:, 0].copy(),
        "prediction_scores": logged[:, 1].astype(np.float32),
    }


def bench_cleanlab(space: Space, codes: np.ndarray, oof: np.ndarray, out: dict[str, Any]) -> None:
    from cleanlab.filter import find_label_issues
    from cleanlab.rank import get_label_quality_scores

    k = int(space.flipped.sum())
    truth = space.flipped[space.labelled]
    started = time.perf_counter()
    ranked = find_label_issues(codes, oof, return_indices_ranked_by="self_confidence")
    out["cleanlab_s"] = time.perf_counter() - started
    out["cleanlab_found"] = len(ranked)
    out["cleanlab"] = precision_recall_f1(ranked[:k], truth)
    quality = get_label_quality_scores(codes, oof)
    out["cleanlab_rank"] = precision_recall_f1(np.argsort(quality, kind="stable")[:k], truth)


def bench_label_next(space: Space, logged: np.ndarray, out: dict[str, Any]) -> None:
    rows, dist = space.graph
    wanted = space.new | space.flipped
    out["ln_random"] = float(wanted.mean())
    for name, extra in {"knn": {}, "oof": predicted(logged)}.items():
        signals = label_next_signals(space.labels, rows, dist, vectors=space.vectors, **extra)
        picks = label_next(
            size=PICKS, neighbours=rows, candidates=np.ones(len(rows), dtype=bool), **signals
        )
        out[f"ln_{name}"] = float(wanted[picks.order].mean())
        out[f"ln_{name}_new"] = float(space.new[picks.order].mean())
        out[f"ln_{name}_unlabelled"] = float((~space.labelled[picks.order]).mean())
        # among the unlabelled rows only (candidate_rows="unlabelled"): the new categories
        unlabelled = candidate_rows(space.labels, "unlabelled")
        picks = label_next(size=PICKS, neighbours=rows, candidates=unlabelled, **signals)
        out[f"lnu_{name}"] = float(space.new[picks.order].mean())
        out["lnu_random"] = float(space.new[unlabelled].mean())


def run(corpus: corpora.Corpus, seed: int) -> dict[str, Any]:
    started = time.perf_counter()
    case = corpora.split(corpus, seed)
    space = Space(case)
    out: dict[str, Any] = {
        "corpus": corpus.name,
        "seed": seed,
        "held_out": case.held_out,
        "rows": len(space.rows),
        "flipped": int(space.flipped.sum()),
        "labelled": int(space.labelled.sum()),
    }
    cv_started = time.perf_counter()
    codes, oof, logged = space.out_of_fold()
    out["cv_s"] = time.perf_counter() - cv_started
    bench_mislabels(space, logged, out)
    bench_cleanlab(space, codes, oof, out)
    bench_label_next(space, logged, out)
    out["total_s"] = time.perf_counter() - started
    return out


# --- report ---------------------------------------------------------------------------------


def report(name: str, runs: list[dict[str, Any]]) -> list[str]:
    """Print one corpus's tables; return the targets it missed."""
    heads = tuple(f"seed {r['seed']}" for r in runs)
    print(f"== {name}: " + "; ".join(f"seed {r['seed']} holds out {r['held_out']}" for r in runs))
    print(
        f"   {runs[0]['rows']:,} rows, {runs[0]['labelled']:,} labelled, "
        f"{runs[0]['flipped']} flipped (seed {runs[0]['seed']})\n"
    )
    print("mislabels: top k = flipped labels; precision / recall / F1")
    methods = [
        ("ours: neighbours only (no vectors)", "alone"),
        ("ours: neighbours + linear view (no model)", "knn"),
        ("ours: ... + out-of-fold predictions", "oof"),
        ("cleanlab find_label_issues (top k)", "cleanlab"),
        ("cleanlab quality-score ranking (top k)", "cleanlab_rank"),
    ]
    rows = []
    for label, key in methods:
        f1 = [r[key][2] for r in runs]
        cells = [f"{r[key][0]:.2f}/{r[key][1]:.2f}/{r[key][2]:.3f}" for r in runs]
        rows.append((label, *cells, f"{np.mean(f1):.3f}", f"{np.min(f1):.3f}"))
    table(("method", *heads, "mean F1", "min F1"), rows)
    figures = [
        ("rows tied at the top score, neighbours only", "alone_ties", "d"),
        ("  with the linear view", "knn_ties", "d"),
        ("  with out-of-fold predictions", "oof_ties", "d"),
        ("flagged (suggestion) share, no model", "knn_flag_share", ".1%"),
        ("  precision", ("knn_flag", 0), ".2f"),
        ("  recall", ("knn_flag", 1), ".2f"),
        ("flagged share, with predictions", "oof_flag_share", ".1%"),
        ("  precision", ("oof_flag", 0), ".2f"),
        ("  recall", ("oof_flag", 1), ".2f"),
        ("cleanlab find_label_issues: issues returned", "cleanlab_found", "d"),
        (f"label next top {PICKS}: new or flipped, no model", "ln_knn", ".1%"),
        ("  of which unlabelled (production)", "ln_knn_unlabelled", ".1%"),
        ("  with predictions", "ln_oof", ".1%"),
        ("  of which unlabelled (production)", "ln_oof_unlabelled", ".1%"),
        ("  a random pick (base rate)", "ln_random", ".1%"),
        (f"label next, unlabelled only: top {PICKS} new, no model", "lnu_knn", ".1%"),
        ("  with predictions", "lnu_oof", ".1%"),
        ("  a random unlabelled pick (base rate)", "lnu_random", ".1%"),
    ]
    rows = []
    for label, key, spec in figures:
        values = [r[key[0]][key[1]] if isinstance(key, tuple) else r[key] for r in runs]
        mean = format(float(np.mean(values)), spec.replace("d", ".1f"))
        rows.append((label, *(format(v, spec) for v in values), mean, format(min(values), spec)))
    table(("figure", *heads, "mean", "min"), rows)
    timings = [
        ("ours: mislabel_scores, neighbours only", "alone_s"),
        ("ours: mislabel_scores, + linear view", "knn_s"),
        ("ours: mislabel_scores, + predictions", "oof_s"),
        ("cleanlab: LogisticRegression 5-fold", "cv_s"),
        ("cleanlab: find_label_issues", "cleanlab_s"),
    ]
    rows = []
    for label, key in timings:
        values = [r[key] * 1000 for r in runs]
        rows.append((label, *(f"{v:.1f}" for v in values), f"{np.mean(values):.1f}"))
    table(("timing (ms)", *heads, "mean"), rows)

    missed = []
    best = max(np.mean([r[key][2] for r in runs]) for key in ("cleanlab", "cleanlab_rank"))
    for key in ("knn", "oof"):  # as the job runs it: with the vectors
        ours = np.mean([r[key][2] for r in runs])
        if ours < best:
            missed.append(f"{name}: mislabel F1 ({key}) {ours:.3f} < cleanlab's best {best:.3f}")
    for key in ("ln_knn", "ln_oof"):
        ours, base = np.mean([r[key] for r in runs]), np.mean([r["ln_random"] for r in runs])
        if ours < 1.5 * base:
            missed.append(f"{name}: {key} {ours:.1%} < 1.5x a random pick's {base:.1%}")
    return missed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1, 2])
    parser.add_argument("--corpora", nargs="+", default=["debian", "docstrings"])
    args = parser.parse_args()
    warnings.filterwarnings("ignore")  # scikit-learn's convergence notes
    missed: list[str] = []
    for name in args.corpora:
        corpus = corpora.load(name)
        runs = []
        for seed in args.seeds:
            # One BLAS thread: ours and cleanlab's under the same limit (see quality.py).
            with threadpool_limits(1):
                runs.append(run(corpus, seed))
            print(f"{name} seed {seed}: {runs[-1]['total_s']:.1f} s", flush=True)
        print()
        missed += report(name, runs)
    if missed:
        print("TARGETS MISSED:\n  " + "\n  ".join(missed))
    else:
        print(
            "all targets met: mislabel F1 >= cleanlab's best with and without predictions, "
            "label next >= 1.5x a random pick"
        )


if __name__ == "__main__":
    main()
