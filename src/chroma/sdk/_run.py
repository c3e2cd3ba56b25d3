"""The :class:`Run`: log rows; they reach the server in batches, on a background thread."""

from __future__ import annotations

import atexit
import logging
import sys
import threading
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path
from types import TracebackType
from typing import TYPE_CHECKING, Any

import numpy as np
import pyarrow as pa

from chroma.core import wire
from chroma.core.errors import ChromaError
from chroma.core.steps import check_step, step_space
from chroma.sdk._client import Client, OnRetry, Params, RetryPolicy
from chroma.sdk._convert import Rows, encode_batch, frame_arguments, prepare
from chroma.sdk._read import Vectors, datapoints_frame, fetch_datapoints_table, fetch_vectors
from chroma.sdk._run_maps import RunMaps
from chroma.sdk._sender import Batch, Sender
from chroma.sdk._spool import Spool, run_manifest

log = logging.getLogger("chroma.sdk")

if TYPE_CHECKING:
    import pandas as pd

_open_runs: set[Run] = set()

# Batches of wide vectors get fewer rows: memory stays bounded (several batches are queued
# or in flight) and requests stay far below the server's size limit (1 GiB by default).
MAX_BATCH_VECTOR_BYTES = 64 << 20


class Run(RunMaps):
    """Rows logged into one dataset and space of a project; made by :func:`chroma.init`.

    ``log`` checks and buffers rows; full batches go to the server on background
    threads, so your code and the network overlap. When the server does not answer (a
    restart), batches are retried for ``patience`` seconds and wait in memory, then in the
    spool on disk. A failure of a background send is raised by your next call to ``log``,
    ``flush`` or ``close``.

    Attributes:
        project: Project name.
        dataset: Dataset name.
        space: Space name.
        url: Server address.
    """

    def __init__(
        self,
        client: Client,
        *,
        project: str,
        dataset: str,
        space: str,
        model: str | None,
        layer: str | None,
        batch_size: int,
        max_queued_batches: int,
        max_in_flight: int,
        dimension: int | None,
        ingest_retry: RetryPolicy | None = None,
        spool: Path | None = None,
        max_spool_bytes: int = 4 << 30,
    ) -> None:
        self.project = project
        self.dataset = dataset
        self.space = space
        self.url = client.url
        self._client = client
        self._ingest_params: Params = {
            "project": project,
            "dataset": dataset,
            "space": space,
            "create": True,
            "space_model": model,
            "space_layer": layer,
        }
        self._step_config: dict[str, Any] = {
            "model": model,
            "layer": layer,
            "batch_size": batch_size,
            "max_queued_batches": max_queued_batches,
            "max_in_flight": max_in_flight,
            "ingest_retry": ingest_retry,
            "spool": spool,
            "max_spool_bytes": max_spool_bytes,
        }
        self._steps: dict[int, Run] = {}
        """The runs into this family's step spaces (``log(..., step=)``), by step."""
        self._batch_size = batch_size
        self._dimension = dimension
        self._lock = threading.RLock()
        self._pending: list[Rows] = []
        self._pending_rows = 0
        self._pending_keys: set[str] = set()
        self._pending_columns: frozenset[str] = frozenset()
        self._sealed_rows = 0
        self._counts_lock = threading.Lock()
        self._inserted = 0
        self._updated = 0
        self._closed = False
        self._unsettled = False
        """Rows were sent: at close, the server is told to update the space's maps now."""
        self._ingest_retry = ingest_retry or client.retry
        self._sender = Sender(
            self._send,
            max_queued=max_queued_batches,
            max_in_flight=max_in_flight,
            spool=None
            if spool is None
            else Spool(spool, run_manifest(client.url, self._ingest_params), max_spool_bytes),
            url=client.url,
            patience=self._ingest_retry.patience,
        )
        _open_runs.add(self)

    def __repr__(self) -> str:
        return (
            f"<chroma.Run project={self.project!r} dataset={self.dataset!r} "
            f"space={self.space!r} url={self.url!r}>"
        )

    @property
    def dimension(self) -> int | None:
        """The space's vector dimension, once known (existing space, or first ``log``)."""
        return self._dimension

    @property
    def inserted(self) -> int:
        """Rows the server has acknowledged as new datapoints."""
        with self._counts_lock:
            return self._inserted

    @property
    def updated(self) -> int:
        """Rows the server has acknowledged as updates of keys it already held."""
        with self._counts_lock:
            return self._updated

    # ---- logging ---------------------------------------------------------------------------

    def log(
        self,
        embeddings: Any,
        ids: Any = None,
        labels: Any = None,
        predictions: Any = None,
        scores: Any = None,
        metadata: Any = None,
        uris: Any = None,
        texts: Any = None,
        images: Any = None,
        step: Any = None,
    ) -> list[str]:
        """Check rows and queue them for sending.

        Everything is checked before anything is queued: a call that raises logs nothing.
        Logging a key again updates that datapoint (the server upserts by key); columns not
        passed keep their stored values.

        Args:
            embeddings: One vector per row: a 2-D numpy array (or anything ``np.asarray``
                takes, e.g. a CPU tensor), a list of equal-length lists, or a DataFrame of
                either one column of vectors or only numeric columns.
            ids: Client keys, unique within the call (ints become strings). Default: new
                uuid4 hex keys, returned so you can log the same rows again.
            labels: Ground-truth labels; stored as strings (``3`` becomes ``"3"``).
            predictions: The model's predictions; stored as strings.
            scores: The model's score for its prediction (float); NaN means none.
            metadata: A dict per row (JSON-serializable; numpy scalars and timestamps are
                fine), or a DataFrame whose rows become the dicts.
            uris: Where each row's resource lives (path or URL).
            texts: Inline text per row.
            images: Per row: PNG/JPEG bytes, or a uint8 array ``(h, w)``, ``(h, w, 3)``,
                ``(h, w, 4)`` (encoded as PNG), or None. A 3-D/4-D uint8 array is read as a
                stack of images.
            step: The training step (an epoch) these embeddings were taken at: a whole
                number from 0 to 2**31 - 1. Rows then go to the space
                ``<space>@step=<step>``, one space per step, forming the family ``<space>``:
                log the same ids at each step and the maps of the steps are aligned step to
                step, with each point's ``movement`` as a points column (the Explorer's
                step slider animates them). Each step's map is made when the run closes.

        Returns:
            The rows' keys, in order.

        Raises:
            InvalidInput: The rows break a rule; ``where`` names the argument and row,
                e.g. ``"embeddings[17]"`` or ``"labels"``; ``"step"`` for a step that is
                not a whole number in range (a bool, a float, a string, a huge int).
            ChromaError: A batch sent earlier failed (the server's error class and
                message); this call then logs nothing.

        Example::

            for epoch in range(3):
                train_one_epoch(net)
                run.log(embed(net, x_test), ids=keys, labels=y_test, step=epoch)
        """
        optional = {
            "labels": labels,
            "predictions": predictions,
            "scores": scores,
            "metadata": metadata,
            "uris": uris,
            "texts": texts,
            "images": images,
        }
        if step is not None:
            return self._step_run(step)._log(embeddings, ids, optional, None)
        return self._log(embeddings, ids, optional, None)

    def _step_run(self, step: Any) -> Run:
        """The run logging into this family's space for ``step`` (made on first use; its
        own sender, so each batch goes to one space)."""
        number = check_step(step)  # a bad step is refused before anything is queued
        name = step_space(self.space, number)
        with self._lock:
            self._check_open()
            child = self._steps.get(number)
            if child is None:
                child = Run(
                    self._fresh_client(),
                    project=self.project,
                    dataset=self.dataset,
                    space=name,
                    dimension=None,
                    **self._step_config,
                )
                _open_runs.discard(child)  # closed with this run, in step order
                self._steps[number] = child
            return child

    @property
    def steps(self) -> list[int]:
        """The steps logged through this run (``log(..., step=)``), in order."""
        with self._lock:
            return sorted(self._steps)

    def log_dataframe(
        self,
        frame: pd.DataFrame,
        *,
        embedding_column: str | Sequence[str] = "embedding",
        id_column: str | None = None,
        label_column: str | None = None,
        prediction_column: str | None = None,
        score_column: str | None = None,
        uri_column: str | None = None,
        text_column: str | None = None,
        image_column: str | None = None,
        metadata_columns: Sequence[str] | None = None,
        step: Any = None,
    ) -> list[str]:
        """Log a DataFrame whose columns hold the vectors and the other fields.

        Args:
            frame: One row per datapoint.
            embedding_column: The column of vectors, or a list of numeric columns that
                together form each vector.
            id_column: Column of client keys. Default: generated keys.
            label_column: Column of labels.
            prediction_column: Column of predictions.
            score_column: Column of scores.
            uri_column: Column of resource URIs.
            text_column: Column of inline texts.
            image_column: Column of image bytes or uint8 arrays.
            metadata_columns: Columns gathered into each row's metadata dict. Default: every
                column not named above; pass ``[]`` for none.
            step: The training step (an epoch) these embeddings were taken at, as for
                :meth:`log`: a whole number from 0 to 2**31 - 1; the rows then go to the
                space ``<space>@step=<step>`` of the family ``<space>``, whose maps are
                aligned step to step when the run closes.

        Returns:
            The rows' keys, in order.

        Raises:
            InvalidInput: As for :meth:`log`; ``where`` names the column, e.g. ``"y[3]"``,
                or ``"step"`` for a step that is not a whole number in range (a bool, a
                float, a string, a huge int). A call that raises logs nothing.

        Example::

            run.log_dataframe(df, embedding_column="emb", id_column="id", label_column="y")
            for epoch in range(3):
                run.log_dataframe(frames[epoch], embedding_column="emb", id_column="id", step=epoch)
        """
        chosen = {
            "ids": id_column,
            "labels": label_column,
            "predictions": prediction_column,
            "scores": score_column,
            "uris": uri_column,
            "texts": text_column,
            "images": image_column,
        }
        # As log(): a bad step is refused before the frame is read or anything is queued.
        target = self if step is None else self._step_run(step)
        embeddings, ids, optional, names = frame_arguments(
            frame, embedding_column, chosen, metadata_columns
        )
        return target._log(embeddings, ids, optional, names)

    def _log(
        self,
        embeddings: Any,
        ids: Any,
        optional: Mapping[str, Any],
        names: Mapping[str, str] | None,
    ) -> list[str]:
        with self._lock:
            self._check_open()
            self._sender.raise_error()
            rows = prepare(
                embeddings, ids=ids, optional=optional, dimension=self._dimension, names=names
            )
            if self._dimension is None:
                self._dimension = rows.dimension
            self._buffer(rows)
            return rows.keys

    @property
    def _rows_per_batch(self) -> int:
        """``batch_size``, capped so one batch's vectors stay under MAX_BATCH_VECTOR_BYTES."""
        if self._dimension is None:
            return self._batch_size
        cap = MAX_BATCH_VECTOR_BYTES // (4 * self._dimension)
        return max(1, min(self._batch_size, cap))

    def _buffer(self, rows: Rows) -> None:
        columns = frozenset(rows.columns)
        per_batch = self._rows_per_batch
        # A batch carries one set of columns (absent ones keep stored values on the server)
        # and each key at most once (the server refuses repeats): otherwise start a new one.
        if self._pending and (
            columns != self._pending_columns or not self._pending_keys.isdisjoint(rows.keys)
        ):
            self._seal()
        start = 0
        while start < len(rows):
            take = min(per_batch - self._pending_rows, len(rows) - start)
            piece = rows if take == len(rows) else rows.slice(start, start + take)
            self._pending.append(piece)
            self._pending_rows += take
            self._pending_keys.update(piece.keys)
            self._pending_columns = columns
            start += take
            if self._pending_rows >= per_batch:
                self._seal()

    def _seal(self) -> None:
        """Encode the pending rows as one batch and hand it to the sender (may block)."""
        if not self._pending:
            return
        pieces = self._pending
        merged = pieces[0]
        if len(pieces) > 1:
            merged = Rows(
                keys=[key for piece in pieces for key in piece.keys],
                vectors=np.concatenate([piece.vectors for piece in pieces]),
                columns={
                    name: pa.concat_arrays([piece.columns[name] for piece in pieces])
                    for name in self._pending_columns
                },
            )
        batch = Batch(
            body=encode_batch(merged),
            rows=len(merged),
            first_row=self._sealed_rows,
            keys=frozenset(self._pending_keys),
        )
        self._pending, self._pending_rows, self._pending_keys = [], 0, set()
        self._sealed_rows += batch.rows
        self._sender.submit(batch)
        self._unsettled = True

    def _send(self, body: bytes, on_retry: OnRetry) -> None:
        """Runs on a sender thread; retries re-send the very same bytes."""
        response = self._client.request(
            "POST",
            "/api/v1/ingest",
            params=self._ingest_params,
            content=body,
            headers={"content-type": wire.ARROW_STREAM_MEDIA_TYPE},
            retry=self._ingest_retry,
            on_retry=on_retry,
        )
        result = response.json()
        with self._counts_lock:
            self._inserted += int(result.get("inserted", 0))
            self._updated += int(result.get("updated", 0))

    def flush(self) -> None:
        """Send everything logged so far and wait until the server has acknowledged it.

        Raises:
            ChromaError: A batch failed (the server's error class, message and ``where``).
            ChromaConnectionError: The server did not answer for ``patience`` seconds; its
                ``unsent`` lists the batches not stored and ``spool`` the folder that
                keeps them (send them later with :func:`chroma.resend_spool`).
        """
        with self._lock:
            self._check_open()
            self._seal()
            children = [self._steps[s] for s in sorted(self._steps) if not self._steps[s]._closed]
        self._sender.wait()
        self._sender.raise_error()
        for child in children:
            child.flush()

    def close(self) -> None:
        """Flush, then stop the sender thread and close connections. Safe to call twice.

        A run that logged anything then tells the server it is done: the space's neighbour
        index and maps are updated at once, not after the few quiet seconds the server
        waits for while data keeps coming.

        While the server does not answer, this waits up to ``patience`` seconds. Interrupted
        (Ctrl-C), it stops waiting: what was not stored is kept in the spool, and notes on
        the ``KeyboardInterrupt`` say which rows and where.
        """
        if self._closed:
            return
        try:
            # Steps in order: each step's first map is made aligned to the previous step's.
            for step in sorted(self._steps):
                self._steps[step].close()
            try:
                self.flush()
            except KeyboardInterrupt as interrupt:
                self._sender.abandon(interrupt)
                raise
            if self._unsettled:
                self._ask_for_maps()
        finally:
            self._closed = True
            self._sender.stop()
            self._client.close()
            _open_runs.discard(self)

    def _ask_for_maps(self) -> None:
        """Tell the server this run is done, so it maps the space now. A hint, not data:
        everything logged is already stored, so a server that does not take it (gone
        again, older) costs only the usual quiet period, never an error."""
        params = {"project": self.project, "space": self.space}
        try:
            self._client.request("POST", "/api/v1/refresh", params=params)
        except ChromaError as exc:
            log.info("the server will map %r after its quiet period (%s)", self.space, exc)
        self._unsettled = False

    def __enter__(self) -> Run:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        if exc is None:
            self.close()
            return
        # Keep what was logged before the failure, but let the user's exception win.
        try:
            self.close()
        except Exception as flush_error:
            exc.add_note(f"chroma: flushing the run on exit also failed: {flush_error!r}")

    def _check_open(self) -> None:
        if self._closed:
            raise ValueError(f"{self!r} is closed")

    # ---- reading back ----------------------------------------------------------------------

    def _datasets(self, dataset: str | Sequence[str] | None) -> str | Sequence[str]:
        return self.dataset if dataset is None else dataset

    def _reader(self) -> Client:
        """Reads flush first (when open), so they see everything logged so far."""
        if not self._closed:
            self.flush()
        return self._client if not self._closed else self._fresh_client()

    def _fresh_client(self) -> Client:
        return Client(
            self._client.url,
            token=self._client.token,
            timeout=self._client.timeout,
            retry=self._client.retry,
            transport=self._client.transport,
        )

    def vectors(self, dataset: str | Sequence[str] | None = None, *, keys: bool = True) -> Vectors:
        """Read this space's vectors back, bit-exact, streamed into one float32 matrix.

        Args:
            dataset: A dataset name or several. Default: this run's dataset. For every
                dataset of the project use :func:`chroma.read_vectors`.
            keys: Also read each row's client key (skip for speed on big spaces).

        Returns:
            A :class:`Vectors`: ``.vectors`` ``(n, dim)`` float32, ``.keys``,
            ``.datasets``, ``.datapoint_ids``; rows in the server's storage order.

        Raises:
            NotFound: Unknown project, space or dataset.
        """
        client = self._reader()
        try:
            return fetch_vectors(
                client,
                project=self.project,
                space=self.space,
                datasets=self._datasets(dataset),
                keys=keys,
            )
        finally:
            if client is not self._client:
                client.close()

    def datapoints(self, dataset: str | Sequence[str] | None = None) -> pd.DataFrame:
        """Read the datapoints back as a DataFrame, one row each, in logging order.

        Columns: ``datapoint_id``, ``dataset``, ``key``, ``label``, ``prediction``,
        ``score``, ``metadata`` (a dict per row, or None; expand with
        ``pd.json_normalize(df["metadata"].tolist())``), ``uri``, ``text``, ``has_image``,
        ``tags`` (list of str).

        Args:
            dataset: A dataset name or several. Default: this run's dataset. For every
                dataset of the project use :func:`chroma.read_datapoints`.

        Raises:
            NotFound: Unknown project or dataset.
        """
        client = self._reader()
        try:
            table = fetch_datapoints_table(
                client, project=self.project, datasets=self._datasets(dataset)
            )
        finally:
            if client is not self._client:
                client.close()
        return datapoints_frame(table)

    def to_pandas(self, dataset: str | Sequence[str] | None = None) -> pd.DataFrame:
        """:meth:`datapoints` with a ``vector`` column (a float32 array per row).

        Handy for small data; for big spaces use :meth:`vectors`, which keeps one matrix.
        Datapoints without a vector in this space get None.
        """
        frame = self.datapoints(dataset)
        read = self.vectors(dataset, keys=False)
        row_of = {int(i): row for row, i in enumerate(read.datapoint_ids)}
        frame["vector"] = [
            read.vectors[row_of[i]] if i in row_of else None for i in frame["datapoint_id"].tolist()
        ]
        return frame

    # ---- maps, neighbours and jobs -----------------------------------------------------------

    @contextmanager
    def _connection(self) -> Iterator[Client]:
        """A client that sees everything logged so far (flushes first while the run is open)."""
        client = self._reader()
        try:
            yield client
        finally:
            if client is not self._client:
                client.close()


@atexit.register
def _close_open_runs() -> None:
    """Rows logged but not yet sent when the interpreter exits are sent, not lost."""
    for run in list(_open_runs):
        try:
            run.close()
        except Exception as exc:
            sys.stderr.write(f"chroma: could not flush {run!r} at exit: {exc}\n")
