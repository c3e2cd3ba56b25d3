"""Explorer load benchmark: a million points from navigation to the first full frame.

Not a test: run on demand (`make bench-ui-load`, or `.venv/bin/python benchmarks/ui_load.py
--points 200000` for a quicker look). Needs the built UI (`bash scripts/ui.sh`) and
Debian's chromium (`bash scripts/browser.sh`); says so and exits 2 when either is missing.

Data: N points (default 1,000,000) in 10 Gaussian clusters, labels by cluster, two
datasets (80% train, 20% test). To keep set-up short the vectors are 2-D and go straight
through the ingest service (the server's own write path, no HTTP), and the map is a PCA
projection computed by the real ``projection.compute`` job in this process (PCA of 2-D
vectors is a rotation: the map keeps the clusters). Then the real server starts as
``chroma application run`` on that data dir, and headless chromium (Playwright) opens
``/p/bench/explore?projection=<id>``.

Measured in one page and one run:

(a) navigation -> the first frame with every point drawn (``window.__chromaMap
    .firstFrameAt``, set by the UI when ``map-ready`` appears), and the bytes of the
    points response (Performance API: encoded = on the wire, decoded = Arrow);
(b) the floor, in the same page after (a): ``fetch`` of the same bytes the page received
    (the same Content-Encoding) served as a static file by a plain file server in this
    process, + ``arrayBuffer`` + ``tableFromIPC`` (apache-arrow's own build from
    ui/node_modules) and a pass over x and y; the best of three. Nothing the server does
    to make the points is in it: it is what the network and the browser allow.

With ``--layers`` (issue 16: the Explorer shows what matters) the map also has a
``clusters`` analysis (computed by its real job in this process; its cluster labels are
drawn over the map by default) and the page opens with a search's hits highlighted: the
benchmark asks GraphQL ``search`` for ``--search`` (as the search box does) and puts the
first 500 hits in the link as the selection (``sel=``, the most a link keeps). (a) is then
navigation -> the first frame with every point, the cluster labels and the highlighted
hits all on screen (the latest of the three; an init script notes, on each animation
frame, when the labels are in the page and when the map's probe shows the selection).
After (b) the search box runs the same search (Enter): search -> every hit highlighted
is printed too (a latency, not held to the floor).

Targets: (a) <= 1.5x (b); under 20 bytes a point on the wire.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import httpx
import numpy as np
import pyarrow as pa

from explorer_layers import (
    LAYERS_WATCH_JS,
    SELECTION_CAP,
    add_clusters,
    encode_ids,
    search_hits,
    search_in_page,
    wait_for_layers,
)
from servers import free_port, start_server, stop_server

ROOT = Path(__file__).resolve().parents[1]
CHROMIUM = Path("/usr/bin/chromium")
ARROW_JS = ROOT / "ui" / "node_modules" / "apache-arrow" / "Arrow.es2015.min.js"
PROJECT, SPACE = "bench", "xy"
BATCH = 50_000
TARGET_RATIO = 1.5
TARGET_BYTES_PER_POINT = 20.0

FLOOR_JS = """
async (url) => {
  const runs = [];
  for (let i = 0; i < 3; i++) {
    const started = performance.now();
    const response = await fetch(url, { cache: 'no-store' });
    const body = new Uint8Array(await response.arrayBuffer());
    const fetched = performance.now();
    const table = Arrow.tableFromIPC(body);
    const x = table.getChild('x').toArray(), y = table.getChild('y').toArray();
    let sum = 0;
    for (let j = 0; j < x.length; j++) sum += x[j] + y[j];
    const decoded = performance.now();
    runs.push({ total: decoded - started, fetch: fetched - started,
                decode: decoded - fetched, rows: table.numRows, bytes: body.length, sum });
  }
  runs.sort((a, b) => a.total - b.total);
  return runs[0];
}
"""


def refuse(message: str) -> None:
    print(f"ui_load: {message}", file=sys.stderr)
    raise SystemExit(2)


def check_prerequisites() -> str:
    """Refuses (exit 2) without the built UI, chromium or apache-arrow's JS build; returns
    that build's text (read now: ui/node_modules may be reinstalled during a run)."""
    from chroma.server.static import STATIC_DIR, is_built

    if not is_built(STATIC_DIR):
        refuse(
            f"the UI is not built ({STATIC_DIR / 'index.html'} is missing): run "
            "`bash scripts/ui.sh` (or `make ui`) first"
        )
    if not CHROMIUM.is_file():
        refuse(f"{CHROMIUM} is missing: run `bash scripts/browser.sh` (Debian's chromium)")
    if not ARROW_JS.is_file():
        refuse(f"{ARROW_JS} is missing: install the UI's packages (`bash scripts/ui.sh`)")
    return ARROW_JS.read_text()


