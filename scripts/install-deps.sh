#!/bin/sh
# Installs what crumbs needs to run and to be tested on Debian: Chromium (Debian's
# package; crumbs never downloads a browser of its own). Safe to run again.
set -eu
if [ -x /usr/lib/chromium/chromium ] || command -v chromium >/dev/null 2>&1; then
    exit 0
fi
SUDO=""
if [ "$(id -u)" != 0 ]; then SUDO="sudo"; fi
echo "crumbs: installing Chromium from Debian's packages (apt-get install -y chromium)" >&2
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium >/dev/null
