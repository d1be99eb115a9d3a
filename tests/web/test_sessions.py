"""Sessions live on the server: a saved cookie opens nothing after logout, a password change, a disabled
account or an admin's 'sign out everywhere'; they lapse when idle and at their lifetime; a cookie
signed with the old built-in key is worthless."""

from __future__ import annotations

from datetime import timedelta

from flask import Flask
from flask.sessions import SecureCookieSessionInterface
from sqlalchemy import select

from app import create_app
from app.engine.clock import clock
from app.extensions import db
from app.models import SecurityEvent, UserSession
from tests.conftest import _forget_request_globals
from tests.helpers import user


def cookie(b) -> str:
    return b.client.get_cookie("session", domain="jiesu.test").value


def with_cookie(app, value):
    client = app.test_client()
    client.set_cookie("session", value, domain="jiesu.test")
    return client


def opens(app, value) -> bool:
    _forget_request_globals()  # tests keep one app context open: drop the last request's user
    response = with_cookie(app, value).get("/")
    return response.status_code == 200


def test_after_logout_the_old_cookie_opens_nothing(app, browser):
    paidan = browser("paidan")
    saved = cookie(paidan)
    assert opens(app, saved)
    response = paidan.post("/logout", {}, form_url="/")
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert not opens(app, saved), "the cookie saved before logout is refused"
    _forget_request_globals()
    assert with_cookie(app, saved).get("/tickets/").headers["Location"].startswith("/login")


def test_a_cookie_signed_with_the_old_built_in_key_is_refused(app, browser):
    old = Flask("forger")
    old.secret_key = "dev-only-change-me"
    serializer = SecureCookieSessionInterface().get_signing_serializer(old)
    admin_id = user("liucheng").id
    for forged in ({"_user_id": str(admin_id), "_fresh": True}, {"_user_id": "x" * 43, "_fresh": True}):
        assert not opens(app, serializer.dumps(forged))
    assert app.secret_key != "dev-only-change-me"


def test_the_cookie_names_a_random_session_not_the_user(app, browser):
    b = browser("paidan")
    ours = SecureCookieSessionInterface().get_signing_serializer(app).loads(cookie(b))
    assert ours["_user_id"] != str(user("paidan").id) and len(ours["_user_id"]) >= 40
    row = db.session.scalar(select(UserSession).where(UserSession.user_id == user("paidan").id))
    assert row.token_hash != ours["_user_id"], "only the token's hash is stored"


def test_a_password_change_ends_the_other_sessions(app, browser):
    office, home = browser("wenhua"), browser("wenhua")
    saved = cookie(office)
    response = office.post("/account/password", {"current": "jiesu2026", "new": "Lantern-58-river",
                                                 "repeat": "Lantern-58-river"})
    assert response.status_code == 302
    assert not opens(app, saved) and home.get("/").status_code == 302, "every earlier session ended"
    assert office.get("/").status_code == 200, "the browser that changed it goes on with a new session"
    assert browser().login("wenhua", "Lantern-58-river")
    kinds = [e.kind for e in db.session.scalars(select(SecurityEvent).where(SecurityEvent.user_id == user("wenhua").id))]
    assert "password_changed" in kinds


def test_a_new_password_must_follow_the_rules(app, browser):
    b = browser("wenhua")
    page = b.post("/account/password", {"current": "wrong", "new": "wenhua12345", "repeat": "x"})
    html = page.get_data(as_text=True)
    assert page.status_code == 422 and "当前密码不正确" in html and "不能包含用户名" in html
    assert user("wenhua").check_password("jiesu2026")


def test_disabling_a_user_and_signing_out_everywhere_end_their_sessions(app, browser):
    admin = browser("liucheng")
    one, two = browser("tongji"), browser("tongji")
    tongji = user("tongji")
    response = admin.post(f"/admin/users/{tongji.id}/sign-out", {}, form_url=f"/admin/users/{tongji.id}")
    assert response.status_code == 302
    assert one.get("/").status_code == 302 and two.get("/").status_code == 302
    three = browser("tongji")
    admin.post(f"/admin/users/{tongji.id}/active", {"active": "0"}, form_url=f"/admin/users/{tongji.id}")
    assert three.get("/").status_code == 302
    response = browser().post("/login", {"username": "tongji", "password": "jiesu2026"})
    assert response.status_code == 401 and "该账号已停用" in response.get_data(as_text=True)


def test_sessions_lapse_when_idle_and_at_their_lifetime(app, browser):
    b = browser("paidan")
    clock.advance_wall(timedelta(minutes=59))
    assert b.get("/").status_code == 200
    clock.advance_wall(timedelta(minutes=61))
    assert b.get("/").status_code == 302, "61 minutes without a request: signed out"
    b = browser("paidan")
    for _step in range(13):  # 13 x 55 min = 11 h 55 min
        clock.advance_wall(timedelta(minutes=55))
        assert b.get("/").status_code == 200
    clock.advance_wall(timedelta(minutes=55))
    assert b.get("/").status_code == 302, "after 12 hours the session ends however busy it is"
    reasons = {r.end_reason for r in db.session.scalars(select(UserSession))}
    assert {"idle", "expired"} <= reasons


def test_cookies_are_secure_and_http_only_behind_https(tmp_path):
    app = create_app({"TESTING": True, "SQLALCHEMY_DATABASE_URI": f"sqlite:///{tmp_path / 'x.sqlite'}",
                      "JIESU_HTTPS": True})
    assert app.config["SESSION_COOKIE_SECURE"] and app.config["SESSION_COOKIE_HTTPONLY"]
    client = app.test_client()
    response = client.get("/login", base_url="https://jiesu.test")
    header = response.headers.get("Set-Cookie", "")
    assert "Secure" in header and "HttpOnly" in header
    assert response.headers["Strict-Transport-Security"].startswith("max-age=")