def generate(data_dir: Path, points: int) -> int:
    """Log ``points`` 2-D points and compute their PCA map; the projection's id."""
    from chroma.db.store import open_store
    from chroma.jobs.execute import execute_job
    from chroma.services.ingest import ingest
    from chroma.services.ingest_batch import validate
    from chroma.services.projections import create_projection
    from chroma.settings import Settings

    store = open_store(Settings(data_dir=data_dir, auto_jobs=False))
    try:
        rng = np.random.default_rng(0)
        centres = rng.normal(size=(10, 2)).astype(np.float32) * 6
        started = time.perf_counter()
        for start in range(0, points, BATCH):
            rows = min(BATCH, points - start)
            labels = rng.integers(0, 10, size=rows)
            vectors = (centres[labels] + rng.normal(size=(rows, 2))).astype(np.float32)
            dataset = "train" if start < points * 0.8 else "test"
            table = pa.table(
                {
                    "key": [f"p{start + i}" for i in range(rows)],
                    "vector": pa.FixedSizeListArray.from_arrays(pa.array(vectors.reshape(-1)), 2),
                    "label": [f"cluster-{label}" for label in labels],
                }
            )
            ingest(
                store, validate(table), project=PROJECT, dataset=dataset, space=SPACE, create=True
            )
        print(f"logged {points:,} points in {time.perf_counter() - started:.1f} s")
        started = time.perf_counter()
        projection, job = create_projection(store, project=PROJECT, space=SPACE, algorithm="pca")
        execute_job(store, job.id)
        print(f"computed the PCA map in {time.perf_counter() - started:.1f} s")
        return projection.id
    finally:
        store.dispose()


class StaticFile:
    """The points' bytes as a static file on a port of its own: the first frame's floor.

    Served as fetched from the app (same bytes, same Content-Encoding), with CORS so the
    app's page may fetch it, by the standard library's HTTP server in a thread.
    """

    def __init__(self, body: bytes, encoding: str | None) -> None:
        headers = {"content-type": "application/vnd.apache.arrow.stream"}
        if encoding:
            headers["content-encoding"] = encoding

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                self.send_response(200)
                for name, value in {**headers, "access-control-allow-origin": "*"}.items():
                    self.send_header(name, value)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_port}/points.arrow"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


def raw_body(url: str) -> tuple[bytes, str | None]:
    """The points URL's body as sent (not decoded) to a client that takes zstd, as a browser."""
    with (
        httpx.Client(timeout=300) as client,
        client.stream("GET", url, headers={"accept-encoding": "zstd, gzip"}) as response,
    ):
        response.raise_for_status()
        return b"".join(response.iter_raw()), response.headers.get("content-encoding")


def launch(playwright: Any) -> Any:
    """Headless chromium as the benchmarks run it (Debian's, software WebGL)."""
    return playwright.chromium.launch(
        executable_path=str(CHROMIUM),
        headless=True,
        args=["--no-sandbox", "--disable-background-networking", "--enable-unsafe-swiftshader"],
    )


