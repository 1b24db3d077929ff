#!/bin/sh
# The test suite on a fresh machine: install Chromium if missing, then run every test
# (unit tests, and integration tests that drive the real Chromium against local servers).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
exec cargo test --locked "$@"
