#!/usr/bin/env bash
# One command: install, then start the desk with demo data on SQLite at http://127.0.0.1:5000
# (timers fire in-process; the clock can be moved forward from 管理 -> 模拟时钟).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
exec .venv/bin/jiesu demo "$@"
