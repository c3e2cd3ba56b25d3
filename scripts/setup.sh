#!/usr/bin/env bash
# Create or refresh the Python environment in .venv (Python >= 3.11, an editable install of
# this checkout) at the versions of the Python lock, requirements/lock.txt (`make lock`
# updates it). What it installs depends on the mode:
#   scripts/setup.sh             --dev: everything the tests, docs and benchmarks need (the default)
#   scripts/setup.sh --runtime   only the app and the numpy quickstart (scripts/run.sh): no torch,
#                                no test or docs tools
#   scripts/setup.sh --examples  the runtime plus what examples/ needs (torch, sentence-transformers)
# Idempotent: when pyproject.toml, the lock, the checkout's location and the interpreter are
# unchanged since the last successful run, and that run installed at least this mode (dev
# covers examples, which covers runtime), it does nothing.
set -euo pipefail
cd "$(dirname "$0")/.."
# Playwright (dev extra) uses Debian's chromium (scripts/browser.sh), never its own download.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1

VENV=.venv
STAMP="$VENV/.chroma-setup"
LOCK=requirements/lock.txt

mode=dev
for arg in "$@"; do
  case "$arg" in
    --runtime) mode=runtime ;;
    --examples) mode=examples ;;
    --dev) mode=dev ;;
    *)
      echo "usage: scripts/setup.sh [--runtime|--examples|--dev]" >&2
      exit 2
      ;;
  esac
done
# Each mode installs everything the ones before it do.
level_of() {
  case "$1" in
    runtime) echo 1 ;;
    examples) echo 2 ;;
    *) echo 3 ;; # dev, and a stamp from before the modes (those were dev installs)
  esac
}

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
# The stamp: "<fingerprint> <mode>" of the last successful run.
read -r stamped_fingerprint stamped_mode 2>/dev/null <"$STAMP" || true
if [[ "${stamped_fingerprint:-}" == "$fingerprint" ]] &&
  (($(level_of "${stamped_mode:-dev}") >= $(level_of "$mode"))); then
  exit 0
fi

case "$mode" in
  runtime) extras="" what="chroma (runtime only: scripts/setup.sh for the dev tools)" ;;
  examples) extras="[examples]" what="chroma and what examples/ needs" ;;
  *) extras="[dev]" what="chroma and its dev tools" ;;
esac
echo "setup: installing $what into $VENV"
# Every install below takes its versions from the lock (-c: a constraints file).
# pip itself too; a failed pip install (say, offline with a good enough pip) is not worth
# stopping for.
"$VENV/bin/python" -m pip install --quiet --upgrade -c "$LOCK" pip ||
  echo "setup: could not install the locked pip; continuing with $("$VENV/bin/python" -m pip --version)" >&2
# torch first, at the lock's version: the examples and dev extras want torch (examples,
# chroma.watch tests), and a resolve that starts elsewhere may pull several GB of CUDA
# wheels; the locked version has a CPU build on this machine. The runtime needs no torch.
if [[ "$mode" != runtime ]] && ! "$VENV/bin/python" -c 'import torch' 2>/dev/null; then
  "$VENV/bin/python" -m pip install --quiet -c "$LOCK" torch
fi
"$VENV/bin/python" -m pip install --quiet -c "$LOCK" -e ".$extras"
echo "$fingerprint $mode" >"$STAMP"
