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
# The front-end packages come from npm while pip installs (both mostly wait on the network); the translation
# catalogs are compiled once pip has installed Babel.
DIANDAN_SKIP_CATALOGS=1 bash scripts/install_assets.sh &
assets=$!
.venv/bin/python -m pip install -q --disable-pip-version-check --upgrade pip >/dev/null
# Exact versions from the lock ("same seed, same plan" needs the same solver), then the project itself. Not
# byte-compiled at install: Python compiles what a process imports on first use, a fraction of the 300 packages.
.venv/bin/python -m pip install -q --disable-pip-version-check --no-compile -r requirements.lock
.venv/bin/python -m pip install -q --disable-pip-version-check --no-compile --no-deps -e .
wait "$assets"
.venv/bin/pybabel compile -f -d app/translations -D messages >/dev/null
