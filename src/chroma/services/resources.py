"""A datapoint's resources for the browser: its image (full size or a cached thumbnail)
and its inline text.

Where an image comes from, in order: the bytes logged with it (``datapoint_image``);
else its ``uri``: a local file, served only when it resolves (symlinks followed) inside
one of ``Settings.image_roots``; or an http(s) URL, fetched once (only from the hosts in
``Settings.image_fetch_hosts`` and public addresses: ``remote_images``) and cached.

Fetched images and thumbnails are entries of one bounded cache (``db/caches.py``, kind
``images``, under ``<data_dir>/cache/images``): owned by the datapoint's dataset, so
deleting a dataset, or the project, removes them after the delete commits, and the start
sweep removes those of datasets deleted meanwhile; at most ``Settings.image_cache_bytes``
on disk, the least recently used dropped first. A thumbnail is made in one of a few fixed
sizes (``images.THUMBNAIL_SIZES``, the first at least the size asked) and three formats,
and named by the datapoint, the image's SHA-256, the size and the format: an image has at
most 15 thumbnails whatever sizes are asked for, and a datapoint logged again with another
image never shows the old one (its old thumbnails are removed).

Messages name what is wrong and where (``where``), never the server's folders, an errno
or a library's text.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from chroma.compute import images
from chroma.core.errors import Forbidden, NotFound, UnsupportedMedia
from chroma.db import caches
from chroma.db.models import Datapoint, DatapointImage
from chroma.db.store import Store
from chroma.services import remote_images
from chroma.settings import Settings

FETCHED = "image"
"""The part name of a fetched image's cache entry (a thumbnail's is its format)."""


@dataclass(frozen=True)
class Owner:
    """The datapoint an image belongs to, and its dataset (the owner of its cache entries)."""

    datapoint_id: int
    dataset_id: int
    relogged: bool = False
    """Logged again since it was created: the cache may hold what it had before (looked
    for only then: that lists the cache's folder)."""

    @property
    def cache_owner(self) -> str:
        return caches.dataset_owner(self.dataset_id)


@dataclass(frozen=True)
class ImageBytes:
    data: bytes
    media_type: str
    digest: str
    """SHA-256 of ``data`` (hex): the image's identity in cache names and ETags."""
    owner: Owner


@dataclass(frozen=True)
class RemoteImage:
    """An http(s) image not fetched yet (``fetch_remote`` fetches and caches it)."""

    url: str
    owner: Owner

    @property
    def cache_key(self) -> str:
        return _fetched_key(self.owner.datapoint_id, self.url)


def _fetched_key(datapoint_id: int, url: str) -> str:
    # Per datapoint, not per URL: a datapoint logged again with another uri drops its old one.
    return f"{datapoint_id}_u_{hashlib.sha256(url.encode()).hexdigest()[:32]}"


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(data: bytes, where: str, owner: Owner) -> ImageBytes:
    try:
        media_type = images.media_type(data)
    except images.NotAnImage as exc:
        raise UnsupportedMedia(str(exc), where=where) from exc
    return ImageBytes(data=data, media_type=media_type, digest=_digest(data), owner=owner)


def _source(store: Store, datapoint_id: int) -> tuple[bytes | None, str | None, Owner]:
    """(inline image bytes, uri, owner) of the datapoint; NotFound when it does not exist."""
    with store.read() as session:
        row = session.execute(
            select(
                Datapoint.uri,
                Datapoint.has_image,
                Datapoint.dataset_id,
                Datapoint.created_at,
                Datapoint.updated_at,
            ).where(Datapoint.id == datapoint_id)
        ).one_or_none()
        if row is None:
            raise NotFound(f"no datapoint with id {datapoint_id}", where="id")
        uri, has_image, dataset_id, created_at, updated_at = row
        inline = None
        if has_image:
            inline = session.scalar(
                select(DatapointImage.data).where(DatapointImage.datapoint_id == datapoint_id)
            )
    return inline, uri, Owner(datapoint_id, int(dataset_id), updated_at != created_at)


def locate_image(store: Store, datapoint_id: int) -> ImageBytes | RemoteImage:
    """The datapoint's image at full size (see the module docstring for the sources), or
    the remote one still to fetch (blocking: disk and database reads)."""
    inline, uri, owner = _source(store, datapoint_id)
    settings = store.settings
    if inline is not None:
        return _checked(inline, "image", owner)
    if not uri:
        raise NotFound(
            f"datapoint {datapoint_id} has no image: log it with images= or a uri",
            where="image",
        )
    scheme = urlsplit(uri).scheme.lower()
    if scheme in ("http", "https"):
        remote_images.check_allowed(settings, uri)
        remote = RemoteImage(uri, owner)
        entry = caches.find(store, caches.IMAGES, owner.cache_owner, remote.cache_key)
        fetched = entry.read(FETCHED) if entry is not None else None
        return remote if fetched is None else _checked(fetched, "uri", owner)
    if scheme in ("", "file"):
        return _checked(_read_local(settings, uri), "uri", owner)
    raise UnsupportedMedia(
        f"the uri {uri!r} uses {scheme}://, which this server does not fetch "
        "(http, https and local files under CHROMA_IMAGE_ROOTS are served)",
        where="uri",
    )


async def fetch_remote(store: Store, remote: RemoteImage) -> ImageBytes:
    """Fetch a remote image in the fetch pool (``remote_images``; the caller waits without
    holding a thread) and cache it when it is an image."""
    owner = remote.owner

    def keep(data: bytes) -> ImageBytes:
        image = _checked(data, "uri", owner)  # keep nothing that is not an image
        if owner.relogged:  # what it fetched from another uri before is of no further use
            prefix = f"{owner.datapoint_id}_u_"
            caches.remove_entries(
                store, caches.IMAGES, owner.cache_owner, prefix, unless=remote.cache_key
            )
        _cache(store, owner, remote.cache_key, FETCHED, data)
        return image

    return await remote_images.fetch(store.settings, remote.url, keep)


def _cache(store: Store, owner: Owner, key: str, part: str, data: bytes) -> None:
    caches.write(
        store,
        caches.IMAGES,
        owner.cache_owner,
        key,
        {part: data},
        {},
        max_bytes=store.settings.image_cache_bytes,
    )


def _read_local(settings: Settings, uri: str) -> bytes:
    path = local_image_path(settings, uri)
    try:
        if path.stat().st_size > settings.image_max_bytes:
            raise UnsupportedMedia(
                f"the file is larger than CHROMA_IMAGE_MAX_BYTES ({settings.image_max_bytes:,} "
                "bytes)",
                where="uri",
            )
        return path.read_bytes()
    except OSError:
        raise Forbidden(
            "the file the uri names cannot be read by the server", where="uri"
        ) from None


def local_image_path(settings: Settings, uri: str) -> Path:
    """The file a local ``uri`` (a path or a file:// URL) names, if it lies inside an image
    root once resolved (``..`` and symlinks followed): Forbidden when it does not. The
    messages never name the roots (the server's folders are not the client's business)."""
    raw = unquote(urlsplit(uri).path) if uri.lower().startswith("file:") else uri
    if not settings.image_roots:
        raise Forbidden(
            "the uri is a local file, and this server serves none: set CHROMA_IMAGE_ROOTS "
            "(or --image-root) to the folders it may read images from",
            where="uri",
        )
    try:
        roots = [root.resolve() for root in settings.image_roots]
        path = Path(raw).expanduser()
        candidates = [path] if path.is_absolute() else [root / path for root in roots]
        for candidate in candidates:
            resolved = candidate.resolve()
            if not any(resolved.is_relative_to(root) for root in roots):
                raise Forbidden(
                    "the uri resolves to a file outside the image roots: refused", where="uri"
                )
            if resolved.is_file():
                return resolved
    except (OSError, RuntimeError, ValueError):  # a loop of symlinks, a NUL in the name
        pass
    raise NotFound("no file at the uri's path under the image roots", where="uri")


@dataclass(frozen=True)
class CachedThumbnail:
    data: bytes
    media_type: str
    etag: str


def load_thumbnail(
    store: Store, image: ImageBytes, size: int, format: str | None = None
) -> CachedThumbnail:
    """The ``image``'s thumbnail for a request of ``size`` (longest side at most the fixed
    size that serves it: ``images.snap_size``), from the cache or made and cached now."""
    owner = image.owner
    size = images.snap_size(size)
    fmt = images.thumbnail_format(image.media_type, format)
    media_type = images.MEDIA_TYPES[images.THUMBNAIL_FORMATS[fmt]]
    same_image = f"{owner.datapoint_id}_t_{image.digest[:24]}_"
    key = f"{same_image}{size}_{fmt}"
    etag = hashlib.sha256(f"{owner.cache_owner}-{key}".encode()).hexdigest()[:32]
    entry = caches.find(store, caches.IMAGES, owner.cache_owner, key)
    cached = entry.read(fmt) if entry is not None else None
    if cached is not None:
        return CachedThumbnail(cached, media_type, etag)
    try:
        made = images.thumbnail(image.data, size, fmt)
    except images.NotAnImage as exc:
        raise UnsupportedMedia(str(exc), where="image") from exc
    if owner.relogged:  # thumbnails of an image it no longer has are of no further use
        prefix = f"{owner.datapoint_id}_t_"
        caches.remove_entries(store, caches.IMAGES, owner.cache_owner, prefix, unless=same_image)
    _cache(store, owner, key, fmt, made.data)
    return CachedThumbnail(made.data, made.media_type, etag)


def load_text(store: Store, datapoint_id: int) -> str:
    """The datapoint's inline text; NotFound when it has none."""
    with store.read() as session:
        row = session.execute(
            select(Datapoint.text).where(Datapoint.id == datapoint_id)
        ).one_or_none()
    if row is None:
        raise NotFound(f"no datapoint with id {datapoint_id}", where="id")
    if row[0] is None:
        raise NotFound(f"datapoint {datapoint_id} has no text", where="text")
    return str(row[0])
