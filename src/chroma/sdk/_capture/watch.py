"""``chroma.watch``: log a PyTorch layer's output with a forward hook."""

from __future__ import annotations

import threading
from collections.abc import Iterator, Sequence
from contextlib import contextmanager
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import numpy.typing as npt

from chroma.core.errors import InvalidInput
from chroma.core.steps import check_step
from chroma.sdk._capture.pooling import Pool, check_pool, pool_output

if TYPE_CHECKING:
    import torch

    from chroma.sdk._run import Run


def _to_host(value: Any) -> Any:
    """Tensors (any device) become numpy; everything else is passed on to ``Run.log``."""
    detach = getattr(value, "detach", None)
    if detach is not None and hasattr(value, "cpu"):
        return detach().cpu().numpy()
    return value


def _length(value: Any) -> int | None:
    shape = getattr(value, "shape", None)
    if shape is not None:
        return int(shape[0]) if len(shape) else None
    try:
        return len(value)
    except TypeError:
        return None


class Watch:
    """Hooks on a layer (and optionally the model) that log embeddings as the model runs.

    Made by :func:`watch`. Every forward pass of ``layer`` logs one row per sample; the
    fields given to :meth:`batch` (ids, labels, ...) are attached to the rows of the passes
    inside it. Rows go through the run's buffer, so the network never blocks the loop.
    """

    def __init__(
        self,
        layer: torch.nn.Module,
        run: Run,
        *,
        pool: Pool,
        model: torch.nn.Module | None,
        classes: Sequence[str] | None,
        step: int | None = None,
    ) -> None:
        self._step = step
        self.layer = layer
        self.model = model
        self.run = run
        self.pool = pool
        self.classes = list(classes) if classes is not None else None
        self._handles: list[Any] = []
        self._local = threading.local()
        self._count_lock = threading.Lock()
        self._logged = 0

    def __repr__(self) -> str:
        return (
            f"<chroma.Watch layer={type(self.layer).__name__} enabled={self.enabled} "
            f"logged={self.logged} run={self.run!r}>"
        )

    # ---- switching -------------------------------------------------------------------------

    @property
    def enabled(self) -> bool:
        """Whether the hooks are registered. A disabled watch has no hook at all, so the
        model runs exactly as fast as without Chroma."""
        return bool(self._handles)

    @enabled.setter
    def enabled(self, value: bool) -> None:
        if value and not self._handles:
            self._handles.append(self.layer.register_forward_hook(self._on_layer))
            if self.model is not None:
                self._handles.append(self.model.register_forward_pre_hook(self._on_model_start))
                self._handles.append(self.model.register_forward_hook(self._on_model_end))
        elif not value:
            for handle in self._handles:
                handle.remove()
            self._handles.clear()
            self._local.__dict__.clear()

    def remove(self) -> None:
        """Remove the hooks (rows already logged stay in the run's buffer; flush the run)."""
        self.enabled = False

    def __enter__(self) -> Watch:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.remove()

    @property
    def step(self) -> int | None:
        """The training step rows are logged at (``run.log(..., step=)``); None: no step.
        Set it as training goes on (``watcher.step = epoch``)."""
        return self._step

    @step.setter
    def step(self, value: Any) -> None:
        self._step = None if value is None else check_step(value)

    @property
    def logged(self) -> int:
        """Rows logged by this watch so far (queued in the run; sent by its buffer)."""
        with self._count_lock:
            return self._logged

    # ---- per-batch fields ------------------------------------------------------------------

    @contextmanager
    def batch(
        self,
        ids: Any = None,
        labels: Any = None,
        metadata: Any = None,
        images: Any = None,
        texts: Any = None,
        uris: Any = None,
        predictions: Any = None,
        scores: Any = None,
    ) -> Iterator[Watch]:
        """Attach per-sample fields to the rows of the forward passes inside the block.

        Each field needs one value per sample of the batch (tensors on any device are
        fine). Integer labels are mapped through ``classes`` when the watch has them.
        Explicit ``predictions``/``scores`` win over those derived from the model output.

        Example:
            >>> for x, y, idx in loader:
            ...     with watcher.batch(ids=idx, labels=y):
            ...         model(x)
        """
        given = {
            "ids": ids,
            "labels": labels,
            "metadata": metadata,
            "images": images,
            "texts": texts,
            "uris": uris,
            "predictions": predictions,
            "scores": scores,
        }
        fields = {name: _to_host(value) for name, value in given.items() if value is not None}
        previous = getattr(self._local, "fields", None)
        self._local.fields = fields
        try:
            yield self
        finally:
            self._local.fields = previous

    # ---- hooks -----------------------------------------------------------------------------

    def _on_model_start(self, module: Any, inputs: Any) -> None:
        # A pass that raised half-way left rows behind; they belong to no prediction.
        self._local.pending = []

    def _on_layer(self, module: Any, inputs: Any, output: Any) -> None:
        rows = pool_output(output, self.pool)
        if self.model is None:
            self._log(rows, {})
        else:
            pending = getattr(self._local, "pending", None)
            if pending is None:  # the layer ran outside the model's forward
                self._log(rows, {})
            else:
                pending.append(rows)

    def _on_model_end(self, module: Any, inputs: Any, output: Any) -> None:
        pending: list[npt.NDArray[np.float32]] = getattr(self._local, "pending", None) or []
        self._local.pending = None
        if not pending:
            return
        derived = self._predictions(output)
        for rows in pending:
            matches = derived and len(derived["predictions"]) == rows.shape[0]
            self._log(rows, derived if matches else {})

    def _predictions(self, output: Any) -> dict[str, Any]:
        import torch

        if not isinstance(output, torch.Tensor) or output.ndim != 2:
            shape = tuple(output.shape) if isinstance(output, torch.Tensor) else type(output)
            raise InvalidInput(
                f"model output is {shape}; predictions need logits of shape (batch, classes). "
                "Pass model=None and give predictions to batch() instead",
                where="model output",
            )
        with torch.no_grad():
            probs = torch.softmax(output.detach().float(), dim=1)
            scores, best = probs.max(dim=1)
        indices = best.cpu().numpy()
        return {
            "predictions": self._class_names(indices, "model output"),
            "scores": scores.cpu().numpy(),
        }

    def _class_names(self, values: npt.NDArray[Any], where: str) -> Any:
        if self.classes is None or not np.issubdtype(values.dtype, np.integer):
            return values
        if values.size and (values.min() < 0 or values.max() >= len(self.classes)):
            raise InvalidInput(
                f"class index {int(values.max())} is outside classes (which has "
                f"{len(self.classes)} names)",
                where=where,
            )
        return [self.classes[i] for i in values]

    def _log(self, rows: npt.NDArray[np.float32], derived: dict[str, Any]) -> None:
        fields = dict(derived)
        fields.update(getattr(self._local, "fields", None) or {})
        size = rows.shape[0]
        for name, value in fields.items():
            length = _length(value)
            if length != size:
                raise InvalidInput(
                    f"{name} has {length} values but the forward pass had {size} samples",
                    where=f"batch.{name}",
                )
        labels = fields.get("labels")
        if isinstance(labels, np.ndarray):
            fields["labels"] = self._class_names(labels, "batch.labels")
        if self._step is not None:
            fields["step"] = self._step
        self.run.log(rows, **fields)
        with self._count_lock:
            self._logged += size


