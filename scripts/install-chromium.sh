#!/usr/bin/env bash
# Installs Debian's chromium package for the browser test (make browser-test), which drives it
# with Playwright. Needs root, or sudo without a password, and the distribution's package mirror.
set -euo pipefail
if [ -x /usr/bin/chromium ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null 2>&1; then
    SUDO="sudo -n"
  else
    echo "install-chromium: not root and no sudo; install Debian's chromium package by hand" >&2
    exit 1
  fi
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-chromium: apt-get install chromium"
$SUDO apt-get update -q
$SUDO apt-get install -y -q --no-install-recommends chromium
/usr/bin/chromium --version 2>/dev/null | head -1
