"""Blueprints: thin views over the services."""

from flask import Flask
from flask_babel import gettext

from app.web.filters import N_

# Flask-Login flashes login_manager.login_message (set in app/__init__.py) through
# localize_callback; marked here so that pybabel extracts it.
N_("请先登录。")


def register_blueprints(app: Flask) -> None:
    from app.web import admin, auth, filters, inbox, incidents, supervisor, tickets

    app.login_manager.localize_callback = gettext
    filters.register(app)
    for module in (auth, inbox, tickets, supervisor, admin, incidents):
        app.register_blueprint(module.bp)
    register_error_pages(app)
    from app.web import imports

    app.register_blueprint(imports.bp)
    from app.web import roster  # also switches on 7x24 duty routing (app.services.roster hooks)

    app.register_blueprint(roster.bp)
    from app.web import early_warning, repeats  # also switches on repeat detection and early warning hooks

    app.register_blueprint(repeats.bp)
    app.register_blueprint(early_warning.bp)
    from app.web import api  # /api/v1 for the city and district platforms (API keys, JSON, no CSRF)

    app.register_blueprint(api.bp)
    from app.web import enterprises, inspections  # also registers the ledger's and inspections' hooks

    app.register_blueprint(enterprises.bp)
    app.register_blueprint(inspections.bp)
    from app.web import casework  # 延期、剔除、挂账、督办: also registers their hooks and diagram functions

    app.register_blueprint(casework.bp)


def register_error_pages(app: Flask) -> None:
    """A request that meets a failing instance: a Chinese page naming the step, never a 500."""
    from flask import render_template

    from app.engine.runtime import EngineError
    from app.services import incidents

    @app.errorhandler(EngineError)
    def _engine_error(exc):
        incidents.record_separately(exc, "request")
        return render_template("error.html", message=incidents.user_message(exc)), 409

    @app.errorhandler(incidents.InstanceFailed)
    def _instance_failed(exc):
        return render_template("error.html", message=str(exc)), 409
