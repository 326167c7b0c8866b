#!/usr/bin/env bash
# One-time setup on a fresh machine, then the main job on the bundled content.
#   - Debian's chromium for the browser tests and nodejs for the Node parity tests (when missing
#     and apt-get can be used)
#   - a virtualenv in .venv with kb and its test dependencies
#   - `kb build`: checks content/, writes index/ and site/
set -euo pipefail
cd "$(dirname "$0")/.."

have_font() {
  # No `grep -q` here: under pipefail it would make fc-list die of SIGPIPE and the check fail at random.
  fc-list : family 2>/dev/null | grep -i ipa >/dev/null
}

if ! command -v chromium >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1 || ! have_font; then
  PACKAGES="chromium nodejs fonts-ipafont-gothic"
  if ! command -v apt-get >/dev/null 2>&1; then
    echo "setup: chromium, node or the IPA font is missing and apt-get is unavailable; the browser and Node parity tests will be skipped (CI fails them)" >&2
  elif [ "$(id -u)" -eq 0 ] || sudo -n true 2>/dev/null; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo -n"
    echo "setup: installing Debian's $PACKAGES (browser and parity tests, screenshots)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq $PACKAGES >/dev/null
  else
    echo "setup: not root and sudo would ask for a password; install them yourself: sudo apt-get install $PACKAGES" >&2
  fi
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
.venv/bin/kb build   # ./content -> ./index and ./site
