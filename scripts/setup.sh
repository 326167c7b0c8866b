#!/usr/bin/env bash
# One-time setup on a fresh machine, then the main job on the bundled content.
#   - Debian's chromium for the browser tests and nodejs for the Node parity tests (when missing
#     and apt-get can be used)
#   - a virtualenv in .venv with kb and its test dependencies
#   - `kb build`: checks content/, writes index/ and site/
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v chromium >/dev/null 2>&1 || ! command -v node >/dev/null 2>&1 || ! fc-list 2>/dev/null | grep -qi ipa; then
  if command -v apt-get >/dev/null 2>&1; then
    SUDO=""
    [ "$(id -u)" -eq 0 ] || SUDO="sudo"
    echo "setup: installing Debian's chromium, nodejs and a Japanese font (browser and parity tests, screenshots)"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq chromium nodejs fonts-ipafont-gothic >/dev/null
  else
    echo "setup: chromium or node not found and apt-get unavailable; the browser or Node parity tests will be skipped" >&2
  fi
fi

PYTHON="${PYTHON:-python3}"
[ -x .venv/bin/python ] || "$PYTHON" -m venv .venv
.venv/bin/python -m pip install -q --upgrade pip
.venv/bin/python -m pip install -q -e '.[test]'
.venv/bin/kb build
