#!/usr/bin/env bash
# The rest of the adapter matrix and the merged report, after scripts/gate.sh --report out/tf:
# runs the suite through each adapter named in $KERAS_CONFORMANCE_MATRIX (default below; each in
# its own pytest process, since Keras picks its backend once per process) into out/<adapter>
# (an entry NAME:V runs NAME with TF_ENABLE_ONEDNN_OPTS=V, one TensorFlow kernel family, into out/NAME-onednnV),
# merges every run with the gate's into out/merged/index.html (one column per adapter), and opens
# the gate's report, its spec page and the merged report in headless Chromium: each must load
# with no console error, exception or network request (screenshots beside them, *.png).
# Fails if any adapter's run fails (a divergence missing from its expectations file) or any page does.
source "$(dirname "$0")/_venv.sh"
bash scripts/_browser.sh
[[ -f out/tf/results.jsonl ]] || { echo "scripts/report.sh: no out/tf/results.jsonl: run bash scripts/gate.sh --report out/tf first" >&2; exit 2; }
# keras-jax runs with pooled shapes (--shapes=auto: JAX compiles each eager op per shape, and the pools hit its cache).
MATRIX=${KERAS_CONFORMANCE_MATRIX:-reference tf-keras:1 tf-keras:0 keras-numpy keras-torch keras-jax}
rc=0
runs=(out/tf/results.jsonl)
[[ -f out/tf-eigen/results.jsonl ]] && runs+=(out/tf-eigen/results.jsonl)
[[ -f out/tf-mixed/results.jsonl ]] && runs+=(out/tf-mixed/results.jsonl)
[[ -f out/tf-mixed-eigen/results.jsonl ]] && runs+=(out/tf-mixed-eigen/results.jsonl)
for entry in $MATRIX; do
  t0=$SECONDS
  adapter=${entry%%:*} dir=out/${entry%%:*} env=()
  if [[ $entry == *:* ]]; then env=("TF_ENABLE_ONEDNN_OPTS=${entry#*:}"); dir=out/$adapter-onednn${entry#*:}; fi
  env "${env[@]}" python -m pytest conformance/ --adapter="$adapter" -n 2 -q -p no:cacheprovider --report "$dir" | tail -4 || rc=1  # pipefail: pytest's status
  echo "report.sh: $entry took $((SECONDS - t0)) s"
  [[ -f $dir/results.jsonl ]] && runs+=("$dir/results.jsonl")
done
python -m reports render "${runs[@]}" -o out/merged || rc=1
for page in out/tf/index.html out/tf/spec.html out/merged/index.html; do
  python -m reports screenshot "$page" -o "${page%.html}.png" || rc=1
done
exit $rc
