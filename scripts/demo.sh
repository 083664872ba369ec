#!/usr/bin/env bash
# Set up everything on a fresh machine, then run an example pipeline in embedded mode.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
export PATH="$PWD/.venv/bin:$PATH"
wf submit "${1:-examples/dag-diamond.yaml}" --wait
wf get @latest
