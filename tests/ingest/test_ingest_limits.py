"""The ingest limits (issue 14, item 6): their defaults and settings, the decoded size of an
Arrow stream read from its headers, and each limit's edge (at the limit is accepted, one
over is refused). The refusals over HTTP: tests/server/test_hostile_input.py."""

from __future__ import annotations

import io
import struct

import numpy as np
import orjson
import pyarrow as pa
import pytest
from ingest_bodies import body, random_vectors, row_counts, table, to_stream
from PIL import Image

from chroma.core.errors import InvalidInput, PayloadTooLarge
from chroma.services.arrow_size import stream_size
from chroma.services.ingest_batch import IngestLimits, read_arrow_stream, validate
from chroma.settings import Settings


def test_defaults_and_their_environment_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    defaults = Settings()
    assert defaults.max_request_bytes == 1 << 30
    assert defaults.max_batch_rows == 1_000_000
    assert defaults.max_dimension == 65_536
    assert defaults.max_metadata_bytes == 64 << 10
    assert defaults.max_metadata_fields == 256
    assert defaults.max_points_columns == 64
    assert defaults.image_max_bytes == 32 << 20
    for name, value in (
        ("MAX_BATCH_ROWS", "10"),
        ("MAX_DIMENSION", "11"),
        ("MAX_METADATA_BYTES", "12"),
        ("MAX_METADATA_FIELDS", "13"),
        ("MAX_POINTS_COLUMNS", "14"),
    ):
        monkeypatch.setenv(f"CHROMA_{name}", value)
    limits = IngestLimits.of(Settings())
    assert (limits.max_rows, limits.max_dimension) == (10, 11)
    assert (limits.max_metadata_bytes, limits.max_metadata_fields) == (12, 13)
    assert Settings().max_points_columns == 14


def _stream(tbl: pa.Table, compression: str | None, chunk: int | None = None) -> bytes:
    sink = pa.BufferOutputStream()
    options = pa.ipc.IpcWriteOptions(compression=compression)
    with pa.ipc.new_stream(sink, tbl.schema, options=options) as writer:
        writer.write_table(tbl, max_chunksize=chunk)
    return bytes(sink.getvalue().to_pybytes())


@pytest.mark.parametrize("compression", [None, "zstd", "lz4"])
def test_the_decoded_size_is_read_from_the_headers(compression: str | None) -> None:
    """Every buffer of every batch, dictionaries included, as the reader will hold them."""
    rows = 1000
    tbl = table(
        [f"k{i}" for i in range(rows)],
        random_vectors(rows),
        label=pa.array([f"class {i % 7}" for i in range(rows)]).dictionary_encode(),
        metadata=[{"i": i} for i in range(rows)],
        image=[None] * (rows - 1) + [b"\x89PNG" * 50],
    )
    data = _stream(tbl, compression, chunk=300)

    size = stream_size(data)

    read = pa.ipc.open_stream(data).read_all()
    held = sum(
        buffer.size
        for column in read.columns
        for chunk in column.chunks
        for buffer in chunk.buffers()
        if buffer is not None
    )
    dictionary = read.column("label").chunks[0].dictionary
    held += sum(b.size for b in dictionary.buffers() if b is not None)  # sent once
    assert size.rows == rows
    assert size.decoded_bytes == held


def test_a_small_compressed_body_is_refused_before_it_is_read() -> None:
    zeros = np.zeros((16_384, 1024), np.float32)  # 64 MiB
    data = _stream(table([f"k{i}" for i in range(len(zeros))], zeros), "zstd")
    assert len(data) < 1 << 20

    assert stream_size(data).decoded_bytes > zeros.nbytes
    with pytest.raises(PayloadTooLarge, match="once decompressed") as refused:
        read_arrow_stream(data, IngestLimits(max_bytes=32 << 20))
    assert refused.value.where == "body"


def _first_length_prefix(data: bytes, value: int) -> bytes:
    """The stream with its record batch's first compressed buffer claiming ``value`` bytes."""
    reader = pa.BufferReader(data)
    message = pa.ipc.read_message(reader)
    while message.type != "record batch":
        message = pa.ipc.read_message(reader)
    start = reader.tell() - message.body.size
    return data[:start] + struct.pack("<q", value) + data[start + 8 :]


def test_headers_are_taken_at_their_word_and_checked() -> None:
    """A length prefix claiming more than the limit is refused (never decompressed to see);
    one that makes no sense is refused as invalid."""
    data = _stream(table(["a"], random_vectors(1)), "zstd")
    with pytest.raises(PayloadTooLarge, match="once decompressed"):
        read_arrow_stream(_first_length_prefix(data, 1 << 40), IngestLimits(max_bytes=1 << 20))
    with pytest.raises(InvalidInput, match="negative length") as refused:
        read_arrow_stream(_first_length_prefix(data, -5), IngestLimits(max_bytes=1 << 20))
    assert refused.value.where == "body"


