#!/usr/bin/env bash
# Flamegraph of one cell: where its time goes, in one command.
#
#   scripts/profile-cell.sh WORKLOAD VARIANT [perflab flame options…]
#   scripts/profile-cell.sh wordfreq naive --size 1MiB --seconds 5
#   scripts/profile-cell.sh wordfreq naive --source scopes        # the kernel's named phases
#   scripts/profile-cell.sh wordfreq naive --diff profiles/wordfreq-naive-system-1MiB.folded
#
# Writes profiles/<workload>-<variant>-<allocator>-<size>.svg and .folded (open the SVG in a
# browser: click to zoom, Ctrl-F to search). CARGO_PROFILE=profiling builds with full debug info.
set -euo pipefail
[ $# -ge 2 ] || { sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 2; }
cd "$(dirname "$0")/.."
workload=$1 variant=$2
shift 2
cargo run --quiet --profile "${CARGO_PROFILE:-release}" -p perflab-cli -- \
    flame --workload "$workload" --variant "$variant" "$@"
