#!/usr/bin/env bash
# Run the server from this checkout: `scripts/run.sh --port 9000`; arguments go to
# `chroma application run` (see docs/cli.md).
set -euo pipefail
cd "$(dirname "$0")/.."

# Only what the app and the numpy quickstart need (no torch, test or docs tools): a dev
# install made earlier counts too. `scripts/setup.sh --examples` adds what examples/ needs.
bash scripts/setup.sh --runtime
# Build the UI when it is missing or stale; without npm (or if the build fails) the server
# still starts and answers / with a page that says how to build it.
bash scripts/ui.sh --optional || echo "run: building the UI failed (see above); starting the server without it" >&2
exec .venv/bin/chroma application run "$@"
