"""What an Arrow IPC stream costs once decoded, read from its message headers before any
record batch is materialised.

Arrow IPC may compress every buffer of a record batch (zstd or lz4; a reader decompresses
on its own), so a 17 KB body can carry 512 MiB of zeros: the size of the body says nothing
of the memory reading it takes. The headers do: each record batch (and dictionary batch)
lists its buffers as (offset, length) in the body, and when the batch is compressed, each
buffer starts with its uncompressed length as a little-endian int64 (-1: stored as is).
Summing those bounds what reading the stream allocates, and the batch lengths its rows.

The flatbuffer fields needed (``Message.header`` -> ``RecordBatch.length``, ``.buffers``,
``.compression``; ``DictionaryBatch.data``) are read by hand here, by the layout in the
Arrow format's ``Message.fbs``; pyarrow has already verified each message's flatbuffer.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

import pyarrow as pa

from chroma.core.errors import InvalidInput

# Field slots in the flatbuffer tables (a union takes two: its type, then its value).
_MESSAGE_HEADER = 2
_RECORD_BATCH_LENGTH = 0
_RECORD_BATCH_BUFFERS = 2
_RECORD_BATCH_COMPRESSION = 3
_DICTIONARY_BATCH_DATA = 1
_UNCOMPRESSED = -1
"""A compressed batch's buffer stored as is (compression would not have paid)."""


@dataclass(frozen=True)
class StreamSize:
    decoded_bytes: int
    """Bytes the record and dictionary batches take once read (decompressed)."""
    rows: int
    """Rows of the record batches."""


class _Table:
    """One flatbuffer table: its fields by slot."""

    def __init__(self, data: memoryview, position: int) -> None:
        self.data = data
        self.position = position
        self.vtable = position - _int(data, "<i", position)
        self.vtable_size = _int(data, "<H", self.vtable)

    def _offset(self, slot: int) -> int:
        entry = 4 + 2 * slot
        return _int(self.data, "<H", self.vtable + entry) if entry < self.vtable_size else 0

    def int64(self, slot: int) -> int:
        offset = self._offset(slot)
        return _int(self.data, "<q", self.position + offset) if offset else 0

    def table(self, slot: int) -> _Table | None:
        offset = self._offset(slot)
        if not offset:
            return None
        at = self.position + offset
        return _Table(self.data, at + _int(self.data, "<I", at))

    def pairs(self, slot: int) -> list[tuple[int, int]]:
        """A vector of structs of two int64 (a ``Buffer``: offset, length)."""
        offset = self._offset(slot)
        if not offset:
            return []
        at = self.position + offset
        start = at + _int(self.data, "<I", at)
        count = _int(self.data, "<I", start)
        values = struct.unpack_from(f"<{2 * count}q", self.data, start + 4)
        return list(zip(values[0::2], values[1::2], strict=True))


def _int(data: memoryview, kind: str, at: int) -> int:
    if at < 0:
        raise struct.error("negative offset")
    return int(struct.unpack_from(kind, data, at)[0])


def _batch_bytes(batch: _Table, body: memoryview) -> int:
    compressed = batch.table(_RECORD_BATCH_COMPRESSION) is not None
    total = 0
    for offset, length in batch.pairs(_RECORD_BATCH_BUFFERS):
        if offset < 0 or length < 0 or offset + length > len(body):
            raise InvalidInput("an Arrow buffer lies outside its message body", where="body")
        if not compressed or length < 8:
            total += length
            continue
        stored = _int(body, "<q", offset)
        if stored == _UNCOMPRESSED:
            total += length - 8
        elif stored < 0:
            raise InvalidInput("an Arrow buffer has a negative length", where="body")
        else:
            total += stored
    return total


def stream_size(body: bytes) -> StreamSize:
    """The decoded size and rows of an Arrow IPC stream, from its headers alone."""
    reader = pa.BufferReader(pa.py_buffer(body))
    decoded = rows = 0
    try:
        while True:
            try:
                message = pa.ipc.read_message(reader)
            except EOFError:
                break
            if message.type not in ("record batch", "dictionary"):
                continue
            metadata = memoryview(message.metadata)
            root = _Table(metadata, _int(metadata, "<I", 0))
            header = root.table(_MESSAGE_HEADER)
            if header is None:
                raise InvalidInput("an Arrow message has no header", where="body")
            if message.type == "dictionary":
                header = header.table(_DICTIONARY_BATCH_DATA)
                if header is None:
                    raise InvalidInput("an Arrow dictionary batch has no data", where="body")
            else:
                length = header.int64(_RECORD_BATCH_LENGTH)
                if length < 0:
                    raise InvalidInput("an Arrow record batch has a negative length", where="body")
                rows += length
            body_view = memoryview(message.body) if message.body is not None else memoryview(b"")
            decoded += _batch_bytes(header, body_view)
    except (pa.ArrowInvalid, pa.ArrowTypeError, OSError, struct.error, ValueError) as exc:
        raise InvalidInput(
            f"the body is not a valid Arrow IPC stream: {exc}", where="body"
        ) from exc
    return StreamSize(decoded_bytes=decoded, rows=rows)
