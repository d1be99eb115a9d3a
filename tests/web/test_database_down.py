"""The database unavailable: users get a Chinese 503 page in the app's layout (never Werkzeug's English
500), the platforms a JSON 503 with Retry-After, and every form page carries the script that keeps
what was typed in the browser until a submission succeeds."""

import re
from contextlib import contextmanager

import pytest
from flask import g
from sqlalchemy import event

from app import create_app
from app.extensions import db
from app.services import apikeys
from tests.helpers import new_ticket, open_item

HEADING = "数据库暂时不可用，您填写的内容已保留在本机"


@contextmanager
def database_stopped():
    """Every new connection fails as it does when the server is down; pooled ones are gone."""
    engine = db.engine
    db.session.remove()
    engine.dispose()
    error = engine.dialect.loaded_dbapi.OperationalError

    def refuse(*_args, **_kwargs):
        raise error("connection refused: the database server is not running")

    event.listen(engine, "do_connect", refuse)
    try:
        yield
    finally:
        event.remove(engine, "do_connect", refuse)
        engine.dispose()


def _is_the_503_page(response):
    page = response.get_data(as_text=True)
    assert response.status_code == 503, page[:500]
    assert HEADING in page
    assert "Internal Server Error" not in page and "<title>500" not in page
    assert 'href="/static/css/app.css?v=' in page, "the app's layout (its stylesheet, its main column)"
    assert 'id="error" data-status="503"' in page, "the mark drafts.js reads: the draft is kept"
    assert response.headers.get("Retry-After")
    return page


@pytest.mark.real_commits  # the test's rolled-back transaction would keep its connection open
def test_a_signed_in_user_gets_the_chinese_page_when_the_database_stops(app, browser):
    ticket = new_ticket()
    paidan = browser("paidan")
    url = f"/tasks/{open_item(ticket, 'sign').id}"
    form_page = paidan.get(url).get_data(as_text=True)
    assert "js/drafts.js" in form_page, "the form page keeps typed input in the browser"
    token = paidan.csrf(url)
    with database_stopped():
        down = paidan.get(url)
        _is_the_503_page(down)  # the session lookup itself fails: layout without the navbar
        text = down.get_data(as_text=True)
        assert f'href="{url}" id="retry"' in text, "the page offers to try the same page again"
        assert ">登录<" not in text, "nobody is told to sign in again: their session is intact"
        _is_the_503_page(paidan.get("/"))
        g.pop("_login_user", None)  # tests share one app context, so ``g`` outlives a request
        submitted = paidan.client.post(url, data={"csrf_token": token, "sign_decision": "签收", "sign_note": "已看"})
        _is_the_503_page(submitted)
    assert paidan.get(url).status_code == 200, "back to normal once the database is up again"


def test_an_app_pointed_at_an_unreachable_database_answers_503(tmp_path):
    app = create_app({
        "TESTING": True,
        "SQLALCHEMY_DATABASE_URI": "postgresql://jiesu@127.0.0.1:9/jiesu?connect_timeout=2",  # nothing listens
        "JIESU_UPLOAD_DIR": str(tmp_path / "uploads"),
        "JIESU_INSTANCE_DIR": str(tmp_path / "instance"),
    })
    client = app.test_client()
    login = client.get("/login")
    assert login.status_code == 200, "the login form itself needs no database"
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login.get_data(as_text=True)).group(1)
    page = _is_the_503_page(client.post("/login", data={"username": "paidan", "password": "jiesu2026",
                                                        "csrf_token": token}))
    assert "系统暂时连不上数据库" in page
    api = client.put("/api/v1/tickets/BJ-1", json={"title": "x"}, headers={"Authorization": f"Bearer {apikeys.KEY_PREFIX}{'x' * 43}"})
    assert api.status_code == 503 and api.headers.get("Retry-After")
    assert "数据库暂时不可用" in api.get_json()["errors"][0]["message"]
    with app.app_context():
        db.engine.dispose()


