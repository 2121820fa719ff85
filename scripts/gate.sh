#!/usr/bin/env bash
# The main job: check TensorFlow's Keras (CPU) against the spec; the report goes to out/.
# Installs what it needs into .venv first (scripts/_venv.sh). Extra arguments go to pytest and
# override the defaults, e.g.:  bash scripts/gate.sh --report out/tf -n 0 -k relu
source "$(dirname "$0")/_venv.sh"
exec python -m pytest conformance/ --adapter=tf -n 2 --report out "$@"
