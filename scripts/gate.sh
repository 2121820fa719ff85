#!/usr/bin/env bash
# The main job: check TensorFlow's Keras (CPU) against the spec and write the report to out/.
# Extra arguments go to pytest, e.g. scripts/gate.sh --device=gpu
source "$(dirname "$0")/_venv.sh"
exec python -m pytest conformance/ --adapter=tf -n 2 --report out "$@"