@pytest.mark.real_commits
def test_a_connection_lost_inside_a_guarded_hook_fails_the_push_with_503_and_saves_nothing(app):
    """The drill (bench/db_outage.py) found it: the database stopped while a push was in its
    guarded repeat/early-warning hooks; the hook's failure was swallowed as the hook's own, and the
    next statement of the push raised PendingRollbackError, answered as a JSON 500."""
    from sqlalchemy import func, select

    from app.models import Ticket
    from tests.web.test_platform_api import Platform

    platform = Platform(app)
    db.session.commit()
    engine = db.engine
    error = engine.dialect.loaded_dbapi.OperationalError
    seen = {"ticket": False, "savepoint": False}

    def die_in_the_first_hook(cursor, statement, parameters, context):
        if statement.startswith("INSERT INTO ticket "):
            seen["ticket"] = True
        elif seen["ticket"] and statement.startswith("SAVEPOINT"):
            seen["savepoint"] = True  # a guarded subscriber begins (app/services/events.py)
        elif seen["savepoint"]:
            raise error("server closed the connection unexpectedly")
        return False

    def a_disconnect(context):  # as psycopg's "server closed the connection": the connection is invalidated
        if seen["savepoint"]:
            context.is_disconnect = True

    event.listen(engine, "do_execute", die_in_the_first_hook)
    event.listen(engine, "handle_error", a_disconnect)
    try:
        answer = platform.put("BJ-OUTAGE-1")
    finally:
        event.remove(engine, "do_execute", die_in_the_first_hook)
        event.remove(engine, "handle_error", a_disconnect)
        db.session.remove()
    assert seen["savepoint"], "the push reached a guarded hook"
    assert answer.status_code == 503, answer.get_data(as_text=True)[:500]
    assert "数据库暂时不可用" in answer.get_json()["errors"][0]["message"] and answer.headers.get("Retry-After")
    assert db.session.scalar(select(func.count()).select_from(Ticket).where(Ticket.ticket_no == "BJ-OUTAGE-1")) == 0
    assert platform.put("BJ-OUTAGE-1").status_code == 201, "the platform's retry creates it, once"


def test_a_connection_dropped_at_the_end_of_a_request_neither_replaces_the_page_nor_the_503(
        sqlite_template, tmp_path, monkeypatch):
    """The drill (bench/db_outage.py) found it: PostgreSQL stopped while a page was being made; the
    503 page was ready, then the session's rollback at the end of the request failed on the dropped
    connection and waitress answered its own English "500 Internal Server Error". (An app of its own,
    used outside any app context, as a server is: the tests' shared context has no per-request end.)"""
    import shutil

    from tests.conftest import test_config

    shutil.copy(sqlite_template, tmp_path / "desk.sqlite")
    app = create_app(test_config(f"sqlite:///{tmp_path / 'desk.sqlite'}", tmp_path))
    with app.app_context():
        engine = db.engine
    client = app.test_client()
    login = client.get("/login").get_data(as_text=True)
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', login).group(1)
    signed_in = client.post("/login", data={"username": "paidan", "password": "jiesu2026", "csrf_token": token})
    assert signed_in.status_code == 302
    assert client.get("/").status_code == 200
    error = engine.dialect.loaded_dbapi.OperationalError

    def dropped(*_args):
        raise error("terminating connection due to administrator command")

    monkeypatch.setattr(engine.dialect, "do_rollback", dropped)
    assert client.get("/").status_code == 200, "the page already made is the answer"
    event.listen(engine, "do_execute", dropped)
    try:
        _is_the_503_page(client.get("/"))
    finally:
        event.remove(engine, "do_execute", dropped)
        monkeypatch.undo()
    assert client.get("/").status_code == 200, "the next request gets a fresh connection"
    with app.app_context():
        db.engine.dispose()


@pytest.mark.real_commits
def test_a_pooled_connection_the_database_dropped_is_replaced_before_use(app, browser):
    """The drill (bench/db_outage.py, and a restart with no request in between): each app process
    answered its first request after a PostgreSQL restart with the 503 page, on a pooled connection
    the restart had closed."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("PostgreSQL's pool (JIESU_TEST_DATABASE_URL)")
    import psycopg

    from tests.conftest import PG_URL

    paidan = browser("paidan")
    assert paidan.get("/").status_code == 200
    db.session.remove()
    held = [db.engine.connect() for _ in range(max(1, db.engine.pool.checkedin()))]  # all the pool holds
    pids = [conn.exec_driver_sql("SELECT pg_backend_pid()").scalar() for conn in held]
    for conn in held:
        conn.close()  # back to the pool
    with psycopg.connect(PG_URL, autocommit=True) as admin:  # as a restart does to it
        admin.execute("SELECT pg_terminate_backend(pid) FROM unnest(%s::int[]) AS pid", [pids])
    g.pop("_login_user", None)
    assert paidan.get("/").status_code == 200, "the dead connection was replaced, not used"


@pytest.mark.own_app  # registers a blueprint
def test_an_error_caused_by_the_lost_database_gets_the_503_page_not_the_500(app, browser, monkeypatch):
    """The engine wraps what a BPMN script's function raised (SpiffWorkflow's task exception): when the
    cause is the database gone, the user gets the 503 page, which keeps the draft, not the 500."""
    from flask import Blueprint
    from sqlalchemy.exc import OperationalError

    from app.web import audiences

    bp = Blueprint("wrapped", __name__)

    @bp.route("/wrapped")
    def wrapped():
        try:
            raise OperationalError("SELECT 1", {}, Exception("server closed the connection unexpectedly"))
        except OperationalError as exc:
            raise RuntimeError("script task failed") from exc

    app.register_blueprint(bp)
    monkeypatch.setitem(audiences.ENDPOINTS, "wrapped.wrapped", audiences.SIGNED_IN)
    monkeypatch.setitem(app.config, "PROPAGATE_EXCEPTIONS", False)
    _is_the_503_page(browser("paidan").get("/wrapped"))
