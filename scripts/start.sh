#!/usr/bin/env bash
# Install, migrate, load the demo county (once) and start the service on http://127.0.0.1:5000
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
.venv/bin/diandan db upgrade
if ! .venv/bin/diandan demo load 2>/tmp/diandan-demo.err; then
  grep -q "already loaded" /tmp/diandan-demo.err || { cat /tmp/diandan-demo.err >&2; exit 1; }
  echo "demo county already loaded"
fi
.venv/bin/diandan dispatch run >/dev/null || true
echo "Diandan is starting on http://${HOST:-127.0.0.1}:${PORT:-5000} (demo accounts: see README)"
exec .venv/bin/diandan run --host "${HOST:-127.0.0.1}" --port "${PORT:-5000}"
