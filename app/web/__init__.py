"""Blueprints: thin views over the services."""

from flask import Flask


def register_blueprints(app: Flask) -> None:
    from app.web import admin, auth, filters, inbox, supervisor, tickets

    filters.register(app)
    for module in (auth, inbox, tickets, supervisor, admin):
        app.register_blueprint(module.bp)
