#!/usr/bin/env bash
# Sets up a fresh Debian machine for roshi: nats-server and chromium (the browser tests) from
# the OS packages (when missing),
# the npm dependencies from the lock file, and the build. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v nats-server >/dev/null 2>&1 && [ ! -x /usr/sbin/nats-server ]; then
  echo "setup: installing nats-server (Debian package)"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq nats-server >/dev/null
fi

# The live page's browser tests (tests/e2e/webPage.test.ts) drive headless Chromium.
if ! command -v chromium >/dev/null 2>&1; then
  echo "setup: installing chromium (Debian package, for the browser tests)"
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; else SUDO="sudo"; fi
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
fi

if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: installing npm dependencies"
  npm ci --no-audit --no-fund --loglevel=error
fi

npm run build --silent
