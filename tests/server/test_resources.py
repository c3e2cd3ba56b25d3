"""Images, thumbnails and texts of datapoints (``/api/v1/datapoints/{id}/...``).

Everything is logged through the SDK into the real server (SQLite and PostgreSQL); remote
images come from a small HTTP server of the test's own on 127.0.0.1, which these tests
allow explicitly (fetching is off by default and loopback refused: tests/server/
test_remote_images.py).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest
from PIL import Image
from sqlalchemy import select

import chroma
from chroma.db.models import Datapoint
from chroma.db.store import Store
from chroma.services import remote_images
from chroma.settings import Settings
from image_host import ImageHost, static
from live_server import LiveServer

MAX_BYTES = 200_000
LATE_SECONDS = 20.0
"""When ``/late.png`` answers: far beyond the 0.5 s fetch timeout these tests configure and
the 5 s default, so a fetch that gets the image did not apply the configured timeout."""


def png(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "PNG")
    return out.getvalue()


def digit(seed: int = 0) -> np.ndarray:
    return np.random.default_rng(seed).integers(0, 17, size=(8, 8), dtype=np.uint8) * 15


def decoded(data: bytes) -> Image.Image:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


@pytest.fixture
def image_host() -> Iterator[ImageHost]:
    """An HTTP server on 127.0.0.1 with a few images and failures; ``/late.png`` answers
    only after LATE_SECONDS (or when the test ends)."""
    big = np.random.default_rng(1).integers(0, 256, size=(400, 400, 3), dtype=np.uint8)
    replies = static(
        {
            "/digit.png": (200, "image/png", png(digit(7))),
            "/photo.jpg": (200, "image/jpeg", _jpeg(np.full((300, 200, 3), 90, np.uint8))),
            "/late.png": (200, "image/png", png(digit(1))),
            "/big.png": (200, "image/png", png(big)),
            "/page.html": (200, "text/html", b"<html>not an image</html>"),
            "/error.png": (500, "text/plain", b"broken"),
        }
    )

    def route(host: ImageHost, handler: BaseHTTPRequestHandler, path: str) -> None:
        if path == "/late.png" and host.release.wait(LATE_SECONDS):
            return
        replies(host, handler, path)

    with ImageHost(route) as host:
        yield host


def _jpeg(pixels: np.ndarray) -> bytes:
    out = io.BytesIO()
    Image.fromarray(pixels).save(out, "JPEG")
    return out.getvalue()


@pytest.fixture
def roots(tmp_path: Path) -> dict[str, Path]:
    """An image root with a file and a symlink out of it, and a folder beside it."""
    root = tmp_path / "images"
    (root / "sub").mkdir(parents=True)
    outside = tmp_path / "secret"
    outside.mkdir()
    (root / "sub" / "seven.png").write_bytes(png(digit(7)))
    (outside / "secret.png").write_bytes(png(digit(9)))
    (root / "escape.png").symlink_to(outside / "secret.png")
    (root / "inside-link.png").symlink_to(root / "sub" / "seven.png")
    (root / "notes.txt").write_text("not an image")
    return {"root": root, "outside": outside}


@pytest.fixture
def settings(settings: Settings, roots: dict[str, Path]) -> Settings:
    return settings.model_copy(
        update={
            "image_roots": [roots["root"]],
            "image_fetch_timeout": 0.5,
            "image_max_bytes": MAX_BYTES,
            "image_fetch_hosts": ["127.0.0.1"],
            "image_fetch_private_networks": ["127.0.0.1/32"],
        }
    )


def log(server: LiveServer, **columns: Any) -> dict[str, int]:
    """Log rows with the SDK (keys k0, k1, ...); their datapoint ids by key."""
    rows = len(next(iter(columns.values())))
    with chroma.init("demo", "train", "emb", url=server.url) as run:
        keys = run.log(
            np.random.default_rng(0).standard_normal((rows, 4)).astype(np.float32),
            ids=[f"k{i}" for i in range(rows)],
            **columns,
        )
    return ids_by_key(server.store, keys)


def ids_by_key(store: Store, keys: list[str]) -> dict[str, int]:
    with store.read() as session:
        found = dict(session.execute(select(Datapoint.key, Datapoint.id)).all())
    return {key: found[key] for key in keys}


def image_cache(store: Store) -> Path:
    """Where thumbnails and fetched images are cached (``db/caches.py``, kind ``images``)."""
    return store.settings.data_dir / "cache" / "images"


def error(response: httpx.Response, status: int) -> dict[str, Any]:
    assert response.status_code == status, response.text
    body = response.json()["error"]
    assert set(body) == {"code", "message", "where"}
    return dict(body)


def test_inline_image_full_size_and_a_crisp_cached_thumbnail(
    server: LiveServer, http: httpx.Client, store: Store
) -> None:
    pixels = digit(3)
    ids = log(server, images=[pixels])
    dp = ids["k0"]

    full = http.get(f"/api/v1/datapoints/{dp}/image")
    assert full.status_code == 200
    assert full.headers["content-type"] == "image/png"
    np.testing.assert_array_equal(np.asarray(decoded(full.content)), pixels)
    assert full.headers["etag"].startswith('"')
    assert "max-age" in full.headers["cache-control"]

    thumb = http.get(f"/api/v1/datapoints/{dp}/thumbnail", params={"size": 128})
    assert thumb.status_code == 200
    assert thumb.headers["content-type"] == "image/png"
    image = decoded(thumb.content)
    assert image.size == (128, 128)  # 8x8 grown 16 times
    # Nearest-neighbour: every 16x16 block is one source pixel, no blur between them.
    grown = np.asarray(image.convert("L"))
    np.testing.assert_array_equal(grown[::16, ::16], pixels)
    np.testing.assert_array_equal(grown, np.kron(pixels, np.ones((16, 16), np.uint8)))

    [cached] = image_cache(store).glob(f"d*-{dp}_t_*_128_png.png")
    [manifest] = image_cache(store).glob(f"d*-{dp}_t_*_128_png.json")
    # The browser's copy is still good: 304 without a body.
    again = http.get(
        f"/api/v1/datapoints/{dp}/thumbnail",
        params={"size": 128},
        headers={"if-none-match": thumb.headers["etag"]},
    )
    assert again.status_code == 304
    assert again.content == b""
    # A second request is served from the disk cache: the file is not made again, and the
    # entry is marked used (its manifest's time, the cache's least-recently-used order).
    made, used = cached.stat(), manifest.stat().st_mtime_ns
    served = http.get(f"/api/v1/datapoints/{dp}/thumbnail", params={"size": 128})
    assert served.content == thumb.content
    assert (cached.stat().st_ino, cached.stat().st_mtime_ns) == (made.st_ino, made.st_mtime_ns)
    assert manifest.stat().st_mtime_ns > used


def test_logging_another_image_changes_the_thumbnail_and_its_etag(
    server: LiveServer, http: httpx.Client, store: Store
) -> None:
    dp = log(server, images=[digit(1)])["k0"]
    first = http.get(f"/api/v1/datapoints/{dp}/thumbnail", params={"size": 64})
    log(server, images=[digit(2)])  # the same key: an update
    second = http.get(
        f"/api/v1/datapoints/{dp}/thumbnail",
        params={"size": 64},
        headers={"if-none-match": first.headers["etag"]},
    )
    assert second.status_code == 200
    assert second.headers["etag"] != first.headers["etag"]
    np.testing.assert_array_equal(np.asarray(decoded(second.content))[::8, ::8], digit(2))
    # The old image's thumbnail is gone from the cache.
    assert len(list(image_cache(store).glob(f"d*-{dp}_t_*.json"))) == 1


def test_large_images_shrink_within_the_size_in_the_format_asked(
    server: LiveServer, http: httpx.Client
) -> None:
    photo = np.random.default_rng(0).integers(0, 256, size=(90, 300, 3), dtype=np.uint8)
    dp = log(server, images=[png(photo)])["k0"]
    for fmt, media_type in (("webp", "image/webp"), ("jpeg", "image/jpeg"), ("png", "image/png")):
        thumb = http.get(f"/api/v1/datapoints/{dp}/thumbnail", params={"size": 100, "format": fmt})
        assert thumb.status_code == 200, thumb.text
        assert thumb.headers["content-type"] == media_type
        # 100 is served by the fixed size 128 (tests/server/test_image_cache.py).
        assert decoded(thumb.content).size == (128, 38)


def test_local_files_only_inside_the_image_roots(
    server: LiveServer, http: httpx.Client, roots: dict[str, Path]
) -> None:
    root, outside = roots["root"], roots["outside"]
    ids = log(
        server,
        uris=[
            str(root / "sub" / "seven.png"),  # absolute, inside
            "sub/seven.png",  # relative to a root
            (root / "sub" / "seven.png").as_uri(),  # file:// URL
            "inside-link.png",  # a symlink that stays inside
            "sub/../../secret/secret.png",  # .. out of the root
            str(outside / "secret.png"),  # absolute, outside
            "escape.png",  # a symlink out of the root
            "sub/missing.png",
            "notes.txt",
            "s3://bucket/seven.png",
        ],
    )
    seven = png(digit(7))
    for key in ("k0", "k1", "k2", "k3"):
        response = http.get(f"/api/v1/datapoints/{ids[key]}/image")
        assert response.status_code == 200, (key, response.text)
        assert response.content == seven
    for key in ("k4", "k5", "k6"):
        for kind in ("image", "thumbnail"):
            body = error(http.get(f"/api/v1/datapoints/{ids[key]}/{kind}"), 403)
            assert body["code"] == "forbidden"
            assert body["where"] == "uri"
            assert "outside the image roots" in body["message"]
            assert str(root) not in body["message"]  # the server's folders are its own
    body = error(http.get(f"/api/v1/datapoints/{ids['k7']}/image"), 404)
    assert body["where"] == "uri"
    assert str(root) not in body["message"]
    body = error(http.get(f"/api/v1/datapoints/{ids['k8']}/image"), 415)
    assert (body["code"], body["where"]) == ("unsupported_media", "uri")
    body = error(http.get(f"/api/v1/datapoints/{ids['k9']}/image"), 415)
    assert "s3://" in body["message"]


def test_no_image_roots_means_no_local_file(
    tmp_path: Path, store: Store, roots: dict[str, Path]
) -> None:
    bare = store.settings.model_copy(update={"image_roots": []})
    store.settings = bare
    with LiveServer(store) as live, httpx.Client(base_url=live.url) as http:
        dp = log(live, uris=[str(roots["root"] / "sub" / "seven.png")])["k0"]
        body = error(http.get(f"/api/v1/datapoints/{dp}/image"), 403)
        assert "CHROMA_IMAGE_ROOTS" in body["message"]


def test_remote_images_are_fetched_once_with_a_timeout_and_a_cap(
    server: LiveServer, http: httpx.Client, image_host: ImageHost
) -> None:
    names = ["digit.png", "photo.jpg", "late.png", "big.png", "page.html", "error.png"]
    ids = log(server, uris=[f"{image_host.url}/{name}" for name in names])

    first = http.get(f"/api/v1/datapoints/{ids['k0']}/image")
    assert first.status_code == 200
    assert first.content == png(digit(7))
    thumb = http.get(f"/api/v1/datapoints/{ids['k0']}/thumbnail", params={"size": 32})
    assert decoded(thumb.content).size == (64, 64)  # 32 and 60 are served by the size 64
    photo = http.get(f"/api/v1/datapoints/{ids['k1']}/thumbnail", params={"size": 60})
    assert photo.headers["content-type"] == "image/jpeg"
    assert decoded(photo.content).size == (43, 64)
    assert image_host.paths().count("/digit.png") == 1  # cached after the first fetch

    # The host answers only after LATE_SECONDS: just the configured 0.5 s deadline ends the
    # fetch with a 502 (a fetch without it, or with the 5 s default, would get the image).
    # This client's timeout, far above both, only keeps a hung server from hanging the test.
    late = http.get(f"/api/v1/datapoints/{ids['k2']}/image", timeout=LATE_SECONDS * 3)
    body = error(late, 502)
    assert (body["code"], body["where"]) == ("upstream_failed", "uri")
    assert body["message"] == remote_images.COULD_NOT_FETCH
    assert (
        "CHROMA_IMAGE_MAX_BYTES"
        in error(http.get(f"/api/v1/datapoints/{ids['k3']}/image"), 502)["message"]
    )
    assert error(http.get(f"/api/v1/datapoints/{ids['k4']}/image"), 415)["where"] == "uri"
    assert "HTTP 500" in error(http.get(f"/api/v1/datapoints/{ids['k5']}/image"), 502)["message"]


def test_texts_and_missing_resources(server: LiveServer, http: httpx.Client) -> None:
    ids = log(server, texts=["Grüße, world", None])
    response = http.get(f"/api/v1/datapoints/{ids['k0']}/text")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == "Grüße, world"

    assert error(http.get(f"/api/v1/datapoints/{ids['k1']}/text"), 404)["where"] == "text"
    assert error(http.get(f"/api/v1/datapoints/{ids['k1']}/image"), 404)["where"] == "image"
    assert error(http.get("/api/v1/datapoints/999999/image"), 404)["where"] == "id"
    assert error(http.get("/api/v1/datapoints/999999/text"), 404)["where"] == "id"
    body = error(http.get(f"/api/v1/datapoints/{ids['k0']}/thumbnail?size=5000"), 422)
    assert body["where"] == "query.size"
    body = error(http.get(f"/api/v1/datapoints/{ids['k0']}/thumbnail?format=gif"), 422)
    assert body["where"] == "query.format"
    assert error(http.get("/api/v1/datapoints/abc/image"), 422)["where"] == "path.datapoint_id"


def test_an_inline_blob_that_is_no_image_is_refused(server: LiveServer, http: httpx.Client) -> None:
    # Ingest reads only an image's header (a blob that is no image at all never gets in:
    # tests/server/test_hostile_input.py); one whose pixels are cut short fails here.
    dp = log(server, images=[png(digit())[:60]])["k0"]
    body = error(http.get(f"/api/v1/datapoints/{dp}/thumbnail"), 415)
    assert (body["code"], body["where"]) == ("unsupported_media", "image")
