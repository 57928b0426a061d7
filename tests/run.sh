#!/usr/bin/env bash
# The whole test suite, set-up included: `bash tests/run.sh` from a fresh clone.
# Creates .venv, installs ipyannotator with its dev extras, runs the notebooks' tests (nbdev_test)
# and the tests in tests/ (pytest). Extra arguments go to pytest.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
VENV=${VENV:-.venv}
if [ ! -x "$VENV/bin/python" ]; then
  echo "== creating $VENV with $($PYTHON --version)"
  "$PYTHON" -m venv "$VENV"
fi
echo "== installing ipyannotator[dev] into $VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip setuptools wheel
"$VENV/bin/python" -m pip install --quiet -e ".[dev]"

export PATH="$PWD/$VENV/bin:$PATH"
echo "== nbdev_test (notebooks in nbs/)"
nbdev_test --n_workers 2
echo "== pytest tests/"
pytest tests/ --ignore=tests/benchmarks -p no:cacheprovider "$@"
