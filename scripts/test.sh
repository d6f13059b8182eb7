#!/usr/bin/env bash
# Run the whole test suite on SQLite, then again on a throwaway PostgreSQL 15 cluster.
# Extra arguments go to pytest (e.g. scripts/test.sh -k orders).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
export PYTHONHASHSEED=0
echo "== ruff (lint and format) over the whole tree"
.venv/bin/ruff check .
.venv/bin/ruff format --check .
echo "== mypy (app, matching, schedules, config; level in pyproject.toml)"
.venv/bin/mypy
echo "== tests on SQLite"
.venv/bin/python -m pytest "$@"
if [ "${DIANDAN_SKIP_POSTGRES:-0}" = 1 ]; then
  echo "== PostgreSQL run skipped (DIANDAN_SKIP_POSTGRES=1)"
  exit 0
fi
pgdir=$(mktemp -d /tmp/diandan-pg.XXXXXX)
port=${DIANDAN_PG_PORT:-54329}
trap 'bash scripts/pg.sh stop "$pgdir"; rm -rf "$pgdir"' EXIT
url=$(bash scripts/pg.sh start "$pgdir" "$port")
# The engine (tests/matching) touches no database: it runs once, in the SQLite half.
echo "== tests on PostgreSQL ($url)"
TEST_DATABASE_URL="$url" TEST_MIGRATE_DATABASE_URL="${url%/*}/diandan_migrate" \
  .venv/bin/python -m pytest -m "not browser" --ignore=tests/matching "$@"
