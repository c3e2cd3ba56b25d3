"""How faithful a 2-D layout is to the vectors it was made from."""

from __future__ import annotations

import numpy as np
import numpy.typing as npt
from sklearn.manifold import trustworthiness as _sk_trustworthiness

from chroma.core.errors import InvalidInput


def trustworthiness(
    high: npt.NDArray[np.float32],
    low: npt.NDArray[np.float32],
    *,
    k: int = 10,
    sample: int = 5000,
    seed: int = 0,
    metric: str = "euclidean",
) -> float:
    """scikit-learn's trustworthiness (0..1, 1 = no false neighbours) on a random sample.

    ``high`` are the vectors ``[N, D]``, ``low`` their layout ``[N, 2]``. The score
    penalises points that are among a point's ``k`` nearest in the layout but not in the
    vectors; it is computed on ``sample`` rows drawn with ``seed`` (the full measure is
    O(N^2)). ``metric`` is the vectors' (scikit-learn's names: ``euclidean``, ``cosine``).
    """
    high = np.asarray(high)
    low = np.asarray(low)
    if high.ndim != 2 or low.ndim != 2 or len(high) != len(low):
        raise InvalidInput(
            f"expected [N, D] and [N, 2] arrays of the same N, got {high.shape} and {low.shape}",
            where="low",
        )
    n = len(high)
    if n > sample:
        rows = np.sort(np.random.default_rng(seed).choice(n, sample, replace=False))
        high, low = high[rows], low[rows]
        n = sample
    k = min(k, (n - 1) // 2)  # scikit-learn requires k < n / 2
    if k < 1:
        raise InvalidInput(f"too few points ({n}) for a trustworthiness score", where="high")
    return float(_sk_trustworthiness(high, low, n_neighbors=k, metric=metric))
