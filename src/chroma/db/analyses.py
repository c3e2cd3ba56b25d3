"""Per-datapoint analysis results as chunks: int64 datapoint ids and an Arrow IPC stream.

Like vectors and coordinates (ADR 0002), no row per datapoint nor per score: a million
scores of several columns are a handful of rows, written in the transaction that marks the
analysis ready and read back with ``frombuffer`` and Arrow's zero-copy reader (ADR 0008).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import numpy.typing as npt
import pyarrow as pa
from sqlalchemy import delete, select
from sqlalchemy.orm import Session

from chroma.db.models import AnalysisChunk

CHUNK_ROWS = 262_144


@dataclass
class AnalysisResults:
    datapoint_ids: npt.NDArray[np.int64]
    table: pa.Table
    """One row per datapoint id, in the same order."""

    def __len__(self) -> int:
        return len(self.datapoint_ids)


def _ipc(batch: pa.RecordBatch) -> bytes:
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, batch.schema) as writer:
        writer.write_batch(batch)
    return bytes(sink.getvalue().to_pybytes())


def write_results(
    session: Session, analysis_id: int, datapoint_ids: npt.NDArray[np.int64], table: pa.Table
) -> None:
    if table.num_rows != len(datapoint_ids):
        raise ValueError(f"{table.num_rows} result rows for {len(datapoint_ids)} datapoints")
    ids = np.ascontiguousarray(datapoint_ids, dtype="<i8")
    for start in range(0, max(len(ids), 1), CHUNK_ROWS):
        part = table.slice(start, CHUNK_ROWS).combine_chunks()
        batches = part.to_batches()
        batch = batches[0] if batches else pa.RecordBatch.from_pylist([], schema=table.schema)
        session.add(
            AnalysisChunk(
                analysis_id=analysis_id,
                count=batch.num_rows,
                datapoint_ids=ids[start : start + CHUNK_ROWS].tobytes(),
                columns=_ipc(batch),
            )
        )
    session.flush()


def clear_results(session: Session, analysis_id: int) -> None:
    session.execute(delete(AnalysisChunk).where(AnalysisChunk.analysis_id == analysis_id))


def read_results(session: Session, analysis_id: int) -> AnalysisResults:
    rows = session.execute(
        select(AnalysisChunk.datapoint_ids, AnalysisChunk.columns)
        .where(AnalysisChunk.analysis_id == analysis_id)
        .order_by(AnalysisChunk.id)
    ).all()
    if not rows:
        return AnalysisResults(np.empty(0, np.int64), pa.table({}))
    ids = np.concatenate([np.frombuffer(r[0], dtype="<i8") for r in rows])
    tables = [pa.ipc.open_stream(r[1]).read_all() for r in rows]
    table = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
    return AnalysisResults(ids.astype(np.int64, copy=False), table)
