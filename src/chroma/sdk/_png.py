"""A minimal PNG encoder for uint8 arrays (Pillow is not a dependency).

Gray ``(h, w)`` or ``(h, w, 1)``, gray+alpha ``(h, w, 2)``, RGB ``(h, w, 3)`` and RGBA
``(h, w, 4)``; 8 bits per channel, no filtering (filter type 0 on every row), zlib level 6.
"""

from __future__ import annotations

import struct
import zlib

import numpy as np
import numpy.typing as npt

SIGNATURE = b"\x89PNG\r\n\x1a\n"
# channels -> PNG colour type
COLOR_TYPES = {1: 0, 2: 4, 3: 2, 4: 6}


def _chunk(kind: bytes, data: bytes) -> bytes:
    crc = zlib.crc32(data, zlib.crc32(kind))
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", crc)


def encode_png(image: npt.NDArray[np.uint8]) -> bytes:
    """The PNG file for ``image``; raises ValueError for shapes PNG cannot hold."""
    if image.dtype != np.uint8:
        raise ValueError(f"images must be uint8 arrays, got {image.dtype}")
    pixels = image[:, :, None] if image.ndim == 2 else image
    if pixels.ndim != 3 or pixels.shape[2] not in COLOR_TYPES:
        raise ValueError(
            f"an image array must be (h, w) or (h, w, 1|2|3|4), got shape {image.shape}"
        )
    height, width, channels = pixels.shape
    if height == 0 or width == 0:
        raise ValueError(f"an image must have pixels, got shape {image.shape}")
    rows = np.zeros((height, 1 + width * channels), dtype=np.uint8)  # column 0: filter type
    rows[:, 1:] = pixels.reshape(height, width * channels)
    header = struct.pack(">IIBBBBB", width, height, 8, COLOR_TYPES[channels], 0, 0, 0)
    return b"".join(
        (
            SIGNATURE,
            _chunk(b"IHDR", header),
            _chunk(b"IDAT", zlib.compress(rows.tobytes(), 6)),
            _chunk(b"IEND", b""),
        )
    )
