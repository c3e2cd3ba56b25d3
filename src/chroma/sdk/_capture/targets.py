"""What ``chroma.autolog`` patches, and how each call's output becomes rows."""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from chroma.sdk._capture.autolog import Extract, Rows, as_vectors, row_keys, sequence_of, text_key
from chroma.sdk._capture.patcher import Patcher

MakeWrapper = Callable[[Extract], Callable[[Callable[..., Any]], Callable[..., Any]]]

# Directory names that say nothing about a model loaded from a local path.
_GENERIC_DIRS = {"model", "models", "snapshot", "snapshots", "checkpoint", "weights"}


# ---- sentence-transformers -----------------------------------------------------------------


def patch_sentence_transformers(patcher: Patcher, wrap: MakeWrapper) -> None:
    if importlib.util.find_spec("sentence_transformers") is None:
        return
    from sentence_transformers import SentenceTransformer

    patcher.patch(SentenceTransformer, "encode", wrap(_encode_rows))


def model_name(model: Any) -> str:
    """The model's hub name when known, else the folder it was loaded from."""
    card = getattr(model, "model_card_data", None)
    for attribute in ("base_model", "model_id", "model_name"):
        name = getattr(card, attribute, None)
        if isinstance(name, str) and name:
            return name
    tokenizer = getattr(model, "tokenizer", None)
    path = getattr(tokenizer, "name_or_path", None)
    if isinstance(path, str) and path:
        local = Path(path)
        if local.exists():
            if local.name in _GENERIC_DIRS and local.parent.name:
                return local.parent.name
            return local.name
        return path
    return type(model).__name__


def _encode_rows(model: Any, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> Any:
    output_value = kwargs.get("output_value", "sentence_embedding")
    if output_value not in (None, "sentence_embedding"):
        return f"output_value={output_value!r} (only sentence embeddings are logged)"
    if kwargs.get("precision", "float32") != "float32":
        return f"precision={kwargs['precision']!r} (only float32 embeddings are logged)"
    inputs = kwargs.get("inputs", kwargs.get("sentences", args[0] if args else None))
    single = isinstance(inputs, str)
    if isinstance(result, list) and result and hasattr(result[0], "detach"):
        result = np.stack([item.detach().cpu().float().numpy() for item in result])
    vectors = as_vectors(result)
    if vectors is None:
        return f"an output of type {type(result).__name__} is not a matrix of embeddings"
    if vectors.ndim == 1:
        vectors = vectors.reshape(1, -1)
    if vectors.size == 0:
        return None
    texts = [inputs] if single else sequence_of(inputs)
    fields: dict[str, Any] = {}
    keys = None
    if (
        texts is not None
        and len(texts) == vectors.shape[0]
        and all(isinstance(text, str) for text in texts)
    ):
        fields["texts"] = texts
        keys = [text_key(str(text)) for text in texts]
    name = model_name(model)
    return Rows(space=name, model=name, vectors=vectors, keys=keys, fields=fields)


# ---- scikit-learn --------------------------------------------------------------------------


def patch_sklearn(patcher: Patcher, wrap: MakeWrapper) -> None:
    if importlib.util.find_spec("sklearn") is None:
        return
    from sklearn.base import TransformerMixin
    from sklearn.pipeline import Pipeline
    from sklearn.utils import all_estimators

    # Pipeline is no TransformerMixin, but its output is the one worth logging (its steps'
    # calls nest inside it and are not logged on their own).
    classes: list[type] = [TransformerMixin, Pipeline]
    classes += [cls for _, cls in all_estimators(type_filter="transformer")]
    for cls in classes:
        for method, extract in (("transform", _transform_rows), ("fit_transform", _fit_rows)):
            # Patch where the method is defined (PCA's transform lives on a private base):
            # every subclass sees the one wrapper, and reverting restores that class.
            owner = next((base for base in cls.__mro__ if method in base.__dict__), None)
            if owner is not None and owner is not object:
                patcher.patch(owner, method, wrap(extract))


def _sklearn_rows(estimator: Any, inputs: Any, result: Any) -> Rows | str | None:
    if hasattr(result, "tocsr") or hasattr(result, "sparse"):
        return "a sparse output (only dense outputs are logged)"
    vectors = as_vectors(result)
    if vectors is None or vectors.ndim != 2:
        return None  # e.g. a label encoder's 1-D output: not embeddings, nothing to say
    if vectors.shape[0] == 0 or vectors.shape[1] == 0:
        return None
    keys = None
    matrix = as_vectors(inputs)
    if matrix is not None and matrix.shape[0] == vectors.shape[0]:
        keys = row_keys(np.asarray(inputs.to_numpy() if hasattr(inputs, "to_numpy") else inputs))
    cls = type(estimator)
    return Rows(
        space=cls.__name__,
        model=f"{cls.__module__}.{cls.__qualname__}",
        vectors=vectors,
        keys=keys,
    )


def _transform_rows(
    estimator: Any, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any
) -> Any:
    inputs = kwargs.get("X", args[0] if args else None)
    return _sklearn_rows(estimator, inputs, result)


def _fit_rows(estimator: Any, args: tuple[Any, ...], kwargs: dict[str, Any], result: Any) -> Any:
    inputs = kwargs.get("X", args[0] if args else None)
    rows = _sklearn_rows(estimator, inputs, result)
    target = kwargs.get("y", args[1] if len(args) > 1 else None)
    labels = sequence_of(target)
    if (
        isinstance(rows, Rows)
        and labels is not None
        and len(labels) == rows.vectors.shape[0]
        and all(np.ndim(label) == 0 for label in labels)
    ):
        rows.fields["labels"] = labels
    return rows
