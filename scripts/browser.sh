#!/usr/bin/env bash
# Installs what the console's browser test (cli/tests/console_browser.rs) needs: Debian's
# Chromium, and the pinned npm packages (playwright-core, axe-core) of console/browser from the
# npm registry. Idempotent; `cargo xtask ci` runs it before the tests.
set -euo pipefail
cd "$(dirname "$0")/.."
if [ ! -x /usr/bin/chromium ]; then
  echo "browser.sh: installing Chromium (Debian package)…" >&2
  export DEBIAN_FRONTEND=noninteractive
  sudo_if() { if [ "$(id -u)" = 0 ]; then "$@"; else sudo "$@"; fi; }
  sudo_if apt-get install -y -qq chromium >&2 || {
    sudo_if apt-get update -qq >&2
    sudo_if apt-get install -y -qq chromium >&2
  }
fi
if [ ! -d console/browser/node_modules/playwright-core ] || [ ! -d console/browser/node_modules/axe-core ]; then
  echo "browser.sh: installing playwright-core and axe-core (npm ci)…" >&2
  npm ci --prefix console/browser --no-audit --no-fund --loglevel=error >&2
fi
echo "browser.sh: $(/usr/bin/chromium --version 2>/dev/null)" >&2
