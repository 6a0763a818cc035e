#!/usr/bin/env bash
# Serve live puffin profiles of the cells and record them to a .puffin file.
#
#   scripts/record-live.sh [SECONDS] [perflab live options…]
#   scripts/record-live.sh 30 -w wordfreq -w logs
#
# While it runs, watch with `puffin_viewer --url 127.0.0.1:8585` (PERFLAB_ADDR to change);
# afterwards `scripts/view-capture.sh` opens the capture (profiles/live.puffin, or CAPTURE).
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-10}
[[ $seconds =~ ^[0-9]+([.][0-9]+)?$ ]] || { sed -n '2,8p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
shift $(($# > 0 ? 1 : 0))
cargo run --quiet --release -p perflab-cli -- live --seconds "$seconds" \
    --addr "${PERFLAB_ADDR:-127.0.0.1:8585}" --record "${CAPTURE:-profiles/live.puffin}" "$@"
