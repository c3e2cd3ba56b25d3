"""The analysis form and the analysis summaries in Debian's chromium (issue 16, item 1).

A project of its own (three blobs, a train and a test dataset, a PCA map): the shared
digits stay as they are. From the project page's form, an outliers analysis runs with
``train`` as its reference and ``k`` typed in; an out-of-range ``k`` is refused next to its
field and starts no job. In the Explorer, a clusters analysis's labels sit at the clusters'
centres (also after zooming) and a click on a cluster entry selects exactly its rows.
"""

from __future__ import annotations

import uuid
from typing import Any

import numpy as np
from playwright.sync_api import Page, expect
from ui_browser import ARTIFACTS, needs_built_ui
from ui_data import LiveApp

import chroma
from projection_helpers import computed_projection, gql, wait_job, wait_succeeded

pytestmark = needs_built_ui()

SPACE = "s"
ANALYSES = """query ($p: String!) { project(name: $p) { spaces { analyses {
  id kind params job { id state } referenceDatasets { name } datasets { name } summary } } } }"""
JOBS = "query ($p: String!) { jobs(project: $p, first: 1000) { id kind } }"
CLUSTERS = """mutation ($p: String!) {
  runAnalysis(project: $p, space: "s", kind: "clusters", params: {min_cluster_size: 10}) {
    id job { id } } }"""


def _project(live_app: LiveApp) -> tuple[str, int]:
    """Three well separated blobs, 120 train and 45 test rows, labelled; a PCA map."""
    project = f"summaries-{uuid.uuid4().hex[:8]}"
    rng = np.random.default_rng(16)
    centres = np.array([[8, 0, 0, 0], [0, 8, 0, 0], [0, 0, 8, 0]], dtype=np.float32)
    for dataset, n in (("train", 120), ("test", 45)):
        blob = np.arange(n) % 3
        vectors = centres[blob] + 0.4 * rng.normal(size=(n, 4)).astype(np.float32)
        with chroma.init(project, dataset, SPACE, url=live_app.url) as run:
            run.log(
                vectors.astype(np.float32),
                ids=[f"{dataset}-{i}" for i in range(n)],
                labels=[f"blob{b}" for b in blob],
            )
    map_id = computed_projection(live_app.http, project=project, space=SPACE, algorithm="pca")
    return project, map_id


def _analyses(live_app: LiveApp, project: str) -> list[dict[str, Any]]:
    spaces = gql(live_app.http, ANALYSES, p=project)["project"]["spaces"]
    return [a for s in spaces for a in s["analyses"]]


def _jobs(live_app: LiveApp, project: str) -> int:
    return len(gql(live_app.http, JOBS, p=project)["jobs"])


def test_outliers_run_from_the_form_with_a_reference_and_k(page: Page, live_app: LiveApp) -> None:
    project, map_id = _project(live_app)
    page.goto(f"{live_app.url}/p/{project}")
    form = page.get_by_test_id(f"analysis-form-{SPACE}")
    form.get_by_test_id(f"analysis-kind-{SPACE}").select_option("outliers")
    k = form.get_by_test_id("analysis-param-k")
    expect(k).to_have_attribute("placeholder", "10")  # the default, from params.py

    # Out of range: refused next to the field, in the server's words; no job is started.
    jobs_before = _jobs(live_app, project)
    form.get_by_test_id("analysis-reference-train").check()
    k.fill("500")
    form.get_by_test_id(f"analysis-run-{SPACE}").click()
    error = form.get_by_test_id("analysis-field-error-params.k")
    expect(error).to_have_text("k must be >= 1 and <= 100: 500")
    expect(k).to_have_attribute("aria-invalid", "true")
    ARTIFACTS.mkdir(parents=True, exist_ok=True)
    form.screenshot(path=ARTIFACTS / "analysis-form-refused.png")
    page.wait_for_timeout(300)
    assert _jobs(live_app, project) == jobs_before
    assert [a for a in _analyses(live_app, project) if a["kind"] == "outliers"] == []

    # Two datasets and no reference: the form asks for one (nothing sent either).
    form.get_by_test_id("analysis-reference-train").uncheck()
    k.fill("7")
    form.get_by_test_id(f"analysis-run-{SPACE}").click()
    expect(form.get_by_test_id("analysis-field-error-reference")).to_contain_text(
        "measured against"
    )
    assert _jobs(live_app, project) == jobs_before

    # What only the server knows (the 45 test rows are too few for k=50 as a reference):
    # its refusal, with its `where`, next to the field it names; still no job.
    form.get_by_test_id("analysis-reference-test").check()
    k.fill("50")
    form.get_by_test_id(f"analysis-run-{SPACE}").click()
    expect(form.get_by_test_id("analysis-field-error-reference")).to_contain_text(
        "need at least 51 reference points"
    )
    expect(form.get_by_test_id("analysis-field-error-reference")).to_contain_text("(reference)")
    assert _jobs(live_app, project) == jobs_before
    form.get_by_test_id("analysis-reference-test").uncheck()
    k.fill("7")

    # In range, with the reference: it runs with k=7 against train.
    form.get_by_test_id("analysis-reference-train").check()
    expect(error).to_have_count(0)
    form.get_by_test_id(f"analysis-run-{SPACE}").click()
    expect(form.get_by_test_id("analysis-field-error-reference")).to_have_count(0)
    for _ in range(100):
        outliers = [a for a in _analyses(live_app, project) if a["kind"] == "outliers"]
        if outliers:
            break
        page.wait_for_timeout(100)
    assert len(outliers) == 1, outliers
    analysis = outliers[0]
    assert analysis["params"]["k"] == 7
    assert [d["name"] for d in analysis["referenceDatasets"]] == ["train"]
    wait_succeeded(live_app.http, analysis["job"]["id"])
    expect(page.get_by_test_id(f"analysis-{analysis['id']}")).to_be_visible()

    # Its summary in the Explorer: the share of out-of-distribution rows per dataset, each
    # a button selecting that dataset's flagged rows.
    summary = _analyses(live_app, project)[0]["summary"]
    page.goto(f"{live_app.url}/p/{project}/explore?projection={map_id}")
    expect(page.get_by_test_id("map-ready")).to_be_attached()
    panel = page.get_by_test_id("summary-panel")
    panel.get_by_test_id("summary-select").select_option(analysis["id"])
    for dataset in ("train", "test"):
        entry = panel.get_by_test_id(f"summary-ood-{dataset}")
        expect(entry).to_contain_text("out of distribution")
        expect(entry).to_be_enabled()
    outside = summary["ood"]["test"]["outside"]
    panel.get_by_test_id("summary-ood-test").click()
    expect(page.get_by_test_id("selection-count")).to_contain_text(str(outside))


