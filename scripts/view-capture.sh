#!/usr/bin/env bash
# Open a recorded .puffin capture in puffin's viewer.
#
#   scripts/view-capture.sh [FILE.puffin]        # default: profiles/live.puffin
#
# puffin_viewer is a desktop (GUI) program: install it once with `cargo install puffin_viewer`.
set -euo pipefail
cd "$(dirname "$0")/.."
file=${1:-profiles/live.puffin}
[ -f "$file" ] || { echo "usage: scripts/view-capture.sh [FILE.puffin] (no $file; record one with scripts/record-live.sh)" >&2; exit 2; }
command -v puffin_viewer >/dev/null || { echo "puffin_viewer not found: cargo install puffin_viewer" >&2; exit 2; }
exec puffin_viewer "$file"
