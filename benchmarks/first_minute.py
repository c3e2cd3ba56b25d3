"""First-minute benchmark: what a new user waits for, from a fresh clone to the first map.

Not a test: run on demand (`make bench-first-minute`; several minutes). It clones this
repository into a temporary folder and does what the README's first steps say:

1. ``scripts/run.sh --port P --data-dir D``, which creates ``.venv`` and installs the
   runtime (``scripts/setup.sh --runtime``), installs the UI's node modules (``npm ci``)
   and builds the UI (vite), then starts the server; timed from its own output lines and
   from ``/healthz`` answering;
2. ``.venv/bin/python examples/quickstart/quickstart.py`` (the README's first example),
   timed from its output: logging, waiting for the UMAP map, the rest;
3. what the Explorer asks for to show that map: the page, the project's projections
   (GraphQL) and the map's points (``GET /api/v1/points``).

Printed: one row per phase with its seconds and share of the total, and the load average
before and after. Everything it starts is stopped, and the clone is removed unless
``--keep``. pip and npm use this machine's caches (``~/.cache/pip``, ``~/.npm``) as a user
on a second install would: a truly cold machine downloads more.

``--overlay scripts/setup.sh`` copies a file of this checkout over the clone's, to time
uncommitted changes.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from report import load_average, table
from servers import free_port

ROOT = Path(__file__).resolve().parent.parent
PROJECT = "quickstart"  # the example's default project
EXPLORER_COLUMNS = ("label", "prediction", "score", "dataset", "tags")
PROJECTIONS = """
query ($project: String!) {
  project(name: $project) { spaces { name projections { id state } } }
}
"""


@dataclass
class Timed:
    """A child process whose output lines are kept with the moment each arrived."""

    process: subprocess.Popen[bytes]
    started: float
    lines: list[tuple[float, str]] = field(default_factory=list)
    reader: threading.Thread | None = None

    def first(self, prefix: str) -> float | None:
        """When the first line starting with ``prefix`` arrived."""
        return next((t for t, line in self.lines if line.startswith(prefix)), None)

    def tail(self, count: int = 30) -> str:
        return "\n".join(line for _, line in self.lines[-count:])


def start(command: Sequence[str], cwd: Path, env: dict[str, str], log: Path) -> Timed:
    """Start ``command`` in a session of its own (so that it and its children can be stopped
    together), its output read line by line into a log file and the timed lines."""
    process = subprocess.Popen(
        command,
        cwd=cwd,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    timed = Timed(process, time.monotonic())

    def read() -> None:
        assert process.stdout is not None
        with log.open("w") as sink:
            for raw in process.stdout:
                line = raw.decode(errors="replace").rstrip("\n")
                timed.lines.append((time.monotonic(), line))
                sink.write(line + "\n")
                sink.flush()

    timed.reader = threading.Thread(target=read, daemon=True)
    timed.reader.start()
    return timed


def stop(timed: Timed) -> None:
    """SIGINT to the process (the server stops its job processes), then SIGKILL to whatever
    of its group is left. Not SIGINT to the whole group: idle job processes would print a
    KeyboardInterrupt traceback each."""
    if timed.process.poll() is None:
        timed.process.send_signal(signal.SIGINT)
        with contextlib.suppress(subprocess.TimeoutExpired):
            timed.process.wait(timeout=30)
    with contextlib.suppress(ProcessLookupError):
        os.killpg(timed.process.pid, signal.SIGKILL)
    timed.process.wait()


def wait_healthy(url: str, timed: Timed, timeout: float) -> float:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if timed.process.poll() is not None:
            code = timed.process.returncode
            raise RuntimeError(f"scripts/run.sh exited ({code}):\n{timed.tail()}")
        try:
            if httpx.get(f"{url}/healthz", timeout=1).status_code == 200:
                return time.monotonic()
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise RuntimeError(f"no /healthz answer within {timeout:.0f} s:\n{timed.tail()}")


def run_phases(timed: Timed, healthy: float) -> list[tuple[str, float]]:
    """scripts/run.sh's phases from its output lines; a step that did not run lasts 0 s."""
    marks = [
        ("venv created", timed.first("setup: installing")),
        ("pip install (runtime)", timed.first("ui:") or timed.first("run:")),
        ("npm ci", timed.first("ui: building the web UI")),
        ("vite build (UI + widget)", timed.first("ui: built")),
        ("server up (/healthz)", healthy),
    ]
    phases, before = [], timed.started
    for name, moment in marks:
        end = moment if moment is not None else before
        phases.append((name, end - before))
        before = end
    return phases


