"""Image bytes in, image bytes out: what a datapoint's image is, and its thumbnail.

Pure (no files, no network): the services read the bytes and cache what comes out.
"""

from __future__ import annotations

import io
import warnings
from dataclasses import dataclass

from PIL import Image

# Formats a browser shows, by Pillow's name for them.
MEDIA_TYPES = {
    "PNG": "image/png",
    "JPEG": "image/jpeg",
    "WEBP": "image/webp",
    "GIF": "image/gif",
    "BMP": "image/bmp",
}
THUMBNAIL_FORMATS = {"png": "PNG", "jpeg": "JPEG", "webp": "WEBP"}
THUMBNAIL_SIZES = (64, 128, 256, 512, 1024)
"""The sizes thumbnails are made in: a request is served the first at least as large as it
asked (the browser scales it down), so an image has at most ``len(THUMBNAIL_SIZES) *
len(THUMBNAIL_FORMATS)`` thumbnails, whatever sizes are asked for."""
MAX_PIXELS = 64_000_000
"""Larger images are refused before they are decoded (a decompression bomb costs memory)."""


class NotAnImage(ValueError):
    """The bytes are no image a browser shows, or too big to decode safely.

    Its message is for the client: our own words, never Pillow's (which names Python
    objects by their address, ``<_io.BytesIO object at 0x7f...>``).
    """


NOT_READABLE = "not an image this server can read (PNG, JPEG, WebP, GIF and BMP are)"


@dataclass(frozen=True)
class Thumbnail:
    data: bytes
    media_type: str
    width: int
    height: int


def _open(data: bytes) -> Image.Image:
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            image = Image.open(io.BytesIO(data))
    except (OSError, SyntaxError, ValueError, Image.DecompressionBombWarning) as exc:
        raise NotAnImage(NOT_READABLE) from exc
    except Image.DecompressionBombError as exc:
        raise NotAnImage(
            f"the image has more than the {MAX_PIXELS:,} pixels this server decodes"
        ) from exc
    if image.format not in MEDIA_TYPES:
        raise NotAnImage(f"{image.format} images are not served (PNG, JPEG, WebP, GIF, BMP are)")
    if image.width * image.height > MAX_PIXELS:
        raise NotAnImage(
            f"{image.width}x{image.height} pixels is more than the {MAX_PIXELS:,} this server "
            "decodes"
        )
    return image


def media_type(data: bytes) -> str:
    """The image's media type, from its content (never from a file name)."""
    return MEDIA_TYPES[str(_open(data).format)]


def snap_size(size: int) -> int:
    """The thumbnail size that serves a request for ``size`` (see THUMBNAIL_SIZES)."""
    for fixed in THUMBNAIL_SIZES:
        if size <= fixed:
            return fixed
    return THUMBNAIL_SIZES[-1]


def thumbnail_format(source_media_type: str, format: str | None) -> str:
    """The thumbnail format (a THUMBNAIL_FORMATS key) for ``format`` or, when None, for a
    source of this media type: its own when a thumbnail format (a lossless source stays
    lossless), else PNG."""
    if format is not None:
        return format
    for key, name in THUMBNAIL_FORMATS.items():
        if MEDIA_TYPES[name] == source_media_type:
            return key
    return "png"


def thumbnail(data: bytes, size: int, format: str | None = None) -> Thumbnail:
    """The image scaled so that its longest side is ``size``, at most.

    Larger images shrink (Lanczos); smaller ones grow by the largest whole factor that
    fits, with nearest-neighbour sampling, so an 8x8 digit stays crisp pixels instead of a
    blur. ``format``: ``png``, ``jpeg`` or ``webp``; default: the source's own when it is
    one of those (a lossless source stays lossless), else PNG.
    """
    image = _open(data)
    source_format = str(image.format)
    try:
        image.load()
    except (OSError, SyntaxError, ValueError) as exc:
        raise NotAnImage("the image is damaged: its data is cut short or corrupt") from exc
    target = THUMBNAIL_FORMATS[thumbnail_format(MEDIA_TYPES[source_format], format)]
    longest = max(image.width, image.height)
    if longest > size:
        image.thumbnail((size, size), Image.Resampling.LANCZOS)
    elif longest * 2 <= size:
        factor = size // longest
        image = image.resize(
            (image.width * factor, image.height * factor), Image.Resampling.NEAREST
        )
    image = _compatible(image, target)
    out = io.BytesIO()
    if target == "JPEG":
        image.save(out, target, quality=85)
    elif target == "WEBP":
        image.save(out, target, quality=85, method=4)
    else:
        image.save(out, target, optimize=True)
    return Thumbnail(out.getvalue(), MEDIA_TYPES[target], image.width, image.height)


def _compatible(image: Image.Image, target: str) -> Image.Image:
    """A mode the target format can write: JPEG has no alpha and no palette."""
    if target == "JPEG":
        if image.mode in ("RGBA", "LA", "P", "PA"):
            rgba = image.convert("RGBA")
            flat = Image.new("RGB", rgba.size, (255, 255, 255))
            flat.paste(rgba, mask=rgba.getchannel("A"))
            return flat
        return image if image.mode in ("RGB", "L") else image.convert("RGB")
    if image.mode not in ("1", "L", "LA", "P", "RGB", "RGBA"):
        return image.convert("RGBA" if "A" in image.getbands() else "RGB")
    return image
