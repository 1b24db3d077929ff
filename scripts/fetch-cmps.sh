#!/bin/sh
# Installs the real consent managers that the integration tests drive (klaro,
# vanilla-cookieconsent, Osano's cookieconsent, tarteaucitron.js, and the IAB's TCF reference
# libraries @iabtcf/cmpapi and @iabtcf/core) from the npm registry into
# tests/fixtures/consent/npm/node_modules, exactly as pinned by its package-lock.json
# (npm ci checks every tarball against the lock's integrity hash). Installs npm from
# Debian's packages if missing. Safe to run again: skips when node_modules already
# matches the lock.
set -eu
cd "$(dirname "$0")/../tests/fixtures/consent/npm"
STAMP=node_modules/.crumbs-lock.sha256
WANT="$(cat package.json package-lock.json | sha256sum | cut -d' ' -f1)"
if [ -f "$STAMP" ] && [ "$(cat "$STAMP")" = "$WANT" ] \
    && [ -f node_modules/klaro/package.json ] \
    && [ -f node_modules/vanilla-cookieconsent/package.json ] \
    && [ -f node_modules/cookieconsent/package.json ] \
    && [ -f node_modules/tarteaucitronjs/package.json ] \
    && [ -f node_modules/@iabtcf/cmpapi/package.json ] \
    && [ -f node_modules/@iabtcf/core/package.json ]; then
    echo "crumbs: consent managers already installed (tests/fixtures/consent/npm/node_modules matches the lock)"
    exit 0
fi
if ! command -v npm >/dev/null 2>&1; then
    SUDO=""
    if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
    echo "crumbs: installing npm from Debian's packages (apt-get install -y npm)" >&2
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq npm >/dev/null
fi
# Only the packages' own files are served to the browser: no install scripts, and
# none of klaro's peer or optional (build-tool) dependencies.
LOG="$(mktemp)"
trap 'rm -f "$LOG"' EXIT
if ! npm ci --ignore-scripts --no-audit --no-fund --omit=peer --omit=optional >"$LOG" 2>&1; then
    cat "$LOG" >&2
    echo "crumbs: npm ci failed in tests/fixtures/consent/npm" >&2
    exit 1
fi
echo "$WANT" >"$STAMP"
echo "crumbs: installed klaro, vanilla-cookieconsent, cookieconsent, tarteaucitronjs and @iabtcf/cmpapi + core from the npm registry into tests/fixtures/consent/npm/node_modules"
