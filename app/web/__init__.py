"""Blueprints: thin views over the services."""

from flask import Flask
from flask_babel import gettext

from app.web.filters import N_

# Flask-Login flashes login_manager.login_message (set in app/__init__.py) through
# localize_callback; marked here so that pybabel extracts it.
N_("请先登录。")


def register_blueprints(app: Flask) -> None:
    from app.web import admin, auth, filters, inbox, supervisor, tickets

    app.login_manager.localize_callback = gettext
    filters.register(app)
    for module in (auth, inbox, tickets, supervisor, admin):
        app.register_blueprint(module.bp)
