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

    # WIRING (issue 10; move into app/bootstrap.py when it lands): the BPMN function rule('name') and the
    # template global urge_workdays() read the 时限规则; then the process owner's workbench pages.
    from app.engine.expressions import register_function
    from app.services import time_rules

    register_function("rule", time_rules.rule)
    app.jinja_env.globals["urge_workdays"] = time_rules.urge_workdays
    from app.web import modeler, process_start, process_versions
    from app.web import time_rules as time_rules_pages

    for module in (modeler, process_versions, time_rules_pages, process_start):
        app.register_blueprint(module.bp)
