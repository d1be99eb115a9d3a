"""Security headers on every response, and a Content-Security-Policy the app's own pages satisfy.

Scripts only from the app itself (no inline script, no event-handler attributes, no eval:
behaviours are data attributes read by app/static/js/app.js). ``style-src-attr 'unsafe-inline'``
lets style *attributes* through (Bootstrap's progress bars, ECharts' tooltips and bpmn-js write
them); ``<style>`` elements are still refused. Files served by app/web/serving.py set their own
stricter policy, which is kept.
"""

from __future__ import annotations

from flask import Flask, current_app, request
from flask_login import current_user

CSP = "; ".join((
    "default-src 'self'",
    "script-src 'self'",
    "style-src 'self'",
    "style-src-attr 'unsafe-inline'",
    "img-src 'self' data: blob:",
    "media-src 'self' blob:",
    "font-src 'self' data:",  # bpmn-js's icon font is embedded in its stylesheet
    "connect-src 'self'",
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'none'",
))

HEADERS = {
    "Content-Security-Policy": CSP,
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Permissions-Policy": "camera=(), microphone=(), payment=(), usb=(), geolocation=(self)",
    "Cross-Origin-Opener-Policy": "same-origin",
    "Cross-Origin-Resource-Policy": "same-origin",
}
_HEADERS_BY_KEY = [(name.lower(), name, value) for name, value in HEADERS.items()]


def _secure(response):
    headers = response.headers
    present = {name.lower() for name, _value in headers.items()}  # (one pass: setdefault walks them all each time)
    for key, name, value in _HEADERS_BY_KEY:
        if key not in present:
            headers.add(name, value)
    if current_app.config.get("JIESU_HTTPS") and "strict-transport-security" not in present:
        headers.add("Strict-Transport-Security", "max-age=31536000")
    # pages and answers with citizens' data must not stay in a shared computer's cache
    # (is_anonymous, not is_authenticated: that reads the user's row, which a submission's commit expired)
    if request.endpoint != "static" and "Cache-Control" not in response.headers and (
            request.path.startswith("/api/") or getattr(current_user, "is_anonymous", True) is False):
        response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    app.after_request(_secure)