def example_phases(timed: Timed, finished: float) -> list[tuple[str, float]]:
    logged = timed.first("logged ") or timed.started
    mapped = timed.first("projection ") or logged
    return [
        ("example: log 4,000 rows", logged - timed.started),
        ("example: wait for the UMAP map", mapped - logged),
        ("example: neighbours, DataFrame", finished - mapped),
    ]


def explorer_seconds(url: str) -> tuple[float, int]:
    """The Explorer's requests for the first map: the page, the projections, the points."""
    started = time.monotonic()
    with httpx.Client(base_url=url, timeout=120) as http:
        http.get("/").raise_for_status()
        while True:
            response = http.post(
                "/graphql", json={"query": PROJECTIONS, "variables": {"project": PROJECT}}
            )
            response.raise_for_status()
            project = response.json()["data"]["project"]
            ready = [
                p["id"]
                for space in (project or {}).get("spaces", [])
                for p in space["projections"]
                if p["state"] == "READY"
            ]
            if ready:
                break
            if time.monotonic() - started > 120:
                raise RuntimeError("the example's map was not ready within 120 s")
            time.sleep(0.2)
        points = http.get(
            "/api/v1/points", params={"projection": ready[0], "column": list(EXPLORER_COLUMNS)}
        )
        points.raise_for_status()
    return time.monotonic() - started, len(points.content)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repo", default=str(ROOT), help="repository to clone (default: this one)")
    parser.add_argument("--keep", action="store_true", help="keep the clone (its path is printed)")
    parser.add_argument(
        "--overlay",
        action="append",
        default=[],
        metavar="PATH",
        help="copy this file of the checkout over the clone's (repeatable)",
    )
    parser.add_argument("--timeout", type=float, default=1200, help="seconds for run.sh to serve")
    args = parser.parse_args()

    work = Path(tempfile.mkdtemp(prefix="chroma-first-minute-"))
    clone, data_dir = work / "chroma", work / "data"
    env = {k: v for k, v in os.environ.items() if not k.startswith("CHROMA_")}
    env.pop("VIRTUAL_ENV", None)
    print(f"load average before: {load_average()}", flush=True)
    server = example = None
    try:
        cloned = time.monotonic()
        subprocess.run(["git", "clone", "-q", args.repo, str(clone)], check=True)
        clone_seconds = time.monotonic() - cloned
        for path in args.overlay:
            shutil.copy2(Path(args.repo) / path, clone / path)
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        command = ["bash", "scripts/run.sh", "--port", str(port), "--data-dir", str(data_dir)]
        print(f"{clone}: {' '.join(command)}", flush=True)
        server = start(command, clone, env, work / "run.log")
        healthy = wait_healthy(url, server, args.timeout)
        phases = run_phases(server, healthy)

        quickstart = [".venv/bin/python", "examples/quickstart/quickstart.py", "--url", url]
        example = start(quickstart, clone, env, work / "quickstart.log")
        if example.process.wait(timeout=600) != 0:
            raise RuntimeError(f"the quickstart failed:\n{example.tail()}")
        assert example.reader is not None
        example.reader.join()
        phases += example_phases(example, time.monotonic())
        explorer, size = explorer_seconds(url)
        phases.append((f"Explorer: page, map's {size // 1024} KiB of points", explorer))
    except BaseException:
        for timed in (server, example):
            if timed is not None:
                print(f"--- output:\n{timed.tail()}", file=sys.stderr)
        raise
    finally:
        for timed in (example, server):
            if timed is not None:
                stop(timed)
        if args.keep:
            print(f"kept {work}")
        else:
            shutil.rmtree(work, ignore_errors=True)

    total = sum(seconds for _, seconds in phases)
    print(f"\ngit clone (local, not counted): {clone_seconds:.1f} s")
    table(
        ("phase", "seconds", "share"),
        [(name, f"{s:.1f}", f"{s / total:.0%}") for name, s in phases]
        + [("total", f"{total:.1f}", "100%")],
    )
    print(f"load average after: {load_average()}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
