#!/usr/bin/env bash
# Installs Debian's Chromium for the report's browser tests (tests/test_reports_browser.py), unless
# a chromium is already on PATH. The tests drive it with Playwright (pinned in requirements/ci.txt),
# which never downloads a browser of its own. Sourced or run by scripts/selftest.sh and .ci/run.
set -euo pipefail
if command -v chromium >/dev/null 2>&1 || [[ -n ${KERAS_CONFORMANCE_CHROMIUM:-} ]]; then
  exit 0
fi
if ! command -v apt-get >/dev/null 2>&1; then
  echo "scripts/_browser.sh: no chromium on PATH and no apt-get to install it; install Chromium and set" \
       "KERAS_CONFORMANCE_CHROMIUM=/path/to/chromium" >&2
  exit 2
fi
sudo=""
[[ $(id -u) -ne 0 ]] && sudo="sudo"
echo "installing Debian's chromium (for the report's browser tests)" >&2
$sudo apt-get install -y -q chromium >/dev/null || { $sudo apt-get update -q >/dev/null && $sudo apt-get install -y -q chromium >/dev/null; }
command -v chromium >/dev/null
