"""Redirects with a body in the reader's language: Werkzeug's says "Redirecting... You should be redirected
automatically" (a browser follows at once and never shows it; a script or an API-style client reads it)."""

from __future__ import annotations

from flask import Flask, g
from markupsafe import escape
from werkzeug.utils import redirect as werkzeug_redirect

from app.services.catalogue import gettext


def install(app: Flask) -> None:
    def redirect(location, code: int = 302):
        response = werkzeug_redirect(location, code=code, Response=app.response_class)
        target = escape(response.location)
        lang = "en" if str(getattr(g, "locale", "") or "").startswith("en") else "zh-CN"
        response.set_data(f'<!doctype html>\n<html lang="{lang}"><head><meta charset="utf-8"><title>{gettext("正在跳转")}'
                          f'</title></head><body><p>{gettext("正在跳转到")} <a href="{target}">{target}</a></p></body></html>\n')
        return response

    app.redirect = redirect  # what flask.redirect calls
