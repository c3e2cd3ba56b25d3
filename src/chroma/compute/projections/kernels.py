"""The numba kernels of our UMAP: graph weights, initial placement and one SGD epoch.

They follow umap-learn 0.5 (``smooth_knn_dist``, ``compute_membership_strengths``,
``init_transform``, ``_optimize_layout_euclidean_single_epoch``) but are our own so that
every one is compiled with ``cache=True``: umap-learn compiles its epoch and graph kernels
afresh in every new process (tens of seconds on two cores), ours load from numba's on-disk
cache (next to this file, or under ``NUMBA_CACHE_DIR``). They also understand our kNN
graphs, which exclude the point itself and mark missing neighbours with row ``-1``.

All kernels run on float32 coordinates; ``parallel=True`` kernels use every numba thread
(callers lower ``numba.set_num_threads`` for reproducible runs).
"""

from __future__ import annotations

from typing import Any

import numba
import numpy as np

_SMOOTH_K_TOLERANCE = 1e-5
_MIN_K_DIST_SCALE = 1e-3
_FLOAT_MAX = float(np.finfo(np.float32).max)

# numba compiles these on first use and caches the machine code on disk.
_JIT: dict[str, Any] = {"cache": True, "nogil": True}


@numba.njit(fastmath=True, parallel=True, **_JIT)
def smooth_knn_dist(rows, distances, target, local_connectivity, n_iter=64):  # type: ignore[no-untyped-def]
    """Per point, ``sigma`` and ``rho`` so that its neighbours' memberships sum to ``target``.

    ``rows``/``distances`` are ``[N, k]`` (self excluded, ``-1`` = missing). ``rho`` is the
    distance to the ``local_connectivity``-th nearest neighbour (0 when that is 0).
    """
    n, k = distances.shape
    sigmas = np.zeros(n, dtype=np.float32)
    rhos = np.zeros(n, dtype=np.float32)
    total = 0.0
    count = 0
    for i in range(n):
        for j in range(k):
            if rows[i, j] >= 0:
                total += distances[i, j]
                count += 1
    mean_all = total / max(count, 1)
    whole = int(np.floor(local_connectivity))
    fraction = local_connectivity - whole
    for i in numba.prange(n):
        nonzero = np.empty(k, dtype=np.float32)
        n_nonzero = 0
        row_sum = 0.0
        n_valid = 0
        for j in range(k):
            if rows[i, j] >= 0:
                n_valid += 1
                row_sum += distances[i, j]
                if distances[i, j] > 0.0:
                    nonzero[n_nonzero] = distances[i, j]
                    n_nonzero += 1
        rho = 0.0
        if n_nonzero >= local_connectivity:
            if whole > 0:
                rho = nonzero[whole - 1]
                if fraction > _SMOOTH_K_TOLERANCE and whole < n_nonzero:
                    rho += fraction * (nonzero[whole] - nonzero[whole - 1])
            elif n_nonzero > 0:
                rho = fraction * nonzero[0]
        elif n_nonzero > 0:
            rho = nonzero[n_nonzero - 1]
        lo = 0.0
        hi = _FLOAT_MAX
        mid = 1.0
        for _ in range(n_iter):
            psum = 0.0
            for j in range(k):
                if rows[i, j] < 0:
                    continue
                d = distances[i, j] - rho
                psum += np.exp(-(d / mid)) if d > 0 else 1.0
            if np.fabs(psum - target) < _SMOOTH_K_TOLERANCE:
                break
            if psum > target:
                hi = mid
                mid = (lo + hi) / 2.0
            else:
                lo = mid
                mid = mid * 2 if hi >= _FLOAT_MAX else (lo + hi) / 2.0
        floor = _MIN_K_DIST_SCALE * (row_sum / max(n_valid, 1) if rho > 0.0 else mean_all)
        sigmas[i] = max(mid, floor)
        rhos[i] = rho
    return sigmas, rhos


@numba.njit(fastmath=True, parallel=True, **_JIT)
def membership_strengths(rows, distances, sigmas, rhos):  # type: ignore[no-untyped-def]
    """``[N, k]`` edge weights ``exp(-(d - rho) / sigma)`` (1 within ``rho``, 0 if missing)."""
    n, k = distances.shape
    weights = np.zeros((n, k), dtype=np.float32)
    for i in numba.prange(n):
        for j in range(k):
            if rows[i, j] < 0:
                continue
            d = distances[i, j] - rhos[i]
            if d <= 0.0 or sigmas[i] == 0.0:
                weights[i, j] = 1.0
            else:
                weights[i, j] = np.exp(-(d / sigmas[i]))
    return weights


