#!/bin/sh
# The main job on a fresh machine: install Chromium if missing, build crumbs, scan the
# built-in demo web on loopback. Extra arguments go to `crumbs demo`.
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
exec cargo run --quiet --release -- demo "$@"
