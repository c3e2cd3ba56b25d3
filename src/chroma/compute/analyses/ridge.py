"""A linear view of the labels: a leave-one-out ridge classifier over the embeddings.

The kNN graph sees a row's ten nearest rows; a linear model sees the whole labelled set.
On text embeddings, where categories overlap locally (a Debian "science" package beside
"math" ones), the two disagree in useful ways: mislabels.py pools them. Ridge regression
onto one-hot labels (a "least-squares classifier") has a closed form, and so do its
leave-one-out predictions (the hat-matrix identity, ``f_-i = (f_i - h_i y_i) / (1 - h_i)``),
so every labelled row is scored by a model that never saw it, in one pass, without the
folds and the fitting loop cleanlab's out-of-fold probabilities need.

Cost: ``O(n d^2 + d^3)`` (the Gram matrix in float64, from float32 blocks) and ``O(n d c)``
for the outputs, computed block by block by the caller so that no (n, classes) array is
ever formed (1M rows x 768 dimensions: about 10 s of BLAS).
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
from scipy.sparse import csr_matrix

from ._common import F64, I64

PENALTY = 0.1
"""The ridge penalty as a share of the mean per-dimension energy of the labelled rows
(``trace(X'X) / d``), so it means the same whatever the vectors' scale."""
TEMPERATURE = 0.1
"""Softmax temperature over the one-hot regression outputs (which live on a 0..1 scale)."""
BLOCK_CELLS = 1 << 22
"""Rows x classes (or dimensions) per block of outputs."""


@dataclass
class Ridge:
    """A fitted leave-one-out ridge classifier; ``probabilities`` yields it block by block."""

    mean: F64
    solved: F64
    """(d + 1, d + 1) inverse of the penalised Gram matrix (last: the unpenalised bias)."""
    weights: F64
    """(d + 1, classes) the regression onto one-hot labels."""
    classes: int

    def probabilities(
        self, vectors: npt.NDArray[np.floating], codes: I64, rows: slice
    ) -> npt.NDArray[np.float64]:
        """(rows, classes) softmax of the outputs; a labelled row's as if left out."""
        x = _augmented(vectors[rows], self.mean)
        outputs = x @ self.weights
        own = codes[rows]
        labelled = np.flatnonzero(own >= 0)
        if len(labelled):  # leave-one-out: take the row's own target back out
            leverage = np.einsum("ij,ij->i", x[labelled] @ self.solved, x[labelled])
            leverage = np.minimum(leverage, 1 - 1e-6)
            outputs[labelled, own[labelled]] -= leverage
            outputs[labelled] /= (1 - leverage)[:, None]
        outputs -= outputs.max(axis=1, keepdims=True)
        odds = np.exp(outputs / TEMPERATURE)
        out: F64 = odds / odds.sum(axis=1, keepdims=True)
        return out

    def blocks(self, n: int) -> Iterator[slice]:
        step = max(1, BLOCK_CELLS // max(self.classes, len(self.mean) + 1))
        for start in range(0, n, step):
            yield slice(start, min(n, start + step))


def fit_ridge(vectors: npt.NDArray[np.floating], codes: I64, classes: int) -> Ridge | None:
    """The ridge classifier of the labelled rows (``codes >= 0``); None with fewer than two
    labelled classes."""
    labelled = np.flatnonzero(codes >= 0)
    if len(np.unique(codes[labelled])) < 2:
        return None
    d = vectors.shape[1]
    step = max(1, BLOCK_CELLS // (d + 1))
    # Block by block, as below: vectors[labelled] at once would copy the whole space.
    total = np.zeros(d, dtype=np.float64)
    for start in range(0, len(labelled), step):
        total += vectors[labelled[start : start + step]].sum(axis=0, dtype=np.float64)
    mean = total / len(labelled)
    gram = np.zeros((d + 1, d + 1), dtype=np.float64)
    moment = np.zeros((d + 1, classes), dtype=np.float64)
    for start in range(0, len(labelled), step):
        part = labelled[start : start + step]
        x = _augmented(vectors[part], mean)
        gram += x.T @ x
        one_hot = csr_matrix(
            (np.ones(len(part)), (codes[part], np.arange(len(part)))), shape=(classes, len(part))
        )
        moment += (one_hot @ x).T  # X' Y without a dense one-hot Y
    energy = float(np.trace(gram[:d, :d])) / max(d, 1)
    penalty = np.full(d + 1, PENALTY * max(energy, 1e-12))
    penalty[d] = 0.0  # the bias is not shrunk
    solved = np.linalg.pinv(gram + np.diag(penalty), hermitian=True)
    return Ridge(mean=mean, solved=solved, weights=solved @ moment, classes=classes)


def _augmented(vectors: npt.NDArray[np.floating], mean: F64) -> F64:
    x = np.asarray(vectors, dtype=np.float64) - mean
    out: F64 = np.concatenate([x, np.ones((len(x), 1))], axis=1)
    return out
