#!/usr/bin/env bash
# The release check (`make release-check`; the test command runs it after pytest): build the
# sdist and the wheel into dist/ exactly as a release does (`python -m build`: the sdist from
# this checkout, the wheel from the sdist; hatch_build.py builds the UI into both or refuses),
# check both carry the built UI, then install the wheel into a fresh virtual environment
# (core dependencies only, at the lock's versions: no torch) and use it as a user would:
# start `chroma application run` on a free 127.0.0.1 port with a scratch data dir, log a few
# hundred vectors with that environment's SDK, wait for the first map, check that / is the
# app shell (not the "UI not built" page) and that its script loads, stop the server.
# Prints the time of each step. Needs .venv (scripts/setup.sh) and PyPI or a pip cache for
# the build and the install; npm only when the UI is not built yet.
#   scripts/release.sh            build and check
#   KEEP=1 scripts/release.sh     keep the scratch folder (venv, data dir, server log)
set -euo pipefail
cd "$(dirname "$0")/.."

PY=.venv/bin/python
LOCK=requirements/lock.txt
POINTS=300
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 PIP_DISABLE_PIP_VERSION_CHECK=1
# The installed server must run on its defaults, whatever this shell has set.
while read -r name; do unset "$name"; done < <(compgen -e | grep -E '^(CHROMA_|PYTHONPATH$)' || true)

if [[ ! -x "$PY" ]]; then
  echo "release: no $PY; run scripts/setup.sh (make setup) first" >&2
  exit 1
fi

work="$(mktemp -d "${TMPDIR:-/tmp}/chroma-release.XXXXXX")"
server_pid=""
cleanup() {
  if [[ -n "$server_pid" ]] && kill -0 "$server_pid" 2>/dev/null; then
    kill "$server_pid" 2>/dev/null || true
    wait "$server_pid" 2>/dev/null || true
  fi
  if [[ "${KEEP:-}" == 1 ]]; then
    echo "release: kept $work"
  else
    rm -rf "$work"
  fi
}
trap cleanup EXIT

started=$(date +%s.%N)
step_started=$started
timings=()
step() {
  printf -- '--- release: %s\n' "$1"
}
done_step() {
  local now
  now=$(date +%s.%N)
  timings+=("$(awk -v a="$step_started" -v b="$now" -v n="$1" 'BEGIN { printf "%-28s %6.1f s", n, b - a }')")
  step_started=$now
}
fail() {
  echo "release: FAILED: $*" >&2
  if [[ -f "$work/server.log" ]]; then
    echo "release: the server's log (last 40 lines):" >&2
    tail -n 40 "$work/server.log" >&2
  fi
  exit 1
}

