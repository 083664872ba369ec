#!/usr/bin/env bash
# Set up everything on a fresh machine, then run the checks and the whole test suite.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
./scripts/build-cluster.sh >/dev/null
export PATH="$PWD/.venv/bin:$PATH"
ruff format --check .
ruff check .
lint-imports
mypy
# --durations: every CI log says which tests took the time.
pytest -q -p no:cacheprovider --durations=40 "$@"