@numba.njit(fastmath=True, parallel=True, **_JIT)
def weighted_mean_positions(rows, weights, reference):  # type: ignore[no-untyped-def]
    """Each new point at the weight-averaged position of its neighbours in ``reference``.

    A neighbour at weight 1 (same place in the input space) pins the point onto it; a
    point without any neighbour gets NaN (the caller decides).
    """
    n, k = rows.shape
    dim = reference.shape[1]
    out = np.zeros((n, dim), dtype=np.float32)
    for i in numba.prange(n):
        total = 0.0
        pinned = -1
        for j in range(k):
            r = rows[i, j]
            if r < 0:
                continue
            if weights[i, j] >= 1.0:
                pinned = r
                break
            total += weights[i, j]
            for d in range(dim):
                out[i, d] += weights[i, j] * reference[r, d]
        if pinned >= 0:
            for d in range(dim):
                out[i, d] = reference[pinned, d]
        elif total > 0.0:
            for d in range(dim):
                out[i, d] /= total
        else:
            for d in range(dim):
                out[i, d] = np.nan
    return out


@numba.njit(inline="always", **_JIT)
def _tau_rand_int(state):  # type: ignore[no-untyped-def]
    """umap-learn's Tausworthe generator: a pseudo-random int32 from a 3-word state."""
    state[0] = (((state[0] & 4294967294) << 12) & 0xFFFFFFFF) ^ (
        (((state[0] << 13) & 0xFFFFFFFF) ^ state[0]) >> 19
    )
    state[1] = (((state[1] & 4294967288) << 4) & 0xFFFFFFFF) ^ (
        (((state[1] << 2) & 0xFFFFFFFF) ^ state[1]) >> 25
    )
    state[2] = (((state[2] & 4294967280) << 17) & 0xFFFFFFFF) ^ (
        (((state[2] << 3) & 0xFFFFFFFF) ^ state[2]) >> 11
    )
    return numba.int32(state[0] ^ state[1] ^ state[2])


_F = numba.float32


@numba.njit(inline="always", **_JIT)
def _clip(value):  # type: ignore[no-untyped-def]
    """A gradient step clamped to [-4, 4] (float32)."""
    if value > _F(4.0):
        return _F(4.0)
    if value < _F(-4.0):
        return _F(-4.0)
    return value


@numba.njit(fastmath=True, parallel=True, **_JIT)
def sgd_epoch(  # type: ignore[no-untyped-def]
    head_embedding,
    tail_embedding,
    head,
    tail,
    epochs_per_sample,
    epochs_per_negative_sample,
    epoch_of_next_sample,
    epoch_of_next_negative_sample,
    rng_states,
    a,
    b,
    gamma,
    alpha,
    move_other,
    epoch,
):
    """One epoch of UMAP's stochastic gradient descent over the sampled edges.

    Edge ``i`` pulls ``head_embedding[head[i]]`` towards ``tail_embedding[tail[i]]``
    (and, with ``move_other``, the tail towards the head: a fit, where both arrays are
    the same); negative samples push the head away from random rows of
    ``tail_embedding``. With ``move_other=False`` the tail array is only read: placing new
    points against fixed reference coordinates.
    """
    n_tail = tail_embedding.shape[0]
    dim = head_embedding.shape[1]
    # float32 arithmetic throughout (float32 pow is markedly cheaper than float64)
    a, b, gamma, alpha = _F(a), _F(b), _F(gamma), _F(alpha)
    zero, one = _F(0.0), _F(1.0)
    attract = _F(-2.0) * a * b
    repulse = _F(2.0) * gamma * b
    for i in numba.prange(epochs_per_sample.shape[0]):
        if epoch_of_next_sample[i] > epoch:
            continue
        j = head[i]
        k = tail[i]
        current = head_embedding[j]
        other = tail_embedding[k]
        dist_squared = zero
        for d in range(dim):
            diff = current[d] - other[d]
            dist_squared += diff * diff
        grad_coeff = zero
        if dist_squared > zero:
            powered = pow(dist_squared, b)  # one pow: d^(2b-2) = d^2b / d^2
            grad_coeff = attract * (powered / dist_squared) / (a * powered + one)
        for d in range(dim):
            grad_d = _clip(grad_coeff * (current[d] - other[d])) * alpha
            current[d] += grad_d
            if move_other:
                other[d] -= grad_d
        epoch_of_next_sample[i] += epochs_per_sample[i]

        n_neg = int((epoch - epoch_of_next_negative_sample[i]) / epochs_per_negative_sample[i])
        for _ in range(n_neg):
            k = _tau_rand_int(rng_states[j]) % n_tail
            other = tail_embedding[k]
            dist_squared = zero
            for d in range(dim):
                diff = current[d] - other[d]
                dist_squared += diff * diff
            if dist_squared > zero:
                grad_coeff = repulse / (
                    (_F(0.001) + dist_squared) * (a * pow(dist_squared, b) + one)
                )
                for d in range(dim):
                    current[d] += _clip(grad_coeff * (current[d] - other[d])) * alpha
        epoch_of_next_negative_sample[i] += n_neg * epochs_per_negative_sample[i]
