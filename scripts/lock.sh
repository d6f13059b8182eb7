#!/usr/bin/env bash
# Re-pin requirements.lock from pyproject.toml (after changing a dependency); scripts/setup.sh and CI install it.
set -euo pipefail
cd "$(dirname "$0")/.."
.venv/bin/uv pip compile pyproject.toml --extra dev --extra postgres --python-version 3.11 --universal \
  --no-header -o requirements.lock "$@"
