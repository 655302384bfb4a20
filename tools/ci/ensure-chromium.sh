#!/usr/bin/env bash
# Makes sure Debian's `chromium` is installed (apt-get, as root) for the web view's browser test
# (apps/web/test/web-view.integration-spec.ts, driven by playwright-core; no browser download).
# CHROMIUM_PATH names another binary to use instead.
set -euo pipefail

bin="${CHROMIUM_PATH:-/usr/bin/chromium}"
if [ ! -x "$bin" ]; then
  if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
    echo "chromium is missing at $bin: install Debian's chromium package (apt-get install -y chromium) or set CHROMIUM_PATH" >&2
    exit 1
  fi
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
fi
"$bin" --version 2>/dev/null
