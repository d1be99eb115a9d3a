"""接诉 Jiesu: the 12345 work-order desk. ``create_app`` is the application factory."""

from __future__ import annotations

import logging
from datetime import timedelta
from pathlib import Path

from flask import Flask, g, request, session
from flask_login import current_user
from sqlalchemy import event
from werkzeug.middleware.proxy_fix import ProxyFix

from app import bootstrap, secret_key
from app.cli import register_cli
from app.config import Config
from app.engine.clock import install_spiff_clock
from app.extensions import babel, csrf, db, login_manager, migrate
from app.forms import attributes as form_attributes
from app.services import per_request, sessions
from app.services.settings import load_clock_offset
from app.web import register_blueprints, translations


def _select_locale():
    if "lang" in session:
        return session["lang"]
    if current_user and getattr(current_user, "is_authenticated", False) and current_user.locale:
        return current_user.locale
    return "zh_Hans_CN"


def _request_locale():
    """The locale chosen once per request (``_clock`` asks first): asked again after a commit it would load
    the expired user once more."""
    return per_request.remembered("jiesu.locale", _select_locale)


def _sqlite_pragmas(engine):
    @event.listens_for(engine, "connect")
    def set_pragmas(dbapi_connection, _record):
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA busy_timeout=10000")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()


def _pooled(uri: str, options: dict) -> bool:
    """A database reached through SQLAlchemy's QueuePool (PostgreSQL, a SQLite file; not SQLite in memory, not
    a pool the settings name themselves)."""
    if "poolclass" in options:
        return False
    return uri.startswith("postgresql") or (uri.startswith("sqlite") and ":memory:" not in uri
                                            and "mode=memory" not in uri and not uri.endswith("://"))


def create_app(overrides: dict | None = None, wiring=None) -> Flask:
    """The application factory. ``wiring`` replaces the one ``app/bootstrap.py`` builds (tests)."""
    app = Flask(__name__, instance_relative_config=False)
    app.config.from_object(Config)
    if overrides:
        app.config.update(overrides)
    app.config["SECRET_KEY"] = secret_key.resolve(app.config)  # refuses a weak key (InsecureSecretKey)
    app.config["SESSION_COOKIE_SECURE"] = bool(app.config["JIESU_HTTPS"])
    app.config["REMEMBER_COOKIE_SECURE"] = bool(app.config["JIESU_HTTPS"])
    app.config["PREFERRED_URL_SCHEME"] = "https" if app.config["JIESU_HTTPS"] else "http"
    app.config["PERMANENT_SESSION_LIFETIME"] = timedelta(hours=app.config["JIESU_SESSION_MAX_HOURS"])
    if app.config["JIESU_PROXY_COUNT"]:
        n = app.config["JIESU_PROXY_COUNT"]
        app.wsgi_app = ProxyFix(app.wsgi_app, x_for=n, x_proto=n, x_host=n)
    uri = app.config["SQLALCHEMY_DATABASE_URI"]
    if uri.startswith("sqlite:///"):
        Path(uri.removeprefix("sqlite:///")).parent.mkdir(parents=True, exist_ok=True)
    elif uri.startswith("postgresql://"):
        app.config["SQLALCHEMY_DATABASE_URI"] = uri.replace("postgresql://", "postgresql+psycopg://", 1)
    if app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        # a pooled connection the server dropped (a restart, a failover, an idle timeout) is replaced
        # before use, instead of failing the first request after it with the 503 page
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_pre_ping": True, **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    if _pooled(app.config["SQLALCHEMY_DATABASE_URI"], app.config["SQLALCHEMY_ENGINE_OPTIONS"]):
        size = app.config["JIESU_DB_POOL_SIZE"]
        app.config["SQLALCHEMY_ENGINE_OPTIONS"] = {"pool_size": size, "max_overflow": size,
                                                   **app.config["SQLALCHEMY_ENGINE_OPTIONS"]}
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(levelname)s %(message)s")
    for noisy in ("spiff", "spiff.task", "spiff.workflow", "spiff.metrics"):
        logging.getLogger(noisy).setLevel(logging.WARNING)

    install_spiff_clock()
    db.init_app(app)
    migrate.init_app(app, db, directory=str(Path(__file__).parent / "migrations"))
    csrf.init_app(app)
    babel.init_app(app, locale_selector=_request_locale)
    translations.install(app)  # the templates' gettext, one catalogue lookup per request
    form_attributes.install()  # WTForms' field attributes, the same markup written faster
    login_manager.init_app(app)
    login_manager.login_view = "auth.login"
    login_manager.login_message = "请先登录。"
    login_manager.login_message_category = "warning"

    with app.app_context():
        if db.engine.dialect.name == "sqlite":
            _sqlite_pragmas(db.engine)
            db.engine.dispose()

    bootstrap.wire(app, wiring)

    @login_manager.user_loader
    def load_user(token):
        return sessions.resolve(token)  # the cookie names a server-side session, never a user id

    register_blueprints(app)

    register_cli(app)

    @app.before_request
    def _clock():
        if request.endpoint == "static":  # files need neither: no session lookup (also while the DB is down)
            return
        if app.config.get("JIESU_SIMULATION"):
            load_clock_offset()
        g.locale = _request_locale()

    return app
