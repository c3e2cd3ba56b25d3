"""The layers issue 16 draws over the Explorer's map, for benchmarks/ui_load.py ``--layers``:
a ``clusters`` analysis (its labels are drawn at the clusters' centres by default) and a
search's hits highlighted, with an init script that notes when each is first on screen."""

from __future__ import annotations

import time
from pathlib import Path
from typing import Any

import httpx

SELECTION_CAP = 500  # ui/src/state/urlState.ts: the most ids a link keeps
SEARCH_HITS = 100_000  # ui/src/explorer/search/search.ts MAX_SEARCH_HITS

# Installed before the page's own scripts: on every animation frame, note when the cluster
# labels are first in the page and when the map's probe (map/probe.ts) first shows each
# selection size. A frame's callbacks run before it is painted: what they see is on that
# frame. Times are performance.now() (navigation = 0).
LAYERS_WATCH_JS = """
window.__chromaLayers = { labelsAt: null, labels: 0, selectedAt: {} };
(function watch() {
  const seen = window.__chromaLayers;
  if (seen.labelsAt === null) {
    const labels = document.querySelectorAll('[data-testid^="cluster-label-"]').length;
    if (labels > 0) { seen.labelsAt = performance.now(); seen.labels = labels; }
  }
  const probe = window.__chromaMapProbe;
  if (probe) {
    const size = probe.selected().length;
    if (!(size in seen.selectedAt)) seen.selectedAt[size] = performance.now();
  }
  requestAnimationFrame(watch);
})();
"""

SEARCH_QUERY = """
query Search($project: String!, $text: String!, $projection: ID, $first: Int!) {
  search(project: $project, text: $text, projection: $projection, first: $first) {
    count truncated datapointIds
  }
}
"""


def encode_ids(ids: list[int]) -> str:
    """A selection as the link writes it (urlState.ts encodeIds): sorted base-36 deltas."""
    digits = "0123456789abcdefghijklmnopqrstuvwxyz"

    def base36(n: int) -> str:
        out = ""
        while True:
            n, rest = divmod(n, 36)
            out = digits[rest] + out
            if n == 0:
                return out

    previous, parts = 0, []
    for i in sorted(ids):
        parts.append(base36(i - previous))
        previous = i
    return ".".join(parts)


def search_hits(url: str, project: str, projection_id: int, text: str) -> list[int]:
    """The ids GraphQL ``search`` answers for ``text`` on the map, as the search box asks."""
    variables = {"project": project, "text": text, "projection": str(projection_id)}
    response = httpx.post(
        f"{url}/graphql",
        json={"query": SEARCH_QUERY, "variables": {**variables, "first": SEARCH_HITS}},
        timeout=300,
    )
    response.raise_for_status()
    return [int(i) for i in response.json()["data"]["search"]["datapointIds"]]


def add_clusters(data_dir: Path, project: str, space: str) -> None:
    """A ``clusters`` analysis of the map (the newest), computed by its job here."""
    from chroma.db.store import open_store
    from chroma.jobs.execute import execute_job
    from chroma.services.analyses.requests import run_analysis
    from chroma.settings import Settings

    store = open_store(Settings(data_dir=data_dir, auto_jobs=False))
    try:
        started = time.perf_counter()
        _, job = run_analysis(store, project=project, space=space, kind="clusters")
        if execute_job(store, job.id) != "succeeded":
            raise SystemExit(f"the clusters analysis's job {job.id} did not succeed")
        print(f"computed the clusters analysis in {time.perf_counter() - started:.1f} s")
    finally:
        store.dispose()


def wait_for_layers(page: Any, selected: int) -> dict[str, Any]:
    """Wait until the cluster labels and ``selected`` highlighted points have been on
    screen; when each first was (LAYERS_WATCH_JS)."""
    page.wait_for_function(
        "(n) => { const s = window.__chromaLayers;"
        " return s && s.labelsAt !== null && s.selectedAt[n] !== undefined; }",
        arg=selected,
        timeout=300_000,
    )
    seen = page.evaluate("(n) => ({...window.__chromaLayers, selected: n})", selected)
    return {
        "labelsAt": seen["labelsAt"],
        "labels": seen["labels"],
        "selectedAt": seen["selectedAt"][str(selected)],
        "selected": selected,
    }


def search_in_page(page: Any, text: str, hits: int) -> float:
    """The search box runs ``text`` (Enter); ms until its ``hits`` are highlighted."""
    box = page.get_by_test_id("search-input")
    box.fill(text)
    # Sizes seen so far are forgotten: the link's selection may have had this size too.
    # (With no more hits than a link keeps, the search selects what is already selected
    # and this times nothing: --search should hit more than SELECTION_CAP points.)
    started = page.evaluate(
        "() => { window.__chromaLayers.selectedAt = {}; return performance.now(); }"
    )
    box.press("Enter")
    page.wait_for_function(
        "(n) => window.__chromaLayers.selectedAt[n] !== undefined", arg=hits, timeout=300_000
    )
    return float(page.evaluate("(n) => window.__chromaLayers.selectedAt[n]", hits)) - started
