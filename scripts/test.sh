#!/usr/bin/env bash
# The one test command, locally and in CI (.ci/run): set up the venv, start the services,
# then lint, type-check, check the import contracts and run pytest. Extra arguments go to
# pytest, e.g. `scripts/test.sh tests/cli -q`. Every check runs even when an earlier one
# fails, so one run reports every problem; the exit status is non-zero if any failed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Playwright (a dev extra) drives Debian's /usr/bin/chromium: never a browser of its own.
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
# The whole check runs every database test on both databases, whatever the shell says.
unset CHROMA_TEST_DIALECTS

failed=()

banner() {
  if [[ "${CI:-}" == "true" ]]; then
    printf '\n==================== %s ====================\n' "$1"
  else
    printf -- '--- %s\n' "$1"
  fi
}

# check NAME COMMAND...: run a check, remember it when it fails.
check() {
  local name="$1"
  shift
  banner "$name"
  "$@" || failed+=("$name")
}

run_pytest() {
  local status=0
  # Two worker processes (CHROMA_TEST_WORKERS to change; 0 runs in this process): most
  # tests wait on a server, a browser or a broker, so two halve the wall time even on two
  # cores. --dist loadscope keeps a module's tests on one worker, so a module-scoped server
  # starts once. --durations: the slowest tests at the end of the log.
  .venv/bin/pytest -n "${CHROMA_TEST_WORKERS:-2}" --dist loadscope --durations=30 "$@" || status=$?
  # 5 means "no tests collected": a typo in a path or -k must not pass as green.
  if [[ $status -eq 5 ]]; then
    echo "pytest collected no tests: that counts as a failure" >&2
    return 1
  fi
  return "$status"
}

banner "setup"
bash scripts/setup.sh
banner "services"
bash scripts/services.sh

check "ruff check" .venv/bin/ruff check
check "ruff format" .venv/bin/ruff format --check
check "mypy" .venv/bin/mypy
check "import contracts" .venv/bin/lint-imports
# The docs site, strictly: a broken link or a public SDK name without a docstring fails it.
check "docs" env NO_MKDOCS_2_WARNING=1 .venv/bin/mkdocs build --strict --site-dir site
# The browser tests (tests/ui) need Debian's chromium and the built UI; without a build
# they would skip, so the UI is checked and built here first (scripts/ui.sh check: npm ci,
# codegen drift, tsc, Biome, Vitest, then the vite build).
check "chromium" bash scripts/browser.sh
if [[ -f ui/package.json && -f scripts/ui.sh ]]; then
  check "ui" bash scripts/ui.sh check
fi
check "pytest" run_pytest "$@"

if ((${#failed[@]})); then
  banner "FAILED: ${failed[*]}"
  exit 1
fi
banner "all checks passed"
