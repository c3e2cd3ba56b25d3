"""The points of a map on the wire: under 20 bytes a point for (id, x, y, placed, label,
dataset) at a realistic size, thanks to HTTP compression negotiated by Accept-Encoding.

Uncompressed, the Arrow stream is just over 20 bytes a point (int64 id, two float32, int16
label and dataset indices, a validity bit), so the size assertion fails without it.
"""

from __future__ import annotations

import gzip as gzip_module

import httpx
import numpy as np
import pyarrow as pa
import pytest
import zstandard

from chroma.core import wire
from chroma.db.store import Store
from chroma.jobs.execute import execute_job
from chroma.services.ingest import ingest
from chroma.services.ingest_batch import validate
from chroma.services.projections import create_projection, get_projection
from live_server import LiveServer

POINTS = 100_000
LABELS = 10
TARGET_BYTES_PER_POINT = 20


@pytest.fixture
def projection_id(store: Store) -> int:
    """A PCA map of 100k points in 10 clusters over two datasets, computed in this process."""
    rng = np.random.default_rng(0)
    centres = rng.normal(size=(LABELS, 8)).astype(np.float32) * 4
    for dataset, rows, offset in (("train", 80_000, 0), ("test", POINTS - 80_000, 80_000)):
        labels = rng.integers(0, LABELS, size=rows)
        vectors = (centres[labels] + rng.normal(size=(rows, 8))).astype(np.float32)
        for start in range(0, rows, 20_000):
            part = slice(start, start + 20_000)
            table = pa.table(
                {
                    "key": [f"{dataset}-{offset + i}" for i in range(start, start + 20_000)],
                    "vector": pa.FixedSizeListArray.from_arrays(
                        pa.array(vectors[part].reshape(-1)), 8
                    ),
                    "label": [f"digit-{label}" for label in labels[part]],
                }
            )
            ingest(store, validate(table), project="p", dataset=dataset, space="s", create=True)
    projection, job = create_projection(store, project="p", space="s", algorithm="pca")
    execute_job(store, job.id)  # here, not in a runner's child process
    with store.read() as session:
        assert get_projection(session, projection.id).state == "ready"
    return projection.id


def fetch(server: LiveServer, projection_id: int, accept: str) -> tuple[httpx.Response, bytes]:
    """The response and the bytes that crossed the wire (before any decoding)."""
    with (
        httpx.Client(base_url=server.url, timeout=120) as client,
        client.stream(
            "GET",
            "/api/v1/points",
            params={"projection": projection_id, "column": ["label", "dataset"]},
            headers={"accept-encoding": accept},
        ) as response,
    ):
        raw = b"".join(response.iter_raw())
    assert response.status_code == 200
    return response, raw


def test_points_cross_the_wire_in_under_20_bytes_each(store: Store, projection_id: int) -> None:
    with LiveServer(store) as server:
        identity, plain = fetch(server, projection_id, "identity")
        zstd, packed = fetch(server, projection_id, "gzip, deflate, br, zstd")
        gzip, gzipped = fetch(server, projection_id, "gzip;q=1.0, zstd;q=0")

    assert "content-encoding" not in identity.headers
    assert zstd.headers["content-encoding"] == "zstd"
    assert gzip.headers["content-encoding"] == "gzip"
    for response, body in ((identity, plain), (zstd, packed), (gzip, gzipped)):
        assert int(response.headers["content-length"]) == len(body)
        assert int(response.headers["x-chroma-points"]) == POINTS
        assert int(response.headers["x-chroma-uncompressed-bytes"]) == len(plain)
        assert response.headers["content-type"] == wire.ARROW_STREAM_MEDIA_TYPE
        assert "accept-encoding" in response.headers["vary"].lower()

    per_point = {name: len(body) / POINTS for name, body in (("zstd", packed), ("gzip", gzipped))}
    print(f"bytes/point: identity {len(plain) / POINTS:.2f}, {per_point}")
    assert len(plain) / POINTS > TARGET_BYTES_PER_POINT  # what compression has to beat
    assert per_point["zstd"] < TARGET_BYTES_PER_POINT * 0.6
    assert per_point["gzip"] < TARGET_BYTES_PER_POINT * 0.6

    # Every encoding decodes to the same table.
    decoded = (plain, zstandard.ZstdDecompressor().decompressobj().decompress(packed))
    tables = [
        pa.ipc.open_stream(body).read_all() for body in (*decoded, gzip_module.decompress(gzipped))
    ]
    assert tables[0].num_rows == POINTS
    assert tables[0].column_names == ["id", "x", "y", "placed", "label", "dataset"]
    assert tables[0].equals(tables[1])
    assert tables[0].equals(tables[2])
    assert set(tables[0].column("dataset").to_pylist()) == {"train", "test"}
    assert len(set(tables[0].column("label").to_pylist())) == LABELS
