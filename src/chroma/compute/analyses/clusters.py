"""Density clusters (HDBSCAN), what each one is, and drift between datasets.

- :func:`density_clusters`: scikit-learn's HDBSCAN (Campello, Moulavi & Sander, 2013):
  clusters of any shape and density, a "noise" answer for points in no cluster, and one
  parameter that means something to a user (the smallest group worth calling a cluster).
  Its exact minimum spanning tree costs ``O(m^2 d)`` (18 s at 50k 2-D points here), so
  above :data:`SAMPLE` points (:data:`SAMPLE_WIDE` when wider than 2-D) it is fitted on a
  random sample and every other point takes the
  cluster of its nearest sampled point, unless it lies farther from it than that point's
  core distance (then it is noise, as HDBSCAN would have said of a point that sparse).
  1M 2-D points: 8 s; 100k x 50 (reduced to 16): 6-12 s.
- :func:`describe_clusters`: per cluster, its dominant labels, the model's error rate,
  its most common metadata values and datasets, and its most distinctive words, by
  class-based TF-IDF (Grootendorst, 2022, "BERTopic": each cluster's texts are one
  document, a word weighs its share in the cluster times ``log(1 + A / f)``, ``A`` the
  average cluster size and ``f`` the word's frequency everywhere, noise included as a
  background class); and a one-line ``description`` that names labels only when enough of
  the cluster is labelled (:data:`MIN_COVERAGE`, :data:`MIN_LABELLED`), else says it is
  (mostly) unlabelled and falls back to its dataset, words and metadata.
- :func:`cluster_drift`: how each cluster's share of a dataset moved between two datasets,
  grown clusters first, then shrunk ones: signed, never interleaved.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from chroma.core.errors import InvalidInput

from ._common import F32, I64, check_length, label_codes

SAMPLE = 20_000
"""Points HDBSCAN is fitted on, for a 2-D map; the rest are assigned (2.4 s at 20k points
here, growing as m^2)."""
SAMPLE_WIDE = 10_000
"""The same for wider points, where each distance costs more (1.9 s at 10k x 16)."""
MIN_SAMPLES = 10
"""HDBSCAN's density smoothing (its ``min_samples``), capped at ``min_cluster_size``."""
MAX_DIMS = 16
"""Wider points are first reduced by PCA to this many dimensions. Density estimates
degrade with dimension and HDBSCAN's cost grows with it (28 s at 20k x 50, 3.8 s at
20k x 10); on a 50-cluster mixture, 16 dimensions cluster best of 5, 10, 16 and 50."""
TEXTS_PER_CLUSTER = 2_000
"""Texts sampled per cluster for its words: the ranking is stable long before that."""
TEXT_BUDGET = 100_000
"""Texts tokenised in all (per cluster: this over the number of clusters, at least 100):
tokenising is Python, ~19 us a text, and 1M texts would take 20 s for no better words."""
MIN_COVERAGE = 0.5
"""A cluster's labels describe it only when at least this share of its rows is labelled.
Measured on two real text corpora with whole categories held out unlabelled
(``benchmarks/real_ood.py --clusters``: UMAP maps, HDBSCAN at three sizes, 1,098 clusters):
where under half a cluster was labelled, its labelled rows' top label was the cluster's
true majority 13-48% of the time ("libs 100%" from 2 of 300 rows); at half or more, 88-97%
(96% of the 950 clusters the rule names, 32% of the 148 it withholds)."""
MIN_LABELLED = 5
"""...and at least this many of its rows (all of them, in a smaller cluster): fewer is a
handful whatever the share (common sense; every measured cluster at half labelled or more
had 5 labelled rows or more)."""


def default_min_cluster_size(n: int) -> int:
    """Half the square root of the number of points, at least 5: 16 at 1,000 points,
    158 at 100k, 500 at 1M; small enough for a class of a thousand-point dataset, large
    enough that a million-point map yields tens to hundreds of clusters, not thousands."""
    return max(5, round(0.5 * math.sqrt(n)))


