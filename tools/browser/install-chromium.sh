#!/usr/bin/env bash
# Installs headless Chromium for the HTML report tests (tests/output_html.rs), from
# Debian's packages (chromium-headless-shell; Debian 12 ships it from bookworm-security).
# Idempotent: does nothing when the browser is there. Needs root and apt-get; says so
# and fails otherwise. The tests call it themselves on a fresh machine, so the
# README's `cargo test --release` does its own set-up; .ci/run calls it up front.
set -euo pipefail
browser=/usr/bin/chromium-headless-shell
if [ -x "$browser" ]; then
  echo "$browser"
  exit 0
fi
if [ "$(id -u)" != 0 ] || ! command -v apt-get >/dev/null; then
  echo "install-chromium: $browser is missing; as root on Debian run:" >&2
  echo "  apt-get install -y --no-install-recommends chromium-headless-shell" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >&2
apt-get install -y -qq --no-install-recommends chromium-headless-shell >&2
echo "$browser"
