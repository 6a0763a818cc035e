#!/usr/bin/env bash
# Installs valgrind (for `perflab run --measure instructions` and gungraun). Idempotent.
set -euo pipefail
if command -v valgrind >/dev/null 2>&1; then
    echo "valgrind already installed: $(valgrind --version)"
    exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq valgrind >/dev/null
echo "installed: $(valgrind --version)"
