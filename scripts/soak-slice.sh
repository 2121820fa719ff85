#!/usr/bin/env bash
# A fixed-seed slice of the soak (README, "Randomized runs"): random dev draws beyond the gate's ci
# draws, on the checks where randomized runs found what the ci draws did not, against the reference
# (any failure is a false alarm of the suite) and against tf with both kernel families (any failure
# is a divergence the expectations do not know). Extra arguments go to benchmarks/soak.py.
source "$(dirname "$0")/_venv.sh"
set -e
SLICE=(-k "activations or merging or initializers or convolution_transpose" -n 2)
python benchmarks/soak.py --adapter reference --seeds 201 --out out/soak "$@" -- "${SLICE[@]}"
python benchmarks/soak.py --adapter tf --onednn 0,1 --seeds 201 --out out/soak "$@" -- "${SLICE[@]}"
