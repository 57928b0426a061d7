#!/usr/bin/env bash
# Create .venv-ref in the repo root with ipyannotator 0.8.5, the 2022 release, used only as a
# yardstick by the benchmarks (never imported into the project's own environment).
# Idempotent: does nothing when .venv-ref already imports ipyannotator 0.8.5.
#   bash tests/benchmarks/reference_venv.sh          # then: .venv-ref/bin/python ...
set -euo pipefail
cd "$(dirname "$0")/../.."

PYTHON=${PYTHON:-python3}
VENV=.venv-ref
# -I: isolated mode, so the repository's own ipyannotator/ folder in the cwd does not shadow 0.8.5.
check() { "$VENV/bin/python" -I -c 'import ipyannotator, ipyannotator.storage; assert ipyannotator.__version__ == "0.8.5"'; }

if [ -x "$VENV/bin/python" ] && check; then
  echo "$VENV is ready (ipyannotator 0.8.5)"; exit 0
fi
[ -x "$VENV/bin/python" ] || "$PYTHON" -m venv "$VENV"
# Keep the folder out of git without touching the repository's .gitignore.
echo '*' > "$VENV/.gitignore"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
# As shipped, 0.8.5 does not import with today's fastcore/nbdev, and its canvases need ipycanvas 0.11.
"$VENV/bin/python" -m pip install --quiet ipyannotator==0.8.5 "fastcore<1.5" "nbdev<2" ipycanvas==0.11.0
if check; then echo "$VENV is ready (ipyannotator 0.8.5)"
else echo "$VENV was created but ipyannotator 0.8.5 does not import; see the error above" >&2; exit 1; fi
