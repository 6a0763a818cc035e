#!/usr/bin/env bash
# Compare two commits of this repository on this machine: the instruction-count gate
# (deterministic) and an A/B time run (head's and base's peer processes sampled in the same rounds,
# side by side, layouts re-drawn every round, a flagged group confirmed by up to two fresh sets of
# processes; 2% threshold). Both decide the exit code; PERFLAB_GATE_TIME=0 makes the time table
# advisory. A base build from before the measuring engine does not speak its peer protocol: the
# time table then says so and only the instruction counts gate. Writes a Markdown
# summary to $OUT/summary.md and, in GitHub Actions, to $GITHUB_STEP_SUMMARY.
#
#   scripts/ci-compare.sh BASE_REF [HEAD_REF]        # HEAD_REF defaults to HEAD
#
# Both commits are built with every function and loop aligned to 64 bytes, so that a kernel
# neither commit touched does not run faster or slower because the change moved its code: on the
# 'one house' refactor (METHODOLOGY.md §8) that took the cells flagged at 2% from 23 of 684 to 1.
#
# Environment: OUT (default target/ci-compare), PERFLAB_ARGS (extra `perflab run` filters, e.g.
# "-w search -w wordfreq"), PERFLAB_GATE_TIME=0 to report wall time without gating on it,
# PERFLAB_ALIGN_CODE=0 to build with cargo's own code layout (RUSTFLAGS is kept either way).
set -euo pipefail

base_ref=${1:?usage: scripts/ci-compare.sh BASE_REF [HEAD_REF]}
head_ref=${2:-HEAD}
root=$(git rev-parse --show-toplevel)
out=${OUT:-$root/target/ci-compare}
args=${PERFLAB_ARGS:-}
mkdir -p "$out"
work=$(mktemp -d)
trap 'git -C "$root" worktree remove --force "$work/base" 2>/dev/null || true;
      git -C "$root" worktree remove --force "$work/head" 2>/dev/null || true; rm -rf "$work"' EXIT

rustflags=${RUSTFLAGS:-}
layout="cargo's code layout"
if [ "${PERFLAB_ALIGN_CODE:-1}" = 1 ]; then
  rustflags="$rustflags -C llvm-args=-align-all-functions=6 -C llvm-args=-align-loops=64"
  layout="functions and loops aligned to 64 bytes"
fi

build() { # ref name → $out/name/perflab
  local ref=$1 name=$2
  git -C "$root" worktree add --detach --quiet "$work/$name" "$ref"
  # The binary's package: `perflab-cli`, or `perflab` in trees from before the library and the
  # binary became two packages.
  local package=perflab-cli
  [ -f "$work/$name/crates/perflab/Cargo.toml" ] || package=perflab
  # One target directory for both builds: dependencies compile once.
  RUSTFLAGS="$rustflags" CARGO_TARGET_DIR="$root/target/ci-compare-build" \
    cargo build --release --quiet -p "$package" --manifest-path "$work/$name/Cargo.toml"
  mkdir -p "$out/$name"
  cp "$root/target/ci-compare-build/release/perflab" "$out/$name/perflab"
  echo "built $name ($ref = $(git -C "$root" rev-parse --short "$ref"))" >&2
}

build "$base_ref" base
build "$head_ref" head

status=0
# The deterministic gate: instructions per iteration under callgrind.
# shellcheck disable=SC2086
"$out/base/perflab" run --measure instructions --allocator system $args --out "$out/base/instr" >/dev/null
# shellcheck disable=SC2086
"$out/head/perflab" run --measure instructions --allocator system $args --out "$out/head/instr" >/dev/null
"$out/head/perflab" compare "$out/base/instr/results.json" "$out/head/instr/results.json" \
  --format markdown > "$out/instructions.md" || status=1

# Time: one A/B run, the ci preset.
time_status=0
ab_status=0
# shellcheck disable=SC2086
"$out/head/perflab" run --preset ci --allocator system $args --compare-with "$out/base/perflab" \
  --out "$out/paired" >/dev/null 2> "$out/paired.err" || ab_status=$?
if [ $ab_status = 2 ]; then
  # Not a regression: the A/B run could not run at all (e.g. a base build without the engine).
  { echo "A/B run not possible: $(tail -n 1 "$out/paired.err")"; } > "$out/time.md"
else
  "$out/head/perflab" compare "$out/paired/base.json" "$out/paired/results.json" \
    --format markdown > "$out/time.md" || time_status=1
fi
if [ "${PERFLAB_GATE_TIME:-1}" = 1 ] && [ $time_status = 1 ]; then status=1; fi

{
  echo "## perflab: $base_ref → $head_ref"
  echo
  echo "Both builds: $layout."
  echo
  echo "#### Instruction counts (callgrind; the gate)"
  cat "$out/instructions.md"
  echo
  echo "#### Time (A/B in lock step, ci preset; $( [ "${PERFLAB_GATE_TIME:-1}" = 1 ] && echo gating || echo advisory))"
  cat "$out/time.md"
} > "$out/summary.md"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then cat "$out/summary.md" >> "$GITHUB_STEP_SUMMARY"; fi
cat "$out/summary.md"
exit $status
