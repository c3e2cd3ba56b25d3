"""The thumbnail and fetched-image cache stays bounded: a few fixed sizes and three formats
per image whatever sizes are asked for, and at most ``CHROMA_IMAGE_CACHE_BYTES`` on disk,
the least recently used entries dropped first (issue 14, item 10).

Everything goes through the real server (SQLite and PostgreSQL); images are logged inline
with the SDK.
"""

from __future__ import annotations

import io
from pathlib import Path

import httpx
import numpy as np
from PIL import Image
from sqlalchemy import select

import chroma
from chroma.compute.images import THUMBNAIL_FORMATS, THUMBNAIL_SIZES
from chroma.db.models import Datapoint
from chroma.db.store import Store
from live_server import LiveServer

ASKED_SIZES = (8, 50, 64, 100, 128, 200, 256, 400, 512, 700, 1000, 1024)
ASKED_FORMATS = (None, "png", "jpeg", "webp")


def png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def log_images(server: LiveServer, pictures: list[bytes]) -> list[int]:
    """Log one datapoint per picture (keys k0, k1, ...); their ids in that order."""
    keys = [f"k{i}" for i in range(len(pictures))]
    vectors = np.random.default_rng(0).standard_normal((len(keys), 4)).astype(np.float32)
    with chroma.init("demo", "train", "emb", url=server.url, spool=False) as run:
        run.log(vectors, ids=keys, images=pictures)
    with server.store.read() as session:
        found = dict(session.execute(select(Datapoint.key, Datapoint.id)).all())
    return [int(found[key]) for key in keys]


def image_cache(store: Store) -> Path:
    return store.settings.data_dir / "cache" / "images"


def entries(store: Store, datapoint_id: int | None = None) -> set[str]:
    """The cache's entries (by name; one manifest each), of one datapoint or all."""
    pattern = "*.json" if datapoint_id is None else f"d*-{datapoint_id}_*.json"
    return {path.name.removesuffix(".json") for path in image_cache(store).glob(pattern)}


def thumbnail(http: httpx.Client, dp: int, size: int, fmt: str | None = None) -> Image.Image:
    params: dict[str, str | int] = {"size": size}
    if fmt is not None:
        params["format"] = fmt
    response = http.get(f"/api/v1/datapoints/{dp}/thumbnail", params=params)
    assert response.status_code == 200, response.text
    image = Image.open(io.BytesIO(response.content))
    image.load()
    return image


def test_any_size_asked_is_served_from_a_few_fixed_sizes_and_formats(
    server: LiveServer, http: httpx.Client, store: Store
) -> None:
    rng = np.random.default_rng(3)
    digits = [rng.integers(0, 17, size=(8, 8), dtype=np.uint8) * 15 for _ in range(3)]
    photo = rng.integers(0, 256, size=(300, 200, 3), dtype=np.uint8)
    ids = log_images(server, [png(d) for d in digits] + [png(photo)])

    for dp, pixels in zip(ids[:3], digits, strict=True):
        for size in ASKED_SIZES:
            for fmt in ASKED_FORMATS:
                served = thumbnail(http, dp, size, fmt)
                fixed = min(s for s in THUMBNAIL_SIZES if s >= size)
                assert served.size == (fixed, fixed), (size, fmt)
        # Still crisp: an 8x8 digit asked at 100 is the 128 one, each pixel a 16x16 block.
        grown = np.asarray(thumbnail(http, dp, 100, "png").convert("L"))
        np.testing.assert_array_equal(grown, np.kron(pixels, np.ones((16, 16), np.uint8)))
    for size in ASKED_SIZES:
        served = thumbnail(http, ids[3], size)
        fixed = min(s for s in THUMBNAIL_SIZES if s >= size)
        # 300 pixels high: shrunk to the fixed size below it, grown by whole factors above.
        assert max(served.size) == (fixed if fixed < 300 else 300 * (fixed // 300)), size

    per_image = len(THUMBNAIL_SIZES) * len(THUMBNAIL_FORMATS)  # 5 x 3: "auto" is one of them
    for dp in ids[:3]:
        assert len(entries(store, dp)) == per_image
    # The photo was asked in its own format (PNG) only: one entry per fixed size.
    assert len(entries(store, ids[3])) == len(THUMBNAIL_SIZES)
    files = list(image_cache(store).iterdir())
    # Each entry is its data file and its manifest; nothing else is left lying around.
    assert len(files) == 2 * (3 * per_image + len(THUMBNAIL_SIZES))


def disk_bytes(paths: list[Path]) -> int:
    """As the cache counts them (what ``du`` counts, at least the size)."""
    return sum(max(p.stat().st_size, p.stat().st_blocks * 512) for p in paths)


def test_the_byte_bound_drops_the_least_recently_used_entries(
    server: LiveServer, http: httpx.Client, store: Store
) -> None:
    # Noise does not compress: every thumbnail (64x64, served at its own size) weighs the same.
    rng = np.random.default_rng(5)
    pictures = [png(rng.integers(0, 256, size=(64, 64, 3), dtype=np.uint8)) for _ in range(5)]
    a, b, c, d, e = log_images(server, pictures)

    thumbnail(http, a, 64)
    [entry_a] = entries(store, a)
    one = disk_bytes(list(image_cache(store).glob(f"{entry_a}.*")))
    # Room for three and a half entries (the server reads the setting at every write).
    store.settings = store.settings.model_copy(update={"image_cache_bytes": int(one * 3.5)})
    thumbnail(http, b, 64)
    thumbnail(http, c, 64)
    assert {len(entries(store, dp)) for dp in (a, b, c)} == {1}
    thumbnail(http, a, 64)  # a hit: a is now used more recently than b and c

    thumbnail(http, d, 64)  # four entries: over the bound, b (least recently used) goes
    assert [len(entries(store, dp)) for dp in (a, b, c, d)] == [1, 0, 1, 1]
    thumbnail(http, b, 64)  # made again; now c is the least recently used
    assert [len(entries(store, dp)) for dp in (a, b, c, d)] == [1, 1, 0, 1]
    thumbnail(http, e, 64)
    assert [len(entries(store, dp)) for dp in (a, b, c, d, e)] == [0, 1, 0, 1, 1]
    assert disk_bytes(list(image_cache(store).iterdir())) <= int(one * 3.5)
