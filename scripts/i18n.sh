#!/usr/bin/env bash
# Refresh the English catalogue from the code: extract every marked message, merge it into
# app/translations/en/LC_MESSAGES/messages.po (sorted, without line numbers, so that branches
# merge cleanly), drop duplicates a merge may have left, and compile. New messages come out
# with an empty msgstr: translate them, then run this again (a test fails on untranslated ones).
set -euo pipefail
cd "$(dirname "$0")/.."
PO=app/translations/en/LC_MESSAGES/messages.po
normalise() {
  .venv/bin/python - "$PO" <<'PY'
import sys
from babel.messages.pofile import read_po, write_po
path = sys.argv[1]
with open(path, "rb") as f:  # duplicated entries (after a union merge) collapse into one
    catalog = read_po(f, locale="en")
with open(path, "wb") as f:
    write_po(f, catalog, no_location=True, sort_output=True, ignore_obsolete=True)
missing = [m.id for m in catalog if m.id and not m.string]
print(f"{len(catalog)} messages, {len(missing)} untranslated")
for m in missing:
    print("  untranslated:", m)
PY
}
normalise >/dev/null
.venv/bin/pybabel -q extract -F babel.cfg -k _l -k lazy_gettext --no-location --sort-output \
  -o /tmp/jiesu-messages.pot . 2>/dev/null
.venv/bin/pybabel -q update -i /tmp/jiesu-messages.pot -d app/translations -l en \
  --no-fuzzy-matching --ignore-obsolete
normalise
.venv/bin/pybabel -q compile -d app/translations
