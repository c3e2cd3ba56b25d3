"""What the Explorer's map shows, in Debian's chromium against the real server (issue 16):
id-like columns coloured as categories with their noise grey, a legend that counts what it
does not list, rare classes drawn over common ones (checked in the canvas's pixels), placed
points marked without being enlarged, a map that appears when its job ends (no reload),
and shortcuts that still work after a click on a control.

Its own small app (``encoding_app``): 22 classes of Gaussian blobs, predictions wrong for
16 points, a metadata ``cluster`` id with -1 for noise, points placed after the map was
computed, and a second map queued behind busy workers. The map's numbers come from
``window.__chromaMapProbe`` (ui/src/map/probe.ts).
"""

from __future__ import annotations

import io
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import numpy as np
import pytest
from PIL import Image
from playwright.sync_api import Page, expect
from sqlalchemy import select
from ui_browser import needs_built_ui

import chroma
from chroma.db.models import Space
from chroma.db.store import Store, open_store
from chroma.services.refresh import queue_follow_ups
from chroma.settings import Settings
from live_server import LiveServer
from projection_helpers import (
    CREATE_PROJECTION,
    computed_projection,
    gql,
    queue_wait_job,
    wait_succeeded,
)

pytestmark = needs_built_ui()

PROJECT = "blobs"
SPACE = "vectors"
CLASSES = 22
PER_CLASS = 30
POINTS = CLASSES * PER_CLASS
WRONG = 16
PLACED = 24
CLUSTERS = 6


@dataclass
class EncodingApp:
    url: str
    store: Store
    http: httpx.Client
    projection_id: int
    noise: int
    """Points whose cluster is -1."""


def blobs() -> dict[str, object]:
    rng = np.random.default_rng(7)
    centres = rng.normal(scale=6.0, size=(CLASSES, 16))
    classes = np.repeat(np.arange(CLASSES), PER_CLASS)
    vectors = (centres[classes] + rng.normal(size=(POINTS, 16))).astype(np.float32)
    labels = [f"c{c:02d}" for c in classes]
    predictions = list(labels)
    for i in rng.choice(POINTS, WRONG, replace=False):
        predictions[i] = f"c{(classes[i] + 1) % CLASSES:02d}"
    cluster = np.where(rng.random(POINTS) < 0.1, -1, classes % CLUSTERS)
    return {
        "embeddings": vectors,
        "ids": [f"p{i}" for i in range(POINTS)],
        "labels": labels,
        "predictions": predictions,
        "scores": rng.random(POINTS).round(3).tolist(),
        "metadata": [{"cluster": int(c)} for c in cluster],
    }


@pytest.fixture(scope="module")
def encoding_app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[EncodingApp]:
    folder: Path = tmp_path_factory.mktemp("encoding-app")
    store = open_store(Settings(data_dir=folder / "data", auto_jobs=False))
    with (
        LiveServer(store, owns_store=True) as server,
        httpx.Client(base_url=server.url, timeout=60) as http,
    ):
        data = blobs()
        with chroma.init(PROJECT, "train", SPACE, url=server.url) as run:
            run.log(**data)
        projection_id = computed_projection(http, project=PROJECT, space=SPACE, algorithm="pca")
        # Points logged after the map was computed: placed into it, unlabelled.
        rng = np.random.default_rng(8)
        later = data["embeddings"][:PLACED] + rng.normal(scale=0.3, size=(PLACED, 16))  # type: ignore[index]
        with chroma.init(PROJECT, "later", SPACE, url=server.url) as run:
            run.log(embeddings=later.astype(np.float32), ids=[f"q{i}" for i in range(PLACED)])
        with store.write() as session:
            space_id = session.scalar(select(Space.id).where(Space.name == SPACE))
            jobs = queue_follow_ups(session, int(space_id))  # type: ignore[arg-type]
        for job in jobs:
            wait_succeeded(http, job)
        noise = sum(1 for m in data["metadata"] if m["cluster"] == -1)  # type: ignore[attr-defined]
        yield EncodingApp(server.url, store, http, projection_id, noise)


def open_map(page: Page, app: EncodingApp, query: str = "", points: int = POINTS + PLACED) -> None:
    page.goto(f"{app.url}/p/{PROJECT}/explore?projection={app.projection_id}{query}")
    ready = page.locator(f'[data-testid="map-ready"][data-points="{points}"]')
    expect(ready).to_be_attached(timeout=60_000)


def probe(page: Page, expression: str) -> object:
    """Evaluate ``expression`` with ``p`` bound to window.__chromaMapProbe."""
    return page.evaluate(f"() => {{ const p = window.__chromaMapProbe; return {expression}; }}")


def css_var(page: Page, name: str) -> str:
    return str(
        page.evaluate(
            f"() => getComputedStyle(document.documentElement).getPropertyValue('{name}').trim()"
        )
    )