step "build the sdist and the wheel into dist/ (python -m build)"
rm -rf dist
"$PY" -m build --outdir dist . >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log" >&2
  fail "python -m build"
}
grep -E '^Successfully built' "$work/build.log"
sdists=(dist/*.tar.gz)
wheels=(dist/*.whl)
[[ ${#sdists[@]} == 1 && -f "${sdists[0]}" && ${#wheels[@]} == 1 && -f "${wheels[0]}" ]] ||
  fail "expected one sdist and one wheel in dist/"
"$PY" - "${sdists[0]}" "${wheels[0]}" <<'PY' || fail "a package lacks the UI"
import sys
import tarfile
import zipfile

sdist, wheel = sys.argv[1:]
with tarfile.open(sdist) as tar:
    names = {name.split("/", 1)[1] for name in tar.getnames() if "/" in name}
for wanted in (
    "src/chroma/server/static/index.html",
    "src/chroma/notebook/static/widget.js",
    "ui/package.json",
    "ui/package-lock.json",
):
    if wanted not in names:
        sys.exit(f"release: the sdist has no {wanted}")
if any(name.startswith("ui/node_modules/") for name in names):
    sys.exit("release: the sdist carries ui/node_modules")
wheel_names = set(zipfile.ZipFile(wheel).namelist())
for wanted in ("chroma/server/static/index.html", "chroma/notebook/static/widget.js"):
    if wanted not in wheel_names:
        sys.exit(f"release: the wheel has no {wanted}")
assets = [n for n in wheel_names if n.startswith("chroma/server/static/assets/")]
print(
    f"release: both carry the UI and the notebook widget (the wheel: index.html, "
    f"{len(assets)} assets and widget.js)"
)
PY
done_step "build sdist + wheel"

step "install the wheel into a fresh virtual environment"
base_python="$("$PY" -c 'import sys; print(sys._base_executable)')"
"$base_python" -m venv "$work/venv"
"$work/venv/bin/python" -m pip install --quiet -c "$LOCK" "${wheels[0]}" >"$work/install.log" 2>&1 || {
  tail -n 40 "$work/install.log" >&2
  fail "pip install of the wheel"
}
if "$work/venv/bin/python" -c 'import importlib.util as u, sys; sys.exit(u.find_spec("torch") is None)'; then
  fail "installing the wheel pulled torch (it belongs in the extras only)"
fi
done_step "fresh venv + install"

step "start chroma application run from it"
port="$("$PY" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
url="http://127.0.0.1:$port"
mkdir -p "$work/data"
# From the scratch folder, so nothing of this checkout is importable; a short quiet time
# before the automatic jobs (the map) so the check does not wait for the default.
(cd "$work" && CHROMA_AUTO_JOBS_DELAY=1 exec "$work/venv/bin/chroma" application run \
  --host 127.0.0.1 --port "$port" --data-dir "$work/data" --log-level warning) \
  >"$work/server.log" 2>&1 &
server_pid=$!

cat >"$work/check.py" <<'PY'
"""Run by the fresh venv's Python: the server answers, the SDK logs, a map appears, / is the app."""

import re
import sys
import time
import urllib.request
from pathlib import Path

url, points, venv = sys.argv[1], int(sys.argv[2]), Path(sys.argv[3])
stage = sys.argv[4]


def get(path: str) -> tuple[int, str, bytes]:
    with urllib.request.urlopen(url + path, timeout=10) as response:
        return response.status, response.headers.get("content-type", ""), response.read()


if stage == "healthy":
    deadline = time.monotonic() + 90
    while True:
        try:
            status, _, body = get("/healthz")
            print(f"release: the server answers: {body.decode()}")
            sys.exit(0)
        except OSError:
            if time.monotonic() > deadline:
                sys.exit("release: the server did not answer /healthz within 90 s")
            time.sleep(0.2)

import numpy as np  # noqa: E402

import chroma  # noqa: E402

where = Path(chroma.__file__).resolve()
if not where.is_relative_to(venv.resolve()):
    sys.exit(f"release: chroma was imported from {where}, not from the fresh venv")

if stage == "log":
    print(f"release: chroma {chroma.__version__} from {where.parent}")
    rng = np.random.default_rng(0)
    centres = rng.standard_normal((5, 32)) * 4
    labels = np.arange(points) % 5
    vectors = (centres[labels] + rng.standard_normal((points, 32))).astype(np.float32)
    with chroma.init(project="release", dataset="train", space="check", url=url) as run:
        run.log(vectors, ids=[f"p-{i}" for i in range(points)], labels=labels)
    print(f"release: logged {points} vectors")
elif stage == "map":
    deadline = time.monotonic() + 240
    while True:
        maps = chroma.projections("release", "check", url=url)
        ready = [m for m in maps if m.state == "ready" and m.point_count == points]
        if ready:
            frame = ready[0].points(["label"])
            assert len(frame) == points, frame
            print(f"release: map {ready[0].id} ({ready[0].algorithm}) has {len(frame)} points")
            break
        failed = [m for m in maps if m.state == "failed"]
        if failed:
            sys.exit(f"release: the map failed: {failed[0].error}")
        if time.monotonic() > deadline:
            sys.exit(f"release: no map within 240 s: {maps}")
        time.sleep(0.5)
elif stage == "ui":
    status, kind, body = get("/")
    page = body.decode()
    if status != 200 or "text/html" not in kind:
        sys.exit(f"release: GET / answered {status} {kind}")
    if '<div id="root">' not in page or "has not been built" in page or "has no web UI" in page:
        sys.exit(f"release: GET / is not the app shell:\n{page[:600]}")
    scripts = re.findall(r'<script[^>]+src="(/assets/[^"]+\.js)"', page)
    if not scripts:
        sys.exit(f"release: the app shell names no script:\n{page[:600]}")
    status, kind, body = get(scripts[0])
    if status != 200 or "javascript" not in kind or len(body) < 1000:
        sys.exit(f"release: {scripts[0]} answered {status} {kind}, {len(body)} bytes")
    status, kind, _ = get("/p/release/explore")
    if status != 200 or "text/html" not in kind:
        sys.exit(f"release: the deep link /p/release/explore answered {status} {kind}")
    print(f"release: / is the app shell; {scripts[0]} loads ({len(body) // 1024} KiB)")
PY
check() { "$work/venv/bin/python" "$work/check.py" "$url" "$POINTS" "$work/venv" "$1"; }
check healthy || fail "the server did not start"
done_step "server start (healthz)"

step "log $POINTS vectors with the SDK, wait for the first map"
check log || fail "logging with the SDK"
done_step "log with the SDK"
check map || fail "waiting for the map"
done_step "first map"

step "the UI is served"
check ui || fail "the UI"
done_step "UI served"

step "stop the server"
kill "$server_pid"
status=0
wait "$server_pid" || status=$?
server_pid=""
# SIGTERM is a clean stop (0), or 143 where the shell reports the signal itself.
[[ $status == 0 || $status == 143 ]] || fail "the server exited with $status on SIGTERM"
if grep -E 'Traceback|ERROR' "$work/server.log" >&2; then
  fail "the server logged errors"
fi
done_step "stop"
if [[ "${KEEP:-}" != 1 ]]; then
  rm -rf "$work" # the venv is ~800 MB: tens of seconds on a busy disk
  done_step "remove the scratch venv"
fi

echo "--- release: passed: $(basename "${wheels[0]}") and $(basename "${sdists[0]}") in dist/"
for line in "${timings[@]}"; do
  echo "    $line"
done
awk -v a="$started" -v b="$(date +%s.%N)" 'BEGIN { printf "    %-28s %6.1f s\n", "total", b - a }'
