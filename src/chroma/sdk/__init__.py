"""The Chroma SDK: log embeddings to a Chroma server from a training or eval loop.

It talks HTTP only (Arrow IPC for bulk data) and imports nothing of the server side.
See ``docs/sdk.md``.
"""

from chroma.sdk._errors import (
    ChromaConnectionError,
    ChromaError,
    Conflict,
    InvalidInput,
    NotFound,
    PayloadTooLarge,
    Unauthorized,
)
from chroma.sdk._init import init
from chroma.sdk._read import Vectors, read_datapoints, read_vectors
from chroma.sdk._run import Run

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
    "init",
    "read_datapoints",
    "read_vectors",
]