def swatches(page: Page) -> dict[str, str]:
    """Legend value -> swatch colour, for the listed entries."""
    return dict(
        page.eval_on_selector_all(
            '[data-testid^="legend-item-"]',
            """items => items.map(item => [
                 item.dataset.testid.slice('legend-item-'.length),
                 item.querySelector('.x-swatch').dataset.color])""",
        )
    )


def test_cluster_ids_are_categories_and_noise_is_grey(
    page: Page, encoding_app: EncodingApp
) -> None:
    open_map(page, encoding_app, "&color=metadata.cluster")
    grey = css_var(page, "--map-null")
    noise = page.get_by_test_id("legend-item--1")
    expect(noise).to_contain_text("noise")
    colours = swatches(page)
    assert colours["-1"] == grey
    clusters = [colours[str(c)] for c in range(CLUSTERS)]
    assert len(set(clusters)) == CLUSTERS  # no two clusters alike
    assert grey not in clusters
    # On the map: exactly the noise points (and the unlabelled placed ones, which have no
    # cluster) are grey; no continuous ramp (a ramp would give 6 shades of one scale).
    greys = probe(
        page,
        f"Array.from({{length: p.count}}, (_, i) => p.colorOf(i)).filter(c => c === '{grey}')"
        ".length",
    )
    assert greys == encoding_app.noise + PLACED
    # Grey points are drawn first, under every cluster.
    first = probe(page, f"p.drawOrder().slice(0, {greys}).every(i => p.colorOf(i) === '{grey}')")
    assert first is True


def test_the_legend_counts_the_classes_it_does_not_list(
    page: Page, encoding_app: EncodingApp
) -> None:
    open_map(page, encoding_app, "&color=label")
    legend = page.get_by_test_id("legend")
    expect(legend).to_have_attribute("data-classes", str(CLASSES))
    more = page.get_by_test_id("legend-more")
    expect(more).to_have_text(f"+{CLASSES - 12} more")
    listed = swatches(page)
    assert len([v for v in listed if v.startswith("c")]) == 12
    more.click()
    listed = swatches(page)
    classes = {v: c for v, c in listed.items() if v.startswith("c")}
    assert len(classes) == CLASSES
    assert len(set(classes.values())) == CLASSES  # 22 classes, 22 colours


def canvas_pixels(page: Page) -> tuple[Image.Image, float]:
    canvas = page.get_by_test_id("map-canvas")
    image = Image.open(io.BytesIO(canvas.screenshot())).convert("RGB")
    box = canvas.bounding_box()
    assert box is not None
    return image, image.width / box["width"]


def hex_rgb(color: str) -> tuple[int, int, int]:
    value = int(color.lstrip("#"), 16)
    return (value >> 16) & 255, (value >> 8) & 255, value & 255


def distance(a: tuple[int, ...], b: tuple[int, ...]) -> float:
    return float(np.linalg.norm(np.subtract(a[:3], b[:3])))


def test_a_rare_class_is_drawn_over_the_common_one(page: Page, encoding_app: EncodingApp) -> None:
    # Big opaque points: in index order most of the 16 incorrect would hide under correct ones.
    open_map(page, encoding_app, "&color=correct&size=12&opacity=1")
    colours = swatches(page)
    wrong, right = colours["incorrect"], colours["correct"]
    order: list[int] = probe(page, "p.drawOrder()")  # type: ignore[assignment]
    wrong_points: list[int] = probe(  # type: ignore[assignment]
        page, f"p.drawOrder().filter(i => p.colorOf(i) === '{wrong}')"
    )
    assert len(wrong_points) == WRONG
    positions: list[list[float]] = probe(  # type: ignore[assignment]
        page, f"{wrong_points}.map(i => p.screenOf(i))"
    )
    page.mouse.move(0, 0)  # no hover ring
    page.wait_for_timeout(300)
    image, scale = canvas_pixels(page)
    seen = 0
    for i, (x, y) in zip(wrong_points, positions, strict=True):
        if not (0 <= x * scale < image.width and 0 <= y * scale < image.height):
            continue
        pixel = image.getpixel((int(x * scale), int(y * scale)))
        assert distance(pixel, hex_rgb(wrong)) < distance(pixel, hex_rgb(right)), (i, pixel)
        seen += 1
    assert seen >= WRONG // 2
    assert sorted(order[-WRONG:]) == sorted(wrong_points)  # the last drawn, on top


