#!/usr/bin/env bash
# Create or refresh the development environment in .venv (Python >= 3.11, editable install
# with the dev extras). Idempotent: when pyproject.toml, the checkout's location and the
# interpreter are unchanged since the last successful run, it does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
# Playwright (dev extra) uses Debian's chromium (scripts/browser.sh), never its own download.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

VENV=.venv
STAMP="$VENV/.chroma-setup"

# Prefer an explicit 3.11; any python3 that is at least 3.11 will do.
find_python() {
  local candidate
  for candidate in "${PYTHON:-}" python3.11 python3; do
    if [[ -n "$candidate" ]] && command -v "$candidate" >/dev/null &&
      "$candidate" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
      echo "$candidate"
      return
    fi
  done
  echo "setup: no Python >= 3.11 found (set PYTHON=/path/to/python3.11)" >&2
  exit 1
}

if [[ ! -x "$VENV/bin/python" ]]; then
  python="$(find_python)"
  echo "setup: creating $VENV with $("$python" --version)"
  "$python" -m venv "$VENV"
fi

# What the installed environment depends on: the dependency list, where this checkout is
# (the editable install points at it) and the interpreter inside the venv.
fingerprint="$(
  {
    cat pyproject.toml
    pwd
    "$VENV/bin/python" --version
  } | sha256sum | cut -d' ' -f1
)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$fingerprint" ]]; then
  exit 0
fi

echo "setup: installing chroma and its dev tools into $VENV"
# A failed pip upgrade (say, offline with a recent enough pip) is not worth stopping for.
"$VENV/bin/python" -m pip install --quiet --upgrade pip ||
  echo "setup: could not upgrade pip; continuing with $("$VENV/bin/python" -m pip --version)" >&2
# torch first, pinned: the dev extras want torch (examples, chroma.watch tests), and an
# unpinned resolve pulls several GB of CUDA wheels; 2.13.0 has a CPU build on this machine.
if ! "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet "torch==${CHROMA_TORCH_VERSION:-2.13.0}"
fi
"$VENV/bin/python" -m pip install --quiet -e '.[dev]'
echo "$fingerprint" >"$STAMP"
