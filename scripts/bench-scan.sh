#!/bin/sh
# Scan benchmark (not a test): builds the release binary and prints wall time and peak
# memory of the whole Chromium process tree for `crumbs demo`, median of 5 runs.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cargo build --quiet --release
exec python3 scripts/bench_scan.py "$@"
