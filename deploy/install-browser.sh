#!/usr/bin/env bash
# The system packages the tests need beyond Python's: Debian's chromium and CJK fonts for the
# browser tests (tests/browser/, driven by Playwright, which downloads no browser of its own), and
# gettext's msgfmt for `manage.py compilemessages`. Installs only what is missing; runs
# `apt-get update` only when a first install attempt fails. Called by `make install` and .ci/run.
set -euo pipefail

missing=()
command -v chromium >/dev/null 2>&1 || missing+=(chromium)
dpkg -s fonts-noto-cjk >/dev/null 2>&1 || missing+=(fonts-noto-cjk)
command -v msgfmt >/dev/null 2>&1 || missing+=(gettext)
[ ${#missing[@]} -eq 0 ] && exit 0

if [ "$(id -u)" -eq 0 ]; then
  apt=(apt-get)
elif command -v sudo >/dev/null 2>&1; then
  apt=(sudo apt-get)
else
  echo "install-browser.sh: missing ${missing[*]}; install them as root (apt-get install -y ${missing[*]})" >&2
  exit 1
fi
export DEBIAN_FRONTEND=noninteractive
echo "install-browser.sh: installing ${missing[*]}"
"${apt[@]}" install -y "${missing[@]}" \
  || { "${apt[@]}" update && "${apt[@]}" install -y "${missing[@]}"; }
