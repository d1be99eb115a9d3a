#!/usr/bin/env bash
# The load test of bench/locustfile.py against 2 app processes and 2 workers on PostgreSQL.
#   bench/load.sh postgresql://postgres@127.0.0.1:5432/bench_scale [duration, default 5m]
# The database must have been filled by bench/generate.py (it creates the 27 staff accounts).
set -euo pipefail
cd "$(dirname "$0")/.."
URL=${1:?database URL}
DURATION=${2:-5m}
export JIESU_DATABASE_URL=$URL
KEY=$(.venv/bin/jiesu apikey create --platform 市级平台 --label load-test | grep -o 'jsk_[A-Za-z0-9_-]*' | head -1)
KEY2=$(.venv/bin/jiesu apikey create --platform 区级平台 --label load-test | grep -o 'jsk_[A-Za-z0-9_-]*' | head -1)
pids=()
for port in 5101 5102; do .venv/bin/jiesu serve --port $port > /tmp/jiesu-load-serve-$port.log 2>&1 & pids+=($!); done
for n in 1 2; do .venv/bin/jiesu worker > /tmp/jiesu-load-worker-$n.log 2>&1 & pids+=($!); done
trap 'kill "${pids[@]}" 2>/dev/null || true' EXIT
for port in 5101 5102; do  # until both answer
  for _ in $(seq 60); do curl -s -o /dev/null "http://127.0.0.1:$port/login" && break; sleep 1; done
done
echo "machine: $(nproc) cores, $(free -g | awk '/Mem/ {print $2}') GB, load $(cut -d' ' -f1 /proc/loadavg)"
JIESU_API_KEY=$KEY JIESU_API_KEY_2=$KEY2 JIESU_HOSTS=http://127.0.0.1:5101,http://127.0.0.1:5102 \
  .venv/bin/locust -f bench/locustfile.py --headless -u 29 -r 5 -t "$DURATION" --host http://127.0.0.1:5101 \
  --only-summary --csv /tmp/jiesu-load 2>&1 | tail -40