def _png(nbytes_at_least: int) -> bytes:
    side = 8
    while True:
        pixels = np.random.default_rng(side).integers(0, 256, (side, side, 3), dtype=np.uint8)
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, "PNG")
        if len(out.getvalue()) >= nbytes_at_least:
            return out.getvalue()
        side *= 2


def _metadata_of_size(size: int) -> dict[str, str]:
    padding = size - len(orjson.dumps({"f": ""}))
    return {"f": "x" * padding}


@pytest.mark.parametrize(
    ("limits", "at_the_limit", "over_it", "where"),
    [
        (
            IngestLimits(max_dimension=16),
            {"vectors": random_vectors(1, dim=16)},
            {"vectors": random_vectors(1, dim=17)},
            "vector",
        ),
        (
            IngestLimits(max_rows=3),
            {"keys": ["a", "b", "c"], "vectors": random_vectors(3)},
            {"keys": ["a", "b", "c", "d"], "vectors": random_vectors(4)},
            "body",
        ),
        (
            IngestLimits(max_metadata_bytes=100),
            {"metadata": [_metadata_of_size(100)]},
            {"metadata": [_metadata_of_size(101)]},
            "metadata[0]",
        ),
        (
            IngestLimits(max_metadata_fields=3),
            {"metadata": [{"a": 1, "b": 2, "c": 3}]},
            {"metadata": [{"a": 1, "b": 2, "c": 3, "d": 4}]},
            "metadata[0]",
        ),
    ],
    ids=["dimension", "rows", "metadata bytes", "metadata fields"],
)
def test_at_the_limit_is_accepted_one_over_is_refused(
    limits: IngestLimits, at_the_limit: dict, over_it: dict, where: str
) -> None:
    def build(parts: dict) -> pa.Table:
        keys = parts.get("keys", ["a"])
        columns = {k: v for k, v in parts.items() if k not in ("keys", "vectors")}
        return table(keys, parts.get("vectors", random_vectors(len(keys))), **columns)

    validate(read_arrow_stream(to_stream(build(at_the_limit)), limits), limits)
    with pytest.raises(InvalidInput) as refused:
        validate(read_arrow_stream(to_stream(build(over_it)), limits), limits)
    assert refused.value.where == where


def test_image_bytes_at_and_over_the_limit() -> None:
    image = _png(2000)
    at = IngestLimits(max_image_bytes=len(image))
    validate(table(["a"], random_vectors(1), image=[image]), at)
    with pytest.raises(PayloadTooLarge, match="CHROMA_IMAGE_MAX_BYTES") as refused:
        validate(
            table(["a"], random_vectors(1), image=[image]),
            IngestLimits(max_image_bytes=len(image) - 1),
        )
    assert refused.value.where == "image[0]"


def test_every_image_format_a_browser_shows_is_accepted() -> None:
    pixels = np.zeros((4, 4, 3), np.uint8)
    images = []
    for format in ("PNG", "JPEG", "WEBP", "GIF", "BMP"):
        out = io.BytesIO()
        Image.fromarray(pixels).save(out, format)
        images.append(out.getvalue())
    keys = [f"k{i}" for i in range(len(images))]
    batch = validate(table(keys, random_vectors(len(keys)), image=images))
    assert batch.columns["image"] == images
    tiff = io.BytesIO()
    Image.fromarray(pixels).save(tiff, "TIFF")
    with pytest.raises(InvalidInput, match="not an image") as refused:
        validate(table(["a"], random_vectors(1), image=[tiff.getvalue()]))
    assert refused.value.where == "image[0]"


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return settings.model_copy(update={"max_request_bytes": 100_000, "max_dimension": 128})


def test_the_server_takes_the_limits_from_its_settings(ingest, store) -> None:
    before = row_counts(store)
    compressed = _stream(table(["a", "b"], np.zeros((2, 128), np.float32)), "zstd")
    assert ingest(compressed).status_code == 200
    wide = body(["c"], random_vectors(1, dim=129))
    response = ingest(wide)
    assert response.status_code == 422, response.text
    assert "CHROMA_MAX_DIMENSION" in response.json()["error"]["message"]
    many = _stream(table([f"k{i}" for i in range(200)], np.zeros((200, 128), np.float32)), "zstd")
    assert len(many) < 100_000
    response = ingest(many)
    assert response.status_code == 413, response.text
    assert response.json()["error"]["where"] == "body"
    assert row_counts(store)["datapoint"] == before["datapoint"] + 2
