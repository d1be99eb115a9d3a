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


def _secure(response):
    for name, value in HEADERS.items():
        response.headers.setdefault(name, value)
    if current_app.config.get("JIESU_HTTPS"):
        response.headers.setdefault("Strict-Transport-Security", "max-age=31536000")
    # pages and answers with citizens' data must not stay in a shared computer's cache
    # (is_anonymous, not is_authenticated: that reads the user's row, which a submission's commit expired)
    if request.endpoint != "static" and "Cache-Control" not in response.headers and (
            request.path.startswith("/api/") or getattr(current_user, "is_anonymous", True) is False):
        response.headers["Cache-Control"] = "no-store"
    return response


def install(app: Flask) -> None:
    app.after_request(_secure)
