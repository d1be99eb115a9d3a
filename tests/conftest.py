"""Fixtures: an app per test on SQLite and, when JIESU_TEST_DATABASE_URL is set, on PostgreSQL too."""

from __future__ import annotations

import os
import re
from datetime import datetime

import pytest

from app import create_app
from app.engine.clock import LOCAL_TZ, clock
from app.extensions import db
from app.services import time_rules

PG_URL = os.environ.get("JIESU_TEST_DATABASE_URL")
DATABASES = ["sqlite"] + (["postgresql"] if PG_URL else [])


def shanghai(*args) -> datetime:
    return datetime(*args, tzinfo=LOCAL_TZ)


@pytest.fixture(params=DATABASES)
def app(request, tmp_path):
    url = f"sqlite:///{tmp_path / 'test.sqlite'}" if request.param == "sqlite" else PG_URL
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": url,
        "WTF_CSRF_ENABLED": True,
        "JIESU_UPLOAD_DIR": str(tmp_path / "uploads"),
        "SERVER_NAME": "jiesu.test",
        "JIESU_PASSWORD_METHOD": "pbkdf2:sha256:1000",  # fast hashes for tests only
    })
    clock.freeze(shanghai(2026, 11, 25, 10, 0))
    time_rules.invalidate()  # a process-wide cache: the rules of the previous test's database are gone
    with app.app_context():
        _empty_schema(request.param)
        from app.seed import seed_base

        seed_base()
        seed_demo_users()
        yield app
        db.session.remove()
        if request.param == "sqlite":
            db.drop_all()
        db.engine.dispose()
    clock.reset()


_pg_schema_ready = False


def _empty_schema(kind: str) -> None:
    """A fresh file for SQLite; on PostgreSQL the schema is built once and emptied per test."""
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
        data.setdefault("csrf_token", self.csrf(form_url or url))
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
