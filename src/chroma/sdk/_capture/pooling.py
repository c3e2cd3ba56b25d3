"""Turn a layer's output into one float32 row per sample (``chroma.watch``'s ``pool``)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Literal

import numpy as np
import numpy.typing as npt

from chroma.core.errors import InvalidInput

PoolName = Literal["auto", "flatten", "mean", "max", "cls"]
Pool = PoolName | Callable[[Any], Any]
POOLS: tuple[PoolName, ...] = ("auto", "flatten", "mean", "max", "cls")

WHERE = "layer output"


def check_pool(pool: object) -> Pool:
    if callable(pool) or pool in POOLS:
        return pool
    raise InvalidInput(f"pool must be one of {POOLS} or a callable, got {pool!r}", where="pool")


def _describe(value: object) -> str:
    if isinstance(value, tuple | list):
        return f"a {type(value).__name__} of {len(value)}"
    return f"a {type(value).__module__}.{type(value).__qualname__}"


def _as_tensor(output: object, pool: Pool) -> Any:
    import torch

    if isinstance(output, torch.Tensor):
        return output
    hint = (
        "pass pool=<callable> to pick the tensor, e.g. pool=lambda out: out[0]"
        if not callable(pool)
        else "the pool callable must return a tensor or array of shape (batch, ...)"
    )
    raise InvalidInput(f"cannot turn {_describe(output)} into embeddings; {hint}", where=WHERE)


def pool_output(output: object, pool: Pool) -> npt.NDArray[np.float32]:
    """``(batch, ...)`` layer output -> ``(batch, d)`` float32 on the CPU, detached.

    ``auto`` keeps 2-D outputs, averages the tokens of a 3-D ``(batch, tokens, dim)``
    output (what sentence encoders do), and global-average-pools a 4-D+ channels-first
    ``(batch, channels, h, w, ...)`` feature map; ``mean``/``max`` apply that reduction
    explicitly, ``cls`` takes the first token, ``flatten`` keeps every value.
    """
    import torch

    if callable(pool):
        picked = pool(output)
        if isinstance(picked, np.ndarray):
            return _matrix(picked)
        tensor = _as_tensor(picked, pool)
    else:
        tensor = _as_tensor(output, pool)
    if tensor.ndim < 2:
        raise InvalidInput(
            f"layer output has shape {tuple(tensor.shape)}; need (batch, ...) with at least "
            "two dimensions",
            where=WHERE,
        )
    if tensor.is_complex():
        raise InvalidInput("layer output is complex; embeddings must be real", where=WHERE)
    with torch.no_grad():
        tensor = tensor.detach()
        if pool == "cls":
            if tensor.ndim != 3:
                raise InvalidInput(
                    f"pool='cls' needs a (batch, tokens, dim) output, got {tuple(tensor.shape)}",
                    where="pool",
                )
            tensor = tensor[:, 0, :]
        elif pool in ("auto", "mean", "max") and tensor.ndim > 2:
            axes = (1,) if tensor.ndim == 3 else tuple(range(2, tensor.ndim))
            tensor = tensor.amax(dim=axes) if pool == "max" else tensor.float().mean(dim=axes)
        rows = tensor.reshape(tensor.shape[0], -1).to("cpu", torch.float32)
        return np.ascontiguousarray(rows.numpy())


def _matrix(array: npt.NDArray[Any]) -> npt.NDArray[np.float32]:
    if array.ndim < 2 or not np.issubdtype(array.dtype, np.number):
        raise InvalidInput(
            f"pool returned an array of shape {array.shape} and dtype {array.dtype}; need a "
            "numeric (batch, ...) array",
            where="pool",
        )
    return np.ascontiguousarray(array.reshape(array.shape[0], -1), dtype=np.float32)
