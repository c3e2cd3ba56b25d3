#!/usr/bin/env bash
# Make sure Debian's chromium is at /usr/bin/chromium for the browser tests (tests/ui) and
# `make bench-ui-load`. Playwright (a dev extra) drives that binary; it never downloads a
# browser of its own (PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1, no `playwright install`).
# Installs the package with apt only when the binary is missing and we may: as root (CI
# runs as root with CI=true). Otherwise it says what to do and fails.
set -euo pipefail

CHROMIUM=/usr/bin/chromium

if [[ -x "$CHROMIUM" ]]; then
  exit 0
fi

if [[ "$(id -u)" -ne 0 ]]; then
  echo "browser: $CHROMIUM is missing. Install Debian's chromium as root" \
    "(apt-get install -y chromium), then run this again." >&2
  exit 1
fi
if ! command -v apt-get >/dev/null; then
  echo "browser: $CHROMIUM is missing and there is no apt-get here: install a chromium" \
    "at $CHROMIUM by hand." >&2
  exit 1
fi

echo "browser: installing Debian's chromium (apt-get)"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core >/dev/null
if [[ ! -x "$CHROMIUM" ]]; then
  echo "browser: apt-get installed chromium but $CHROMIUM is still missing" >&2
  exit 1
fi
echo "browser: $("$CHROMIUM" --version 2>/dev/null || echo chromium) ready"
