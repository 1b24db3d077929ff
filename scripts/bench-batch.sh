#!/bin/sh
# Batch benchmark (not a test): sites per minute and peak memory of `crumbs batch` over
# 50 pages of the demo web at concurrency 1, 2, 4 and 8, against `crumbs scan` run once
# per URL. Prints a table. Takes several minutes.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
cargo build --quiet --release
exec python3 scripts/bench_batch.py "$@"
