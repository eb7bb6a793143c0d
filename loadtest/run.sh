#!/usr/bin/env bash
# A morning under load, on the loopback only, for a bounded time:
#
#   loadtest/run.sh [DURATION] [USERS]      (defaults: 60s, 30)
#
# Uses DATABASE_URL / REDIS_URL like ./dev (run `./dev manage seed_demo` first;
# `--scale province` adds 山东 and sd_org's dashboards). Starts gunicorn with
# production settings on 127.0.0.1:$LOAD_PORT (8765), writes the plan
# (`manage.py benchmark --load-plan`), runs locust headless, prints
# "LOAD RESULT: … req/s, p95 … ms, errors N" and stops gunicorn again.
# Exit status 1 when any request failed. Secretaries' activities are kept
# (the run writes, as a morning would): use a scratch copy of the database.
set -euo pipefail
ROOT=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
cd "$ROOT"
DURATION=${1:-60s}
USERS=${2:-30}
SPAWN=$(( USERS / 10 > 0 ? USERS / 10 : 1 ))  # people arrive over about ten seconds
PORT=${LOAD_PORT:-8765}
WORKERS=${LOAD_WORKERS:-3}
OUT=${LOAD_OUT:-$ROOT/.local/loadtest}
mkdir -p "$OUT"
# .local/dev.env (written by ./dev) fills in only what is not set already.
if [ -f .local/dev.env ]; then
  while IFS='=' read -r key value; do
    case "$key" in ''|\#*) continue ;; esac
    [ -n "${!key:-}" ] || export "$key=$value"
  done <.local/dev.env
fi
[ -n "${DATABASE_URL:-}" ] || { echo "DATABASE_URL is not set (see ./dev services)" >&2; exit 2; }

# Production settings, except that the loopback speaks plain HTTP.
export DEBUG=false SECURE_SSL_REDIRECT=false SESSION_COOKIE_SECURE=false \
  CSRF_COOKIE_SECURE=false STATIC_PLAIN=true ALLOWED_HOSTS=127.0.0.1 \
  LOG_LEVEL=WARNING CONN_MAX_AGE=60
.venv/bin/python manage.py benchmark --load-plan "$OUT/plan.json"

.venv/bin/gunicorn config.wsgi:application --bind "127.0.0.1:$PORT" --workers "$WORKERS" \
  --access-logfile - --log-level warning >"$OUT/gunicorn.log" 2>&1 &
GUNICORN=$!
trap 'kill "$GUNICORN" 2>/dev/null || true; wait "$GUNICORN" 2>/dev/null || true' EXIT
for _ in $(seq 50); do
  curl -fsS -o /dev/null "http://127.0.0.1:$PORT/healthz" 2>/dev/null && break
  sleep 0.2
done

LOAD_PLAN="$OUT/plan.json" .venv/bin/locust -f loadtest/locustfile.py --headless \
  --host "http://127.0.0.1:$PORT" --users "$USERS" --spawn-rate "$SPAWN" \
  --run-time "$DURATION" --stop-timeout 10 --csv "$OUT/stats" --only-summary