def density_clusters(
    points: npt.NDArray[np.float32],
    *,
    min_cluster_size: int | None = None,
    min_samples: int | None = None,
    sample: int | None = None,
    seed: int = 0,
) -> npt.NDArray[np.int64]:
    """HDBSCAN on a 2-D map or a reduced space; (n,) cluster numbers, -1 for noise.

    Clusters are numbered by size, largest first. ``min_cluster_size`` defaults to
    :func:`default_min_cluster_size`; ``min_samples`` to ``min(10, min_cluster_size)``.
    Points wider than :data:`MAX_DIMS` are reduced by PCA first. Above ``sample`` points
    (default :data:`SAMPLE` for 2-D points, :data:`SAMPLE_WIDE` for wider ones) HDBSCAN
    runs on a ``seed``-drawn sample (the sizes scaled with it) and the other points are
    assigned (see the module's notes).

    Example:
        >>> cluster = density_clusters(coords)  # coords: (n, 2) from a projection
        >>> describe_clusters(cluster, labels=labels)[0]["labels"]

    Raises:
        InvalidInput: points not (n, d) finite numbers, or sizes below 2.
    """
    from sklearn.cluster import HDBSCAN
    from sklearn.decomposition import PCA
    from sklearn.neighbors import NearestNeighbors

    data = np.asarray(points, dtype=np.float32)
    if data.ndim != 2 or data.shape[1] == 0:
        raise InvalidInput(f"expected (n, d) points, got shape {data.shape}", where="points")
    if not np.isfinite(data).all():
        bad = int(np.argmin(np.isfinite(data).all(axis=1)))
        raise InvalidInput("a point holds NaN or infinity", where=f"points[{bad}]")
    n = len(data)
    size = default_min_cluster_size(n) if min_cluster_size is None else min_cluster_size
    if size < 2:
        raise InvalidInput("min_cluster_size must be at least 2", where="min_cluster_size")
    if min_samples is not None and min_samples < 1:
        raise InvalidInput("min_samples must be at least 1", where="min_samples")
    if sample is None:
        sample = SAMPLE if data.shape[1] <= 2 else SAMPLE_WIDE
    if sample < 100:
        raise InvalidInput("sample must be at least 100", where="sample")
    if n < size:
        return np.full(n, -1, dtype=np.int64)

    fit_rows = np.arange(n)
    if n > sample:
        fit_rows = np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
        size = max(2, round(size * sample / n))
    smoothing = min(size, MIN_SAMPLES) if min_samples is None else min(min_samples, len(fit_rows))
    if data.shape[1] > MAX_DIMS:
        components = max(1, min(MAX_DIMS, len(fit_rows) - 1))
        pca = PCA(n_components=components, random_state=seed).fit(data[fit_rows])
        data = pca.transform(data).astype(np.float32)
    fitted = data[fit_rows]
    found = HDBSCAN(min_cluster_size=size, min_samples=smoothing, copy=True).fit_predict(fitted)
    cluster = np.full(n, -1, dtype=np.int64)
    cluster[fit_rows] = found
    if len(fit_rows) < n:
        rest = np.setdiff1d(np.arange(n), fit_rows, assume_unique=True)
        index = NearestNeighbors(n_neighbors=smoothing, algorithm="kd_tree").fit(fitted)
        core = index.kneighbors(fitted)[0][:, -1]  # core distance (the point counts itself)
        dist, nearest = index.kneighbors(data[rest], n_neighbors=1)
        near = nearest[:, 0]
        cluster[rest] = np.where(dist[:, 0] <= core[near], found[near], -1)
    return _by_size(cluster)


def _by_size(cluster: I64) -> I64:
    """Renumber clusters 0.. by size, largest first (ties: smallest old number first)."""
    valid = cluster >= 0
    if not valid.any():
        return cluster
    sizes = np.bincount(cluster[valid])
    ranked = np.argsort(-sizes, kind="stable")
    number = np.empty(len(sizes), dtype=np.int64)
    number[ranked] = np.arange(len(sizes))
    out: I64 = np.where(valid, number[np.maximum(cluster, 0)], -1)
    return out


