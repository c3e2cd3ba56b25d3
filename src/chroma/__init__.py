"""Chroma: log ML embeddings, explore them on a map.

The SDK lives at the top level: ``chroma.init(...)`` returns a :class:`chroma.Run`.
"""

from chroma._version import __version__
from chroma.sdk import (
    ChromaConnectionError,
    ChromaError,
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    Run,
    Unauthorized,
    Vectors,
    init,
    read_datapoints,
    read_vectors,
)

__all__ = [
    "ChromaConnectionError",
    "ChromaError",
    "Conflict",
    "InvalidInput",
    "NotFound",
    "PayloadTooLarge",
    "Run",
    "Unauthorized",
    "Vectors",
    "__version__",
    "init",
    "read_datapoints",
    "read_vectors",
]
