#!/usr/bin/env bash
# Run the server from this checkout: `scripts/run.sh --port 9000`; arguments go to
# `chroma application run` (see docs/cli.md).
set -euo pipefail
cd "$(dirname "$0")/.."

bash scripts/setup.sh
# Hook: build the UI here when it is missing or stale, once ui/ exists (a later issue).
exec .venv/bin/chroma application run "$@"
