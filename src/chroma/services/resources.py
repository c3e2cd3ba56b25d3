"""A datapoint's resources for the browser: its image (full size or a cached thumbnail)
and its inline text.

Where an image comes from, in order: the bytes logged with it (``datapoint_image``);
else its ``uri``: a local file, served only when it resolves (symlinks followed) inside
one of ``Settings.image_roots``; or an http(s) URL, fetched once (only from the hosts in
``Settings.image_fetch_hosts`` and public addresses: ``remote_images``) and kept under
``<data_dir>/thumbnails/remote``. Thumbnails are cached on disk under
``<data_dir>/thumbnails``, named by datapoint id, the image's SHA-256 and the size, so a
datapoint logged again with another image never shows the old one.

Messages name what is wrong and where (``where``), never the server's folders, an errno
or a library's text.
"""

from __future__ import annotations

import hashlib
import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import unquote, urlsplit

from sqlalchemy import select

from chroma.compute import images
from chroma.core.errors import Forbidden, NotFound, UnsupportedMedia
from chroma.db.models import Datapoint, DatapointImage
from chroma.db.store import Store
from chroma.services import remote_images
from chroma.settings import Settings


@dataclass(frozen=True)
class ImageBytes:
    data: bytes
    media_type: str
    digest: str
    """SHA-256 of ``data`` (hex): the image's identity in cache names and ETags."""


@dataclass(frozen=True)
class RemoteImage:
    """An http(s) image not fetched yet (``fetch_remote`` fetches and caches it)."""

    url: str
    cache_path: Path


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _checked(data: bytes, where: str) -> ImageBytes:
    try:
        media_type = images.media_type(data)
    except images.NotAnImage as exc:
        raise UnsupportedMedia(str(exc), where=where) from exc
    return ImageBytes(data=data, media_type=media_type, digest=_digest(data))


def _source(store: Store, datapoint_id: int) -> tuple[bytes | None, str | None]:
    """(inline image bytes, uri) of the datapoint; NotFound when it does not exist."""
    with store.read() as session:
        row = session.execute(
            select(Datapoint.uri, Datapoint.has_image).where(Datapoint.id == datapoint_id)
        ).one_or_none()
        if row is None:
            raise NotFound(f"no datapoint with id {datapoint_id}", where="id")
        uri, has_image = row
        inline = None
        if has_image:
            inline = session.scalar(
                select(DatapointImage.data).where(DatapointImage.datapoint_id == datapoint_id)
            )
    return inline, uri


def locate_image(store: Store, datapoint_id: int) -> ImageBytes | RemoteImage:
    """The datapoint's image at full size (see the module docstring for the sources), or
    the remote one still to fetch (blocking: disk and database reads)."""
    inline, uri = _source(store, datapoint_id)
    settings = store.settings
    if inline is not None:
        return _checked(inline, "image")
    if not uri:
        raise NotFound(
            f"datapoint {datapoint_id} has no image: log it with images= or a uri",
            where="image",
        )
    scheme = urlsplit(uri).scheme.lower()
    if scheme in ("http", "https"):
        remote_images.check_allowed(settings, uri)
        cached = settings.thumbnail_dir / "remote" / hashlib.sha256(uri.encode()).hexdigest()
        try:
            return _checked(cached.read_bytes(), "uri")
        except FileNotFoundError:
            return RemoteImage(uri, cached)
    if scheme in ("", "file"):
        return _checked(_read_local(settings, uri), "uri")
    raise UnsupportedMedia(
        f"the uri {uri!r} uses {scheme}://, which this server does not fetch "
        "(http, https and local files under CHROMA_IMAGE_ROOTS are served)",
        where="uri",
    )


async def fetch_remote(settings: Settings, remote: RemoteImage) -> ImageBytes:
    """Fetch a remote image in the fetch pool (``remote_images``; the caller waits without
    holding a thread) and cache it when it is an image."""

    def keep(data: bytes) -> ImageBytes:
        image = _checked(data, "uri")  # keep nothing that is not an image
        _write_atomically(remote.cache_path, data)
        return image

    return await remote_images.fetch(settings, remote.url, keep)


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
    settings: Settings, datapoint_id: int, image: ImageBytes, size: int, format: str | None = None
) -> CachedThumbnail:
    """The datapoint's ``image``'s thumbnail (longest side at most ``size``), from the disk
    cache or made and cached now."""
    folder = settings.thumbnail_dir
    stem = f"{datapoint_id}-{image.digest[:24]}-{size}-{format or 'auto'}"
    etag = hashlib.sha256(stem.encode()).hexdigest()[:32]
    for found in folder.glob(f"{stem}.*"):
        media_type = images.MEDIA_TYPES.get(found.suffix[1:].upper())
        if media_type is not None:
            try:
                return CachedThumbnail(found.read_bytes(), media_type, etag)
            except FileNotFoundError:
                break  # removed meanwhile: make it again
    try:
        made = images.thumbnail(image.data, size, format)
    except images.NotAnImage as exc:
        raise UnsupportedMedia(str(exc), where="image") from exc
    # Thumbnails of an image this datapoint no longer has are of no further use.
    for stale in folder.glob(f"{datapoint_id}-*"):
        if not stale.name.startswith(f"{datapoint_id}-{image.digest[:24]}-"):
            stale.unlink(missing_ok=True)
    suffix = next(k for k, v in images.MEDIA_TYPES.items() if v == made.media_type).lower()
    _write_atomically(folder / f"{stem}.{suffix}", made.data)
    return CachedThumbnail(made.data, made.media_type, etag)


def _write_atomically(path: Path, data: bytes) -> None:
    """Readers see the whole file or none: written aside, then renamed into place."""
    path.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(dir=path.parent, prefix=".tmp-")
    try:
        with os.fdopen(handle, "wb") as out:
            out.write(data)
        os.replace(temporary, path)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise


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
