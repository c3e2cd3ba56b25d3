"""Step alignment benchmark: what aligning a family step's map to the previous step's costs,
against the plain map job of the same step, in the same run.

Not a test: run on demand (`.venv/bin/python benchmarks/steps.py --n 100000`). On one
generated Gaussian mixture (benchmarks/mixture.py, 64 dimensions to keep the run short):
step 0 holds the points, step 1 the same datapoints moved a little (a next checkpoint:
step 0 plus Gaussian noise, renormalised) with ``--new`` of its points replaced by points
step 0 never had. It measures, on arrays in memory (the map job's computation, without its
database reads and writes, which are the same for both):

- the plain map of step 1 (``project``), the baseline;
- the aligned map of step 1: the start from step 0's map (``seed_layout``: shared points
  where they were, new ones at their nearest shared neighbour's place), the same
  ``project`` started there, and the rotation onto step 0 (``procrustes`` + ``apply``);
- the ratio aligned / plain, and the alignment's own parts (start + rotation) alone;
- how far the shared points sit from their step-0 place, as a share of the map's size:
  aligned, and plain after the rotation alone (the start's effect).

The plain map is measured before and after the aligned one and averaged (the machine may
be shared).

With ``--browser`` it measures instead the Explorer's step animation: ``--n`` 2-D points
logged at two steps through the ingest service, each step's PCA map computed by the real
job (step 1's aligned to step 0's), the real server (``chroma application run``), and
headless Debian chromium (software WebGL: SwiftShader) opening step 0's map and moving
the step slider to step 1; the page records the animation (``window.__chromaSteps``): the
frames the map drew while the points moved and for how long (the motion runs on the GPU,
regl-scatterplot's transition), and the set-up before its first frame (the new places
uploaded once and indexed). Needs the built UI and /usr/bin/chromium. Frames per second in
software WebGL are reported as measured: a GPU draws many more.

``--baseline-ui DIR`` also measures another build of the UI (served with
``CHROMA_STATIC_DIR``) on the same data in the same run, alternating with the current one
``--repeat`` times, and prints the ratio. For the earlier path (the page interpolating on
the CPU and uploading every point each frame), build the commit before the GPU one::

    mkdir /tmp/old && git archive <commit> ui | tar -x -C /tmp/old
    ln -s "$PWD/ui/node_modules" /tmp/old/ui/node_modules
    (cd /tmp/old/ui && npx vite build --outDir /tmp/old-static --emptyOutDir)
    .venv/bin/python benchmarks/steps.py --browser --baseline-ui /tmp/old-static
"""

from __future__ import annotations

import argparse
import os
import shutil
import tempfile
import time
from pathlib import Path
from typing import Any

import numpy as np

from chroma.compute.projections import project
from chroma.compute.projections.alignment import procrustes, seed_layout
from mixture import gaussian_mixture
from servers import start_server, stop_server


def timed(work: Any, *args: Any, **kwargs: Any) -> tuple[Any, float]:
    started = time.perf_counter()
    result = work(*args, **kwargs)
    return result, time.perf_counter() - started