def describe_clusters(
    cluster: npt.NDArray[np.int64],
    *,
    labels: npt.NDArray[np.object_] | None = None,
    predictions: npt.NDArray[np.object_] | None = None,
    metadata: Sequence[dict[str, Any] | None] | None = None,
    texts: Sequence[str | None] | None = None,
    datasets: npt.NDArray[np.object_] | None = None,
    top: int = 3,
    top_words: int = 8,
) -> list[dict[str, Any]]:
    """One dict per cluster (noise excluded): ``cluster``, ``size``, ``labels`` (top
    [value, share]), ``error_rate`` (label != prediction among rows with both, or None),
    ``metadata`` ({field: top [value, share]}), ``words`` (most distinctive words, texts
    only, by a tf-idf-like contrast against the other clusters), ``datasets`` (top [name,
    share], when each row's dataset name is given), and ``description``, one line.

    Shares are among the cluster's rows that have a value (``labelled`` says how many rows
    had a label, ``coverage`` which share of the cluster that is). ``labels_supported``
    says whether they may describe the cluster: at least :data:`MIN_COVERAGE` of it and
    :data:`MIN_LABELLED` rows labelled; else the description says the cluster is (mostly)
    unlabelled and goes on with its main dataset, words or metadata. Metadata fields are
    described when their values are scalars (str, number, bool) and repeat: a field with
    more distinct values than half the rows that have it (an id, a timestamp, a continuous
    score) says nothing as "top values" and is left out. ``words`` is ``[word, weight]``
    pairs, ``top_words`` of them, and only present when ``texts`` is given.

    Example:
        >>> describe_clusters(cluster, labels=labels, predictions=preds, texts=texts)[0]
        {'cluster': 0, 'size': 412, 'labels': [['cat', 0.93], ...], 'error_rate': 0.04, ...}
    """
    groups = _check_clusters(cluster)
    n = len(groups)
    for name, column in (
        ("labels", labels),
        ("predictions", predictions),
        ("metadata", metadata),
        ("texts", texts),
        ("datasets", datasets),
    ):
        if column is not None:
            check_length(column, n, name)
    if top < 1:
        raise InvalidInput("top must be at least 1", where="top")
    count = int(groups.max(initial=-1)) + 1
    sizes = np.bincount(groups[groups >= 0], minlength=count)
    out: list[dict[str, Any]] = [
        {"cluster": c, "size": int(sizes[c]), "labelled": 0, "labels": [], "error_rate": None}
        for c in range(count)
        if sizes[c] > 0
    ]
    position = {entry["cluster"]: i for i, entry in enumerate(out)}
    (label_code, predicted), classes = label_codes(labels, predictions)
    if labels is not None:
        has = label_code >= 0
        labelled = np.bincount(groups[has & (groups >= 0)], minlength=count)
        tops = _top_values(groups, label_code, classes, top)
        for c, values in tops.items():
            out[position[c]]["labels"] = values
            out[position[c]]["labelled"] = int(labelled[c])
    if labels is not None and predictions is not None:
        both = (label_code >= 0) & (predicted >= 0) & (groups >= 0)
        judged = np.bincount(groups[both], minlength=count)
        wrong = np.bincount(
            groups[both], weights=label_code[both] != predicted[both], minlength=count
        )
        for entry in out:
            c = entry["cluster"]
            entry["error_rate"] = float(wrong[c] / judged[c]) if judged[c] else None
    if metadata is not None:
        described = _describe_metadata(groups, metadata, top)
        for entry in out:
            entry["metadata"] = described.get(entry["cluster"], {})
    if texts is not None:
        words = _distinctive_words(groups, texts, top_words)
        for entry in out:
            entry["words"] = words.get(entry["cluster"], [])
    if datasets is not None:
        (dataset_code,), names = label_codes(np.asarray(datasets, dtype=object))
        tops = _top_values(groups, dataset_code, names, top)
        for entry in out:
            entry["datasets"] = tops.get(entry["cluster"], [])
    for entry in out:
        entry["coverage"] = round(entry["labelled"] / entry["size"], 4)
        entry["labels_supported"] = bool(
            entry["labels"]
            and entry["labelled"] >= min(MIN_LABELLED, entry["size"])
            and entry["labelled"] >= MIN_COVERAGE * entry["size"]
        )
        entry["description"] = _description(entry, has_labels=labels is not None)
    return out


def _description(entry: dict[str, Any], *, has_labels: bool) -> str:
    """``cat 90% · dog 10% (60% labelled)`` when its labels may speak for the cluster;
    else ``mostly unlabelled (2 of 300 labelled) · prod 99% · words...`` (without a word
    on labels when the space has none)."""

    def shares(pairs: list[Any]) -> str:
        return " · ".join(f"{value} {round(100 * share)}%" for value, share in pairs)

    size, labelled = entry["size"], entry["labelled"]
    if entry["labels_supported"]:
        text = shares(entry["labels"])
        return text if labelled == size else f"{text} ({entry['coverage']:.0%} labelled)"
    parts = []
    if has_labels and labelled == 0:
        parts.append("unlabelled")
    elif has_labels:
        many = "mostly unlabelled" if labelled < MIN_COVERAGE * size else "few labelled"
        parts.append(f"{many} ({labelled} of {size} labelled)")
    top_dataset = entry.get("datasets", [])[:1]
    if top_dataset and top_dataset[0][1] >= 0.5:  # a dataset that makes up the cluster
        parts.append(shares(top_dataset))
    words = [word for word, _ in entry.get("words", [])[:4]]
    if words:
        parts.append(", ".join(words))
    else:
        for field, values in list(entry.get("metadata", {}).items())[:1]:
            parts.append(f"{field}: {shares(values)}")
    return " · ".join(parts) or f"cluster {entry['cluster']}"