def page_marks(page: Any) -> dict[str, Any]:
    """The page's clock origin (epoch ms) and its ``chroma:*`` marks (lib/instrumentation.ts)."""
    return dict(
        page.evaluate(
            "() => ({origin: performance.timeOrigin, marks: performance"
            ".getEntriesByType('mark').filter((m) => m.name.startsWith('chroma:'))"
            ".map((m) => [m.name, m.startTime])})"
        )
    )


def measure(
    url: str, projection_id: int, runs: int, arrow_js: str, search: str | None = None
) -> list[dict[str, Any]]:
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    address = f"{url}/p/{PROJECT}/explore?projection={projection_id}"
    hits: list[int] = []
    if search is not None:
        hits = search_hits(url, PROJECT, projection_id, search)
        if len(hits) <= SELECTION_CAP:
            refuse(
                f"the search {search!r} hits {len(hits)} points: "
                f"make it hit more than {SELECTION_CAP}"
            )
        address += f"&sel={encode_ids(hits[:SELECTION_CAP])}"
    results = []
    with sync_playwright() as playwright:
        browser = launch(playwright)
        try:
            for _ in range(runs):
                context = browser.new_context(viewport={"width": 1280, "height": 860})
                page = context.new_page()
                if search is not None:
                    page.add_init_script(LAYERS_WATCH_JS)
                # The UI may fetch in a Web Worker, out of the page's Performance API; the
                # browser's network events see those requests too.
                seen: list[Any] = []

                def keep(response: Any, seen: list[Any] = seen) -> None:
                    if "/api/v1/points" in response.url:
                        seen.append(response)

                page.on("response", keep)
                page.goto(address)
                page.get_by_test_id("map-ready").wait_for(state="attached", timeout=300_000)
                layers = (
                    wait_for_layers(page, min(len(hits), SELECTION_CAP))
                    if search is not None
                    else None
                )
                stats = page.evaluate("() => ({...window.__chromaMap})")
                marks = page_marks(page)
                if not seen:
                    refuse("the page never requested /api/v1/points")
                response = seen[0]
                sizes = response.request.sizes()
                timing = response.request.timing
                headers = response.headers
                entry = {
                    "name": response.url,
                    "encoded": int(headers.get("content-length") or sizes["responseBodySize"]),
                    "decoded": int(headers.get("x-chroma-uncompressed-bytes") or 0),
                    "encoding": headers.get("content-encoding", "identity"),
                    "start": 0.0,
                    "end": float(timing.get("responseEnd", 0.0)),
                    # The request's start on the page's clock (navigation = 0).
                    "sent": float(timing.get("startTime", 0.0)) - float(marks["origin"]),
                }
                page.add_script_tag(content=arrow_js)
                static = StaticFile(*raw_body(entry["name"]))
                try:
                    floor = page.evaluate(FLOOR_JS, static.url)
                finally:
                    static.close()
                result = {"stats": stats, "entry": entry, "floor": floor, "marks": marks}
                if search is not None and layers is not None:
                    layers["searchMs"] = search_in_page(page, search, len(hits))
                    layers["hits"] = len(hits)
                    result["layers"] = layers
                results.append(result)
                context.close()
        finally:
            browser.close()
    return results


