#!/usr/bin/env bash
# The project's own tests: golden values, usage errors, every mutant caught, the suite green on the reference.
source "$(dirname "$0")/_venv.sh"
set +e
python -m pytest tests/ -n 2 "$@"
rc=$?
if [[ $rc -eq 5 ]]; then echo "selftest: pytest collected no tests" >&2; exit 1; fi
exit $rc