def _check_clusters(cluster: npt.NDArray[np.int64]) -> I64:
    groups = np.asarray(cluster)
    if groups.ndim != 1 or not np.issubdtype(groups.dtype, np.integer):
        raise InvalidInput("cluster must be a 1-D array of integers", where="cluster")
    if len(groups) and groups.min() < -1:
        raise InvalidInput("cluster numbers are >= 0, or -1 for noise", where="cluster")
    out: I64 = groups.astype(np.int64, copy=False)
    return out


def _top_values(groups: I64, codes: I64, values: Sequence[Any], top: int) -> dict[int, list[Any]]:
    """Per cluster, the ``top`` most frequent codes as [value, share among coded rows]."""
    keep = (groups >= 0) & (codes >= 0)
    if not keep.any():
        return {}
    table = csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.int64), (groups[keep], codes[keep])),
        shape=(int(groups.max()) + 1, len(values)),
    )
    out: dict[int, list[Any]] = {}
    for c in np.flatnonzero(np.diff(table.indptr)):
        start, stop = table.indptr[c], table.indptr[c + 1]
        counts, columns = table.data[start:stop], table.indices[start:stop]
        order = np.lexsort((columns, -counts))[:top]  # most frequent, then first value
        total = counts.sum()
        out[int(c)] = [
            [values[columns[i]], round(float(counts[i] / total), 4)] for i in order.tolist()
        ]
    return out


