#!/usr/bin/env bash
# Installs the gungraun-runner binary that `cargo bench --bench instructions` hands its benchmarks
# to. The runner's version must equal the `gungraun` library's exactly (benches/Cargo.toml pins
# `=0.20.0`), so this installs only when `gungraun-runner --version` is missing or different:
# safe to call on every CI run. valgrind itself comes from the system (`apt-get install valgrind`).
set -euo pipefail

VERSION="${GUNGRAUN_RUNNER_VERSION:-0.20.0}"

installed="$(gungraun-runner --version 2>/dev/null || true)"
# `gungraun-runner --version` prints e.g. "gungraun-runner 0.20.0".
if [[ "${installed##* }" == "$VERSION" ]]; then
    echo "gungraun-runner $VERSION already installed ($(command -v gungraun-runner))"
    exit 0
fi

if [[ -n "$installed" ]]; then
    echo "replacing ${installed} with gungraun-runner $VERSION"
else
    echo "installing gungraun-runner $VERSION"
fi
cargo install --locked --force gungraun-runner --version "$VERSION"

if ! command -v valgrind >/dev/null; then
    echo "warning: valgrind is not installed; gungraun benchmarks need it (apt-get install valgrind)" >&2
fi
gungraun-runner --version
