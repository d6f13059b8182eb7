#!/usr/bin/env bash
# Create .venv and install Diandan, pinned by requirements.lock, with its test tools, front-end assets and
# compiled translations.
# Idempotent: a second run only checks that everything is in place.
set -euo pipefail
cd "$(dirname "$0")/.."
PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
# Exact versions from the lock ("same seed, same plan" needs the same solver), then the project itself.
.venv/bin/python -m pip install -q --disable-pip-version-check -r requirements.lock
.venv/bin/python -m pip install -q --disable-pip-version-check --no-deps -e .
if [ -f scripts/install_assets.sh ]; then
  bash scripts/install_assets.sh
fi
