"""Serving stored files (recordings, evidence): always as a download under a generated name,
never sniffed, never cached, never able to run script even if opened directly."""

from __future__ import annotations

import unicodedata
from pathlib import Path
from urllib.parse import quote

from flask import request, send_file
from werkzeug.http import dump_options_header


def first_request() -> bool:
    """True unless this is a follow-up range request of one playback (the player seeking)."""
    spec = request.headers.get("Range", "")
    return not spec or spec.replace(" ", "").startswith("bytes=0-")


def send_stored(path: Path, mimetype: str, download_name: str):
    """The file with ``Content-Disposition: attachment`` (an <audio> or <img> plays and shows it all
    the same), ``nosniff``, no caching and a CSP sandbox; seekable (range requests)."""
    response = send_file(path, mimetype=mimetype, download_name=download_name, as_attachment=True,
                         conditional=True, max_age=0)
    response.headers["X-Content-Type-Options"] = "nosniff"
    response.headers["Cache-Control"] = "private, no-store"
    response.headers["Content-Security-Policy"] = "sandbox; default-src 'none'"
    return response


def attachment(name: str) -> str:
    """A ``Content-Disposition`` value for a download named ``name`` (as send_file writes it): quoted, a
    non-ASCII name as RFC 6266's ``filename*`` beside an ASCII fallback, so any name is a valid header."""
    simple = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode("ascii")
    options = {"filename": simple}
    if simple != name:
        options["filename*"] = "UTF-8''" + quote(name, safe="!#$&+^`|~")
    return dump_options_header("attachment", options)
