# Sourced by scripts/gate.sh and scripts/selftest.sh (and .ci/run): the one install step.
#
# Creates the virtualenv if it is absent and installs the pinned requirements (ci.txt: TensorFlow,
# Keras, tf-keras and the test tools; jax.txt and torch.txt: the JAX and PyTorch (CPU) backends)
# plus the project (editable, --no-deps) whenever one of them or pyproject.toml changed since the
# last install (a stamp file in the venv holds their hash). Then puts the venv first on PATH and
# changes to the repository root.
#
#   KERAS_CONFORMANCE_VENV  the venv directory (default: .venv in the repository root)
#   PYTHON                  the interpreter that creates it (default: python3.11, else python3; must be >= 3.11)
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."
VENV=${KERAS_CONFORMANCE_VENV:-.venv}

if [[ ! -x $VENV/bin/python ]]; then
  PY=${PYTHON:-python3.11}
  command -v "$PY" >/dev/null 2>&1 || PY=python3
  if ! "$PY" -c 'import sys; sys.exit(sys.version_info < (3, 11))' 2>/dev/null; then
    echo "scripts/_venv.sh: need Python >= 3.11 to create $VENV (tried '$PY'; set PYTHON=/path/to/python3.11)" >&2
    exit 2
  fi
  echo "creating $VENV with $("$PY" --version 2>&1)" >&2
  "$PY" -m venv "$VENV"
fi

stamp=$VENV/.requirements.sha
REQUIREMENTS=(requirements/ci.txt requirements/jax.txt requirements/torch.txt)
want=$(cat "${REQUIREMENTS[@]}" pyproject.toml | sha256sum | cut -d' ' -f1)
if [[ ! -f $stamp || $(cat "$stamp") != "$want" ]]; then
  echo "installing ${REQUIREMENTS[*]} and the project into $VENV" >&2
  rm -f "$stamp"
  # pip itself first, at the version requirements/ci.txt pins, then everything else from the same file.
  pip_pin=$(grep -E '^pip==' requirements/ci.txt || true)
  # Each step fails loudly: `set -e` does not hold where this file is sourced inside `a && b`.
  fail() { echo "scripts/_venv.sh: $1 failed; $VENV is incomplete (no stamp written)" >&2; exit 1; }
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check ${pip_pin:+"$pip_pin"} || fail "installing pip"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check "${REQUIREMENTS[@]/#/-r}" || fail "pip install ${REQUIREMENTS[*]}"
  "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e . || fail "installing the project"
  echo "$want" > "$stamp"
fi
VENV=$(cd "$VENV" && pwd)  # absolute, whether given relative or not
export PATH="$VENV/bin:$PATH"
export VIRTUAL_ENV="$VENV"
