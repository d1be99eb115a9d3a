#!/usr/bin/env bash
# One command: install everything (Debian's Chromium included) and run the whole test suite.
# Set JIESU_TEST_DATABASE_URL=postgresql://... to run every database test on PostgreSQL too.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh

if [ ! -x /usr/bin/chromium ]; then
  if [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  else
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium fonts-noto-cjk >/dev/null
  fi
fi

.venv/bin/ruff check .
exec .venv/bin/python -m pytest "$@"
