"""Fixtures: an app per test on SQLite and, when JIESU_TEST_DATABASE_URL is set, on PostgreSQL too.

Every test's ``app`` starts from the same seeded database (``seed_base`` plus the demo users),
built once per session: on SQLite each test gets its own copy of a template file; on PostgreSQL
the schema is seeded once and each test runs inside one transaction that is rolled back at the
end (the app's commits become savepoints of it). A test that needs real commits (threads, a
second app or server on the same database, subprocesses, DDL) is marked
``@pytest.mark.real_commits``: on PostgreSQL it commits for real on a freshly seeded schema,
which is seeded again for the next test. The app object itself is built once per database and
shared (its config is restored after each test); a test that registers routes on it is marked
``@pytest.mark.own_app``. Process-wide caches are reset for every test.
"""

from __future__ import annotations

import os
import re
import shutil
from datetime import datetime

import pytest
from flask_sqlalchemy.session import Session as FlaskSession

from app import create_app
from app.engine import cache as workflow_cache
from app.engine import calendar_store
from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.forms.builder import _cache as form_classes
from app.services import page_cache, time_rules

PG_URL = os.environ.get("JIESU_TEST_DATABASE_URL")
DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])


def shanghai(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


def test_config(url: str, tmp_path) -> dict:
    return {
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": True,
        "JIESU_UPLOAD_DIR": str(tmp_path / "uploads"),
        "SERVER_NAME": "jiesu.test",
        "JIESU_PASSWORD_METHOD": "pbkdf2:sha256:1000",  # fast hashes for tests only
    }


test_config.__test__ = False  # a helper, not a test


def forget_process_caches() -> None:
    """Caches that live in the process, not in the database: each test starts without them."""
    time_rules.invalidate()
    calendar_store._cached.update(calendar=None, rev=None, bind=None)  # the holiday table of another test
    workflow_cache.clear()  # keyed by row ids, which the next test's copy of the database reuses
    page_cache.clear_all()  # the layout's few-seconds caches (duty banner, counts)
    form_classes.clear()  # generated task forms keyed by (version id, task): ids recur across tests


def pytest_configure(config):
    config.addinivalue_line("markers", "real_commits: commits for real (threads, second app or server, "
                                       "subprocesses, DDL); on PostgreSQL a freshly seeded schema")
    config.addinivalue_line("markers", "own_app: the test changes the app itself (registers a blueprint "
                                       "or route), so it gets an app of its own")


def _seed(kind: str) -> None:
    from app.seed import seed_base

    _empty_schema(kind)
    seed_base()
    seed_demo_users()
    db.session.remove()


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory):
    """The seeded SQLite file every test copies."""
    where = tmp_path_factory.mktemp("template")
    path = where / "seeded.sqlite"
    app = create_app(test_config(f"sqlite:///{path}", where))
    clock.freeze(shanghai(2026, 11, 25, 10, 0))
    forget_process_caches()
    with app.app_context():
        _seed("sqlite")
        db.engine.dispose()  # the last connection closes: WAL checkpointed into the file
    clock.reset()
    assert not (where / "seeded.sqlite-wal").exists()
    return path


class _JoinedSession(FlaskSession):
    """A session bound to the test's connection (Flask-SQLAlchemy would pick the engine)."""

    def get_bind(self, *args, **kwargs):
        return self.bind if self.bind is not None else super().get_bind(*args, **kwargs)


_pg_seeded = False  # the PostgreSQL schema holds exactly the seed (no real commits since)


def _pg_ensure_seeded() -> None:
    global _pg_seeded
    if not _pg_seeded:
        _seed("postgresql")
        _pg_seeded = True


_shared_apps: dict[str, object] = {}


def _shared_app(kind: str, tmp_path_factory):
    """One app per database for the session (its routes, templates and engine are built once)."""
    if kind not in _shared_apps:
        if kind == "sqlite":
            where = tmp_path_factory.mktemp("db")
            url = f"sqlite:///{where / 'test.sqlite'}"
        else:
            where, url = tmp_path_factory.mktemp("pg"), PG_URL
        _shared_apps[kind] = create_app(test_config(url, where))
    return _shared_apps[kind]


def _sqlite_from_template(template) -> None:
    """Replace the shared SQLite file by a copy of the seeded template."""
    db.engine.dispose()
    path = db.engine.url.database
    for suffix in ("-wal", "-shm"):
        if os.path.exists(path + suffix):
            os.remove(path + suffix)
    shutil.copyfile(template, path)


