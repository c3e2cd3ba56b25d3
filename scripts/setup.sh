#!/usr/bin/env bash
# Create or refresh the development environment in .venv (Python >= 3.11, editable install
# with the dev extras) at the versions of the Python lock, requirements/lock.txt (`make lock`
# updates it). Idempotent: when pyproject.toml, the lock, the checkout's location and the
# interpreter are unchanged since the last successful run, it does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
# Playwright (dev extra) uses Debian's chromium (scripts/browser.sh), never its own download.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

VENV=.venv
STAMP="$VENV/.chroma-setup"
LOCK=requirements/lock.txt

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

# What the installed environment depends on: the dependency list, the lock, where this
# checkout is (the editable install points at it) and the interpreter inside the venv.
fingerprint="$(
  {
    cat pyproject.toml "$LOCK"
    pwd
    "$VENV/bin/python" --version
  } | sha256sum | cut -d' ' -f1
)"
if [[ -f "$STAMP" && "$(cat "$STAMP")" == "$fingerprint" ]]; then
  exit 0
fi

echo "setup: installing chroma and its dev tools into $VENV"
# Every install below takes its versions from the lock (-c: a constraints file).
# pip itself too; a failed pip install (say, offline with a good enough pip) is not worth
# stopping for.
"$VENV/bin/python" -m pip install --quiet --upgrade -c "$LOCK" pip ||
  echo "setup: could not install the locked pip; continuing with $("$VENV/bin/python" -m pip --version)" >&2
# torch first, at the lock's version: the dev extras want torch (examples, chroma.watch
# tests), and a resolve that starts elsewhere may pull several GB of CUDA wheels; the
# locked version has a CPU build on this machine.
if ! "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet -c "$LOCK" torch
fi
"$VENV/bin/python" -m pip install --quiet -c "$LOCK" -e '.[dev]'
echo "$fingerprint" >"$STAMP"