def watch(
    layer: torch.nn.Module,
    run: Run,
    *,
    pool: Pool = "auto",
    model: torch.nn.Module | None = None,
    classes: Sequence[str] | None = None,
    enabled: bool = True,
    step: Any = None,
) -> Watch:
    """Log the output of ``layer`` on every forward pass, one row per sample.

    Args:
        layer: The module whose output is the embedding (e.g. the penultimate layer).
        run: Where rows go (:func:`chroma.init`); its buffer batches them.
        pool: How a ``(batch, ...)`` output becomes one vector per sample: ``"auto"``
            (2-D as is, tokens averaged for 3-D, global average pool for 4-D+),
            ``"flatten"``, ``"mean"``, ``"max"``, ``"cls"`` (first token), or a callable
            from the output to a ``(batch, d)`` tensor or array (e.g. to pick one tensor
            of a tuple).
        model: The whole model; its output (logits) gives each row a prediction (argmax)
            and a score (the softmax probability of that prediction).
        classes: Names of the classes, indexed by logit position; integer labels given to
            :meth:`Watch.batch` are mapped through them too.
        enabled: Register the hooks now. ``watch.enabled = False`` removes them (no
            overhead at all), ``True`` puts them back.
        step: The training step (epoch) the rows are logged at, as for
            :meth:`chroma.Run.log`: each step goes to the space ``<space>@step=<step>``,
            and the steps' maps are aligned. Change it with ``watcher.step = epoch``.

    Returns:
        The :class:`Watch`; use it as a context manager or call :meth:`Watch.remove`.

    Raises:
        InvalidInput: Bad arguments now; in the forward pass, an output that cannot be
            turned into rows (``where="layer output"``) or fields whose length is not the
            batch size (``where="batch.labels"``); a step that is not a whole number in
            range (``where="step"``).

    Example:
        >>> with chroma.init(project="digits", dataset="test", space="mlp-hidden") as run:
        ...     with chroma.watch(net.hidden, run, model=net) as watcher:
        ...         for x, y, keys in batches:
        ...             with watcher.batch(ids=keys, labels=y):
        ...                 net(x)
    """
    try:
        import torch
    except ImportError as exc:  # pragma: no cover - exercised only without torch
        raise ImportError(
            "chroma.watch needs PyTorch: pip install 'chroma-embeddings[torch]'"
        ) from exc
    if not isinstance(layer, torch.nn.Module):
        raise InvalidInput(f"layer must be a torch.nn.Module, got {type(layer)!r}", where="layer")
    if model is not None and not isinstance(model, torch.nn.Module):
        raise InvalidInput(f"model must be a torch.nn.Module, got {type(model)!r}", where="model")
    if classes is not None and (isinstance(classes, str) or not len(classes)):
        raise InvalidInput("classes must be a non-empty sequence of names", where="classes")
    checked_step = None if step is None else check_step(step)
    watcher = Watch(
        layer, run, pool=check_pool(pool), model=model, classes=classes, step=checked_step
    )
    watcher.enabled = enabled
    return watcher
