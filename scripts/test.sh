#!/bin/sh
# The test suite on a fresh machine: install Chromium if missing and the real consent
# managers the consent tests drive (from the npm registry, pinned by a lock file), then
# run every test (unit tests, and integration tests that drive the real Chromium against
# local servers).
set -eu
cd "$(dirname "$0")/.."
sh scripts/install-deps.sh
sh scripts/fetch-cmps.sh
exec cargo test --locked "$@"
