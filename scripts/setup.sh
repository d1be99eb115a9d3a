#!/usr/bin/env bash
# Installs everything Jiesu needs into .venv and app/static/vendor. Safe to run again.
set -euo pipefail
cd "$(dirname "$0")/.."

PYTHON=${PYTHON:-python3}
if [ ! -x .venv/bin/python ]; then
  "$PYTHON" -m venv .venv
fi
.venv/bin/python -m pip install --quiet --upgrade pip
.venv/bin/python -m pip install --quiet -e ".[dev]"

# Front-end packages from npm, pinned by package-lock.json, copied into the static folder.
npm ci --no-audit --no-fund --loglevel=error
npm run --silent build

# Interface translations (English catalogue; Chinese is the source language).
if [ -d app/translations ]; then
  .venv/bin/pybabel compile -d app/translations >/dev/null
fi