def test_selected_points_are_drawn_over_the_rest(page: Page, encoding_app: EncodingApp) -> None:
    open_map(page, encoding_app, "&color=correct&size=12&opacity=1")
    colours = swatches(page)
    wrong = colours["incorrect"]
    # A correct point almost under an incorrect one (drawn over it while nothing is selected).
    pairs: list[list[float]] = probe(  # type: ignore[assignment]
        page,
        f"""(() => {{
          const at = i => p.screenOf(i);
          const order = p.drawOrder();
          const bad = order.filter(i => p.colorOf(i) === '{wrong}');
          const good = order.filter(i => p.colorOf(i) !== '{wrong}');
          const out = [];
          for (const i of bad) for (const c of good) {{
            const [a, b] = [at(i), at(c)];
            const d = Math.hypot(a[0] - b[0], a[1] - b[1]);
            if (d > 0.5 && d < 3) out.push([d, i, c, ...a, ...b]);
          }}
          return out.sort((x, y) => x[0] - y[0]);
        }})()""",
    )
    assert pairs, "no correct point lies under an incorrect one"
    _, _, c, ix, iy, cx, cy = pairs[0]
    image, scale = canvas_pixels(page)
    before = image.getpixel((int(ix * scale), int(iy * scale)))
    assert distance(before, hex_rgb(wrong)) < 60  # the rare point is on top
    box = page.get_by_test_id("map-canvas").bounding_box()
    assert box is not None
    page.mouse.click(box["x"] + cx, box["y"] + cy)
    page.wait_for_function(f"() => window.__chromaMapProbe.selected().includes({int(c)})")
    page.mouse.move(0, 0)
    page.wait_for_timeout(300)
    image, scale = canvas_pixels(page)
    after = image.getpixel((int(ix * scale), int(iy * scale)))
    assert distance(after, hex_rgb(wrong)) > 60, (before, after)  # now the selected one is


def test_placed_points_are_marked_not_enlarged(page: Page, encoding_app: EncodingApp) -> None:
    open_map(page, encoding_app, "&color=label")
    levels = probe(page, "Array.from({length: p.count}, (_, i) => p.emphasisOf(i))")
    normal = [e for e in levels if e["level"] == 0]  # type: ignore[union-attr,index]
    placed = [e for e in levels if e["level"] == 1]  # type: ignore[union-attr,index]
    assert len(placed) == PLACED
    assert placed[0]["size"] == normal[0]["size"]
    assert placed[0]["opacity"] < normal[0]["opacity"]
    # Highlighted on demand: larger, opaque, drawn last.
    page.keyboard.press("p")
    expect(page.get_by_test_id("placed-toggle")).to_be_checked()
    page.wait_for_function(
        "() => { const p = window.__chromaMapProbe; return p.emphasisOf(p.drawOrder().at(-1))"
        ".level === 3; }"
    )
    top = probe(page, "p.emphasisOf(p.drawOrder().at(-1))")
    assert top["size"] > normal[0]["size"]  # type: ignore[index]


def test_shortcuts_work_after_clicking_a_control(page: Page, encoding_app: EncodingApp) -> None:
    open_map(page, encoding_app)
    lasso = page.get_by_test_id("lasso-button")
    page.get_by_test_id("fade-toggle").click()  # a checkbox keeps the focus
    page.keyboard.press("l")
    expect(lasso).to_have_attribute("aria-pressed", "true")
    page.get_by_test_id("reset-view").click()  # a button
    page.keyboard.press("l")
    expect(lasso).to_have_attribute("aria-pressed", "false")
    page.get_by_test_id("point-size").click(force=True)  # a slider (its track takes the click)
    page.keyboard.press("l")
    expect(lasso).to_have_attribute("aria-pressed", "true")
    select = page.get_by_test_id("color-by-select")
    select = select if select.evaluate("e => e.tagName === 'SELECT'") else select.locator("select")
    select.click()  # opens its list; Escape closes it (a person would click an option)
    page.keyboard.press("Escape")
    select.select_option("label")
    page.keyboard.press("l")
    expect(lasso).to_have_attribute("aria-pressed", "false")
    page.keyboard.press("?")
    expect(page.get_by_role("dialog")).to_be_visible()


def test_the_map_appears_when_its_job_ends(page: Page, encoding_app: EncodingApp) -> None:
    app = encoding_app
    # Both workers busy: the new map waits in the queue while the page is open.
    for _ in range(2):
        queue_wait_job(app.store, 6)
    created = gql(
        app.http, CREATE_PROJECTION, project=PROJECT, space=SPACE, algorithm="pca", params={}
    )["createProjection"]
    page.goto(f"{app.url}/p/{PROJECT}/explore?projection={created['id']}")
    expect(page.get_by_test_id("map-computing")).to_be_visible()
    page.evaluate("() => { window.__notReloaded = true; }")
    wait_succeeded(app.http, created["job"]["id"])
    ready = page.locator(f'[data-testid="map-ready"][data-points="{POINTS + PLACED}"]')
    expect(ready).to_be_attached(timeout=30_000)
    assert page.evaluate("() => window.__notReloaded") is True


def test_the_footer_says_what_its_timings_are(page: Page, encoding_app: EncodingApp) -> None:
    open_map(page, encoding_app)
    timing = page.get_by_test_id("load-timing")
    expect(timing).to_contain_text("loaded in")
    title = timing.get_attribute("title") or ""
    assert "download" in title
    assert "decode" in title