def test_cluster_labels_sit_at_their_centres_and_select_their_rows(
    page: Page, live_app: LiveApp
) -> None:
    project, map_id = _project(live_app)
    started = gql(live_app.http, CLUSTERS, p=project)["runAnalysis"]
    job = wait_job(live_app.http, started["job"]["id"])
    assert job["state"] == "SUCCEEDED", job
    clusters = _analyses(live_app, project)[0]["summary"]["clusters"]
    assert len(clusters) == 3, clusters

    page.goto(f"{live_app.url}/p/{project}/explore?projection={map_id}")
    expect(page.get_by_test_id("map-ready")).to_be_attached()
    panel = page.get_by_test_id("summary-panel")
    expect(panel.locator(".x-summary")).to_have_attribute("data-kind", "clusters")
    for cluster in clusters:
        label = page.get_by_test_id(f"cluster-label-{cluster['cluster']}")
        expect(label).to_be_visible()
        expect(label).to_have_text(cluster["labels"][0][0])  # one label each: "blob<n>"

    def centre_of_selection() -> tuple[float, float]:
        """The mean screen position of the selected points (the probe's own transform)."""
        at = page.evaluate(
            """() => {
              const probe = window.__chromaMapProbe;
              const rows = probe.selected().map((i) => probe.screenOf(i));
              return [rows.reduce((s, p) => s + p[0], 0) / rows.length,
                      rows.reduce((s, p) => s + p[1], 0) / rows.length, rows.length];
            }"""
        )
        return at[0], at[1]

    def label_at(cluster: int) -> tuple[float, float]:
        label = page.get_by_test_id(f"cluster-label-{cluster}")
        return float(label.get_attribute("data-x") or "nan"), float(
            label.get_attribute("data-y") or "nan"
        )

    first = clusters[0]
    entry = panel.get_by_test_id(f"summary-cluster-{first['cluster']}")
    expect(entry).to_contain_text(first["labels"][0][0])
    expect(entry).to_be_enabled()
    entry.click()
    expect(page.get_by_test_id("selection-count")).to_contain_text(str(first["size"]))
    page.wait_for_function(f"() => window.__chromaMapProbe.selected().length === {first['size']}")
    # The label sits at the mean screen position of the cluster's points.
    x, y = centre_of_selection()
    lx, ly = label_at(first["cluster"])
    assert abs(lx - x) < 2, ((lx, ly), (x, y))
    assert abs(ly - y) < 2, ((lx, ly), (x, y))

    # Zoom in around the label: it moves with its cluster.
    canvas = page.get_by_test_id("map-canvas")
    box = canvas.bounding_box()
    assert box is not None
    page.mouse.move(box["x"] + box["width"] * 0.3, box["y"] + box["height"] * 0.4)
    page.mouse.wheel(0, -400)
    page.wait_for_timeout(600)
    x2, y2 = centre_of_selection()
    assert abs(x2 - x) + abs(y2 - y) > 5, "the zoom did not move the map"
    page.wait_for_function(
        """([c, x, y]) => {
          const label = document.querySelector(`[data-testid="cluster-label-${c}"]`);
          return label && Math.abs(+label.dataset.x - x) < 2 && Math.abs(+label.dataset.y - y) < 2;
        }""",
        arg=[first["cluster"], x2, y2],
    )

    # A click on a label selects its cluster too.
    second = clusters[1]
    page.get_by_test_id("reset-view").click()
    page.wait_for_timeout(500)
    page.get_by_test_id(f"cluster-label-{second['cluster']}").click()
    expect(page.get_by_test_id("selection-count")).to_contain_text(str(second["size"]))
