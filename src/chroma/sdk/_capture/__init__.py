"""Capture embeddings from running models: ``chroma.watch`` (a PyTorch forward hook) and
``chroma.autolog`` (patched library calls). torch and sentence-transformers are optional:
nothing here imports them until it is used."""

from chroma.sdk._capture.autolog import (
    ChromaAutologWarning,
    autolog,
    autolog_context,
    autolog_enabled,
    autolog_flush,
)
from chroma.sdk._capture.watch import Watch, watch

__all__ = [
    "ChromaAutologWarning",
    "Watch",
    "autolog",
    "autolog_context",
    "autolog_enabled",
    "autolog_flush",
    "watch",
]
