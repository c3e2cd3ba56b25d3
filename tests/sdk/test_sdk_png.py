"""The PNG encoder, checked by decoding its output with zlib alone."""

from __future__ import annotations

import struct
import zlib

import numpy as np
import pytest

from chroma.sdk._png import encode_png


def decode_png(data: bytes) -> tuple[dict[str, int], np.ndarray]:
    assert data[:8] == b"\x89PNG\r\n\x1a\n"
    pos, chunks = 8, []
    while pos < len(data):
        (length,) = struct.unpack(">I", data[pos : pos + 4])
        kind, body = data[pos + 4 : pos + 8], data[pos + 8 : pos + 8 + length]
        (crc,) = struct.unpack(">I", data[pos + 8 + length : pos + 12 + length])
        assert crc == zlib.crc32(kind + body), kind
        chunks.append((kind, body))
        pos += 12 + length
    assert [k for k, _ in chunks] == [b"IHDR", b"IDAT", b"IEND"]
    width, height, depth, color, _, _, _ = struct.unpack(">IIBBBBB", chunks[0][1])
    channels = {0: 1, 4: 2, 2: 3, 6: 4}[color]
    raw = np.frombuffer(zlib.decompress(chunks[1][1]), dtype=np.uint8)
    rows = raw.reshape(height, 1 + width * channels)
    assert (rows[:, 0] == 0).all()  # filter type "none" on every row
    header = {"width": width, "height": height, "depth": depth, "color": color}
    return header, rows[:, 1:].reshape(height, width, channels)


@pytest.mark.parametrize(
    ("shape", "color"),
    [((5, 7), 0), ((5, 7, 1), 0), ((5, 7, 2), 4), ((5, 7, 3), 2), ((5, 7, 4), 6)],
)
def test_png_round_trips_every_channel_layout(shape: tuple[int, ...], color: int) -> None:
    image = np.random.default_rng(0).integers(0, 256, size=shape, dtype=np.uint8)
    header, pixels = decode_png(encode_png(image))
    assert header == {"width": 7, "height": 5, "depth": 8, "color": color}
    np.testing.assert_array_equal(pixels, image.reshape(5, 7, -1))


@pytest.mark.parametrize(
    "image",
    [
        np.zeros((4, 4), dtype=np.float32),
        np.zeros((4, 4, 5), dtype=np.uint8),
        np.zeros((4,), dtype=np.uint8),
        np.zeros((0, 4), dtype=np.uint8),
    ],
)
def test_png_refuses_what_it_cannot_hold(image: np.ndarray) -> None:
    with pytest.raises(ValueError, match="image"):
        encode_png(image)
