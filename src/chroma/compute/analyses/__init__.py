"""Quality analysis over numpy arrays: what in a space looks wrong (issue 6).

Each module is one analysis; none touches the database (``chroma.services.analyses``
reads the space, calls these, and stores the per-datapoint results):

- :mod:`.class_distance`: Mahalanobis distance of each embedding to each class's
  reference distribution (shrinkage covariance).
- :mod:`.mislabels`: neighbourhood label disagreement from the kNN graph, combined with a
  leave-one-out linear view of the labels (:mod:`.ridge`) and the model's prediction and
  score.
- :mod:`.outliers`: an out-of-distribution score (distance to the reference plus a kNN
  density ratio against the other rows), the k-th reference distance, a density (LOF)
  score, and a flag calibrated on the reference itself.
- :mod:`.duplicates`: groups of points closer than a threshold, from neighbour lists, and a
  threshold derived from the data when the caller has none (``suggest_threshold``).
- :mod:`.clusters`: HDBSCAN clusters, their descriptions, and drift between datasets.
- :mod:`.label_next`: a ranked sample mixing uncertainty, mislabel, novelty, outlier and
  diversity, over labelled and unlabelled rows.

Conventions: rows are positions ``0..n-1`` in the caller's arrays; a neighbour list is
``(n, k)`` int64 row positions with ``-1`` for "none", distances ``(n, k)`` float32 sorted
ascending, never containing the row itself. Labels are object arrays of ``str | None``.
Bad input raises :class:`chroma.core.errors.InvalidInput` naming the argument at fault.

benchmarks/quality.py measures them on real data (digits, flipped labels, held-out
classes, injected copies) against cleanlab; ``make bench-quality``.
"""