def _describe_metadata(
    groups: I64, metadata: Sequence[dict[str, Any] | None], top: int
) -> dict[int, dict[str, list[Any]]]:
    # One pass over the dicts (unavoidable: they are Python objects) to gather each field.
    columns: dict[str, tuple[list[int], list[Any]]] = {}
    for row, entry in enumerate(metadata):
        if not entry or groups[row] < 0:
            continue
        for key, value in entry.items():
            if isinstance(value, (str, int, float, bool)) and not (
                isinstance(value, float) and math.isnan(value)
            ):
                rows, values = columns.setdefault(key, ([], []))
                rows.append(row)
                values.append(value)
    out: dict[int, dict[str, list[Any]]] = {}
    for key in sorted(columns):
        rows, values = columns[key]
        index: dict[tuple[str, Any], int] = {}  # typed: 1, "1" and True stay apart
        codes = np.array(
            [index.setdefault((type(v).__name__, v), len(index)) for v in values], dtype=np.int64
        )
        if len(index) > max(1, len(rows) // 2):
            continue  # ids, timestamps, continuous values: no "top value" to speak of
        field_codes = np.full(len(groups), -1, dtype=np.int64)
        field_codes[np.asarray(rows)] = codes
        plain = [value for _, value in index]
        for c, values_top in _top_values(groups, field_codes, plain, top).items():
            out.setdefault(c, {})[key] = values_top
    return out


def _distinctive_words(
    groups: I64, texts: Sequence[str | None], top_words: int
) -> dict[int, list[Any]]:
    """Class-based TF-IDF over the clusters' texts (noise as one more, background, class).

    Counts are binary per text (how many of a cluster's texts hold the word), so one long
    text repeating a word does not make it the cluster's word, and a word must occur in at
    least two texts of a cluster to describe it.
    """
    from sklearn.feature_extraction.text import CountVectorizer

    rng = np.random.default_rng(0)
    has_text = np.array([isinstance(t, str) and bool(t.strip()) for t in texts], dtype=bool)
    with_text = np.flatnonzero(has_text)
    # At most TEXTS_PER_CLUSTER random texts per cluster: shuffle, then keep each
    # cluster's first ones (a stable sort by cluster keeps the shuffled order inside).
    shuffled = with_text[rng.permutation(len(with_text))]
    by_cluster = shuffled[np.argsort(groups[shuffled], kind="stable")]
    cluster_of = groups[by_cluster]
    starts = np.searchsorted(cluster_of, cluster_of, side="left")
    per_cluster = min(
        TEXTS_PER_CLUSTER, max(100, TEXT_BUDGET // max(len(np.unique(cluster_of)), 1))
    )
    keep = np.arange(len(by_cluster)) - starts < per_cluster
    rows = np.sort(by_cluster[keep])
    if len(rows) == 0:
        return {}
    vectorizer = CountVectorizer(stop_words="english", binary=True, max_features=50_000)
    try:
        matrix = vectorizer.fit_transform([str(texts[r]) for r in rows.tolist()])
    except ValueError:  # nothing but stop words
        return {}
    vocabulary = vectorizer.get_feature_names_out()
    classes, class_of = np.unique(groups[rows], return_inverse=True)
    membership = csr_matrix(
        (np.ones(len(rows)), (class_of, np.arange(len(rows)))), shape=(len(classes), len(rows))
    )
    per_class = (membership @ matrix).toarray()  # (classes, words): texts holding each word
    docs = np.bincount(class_of, minlength=len(classes)).astype(np.float64)
    frequency = per_class.sum(axis=0)
    idf = np.log1p(docs.mean() / np.maximum(frequency, 1))
    weight = per_class / docs[:, None] * idf[None, :]
    weight[per_class < np.minimum(2, docs)[:, None]] = 0
    out: dict[int, list[Any]] = {}
    for i, c in enumerate(classes.tolist()):
        if c < 0:
            continue
        best = np.argsort(-weight[i], kind="stable")[:top_words]
        out[c] = [
            [str(vocabulary[j]), round(float(weight[i, j]), 4)] for j in best if weight[i, j] > 0
        ]
    return out


def cluster_drift(
    cluster: npt.NDArray[np.int64],
    dataset_codes: npt.NDArray[np.int32],
    baseline: int,
    current: int,
) -> list[dict[str, Any]]:
    """Clusters ranked by how their share changed between two datasets: ``cluster``,
    ``baseline_share``, ``current_share``, ``difference``, ``direction``. Signed: the
    clusters that grew come first, most grown first, then those that shrank, most shrunk
    first, then the steady ones; a new cluster and a vanished one never interleave.

    A share is the cluster's rows of a dataset over all that dataset's rows (noise rows
    included in the total), so shares of a dataset sum to 1 minus its noise share.
    ``difference`` is current minus baseline: a cluster that grew in production is
    positive. ``direction`` is ``"new"`` (no baseline rows), ``"grew"``, ``"shrank"``,
    ``"vanished"`` (no current rows) or ``"steady"``. ``baseline_rows``/``current_rows``
    give the counts.

    Raises:
        InvalidInput: a dataset code with no rows.
    """
    groups = _check_clusters(cluster)
    check_length(dataset_codes, len(groups), "dataset_codes")
    codes = np.asarray(dataset_codes, dtype=np.int64)
    count = int(groups.max(initial=-1)) + 1
    shares: list[F32] = []
    rows_in: list[I64] = []
    for which, code in (("baseline", baseline), ("current", current)):
        mine = codes == code
        if not mine.any():
            raise InvalidInput(f"dataset {code} has no rows", where=which)
        counted = np.bincount(groups[mine & (groups >= 0)], minlength=count)
        rows_in.append(counted)
        shares.append((counted / mine.sum()).astype(np.float32))
    present = np.flatnonzero((rows_in[0] + rows_in[1]) > 0)
    difference = shares[1][present].astype(np.float64) - shares[0][present]
    side = np.select([difference > 0, difference < 0], [0, 1], 2)  # grew, shrank, steady
    order = present[np.lexsort((-np.abs(difference), side))]
    return [
        {
            "cluster": int(c),
            "baseline_share": float(shares[0][c]),
            "current_share": float(shares[1][c]),
            "difference": float(shares[1][c]) - float(shares[0][c]),
            "direction": _direction(
                int(rows_in[0][c]), int(rows_in[1][c]), float(shares[1][c]) - float(shares[0][c])
            ),
            "baseline_rows": int(rows_in[0][c]),
            "current_rows": int(rows_in[1][c]),
        }
        for c in order.tolist()
    ]


def _direction(baseline_rows: int, current_rows: int, difference: float) -> str:
    if baseline_rows == 0:
        return "new"
    if current_rows == 0:
        return "vanished"
    return "grew" if difference > 0 else "shrank" if difference < 0 else "steady"
