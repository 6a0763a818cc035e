#!/usr/bin/env bash
# Installs headless Chromium for perflab-report's browser test (Debian/Ubuntu, as root or with
# sudo). Idempotent: does nothing when `chromium` is already on PATH or at /usr/bin/chromium.
set -euo pipefail

if command -v chromium >/dev/null 2>&1 || [ -x /usr/bin/chromium ]; then
    echo "chromium already installed: $(command -v chromium || echo /usr/bin/chromium)"
    exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then
    SUDO="sudo"
fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq chromium >/dev/null
echo "installed: $(command -v chromium)"
