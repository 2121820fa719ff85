#!/usr/bin/env bash
# The reports end to end, after scripts/gate.sh --report out/tf: runs the suite on the reference
# (out/reference), merges both runs into one side-by-side report (out/merged/index.html), and opens
# the gate's report, its spec page and the merged report in headless Chromium: each must load with
# no console error, exception or network request (screenshots beside them, *.png).
source "$(dirname "$0")/_venv.sh"
bash scripts/_browser.sh
[[ -f out/tf/results.jsonl ]] || { echo "scripts/report.sh: no out/tf/results.jsonl: run bash scripts/gate.sh --report out/tf first" >&2; exit 2; }
python -m pytest conformance/ --adapter=reference -n 2 -q --report out/reference -p no:cacheprovider | tail -3
python -m reports render out/tf/results.jsonl out/reference/results.jsonl -o out/merged
rc=0
for page in out/tf/index.html out/tf/spec.html out/merged/index.html; do
  python -m reports screenshot "$page" -o "${page%.html}.png" || rc=1
done
exit $rc
