#!/usr/bin/env bash
# The project's own tests (tests/): golden values, usage errors, every mutant caught, the suite
# green on the reference, the report in a browser. Installs what it needs first: .venv
# (scripts/_venv.sh) and Debian's chromium (scripts/_browser.sh).
# Extra arguments go to pytest, e.g.:  bash scripts/selftest.sh -k mutants
source "$(dirname "$0")/_venv.sh"
bash scripts/_browser.sh  # Debian's chromium, for the report's browser tests
set +e
python -m pytest tests/ -n 2 "$@"
rc=$?
if [[ $rc -eq 5 ]]; then
  echo "selftest: FAILED: pytest collected no tests from tests/ (exit 5); the self-tests are missing or all deselected" >&2
  exit 1
fi
exit $rc