def browser_frames(n: int, baseline_ui: Path | None, repeat: int) -> None:
    """The step animation of ``n`` points in headless chromium (software WebGL), with the
    current UI build and, if given, a baseline build, alternating ``repeat`` times."""
    import pyarrow as pa

    from chroma.db.store import open_store
    from chroma.jobs.execute import execute_job
    from chroma.services.ingest import ingest
    from chroma.services.ingest_batch import validate
    from chroma.services.projections import create_projection
    from chroma.settings import Settings

    folder = Path(tempfile.mkdtemp(prefix="chroma-steps-"))
    store = open_store(Settings(data_dir=folder, auto_jobs=False))
    rng = np.random.default_rng(0)
    base = rng.normal(size=(n, 2)).astype(np.float32) * 5
    maps: list[int] = []
    try:
        for step in range(2):
            moved = base + step * rng.normal(size=base.shape).astype(np.float32)
            table = pa.table(
                {
                    "key": [f"p{i}" for i in range(n)],
                    "vector": pa.FixedSizeListArray.from_arrays(pa.array(moved.reshape(-1)), 2),
                }
            )
            space = f"mlp@step={step}"
            ingest(store, validate(table), project="bench", dataset="d", space=space, create=True)
            projection, job = create_projection(
                store,
                project="bench",
                space=space,
                algorithm="pca",
                align_to=maps[-1] if maps else None,
            )
            execute_job(store, job.id)
            maps.append(projection.id)
    finally:
        store.dispose()
    # frames/s as each build's page counts them (the CPU path counted its animation frame
    # callbacks, some of which the map never drew), and as the map showed them (the same
    # count for both builds: the one compared)
    fps: dict[str, list[float]] = {"current": [], "baseline": []}
    try:
        for _ in range(repeat):
            builds: list[tuple[str, Path | None]] = [("current", None)]
            if baseline_ui is not None:
                builds.insert(0, ("baseline", baseline_ui))
            for name, static in builds:
                played = _play(folder, maps, static)
                rate = played["frames"] * 1000 / played["ms"]
                shown = played["shown"] * 1000 / played["ms"]
                fps[name].append(shown)
                setup = played.get("setupMs")  # the CPU path had none: it began at once
                print(
                    f"{name:8s} UI: step animation of {played['points']:,} points in headless "
                    f"chromium (software WebGL): {played['ms']:.0f} ms, {played['shown']} frames "
                    f"shown = {shown:.1f} frames/s (the page counted {played['frames']} = "
                    f"{rate:.1f} frames/s)"
                    + (f", after {setup:.0f} ms of set-up (one upload)" if setup else "")
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
    if fps["baseline"]:
        current = float(np.median(fps["current"]))
        baseline = float(np.median(fps["baseline"]))
        print(
            f"median frames/s shown: current {current:.1f}, baseline {baseline:.1f}, "
            f"ratio current / baseline {current / baseline:.2f}"
        )


# The same count for any build: frames the map put on its canvas (regl-scatterplot copies
# each frame it draws onto it with drawImage), and when the page recorded the animation's
# end (window.__chromaSteps), so the frames of the animation's own `ms` before it count.
FRAME_COUNTER = """
window.__mapFrames = [];
const drawImage = CanvasRenderingContext2D.prototype.drawImage;
CanvasRenderingContext2D.prototype.drawImage = function (...args) {
  if (this.canvas.dataset.testid === 'map-canvas') window.__mapFrames.push(performance.now());
  return drawImage.apply(this, args);
};
let playback;
Object.defineProperty(window, '__chromaSteps', {
  configurable: true,
  get: () => playback,
  set(value) {
    window.__chromaStepsAt = performance.now();
    playback = value;
  },
});
"""
SHOWN = """() => {
  const end = window.__chromaStepsAt;
  const start = end - window.__chromaSteps.ms;
  return window.__mapFrames.filter((t) => t >= start && t <= end).length;
}"""


def _play(folder: Path, maps: list[int], static: Path | None) -> dict[str, Any]:
    """One step animation (step 0 to 1) in a fresh server and browser: the page's record."""
    env = {"CHROMA_AUTO_JOBS": "false"}
    if static is not None:
        env["CHROMA_STATIC_DIR"] = str(static)
    process, url = start_server(folder, env=env)
    try:
        os.environ.setdefault("PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD", "1")
        from playwright.sync_api import sync_playwright

        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(
                executable_path="/usr/bin/chromium",
                headless=True,
                args=["--no-sandbox", "--enable-unsafe-swiftshader"],
            )
            page = browser.new_page(viewport={"width": 1280, "height": 860})
            page.add_init_script(FRAME_COUNTER)
            page.goto(f"{url}/p/bench/explore?projection={maps[0]}")
            page.get_by_test_id("map-ready").wait_for(state="attached", timeout=300_000)
            page.get_by_test_id("step-range").fill("1")
            page.wait_for_function("window.__chromaSteps !== undefined", timeout=300_000)
            played: dict[str, Any] = page.evaluate("window.__chromaSteps")
            played["shown"] = page.evaluate(SHOWN)
            browser.close()
        return played
    finally:
        stop_server(process)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--n", type=int, default=100_000, help="points per step")
    parser.add_argument("--dim", type=int, default=64)
    parser.add_argument("--new", type=float, default=0.02, help="share of step 1's points new")
    parser.add_argument("--algorithm", default="umap", choices=("umap", "tsne", "pca"))
    parser.add_argument("--epochs", type=int, default=None, help="UMAP n_epochs (default: its)")
    parser.add_argument("--browser", action="store_true", help="the step animation's frame rate")
    parser.add_argument(
        "--baseline-ui", type=Path, default=None, help="--browser: another UI build to compare"
    )
    parser.add_argument("--repeat", type=int, default=1, help="--browser: rounds of each build")
    args = parser.parse_args()
    if args.browser:
        browser_frames(args.n, args.baseline_ui, args.repeat)
        return

    params: dict[str, Any] = {} if args.algorithm == "pca" else {"random_state": 0}
    if args.algorithm == "umap" and args.epochs:
        params["n_epochs"] = args.epochs
    step0, _ = gaussian_mixture(args.n, dim=args.dim, seed=0)
    rng = np.random.default_rng(1)
    step1 = step0 + 0.05 * rng.standard_normal(step0.shape, dtype=np.float32)
    fresh, _ = gaussian_mixture(int(args.n * args.new), dim=args.dim, seed=2)
    new_rows = rng.choice(args.n, len(fresh), replace=False)
    step1[new_rows] = fresh
    step1 /= np.linalg.norm(step1, axis=1, keepdims=True)
    shared = np.ones(args.n, dtype=bool)
    shared[new_rows] = False
    print(f"{args.algorithm}, {args.n:,} points x {args.dim}, {int(shared.sum()):,} shared")

    reference, t_ref = timed(project, args.algorithm, step0, params)
    print(f"step 0 map (not counted):        {t_ref:8.2f} s")
    before, t_plain_1 = timed(project, args.algorithm, step1, params)
    print(f"plain step 1 map:                {t_plain_1:8.2f} s")

    # PCA has no start: the map job skips it (services/projections.py), so does this
    initial, t_seed = None, 0.0
    if args.algorithm != "pca":
        initial, t_seed = timed(
            seed_layout, step1, shared, reference.coords[shared], metric="cosine"
        )
    aligned, t_project = timed(project, args.algorithm, step1, params, initial=initial)
    fit, t_fit = timed(procrustes, aligned.coords[shared], reference.coords[shared])
    coords, t_apply = timed(fit.apply, aligned.coords)
    t_aligned = t_seed + t_project + t_fit + t_apply
    print(
        f"aligned step 1 map:              {t_aligned:8.2f} s  (start {t_seed:.2f} s, layout "
        f"{t_project:.2f} s, procrustes {t_fit + t_apply:.3f} s)"
    )
    _again, t_plain_2 = timed(project, args.algorithm, step1, params)
    plain = (t_plain_1 + t_plain_2) / 2
    print(f"plain step 1 map again:          {t_plain_2:8.2f} s")
    print(f"ratio aligned / plain:           {t_aligned / plain:8.2f}")
    print(f"alignment's own parts / plain:   {(t_seed + t_fit + t_apply) / plain:8.3f}")

    span = float(np.ptp(reference.coords, axis=0).max())
    moved = np.linalg.norm(coords[shared] - reference.coords[shared], axis=1)
    rotated_only = procrustes(before.coords[shared], reference.coords[shared])
    moved_plain = np.linalg.norm(
        rotated_only.apply(before.coords[shared]) - reference.coords[shared], axis=1
    )
    print(
        f"median move of shared points / map size: aligned {np.median(moved) / span:.3f}, "
        f"plain then rotated {np.median(moved_plain) / span:.3f}"
    )


if __name__ == "__main__":
    main()
