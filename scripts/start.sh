#!/usr/bin/env bash
# The whole service from one command: install, migrate, load the demo county (once), then run the web app
# (gunicorn), the scheduler and, when DIANDAN_BROKER_URL is set, Celery workers, supervised together by honcho
# (Procfile). Logs are interleaved and labelled; Ctrl-C stops everything. `diandan run` stays the dev server.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/diandan db upgrade
fresh=0
if .venv/bin/diandan demo load 2>/tmp/diandan-demo.$$.err; then
  fresh=1
else
  grep -q "already loaded" /tmp/diandan-demo.$$.err || { cat /tmp/diandan-demo.$$.err >&2; rm -f /tmp/diandan-demo.$$.err; exit 1; }
  echo "demo county already loaded"
fi
rm -f /tmp/diandan-demo.$$.err
if [ "$fresh" = 1 ]; then
  # A first dispatch of the demo's open orders, run by the scheduler (or a worker) as soon as it is up.
  .venv/bin/diandan dispatch run --queue
fi
processes=(web scheduler)
if [ -n "${DIANDAN_BROKER_URL:-}" ]; then
  processes+=(worker)
fi
export HOST="${HOST:-127.0.0.1}"
echo "Diandan is starting on http://${HOST}:${PORT:-5000} (${processes[*]}; demo accounts: see README)"
exec .venv/bin/honcho --procfile Procfile start --port "${PORT:-5000}" "${processes[@]}"
