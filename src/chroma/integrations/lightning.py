"""``ChromaCallback``: log a layer's embeddings from a PyTorch Lightning loop.

A thin wrapper of :func:`chroma.watch`: for the epochs it logs, it opens a run, watches
the layer while the chosen loop (validation by default) runs, attaches each batch's keys
and labels, and closes the run when the epoch ends, so every epoch's embeddings land in a
space of their own and can be compared map by map.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Any, Literal

from chroma.core.errors import InvalidInput
from chroma.sdk import Run, Watch, init, watch

try:
    from lightning.pytorch import Callback, LightningModule, Trainer
except ImportError as exc:  # pragma: no cover - exercised only without the extra
    raise ImportError(
        "chroma.integrations.lightning needs PyTorch Lightning: "
        "pip install 'chroma-embeddings[lightning]'"
    ) from exc

Loop = Literal["train", "val", "test", "predict"]
Fields = Callable[[Any], Mapping[str, Any]]
_LOOPS = ("train", "val", "test", "predict")
_BATCH_FIELDS = ("ids", "labels", "metadata", "images", "texts", "uris", "predictions", "scores")
_ALIASES = {"id": "ids", "key": "ids", "keys": "ids", "label": "labels", "y": "labels",
            "text": "texts", "uri": "uris"}  # fmt: skip


def batch_fields(batch: Any) -> dict[str, Any]:
    """The default ``fields``: what a batch says about its samples, for :meth:`Watch.batch`.

    A dict batch gives its entries named like the arguments of :meth:`Watch.batch`
    (``ids``, ``labels``, ``texts``, ...) or their singular (``id``, ``key``, ``label``,
    ``y``, ``text``, ``uri``); a tuple ``(x, y)`` gives labels, ``(x, y, ids)`` also keys.
    """
    if isinstance(batch, Mapping):
        found: dict[str, Any] = {}
        for name, value in batch.items():
            argument = name if name in _BATCH_FIELDS else _ALIASES.get(str(name))
            if argument is not None:
                found.setdefault(argument, value)
        return found
    if isinstance(batch, list | tuple) and len(batch) >= 2:
        return {"labels": batch[1]} | ({"ids": batch[2]} if len(batch) >= 3 else {})
    return {}


class ChromaCallback(Callback):
    """Log the output of ``pl_module.<module_path>`` during a loop, one space per epoch.

    Args:
        module_path: The layer, as a dotted path from the LightningModule
            (``"encoder.layer.3"``; see ``nn.Module.get_submodule``).
        project: Project name.
        dataset: Dataset the rows go to; ``{stage}`` becomes the loop (``val``).
        space: Space name; ``{module}`` becomes ``module_path`` and ``{epoch}`` the epoch
            (Lightning's, from 0), so each epoch gets a space of its own.
        every_n_epochs: Log the epochs ``n - 1``, ``2n - 1``, ... (as Lightning's
            ``check_val_every_n_epoch`` counts). Test and predict loops log every run.
        dataloader: The loop whose batches are logged: ``"val"`` (the default; Lightning's
            sanity check is skipped), ``"train"``, ``"test"`` or ``"predict"``.
        fields: Batch -> the keyword arguments of :meth:`Watch.batch` (``ids``,
            ``labels``, ``metadata``, ...). Default: :func:`batch_fields`. Without ``ids``
            each epoch's rows get new keys, so give keys to follow a sample across epochs.
        pool: How the layer's output becomes one vector per sample (see :func:`chroma.watch`).
        predictions: Also log the module's output (logits) as predictions and scores.
        classes: Class names, indexed by label / logit position.
        url: Server address. Default: ``$CHROMA_URL``, else ``http://127.0.0.1:8000``.
        token: Bearer token. Default: ``$CHROMA_TOKEN``, else ``$CHROMA_AUTH_TOKEN``.
        **init_options: Passed on to :func:`chroma.init` (``batch_size``, ``spool``, ...).

    Attributes:
        logged: Rows logged per space, once its epoch ended.

    Raises:
        InvalidInput: A bad argument now; a ``module_path`` the module does not have when
            the trainer starts (before any training).

    Example::

        callback = ChromaCallback("encoder", project="digits", classes=names)
        Trainer(max_epochs=5, callbacks=[callback]).fit(model, train_loader, val_loader)
    """

    def __init__(
        self,
        module_path: str,
        *,
        project: str,
        dataset: str = "{stage}",
        space: str = "{module}@epoch-{epoch}",
        every_n_epochs: int = 1,
        dataloader: Loop = "val",
        fields: Fields | None = None,
        pool: Any = "auto",
        predictions: bool = False,
        classes: Sequence[str] | None = None,
        url: str | None = None,
        token: str | None = None,
        **init_options: Any,
    ) -> None:
        if dataloader not in _LOOPS:
            raise InvalidInput(
                f"dataloader must be one of {', '.join(_LOOPS)}, got {dataloader!r}",
                where="dataloader",
            )
        if every_n_epochs < 1:
            raise InvalidInput("every_n_epochs must be at least 1", where="every_n_epochs")
        self.module_path = module_path
        self.project = project
        self.dataset = dataset
        self.space = space
        self.every_n_epochs = every_n_epochs
        self.dataloader = dataloader
        self.fields = fields or batch_fields
        self.pool = pool
        self.predictions = predictions
        self.classes = classes
        self.url = url
        self.token = token
        self.init_options = init_options
        self.logged: dict[str, int] = {}
        self._run: Run | None = None
        self._watch: Watch | None = None
        self._batch: Any = None

    # ---- when to log ---------------------------------------------------------------------

    def _layer(self, pl_module: LightningModule) -> Any:
        try:
            return pl_module.get_submodule(self.module_path)
        except AttributeError as exc:
            names = [name for name, _ in pl_module.named_modules() if name][:20]
            raise InvalidInput(
                f"{type(pl_module).__name__} has no module {self.module_path!r} ({exc}); "
                f"it has {names}",
                where="module_path",
            ) from exc

    def setup(self, trainer: Trainer, pl_module: LightningModule, stage: str) -> None:
        self._layer(pl_module)  # a typo fails now, not after the first epoch's training

    def _due(self, trainer: Trainer, loop: str) -> bool:
        if loop != self.dataloader or trainer.sanity_checking:
            return False
        if loop in ("test", "predict"):
            return True
        return bool((trainer.current_epoch + 1) % self.every_n_epochs == 0)

    def _start(self, trainer: Trainer, pl_module: LightningModule, loop: str) -> None:
        if not self._due(trainer, loop):
            return
        epoch = trainer.current_epoch
        space = self.space.format(module=self.module_path, epoch=epoch, stage=loop)
        dataset = self.dataset.format(module=self.module_path, epoch=epoch, stage=loop)
        self._run = init(
            self.project,
            dataset,
            space,
            self.url,
            token=self.token,
            model=type(pl_module).__name__,
            layer=self.module_path,
            **self.init_options,
        )
        self._watch = watch(
            self._layer(pl_module),
            self._run,
            pool=self.pool,
            model=pl_module if self.predictions else None,
            classes=self.classes,
            enabled=False,
        )

    def _batch_start(self, loop: str, batch: Any) -> None:
        # The hooks are on only inside this loop's batches: a validation run inside a
        # training epoch (or the sanity check) must not land in the training space.
        if self._watch is not None and loop == self.dataloader:
            self._watch.enabled = True
            self._batch = self._watch.batch(**self.fields(batch))
            self._batch.__enter__()

    def _batch_end(self) -> None:
        if self._watch is not None:
            self._watch.enabled = False
        if self._batch is not None:
            batch, self._batch = self._batch, None
            batch.__exit__(None, None, None)

    def _end(self) -> None:
        """Remove the hooks and close the run (its rows are sent and the space mapped)."""
        self._batch_end()
        run, watcher = self._run, self._watch
        self._run = self._watch = None
        if watcher is not None:
            watcher.remove()
        if run is not None:
            run.close()
            if watcher is not None:
                self.logged[run.space] = self.logged.get(run.space, 0) + watcher.logged

    def on_exception(
        self, trainer: Trainer, pl_module: LightningModule, exception: BaseException
    ) -> None:
        self._end()  # what was logged before the failure is kept

    # ---- the loops' hooks ----------------------------------------------------------------

    def on_train_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._start(trainer, pl_module, "train")

    def on_train_batch_start(self, trainer: Trainer, pl_module: Any, batch: Any, *_: Any) -> None:
        self._batch_start("train", batch)

    def on_train_batch_end(self, *_: Any) -> None:
        self._batch_end()

    def on_train_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self.dataloader == "train":
            self._end()

    def on_validation_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._start(trainer, pl_module, "val")

    def on_validation_batch_start(
        self, trainer: Trainer, pl_module: Any, batch: Any, *_: Any
    ) -> None:
        self._batch_start("val", batch)

    def on_validation_batch_end(self, *_: Any) -> None:
        self._batch_end()

    def on_validation_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self.dataloader == "val":
            self._end()

    def on_test_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._start(trainer, pl_module, "test")

    def on_test_batch_start(self, trainer: Trainer, pl_module: Any, batch: Any, *_: Any) -> None:
        self._batch_start("test", batch)

    def on_test_batch_end(self, *_: Any) -> None:
        self._batch_end()

    def on_test_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self.dataloader == "test":
            self._end()

    def on_predict_epoch_start(self, trainer: Trainer, pl_module: LightningModule) -> None:
        self._start(trainer, pl_module, "predict")

    def on_predict_batch_start(self, trainer: Trainer, pl_module: Any, batch: Any, *_: Any) -> None:
        self._batch_start("predict", batch)

    def on_predict_batch_end(self, *_: Any) -> None:
        self._batch_end()

    def on_predict_epoch_end(self, trainer: Trainer, pl_module: LightningModule) -> None:
        if self.dataloader == "predict":
            self._end()
