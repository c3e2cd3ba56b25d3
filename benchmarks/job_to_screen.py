"""A job's end -> its map on screen: the Explorer open on a map that is still computing.

Not a test: run on demand (`make bench-job-to-screen`, or `.venv/bin/python
benchmarks/job_to_screen.py --points 50000` for a quicker look). Needs what
``ui_load.py`` needs (the built UI, Debian's chromium); its data too: N 2-D points in 10
clusters logged through the ingest service (``ui_load.generate``, reused with
``--data-dir``).

Each run queues a new PCA map of the space (``create_projection``) and holds its job
(``not_before`` years away, set at once; the server runs with ``CHROMA_AUTO_JOBS=false``,
so it queues nothing of its own), opens headless chromium on
``/p/bench/explore?projection=<id>`` and waits for the page to say the map is computing
(``map-computing``). Then it lets the job go (``not_before`` now): the server's own job
runner computes the map, and the page, which asks GraphQL for the map's state every
``POLL_MS`` = 1.5 s after each answer while it computes (``explorer/useLiveMap.ts``),
loads the points once it reads READY and draws them.

Measured from the job's ``finished_at`` (the jobs table, the clock the page shares on
this machine) to the first frame with every point (``window.__chromaMap.firstFrameAt``),
with phases: the poll that answered READY sent and answered (the browser's network
timings), the points fetch started, downloaded, decoded (the page's ``chroma:*`` marks)
and drawn. The wait for the next poll is up to 1.5 s by design; the rest is the load
``ui_load.py`` measures from navigation.
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from report import load_average, table
from servers import start_server, stop_server
from ui_load import PROJECT, SPACE, check_prerequisites, generate, launch, page_marks

CONTEXT_OPERATION = "ExplorerContext"  # ui/src/api/explorer.ts: the query the page polls


FAR = timedelta(days=3650)


def set_not_before(store: Any, job_id: int, at: datetime) -> bool:
    """Move a queued job's ``not_before``; False when it is no longer queued."""
    from sqlalchemy import update

    from chroma.db.models import Job

    with store.write() as session:
        moved = session.execute(
            update(Job).where(Job.id == job_id, Job.state == "queued").values(not_before=at)
        )
        return bool(moved.rowcount == 1)  # type: ignore[attr-defined]


def queue_map(store: Any) -> tuple[int, int]:
    """A new PCA map of the space, queued but held (``not_before`` years away) so the
    page can open on it computing: (projection id, job id)."""
    from chroma.services.projections import create_projection

    for _ in range(5):
        projection, job = create_projection(store, project=PROJECT, space=SPACE, algorithm="pca")
        # The server's runner may take the job in the moment before the hold: start anew.
        if set_not_before(store, job.id, datetime.now(UTC) + FAR):
            return projection.id, job.id
    raise SystemExit("job_to_screen: the server took every new job before it could be held")


def wait_finished(store: Any, job_id: int, timeout: float = 3600) -> tuple[float, float]:
    """Wait for the server's runner to end the job; (its ``finished_at`` as epoch ms, the
    seconds from its start to its end)."""
    from chroma.services import jobs as job_service

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        with store.read() as session:
            job = job_service.get_job(session, job_id)
        if job.finished_at is not None:
            if job.state != job_service.SUCCEEDED:
                raise SystemExit(f"job_to_screen: job {job_id} ended {job.state}: {job.error}")
            assert job.started_at is not None
            ran = (job.finished_at - job.started_at).total_seconds()
            return job.finished_at.timestamp() * 1000, ran
        time.sleep(0.05)
    raise SystemExit(f"job_to_screen: job {job_id} did not end in {timeout:.0f} s")


def polls_answered(responses: list[Any]) -> list[tuple[float, float, str]]:
    """The page's ExplorerContext polls: (sent, answered) as epoch ms and the map's state."""
    out = []
    for response in responses:
        request = response.request
        body = request.post_data_json or {}
        if body.get("operationName") != CONTEXT_OPERATION and CONTEXT_OPERATION not in str(
            body.get("query", "")
        ):
            continue
        timing = request.timing
        sent = float(timing["startTime"])
        answered = sent + float(timing["responseEnd"])
        state = (response.json().get("data") or {}).get("projection", {}).get("state", "")
        out.append((sent, answered, state))
    return out


