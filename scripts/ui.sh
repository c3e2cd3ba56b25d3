#!/usr/bin/env bash
# The web UI (ui/): build it into src/chroma/server/static/ when it is missing or stale, or
# run the Vite dev server.
#   scripts/ui.sh              build if needed (`make ui`)
#   scripts/ui.sh --force      build even when up to date
#   scripts/ui.sh --optional   as above, but without npm only say so and exit 0 (scripts/run.sh:
#                              the server then shows its "UI not built" page)
#   scripts/ui.sh dev          Vite dev server with hot reload on :5173 (`make ui-dev`); API
#                              calls go to $CHROMA_API_URL (default http://127.0.0.1:8000)
#   scripts/ui.sh check        CI: codegen check, tsc, Biome, Vitest, then the build (~1 min)
# `npm ci` runs only when node_modules is missing or package-lock.json changed (a stamp).
set -euo pipefail
cd "$(dirname "$0")/.."

mode=build
force=false
optional=false
for arg in "$@"; do
  case "$arg" in
    build) mode=build ;;
    dev) mode=dev ;;
    check) mode=check ;;
    --force) force=true ;;
    --optional) optional=true ;;
    *)
      echo "usage: scripts/ui.sh [build|dev|check] [--force] [--optional]" >&2
      exit 2
      ;;
  esac
done

if ! command -v npm >/dev/null 2>&1; then
  echo "ui: npm is not installed, so the web UI cannot be built (it needs Node.js 20.19+ with npm)." >&2
  if $optional; then
    echo "ui: continuing without it: the server answers / with a 'UI not built' page." >&2
    exit 0
  fi
  exit 1
fi

# Nothing here may fetch a browser (Playwright is the Python tests' business).
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
hash_of() { sha256sum "$@" | sha256sum | cut -d' ' -f1; }

lock_hash=$(hash_of ui/package-lock.json)
lock_stamp=ui/node_modules/.chroma-lock-stamp
if [[ ! -d ui/node_modules || "$(cat "$lock_stamp" 2>/dev/null)" != "$lock_hash" ]]; then
  echo "ui: installing node modules (npm ci)"
  (cd ui && npm ci --no-audit --no-fund --loglevel=error)
  echo "$lock_hash" >"$lock_stamp"
fi

if [[ "$mode" == dev ]]; then
  cd ui
  exec npm run dev
fi

out=src/chroma/server/static
build_stamp=ui/node_modules/.chroma-build-stamp
# Every input of the build (tests and fixtures are not), plus the lock file.
mapfile -d '' inputs < <(cd ui && find src public index.html vite.config.ts vite.widget.config.ts tsconfig.json package-lock.json \
  -type f -not -name '*.test.ts' -not -name '*.test.tsx' -not -path 'src/points/fixtures/*' -print0 | sort -z)
src_hash=$(cd ui && hash_of "${inputs[@]}")
if [[ "$mode" == check ]]; then
  echo "ui: codegen check, typecheck, lint, unit tests, build"
  (cd ui && npm run --silent check)
  echo "$src_hash" >"$build_stamp"
  exit 0
fi
widget=src/chroma/notebook/static/widget.js
if ! $force && [[ -f "$out/index.html" && -f "$widget" && "$(cat "$build_stamp" 2>/dev/null)" == "$src_hash" ]]; then
  echo "ui: the build in $out is up to date"
  exit 0
fi
echo "ui: building the web UI into $out"
(cd ui && npx vite build --logLevel warn)
echo "ui: building the notebook widget into $widget"
(cd ui && npx vite build -c vite.widget.config.ts --logLevel warn)
echo "$src_hash" >"$build_stamp"
echo "ui: built ($(du -sh "$out" | cut -f1))"
