#!/usr/bin/env bash
# Create .venv-crowdkit (repo root) with crowd-kit 1.4.2, the reference for bench_aggregate.py.
# Idempotent: does nothing when crowd-kit 1.4.2 already imports there. Kept apart from .venv so that
# crowd-kit's dependencies never enter the project's environment.
set -euo pipefail
cd "$(dirname "$0")/../.."
PYTHON=${PYTHON:-python3}
VENV=.venv-crowdkit
if [ -x "$VENV/bin/python" ] && "$VENV/bin/python" -c "import crowdkit, sys; sys.exit(crowdkit.__version__ != '1.4.2')" 2>/dev/null; then
  echo "$VENV ready (crowd-kit 1.4.2)"; exit 0
fi
"$PYTHON" -m venv "$VENV"
# keep git from listing the venv whatever the repo's .gitignore says
echo '*' > "$VENV/.gitignore"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet "crowd-kit==1.4.2"
"$VENV/bin/python" -c "import crowdkit; print('$VENV ready, crowd-kit', crowdkit.__version__)"