def one_run(browser: Any, url: str, store: Any, points: int) -> dict[str, float]:
    projection_id, job_id = queue_map(store)
    context = browser.new_context(viewport={"width": 1280, "height": 860})
    try:
        page = context.new_page()
        graphql: list[Any] = []
        page.on("response", lambda r: graphql.append(r) if r.url.endswith("/graphql") else None)
        page.goto(f"{url}/p/{PROJECT}/explore?projection={projection_id}")
        page.get_by_test_id("map-computing").wait_for(timeout=120_000)
        print(
            f"map {projection_id} computing on the page; its job {job_id} let go", file=sys.stderr
        )
        set_not_before(store, job_id, datetime.now(UTC))  # the server's runner takes it now
        finished, ran = wait_finished(store, job_id)
        # The map is on screen when every point is drawn (the Explorer no longer marks the
        # computing map's empty table ready; counting the points does not rely on that).
        page.wait_for_function(
            "(n) => window.__chromaMap && window.__chromaMap.pointCount === n",
            arg=points,
            timeout=600_000,
        )
        stats = page.evaluate("() => ({...window.__chromaMap})")
        marks = page_marks(page)
        for response in graphql:  # read the bodies while the page is open
            response.finished()
        ready = [p for p in polls_answered(graphql) if p[2] == "READY"]
    finally:
        context.close()
    if not ready:
        raise SystemExit("job_to_screen: no ExplorerContext answer said READY")
    origin = float(marks["origin"])
    sent, noticed, _ = min(ready, key=lambda p: p[1])

    def mark_after_ready(name: str) -> float:
        """The mark's epoch ms: its first after READY was read (the computing map's load
        marks it too, before)."""
        at = [origin + t for n, t in marks["marks"] if n == f"chroma:{name}"]
        return min((t for t in at if t >= noticed), default=float("nan"))

    return {
        "job seconds": ran,
        "poll sent": sent - finished,
        "READY answered": noticed - finished,
        "points fetch start": mark_after_ready("points-fetch-start") - finished,
        "points downloaded": mark_after_ready("points-downloaded") - finished,
        "points decoded": mark_after_ready("points-decoded") - finished,
        "first frame": origin + float(stats["firstFrameAt"]) - finished,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=3, help="maps computed while watched")
    parser.add_argument(
        "--data-dir", type=Path, help="keep the generated data here (reused when present)"
    )
    args = parser.parse_args()
    check_prerequisites()
    print(f"load average: {load_average()}", file=sys.stderr)
    os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
    from playwright.sync_api import sync_playwright

    temporary = None
    data_dir = args.data_dir
    if data_dir is None:
        temporary = data_dir = Path(tempfile.mkdtemp(prefix="chroma-job-to-screen-"))
    marker = data_dir / f"bench-{args.points}.projection"
    try:
        if marker.is_file():
            print(f"reusing {args.points:,} points in {data_dir}")
        else:
            marker.write_text(str(generate(data_dir, args.points)))
        from chroma.db.store import open_store
        from chroma.settings import Settings

        server, url = start_server(data_dir, env={"CHROMA_AUTO_JOBS": "false"})
        store = open_store(Settings(data_dir=data_dir, auto_jobs=False))
        try:
            with sync_playwright() as playwright:
                browser = launch(playwright)
                try:
                    runs = [one_run(browser, url, store, args.points) for _ in range(args.runs)]
                finally:
                    browser.close()
        finally:
            store.dispose()
            stop_server(server)
    finally:
        if temporary is not None:
            shutil.rmtree(temporary, ignore_errors=True)

    phases = [k for k in runs[0] if k != "job seconds"]
    print(f"\nms after the job's finished_at ({args.points:,} points, PCA map; poll every 1.5 s)")
    table(
        ("phase", *(f"run {i}" for i in range(1, len(runs) + 1)), "median"),
        [
            (
                name,
                *(f"{r[name]:,.0f}" for r in runs),
                f"{statistics.median(r[name] for r in runs):,.0f}",
            )
            for name in phases
        ],
    )
    print("job ran (s): " + ", ".join(f"{r['job seconds']:.1f}" for r in runs))


if __name__ == "__main__":
    main()