def report(points: int, results: list[dict[str, Any]]) -> bool:
    ok = True
    for i, result in enumerate(results, 1):
        stats, entry, floor = result["stats"], result["entry"], result["floor"]
        first_frame = float(stats["firstFrameAt"])
        if first_frame > 1e12:  # an epoch time, not performance.now()
            first_frame -= float(stats.get("timeOrigin", 0)) or first_frame
        points_frame = first_frame
        layers = result.get("layers")
        if layers is not None:  # the frame that has the labels and the highlight too
            first_frame = max(first_frame, layers["labelsAt"], layers["selectedAt"])
        ratio = first_frame / floor["total"]
        per_point = entry["encoded"] / max(stats["pointCount"], 1)
        request_ms = entry["end"] - entry["start"]
        print(
            f"run {i}: navigation -> first full frame {first_frame:,.0f} ms "
            f"({stats['pointCount']:,} points; points request {request_ms:,.0f} ms)"
        )
        if layers is not None:
            print(
                f"  with the layers: every point drawn {points_frame:,.0f} ms, "
                f"{layers['labels']} cluster labels {layers['labelsAt']:,.0f} ms, "
                f"{layers['selected']:,} hits highlighted (from the link) "
                f"{layers['selectedAt']:,.0f} ms"
            )
        print(
            f"  floor (the same bytes as a static file: fetch + arrayBuffer + tableFromIPC + a "
            "pass over x, y): "
            f"{floor['total']:,.0f} ms (fetch {floor['fetch']:,.0f}, decode {floor['decode']:,.0f})"
        )
        print(f"  ratio {ratio:.2f}x (target <= {TARGET_RATIO:g}x)")
        print(
            f"  points on the wire ({entry['encoding']}): {entry['encoded']:,} bytes = "
            f"{per_point:.2f} B/point "
            f"(Arrow {entry['decoded']:,} bytes = {entry['decoded'] / points:.2f} B/point; "
            f"target < {TARGET_BYTES_PER_POINT:g})"
        )
        sent = entry["sent"]
        phases = [("points request sent", sent), ("points response end", sent + request_ms)]
        phases += [(name, at) for name, at in result.get("marks", {}).get("marks", [])]
        phases.append(("first full frame", first_frame))
        if layers is not None:
            phases += [("points drawn", points_frame), ("cluster labels", layers["labelsAt"])]
            phases.append(("hits highlighted", layers["selectedAt"]))
        print(
            "  phases (ms after navigation): "
            + ", ".join(
                f"{name.removeprefix('chroma:')} {at:,.0f}"
                for name, at in sorted(phases, key=lambda p: p[1])
            )
        )
        if layers is not None:
            print(
                f"  search box -> {layers['hits']:,} hits highlighted: "
                f"{layers['searchMs']:,.0f} ms (not held to the floor)"
            )
        if stats["pointCount"] != points:
            print(f"  !! the map drew {stats['pointCount']:,} points, not {points:,}")
            ok = False
        ok = ok and ratio <= TARGET_RATIO and per_point < TARGET_BYTES_PER_POINT
    return ok


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=2, help="page loads (fresh context each)")
    parser.add_argument(
        "--data-dir", type=Path, help="keep the generated data here (reused when present)"
    )
    parser.add_argument(
        "--layers",
        action="store_true",
        help="with issue 16's layers: a clusters analysis's labels and a search's hits",
    )
    parser.add_argument(
        "--search",
        default="cluster-3",
        help="with --layers: the text searched for (default: one label, a tenth of the points)",
    )
    args = parser.parse_args()
    arrow_js = check_prerequisites()

    temporary = None
    data_dir = args.data_dir
    if data_dir is None:
        temporary = Path(tempfile.mkdtemp(prefix="chroma-ui-load-"))
        data_dir = temporary
    marker = data_dir / f"bench-{args.points}.projection"
    try:
        if marker.is_file():
            projection_id = int(marker.read_text())
            print(f"reusing {args.points:,} points in {data_dir} (projection {projection_id})")
        else:
            projection_id = generate(data_dir, args.points)
            marker.write_text(str(projection_id))
        clustered = data_dir / f"bench-{args.points}.clusters"
        if args.layers and not clustered.is_file():
            add_clusters(data_dir, PROJECT, SPACE)
            clustered.touch()
        server, url = start_server(data_dir, env={"CHROMA_AUTO_JOBS": "false"})
        try:
            results = measure(
                url, projection_id, args.runs, arrow_js, args.search if args.layers else None
            )
        finally:
            stop_server(server)
        ok = report(args.points, results)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)
    print("targets met" if ok else "targets NOT met")
    raise SystemExit(0 if ok else 1)


if __name__ == "__main__":
    main()