@pytest.fixture(params=DATABASES)
def app(request, tmp_path, tmp_path_factory):
    """The app on a database holding exactly the seed; config changes last for this test only.

    The app object is shared by the tests of a session; a test that changes the app itself
    (registers a blueprint, a route) is marked ``@pytest.mark.own_app`` and gets a new one.
    """
    kind = request.param
    own = request.node.get_closest_marker("own_app") is not None
    if own:
        url = f"sqlite:///{tmp_path / 'test.sqlite'}" if kind == "sqlite" else PG_URL
        app = create_app(test_config(url, tmp_path))
    else:
        app = _shared_app(kind, tmp_path_factory)
    # the session's template first: building it freezes and then resets the clock
    template = request.getfixturevalue("sqlite_template") if kind == "sqlite" else None
    saved_config = dict(app.config)
    app.config["JIESU_UPLOAD_DIR"] = str(tmp_path / "uploads")
    clock.freeze(shanghai(2026, 11, 25, 10, 0))
    forget_process_caches()
    with app.app_context():
        if kind == "sqlite":
            _sqlite_from_template(template)
            yield app
        elif request.node.get_closest_marker("real_commits") or own:
            global _pg_seeded
            _pg_ensure_seeded()
            _pg_seeded = False  # whatever this test commits stays until the next seeding
            yield app
        else:
            _pg_ensure_seeded()
            yield from _rolled_back(app)
        db.session.remove()
        if kind == "sqlite" or own:
            db.engine.dispose()
    app.config.clear()
    app.config.update(saved_config)
    forget_process_caches()
    clock.reset()


def _rolled_back(app):
    """Run the test inside one transaction on one connection; every commit is a savepoint."""
    connection = db.engine.connect()
    outer = connection.begin()
    shared = db.session
    db.session = db._make_scoped_session(
        {"bind": connection, "join_transaction_mode": "create_savepoint", "class_": _JoinedSession})
    try:
        yield app
    finally:
        db.session.remove()
        db.session = shared
        outer.rollback()
        connection.close()


_pg_schema_ready = False


def _empty_schema(kind: str) -> None:
    """A fresh file for SQLite; on PostgreSQL the schema is built once and emptied."""
    global _pg_schema_ready
    if kind == "sqlite" or not _pg_schema_ready:
        db.drop_all()
        db.create_all()
        _pg_schema_ready = kind != "sqlite"
        return
    from sqlalchemy import inspect, text

    existing = set(inspect(db.engine).get_table_names())
    if not all(t.name in existing for t in db.metadata.sorted_tables):
        db.drop_all()
        db.create_all()
        return
    names = ", ".join(f'"{t.name}"' for t in db.metadata.sorted_tables)
    with db.engine.begin() as connection:
        connection.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))


def seed_demo_users():
    """The demo users without the demo tickets (tests make their own)."""
    from sqlalchemy import select

    from app.demo.accounts import DEMO_PASSWORD, DEMO_USERS
    from app.models import Section, User

    sections = {s.code: s for s in db.session.scalars(select(Section))}
    for username, name, roles, section in DEMO_USERS:
        user = User(username=username, name=name, roles=roles, section=sections.get(section))
        user.set_password(DEMO_PASSWORD)
        db.session.add(user)
    db.session.commit()


def _forget_request_globals():
    """Tests hold an app context open, so ``g`` outlives requests; drop what Flask-WTF caches there."""
    from flask import g

    g.pop("csrf_token", None)
    g.pop("_login_user", None)
    g.pop("_flask_babel", None)


class Browser:
    """A Flask test client that logs in and submits forms with their CSRF token, like a person."""

    def __init__(self, app):
        self.app = app
        self.client = app.test_client()

    def get(self, url, **kw):
        _forget_request_globals()
        return self.client.get(url, **kw)

    def csrf(self, url):
        page = self.get(url).get_data(as_text=True)
        match = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page) or \
            re.search(r'value="([^"]+)"[^>]*name="csrf_token"', page)
        assert match, f"no CSRF token on {url}"
        return match.group(1)

    def post(self, url, data=None, form_url=None, **kw):
        data = dict(data or {})
        if "csrf_token" not in data:  # (not setdefault: that would fetch the page even with a token given)
            data["csrf_token"] = self.csrf(form_url or url)
        _forget_request_globals()
        return self.client.post(url, data=data, **kw)

    def login(self, username, password="jiesu2026"):
        response = self.post("/login", {"username": username, "password": password})
        assert response.status_code == 302, response.get_data(as_text=True)
        return self


@pytest.fixture
def browser(app):
    def make(username=None):
        b = Browser(app)
        return b.login(username) if username else b

    return make
