"""Login throttling per account and per address, the lockout that expires, the admin unlock, the audit."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import select

from app.engine.clock import clock
from app.extensions import db
from app.models import SecurityEvent
from tests.helpers import user


def attempt(browser, username, password, address="10.0.0.5"):
    b = browser()
    return b.post("/login", {"username": username, "password": password},
                  environ_base={"REMOTE_ADDR": address})


def kinds(username=None):
    query = select(SecurityEvent.kind).order_by(SecurityEvent.id)
    if username:
        query = query.where(SecurityEvent.username == username)
    return list(db.session.scalars(query))


def test_ten_wrong_passwords_lock_the_account_for_a_while(app, browser):
    for n in range(9):
        response = attempt(browser, "paidan", f"wrong-{n}")
        assert response.status_code == 401 and "用户名或密码错误" in response.get_data(as_text=True)
    response = attempt(browser, "paidan", "wrong-9")
    assert response.status_code == 429 and "已被暂时锁定" in response.get_data(as_text=True)
    response = attempt(browser, "paidan", "jiesu2026")
    assert response.status_code == 429, "the right password is refused while locked"
    assert attempt(browser, "zhiban", "jiesu2026").status_code == 302, "other accounts are not affected"
    clock.advance_wall(timedelta(minutes=16))
    assert attempt(browser, "paidan", "jiesu2026").status_code == 302, "the lockout expires by itself"
    assert kinds("paidan") == ["login_failed"] * 10 + ["lockout", "login_refused", "login"]


def test_an_admin_unlocks_an_account_early(app, browser):
    for n in range(10):
        attempt(browser, "wenhua", f"wrong-{n}")
    admin = browser("liucheng")
    users_page = admin.get("/admin/users/").get_data(as_text=True)
    assert "当前的登录锁定" in users_page and "wenhua" in users_page
    response = admin.post("/admin/users/unlock", {"kind": "account", "key": "wenhua"}, form_url="/admin/users/")
    assert response.status_code == 302
    assert attempt(browser, "wenhua", "jiesu2026").status_code == 302
    assert "unlock" in kinds()


def test_unknown_names_are_counted_and_answered_like_real_ones(app, browser):
    real = attempt(browser, "paidan", "wrong").get_data(as_text=True)
    unknown = attempt(browser, "nobody", "wrong").get_data(as_text=True)
    assert "用户名或密码错误" in real and "用户名或密码错误" in unknown
    for n in range(9):
        attempt(browser, "nobody", f"w{n}")
    assert "已被暂时锁定" in attempt(browser, "nobody", "x").get_data(as_text=True), \
        "a name that does not exist locks the same way: the answers tell nothing"


def test_one_address_guessing_many_accounts_is_stopped(app, browser):
    app.config["JIESU_LOGIN_MAX_FAILURES_PER_ADDRESS"] = 5
    for name in ("a1", "a2", "a3", "a4", "a5"):
        attempt(browser, name, "guess", address="192.0.2.9")
    response = attempt(browser, "paidan", "jiesu2026", address="192.0.2.9")
    assert response.status_code == 429 and "本机地址" in response.get_data(as_text=True)
    assert attempt(browser, "paidan", "jiesu2026", address="192.0.2.10").status_code == 302
    assert "address_lockout" in kinds()


def test_colleagues_behind_the_same_address_keep_signing_in_at_their_own_browsers(app, browser):
    """The office reaches the server through one NAT address: someone's guessing there locks that address
    for browsers that never signed in, not for the staff at their own desks (nor do their typos count)."""
    app.config["JIESU_LOGIN_MAX_FAILURES_PER_ADDRESS"] = 5
    office = "10.9.0.1"
    desk = _desk(browser, "wenhua", address=office)
    for n in range(2):  # his own typos at his desk: not the office's
        desk.post("/login", {"username": "wenhua", "password": f"typo-{n}"}, environ_base={"REMOTE_ADDR": office})
    for name in ("a1", "a2", "a3", "a4"):
        attempt(browser, name, "guess", address=office)
    assert attempt(browser, "zhiban", "jiesu2026", address=office).status_code == 302, \
        "4 untrusted failures: the address is still open"
    attempt(browser, "a5", "guess", address=office)
    response = attempt(browser, "zhiban", "jiesu2026", address=office)
    assert response.status_code == 429 and "本机地址" in response.get_data(as_text=True)
    response = desk.post("/login", {"username": "wenhua", "password": "jiesu2026"}, environ_base={"REMOTE_ADDR": office})
    assert response.status_code == 302, "a browser trusted for its account is not stopped by the address lock"


def test_every_login_and_logout_is_in_the_audit_page(app, browser):
    attempt(browser, "huifang", "wrong")
    b = browser("huifang")
    b.post("/logout", {}, form_url="/")
    page = browser("liucheng").get("/admin/security-events?user=huifang").get_data(as_text=True)
    for label in ("登录失败", "登录", "退出登录"):
        assert label in page
    assert "10.0.0.5" in page


def test_a_password_set_by_an_admin_must_be_changed_first(app, browser):
    admin = browser("liucheng")
    target = user("jiancha")
    page = admin.post(f"/admin/users/{target.id}/password", {"password": "Temp-Pass-4821"},
                      form_url=f"/admin/users/{target.id}").get_data(as_text=True)
    assert "Temp-Pass-4821" in page and "必须立即设置" in page
    jiancha = browser()
    response = jiancha.post("/login", {"username": "jiancha", "password": "Temp-Pass-4821"})
    assert response.headers["Location"].endswith("/account/password")
    assert jiancha.get("/tickets/").headers["Location"].endswith("/account/password"), "nothing else opens"
    response = jiancha.post("/account/password", {"current": "Temp-Pass-4821", "new": "Kestrel-93-lake",
                                                  "repeat": "Kestrel-93-lake"})
    assert response.status_code == 302
    assert jiancha.get("/tickets/").status_code == 200
    assert not user("jiancha").must_change_password


def _desk(browser, username, address="10.0.0.7"):
    """The user's own browser: it signed in correctly once (so it keeps the device cookie), then signed out."""
    desk = browser()
    assert desk.post("/login", {"username": username, "password": "jiesu2026"},
                     environ_base={"REMOTE_ADDR": address}).status_code == 302
    desk.post("/logout", {}, form_url="/", environ_base={"REMOTE_ADDR": address})
    return desk


def test_wrong_passwords_typed_elsewhere_do_not_lock_the_user_out_of_his_own_browser(app, browser):
    desk = _desk(browser, "wenhua")
    for n in range(10):  # someone else, from several machines of the intranet
        attempt(browser, "wenhua", f"guess-{n}", address=f"10.0.1.{n}")
    assert attempt(browser, "wenhua", "jiesu2026", address="10.0.2.1").status_code == 429, \
        "a browser that never signed in as wenhua is locked out"
    response = desk.post("/login", {"username": "wenhua", "password": "jiesu2026"},
                         environ_base={"REMOTE_ADDR": "10.0.0.7"})
    assert response.status_code == 302, "his own browser still signs in"


def test_the_trusted_browser_has_its_own_limit_and_an_admin_unlock_lifts_it(app, browser):
    desk = _desk(browser, "lvyou")
    for n in range(9):
        response = desk.post("/login", {"username": "lvyou", "password": f"wrong-{n}"})
        assert response.status_code == 401
    response = desk.post("/login", {"username": "lvyou", "password": "wrong-9"})
    assert response.status_code == 429 and "在本浏览器上多次密码错误" in response.get_data(as_text=True)
    assert desk.post("/login", {"username": "lvyou", "password": "jiesu2026"}).status_code == 429
    assert attempt(browser, "lvyou", "jiesu2026").status_code == 302, \
        "the failures on that browser do not lock the account elsewhere"
    admin = browser("liucheng")
    page = admin.get("/admin/users/").get_data(as_text=True)
    assert "账号（一个浏览器）" in page and "lvyou" in page
    admin.post("/admin/users/unlock", {"kind": "account", "key": "lvyou"}, form_url="/admin/users/")
    assert desk.post("/login", {"username": "lvyou", "password": "jiesu2026"}).status_code == 302


def test_a_device_cookie_of_another_account_or_forged_trusts_nothing(app, browser):
    desk = _desk(browser, "wenhua")
    for n in range(10):
        attempt(browser, "paidan", f"guess-{n}", address=f"10.0.1.{n}")
    assert desk.post("/login", {"username": "paidan", "password": "jiesu2026"}).status_code == 429, \
        "wenhua's browser is not trusted for paidan"
    forged = browser()
    from app.services.login_guard import device_cookie_name

    forged.client.set_cookie(device_cookie_name("paidan"), '["paidan","abc","x"]', path="/login")
    assert forged.post("/login", {"username": "paidan", "password": "jiesu2026"}).status_code == 429


def test_a_new_password_trusts_no_browser_of_the_old_one(app, browser):
    desk = _desk(browser, "huifang")
    user("huifang").set_password("Qz7#mintgreen-lantern")
    db.session.commit()
    for n in range(10):
        attempt(browser, "huifang", f"guess-{n}", address=f"10.0.1.{n}")
    response = desk.post("/login", {"username": "huifang", "password": "Qz7#mintgreen-lantern"})
    assert response.status_code == 429, "the cookie was given under the old password"


def test_two_accounts_on_one_desk_each_keep_their_trust(app, browser):
    desk = browser()
    for name in ("wenhua", "paidan"):  # a shared desk: one after the other
        assert desk.post("/login", {"username": name, "password": "jiesu2026"}).status_code == 302
        desk.post("/logout", {}, form_url="/")
    for n in range(10):
        attempt(browser, "wenhua", f"guess-{n}", address=f"10.0.1.{n}")
    assert desk.post("/login", {"username": "wenhua", "password": "jiesu2026"}).status_code == 302, \
        "paidan's sign-in did not take wenhua's trust away"


def test_changing_ones_own_password_keeps_this_browser_trusted(app, browser):
    desk = browser("huifang")
    response = desk.post("/account/password", {"current": "jiesu2026", "new": "Qz7#mintgreen-lantern",
                                              "repeat": "Qz7#mintgreen-lantern"})
    assert response.status_code == 302
    desk.post("/logout", {}, form_url="/")
    for n in range(10):
        attempt(browser, "huifang", f"guess-{n}", address=f"10.0.1.{n}")
    assert desk.post("/login", {"username": "huifang", "password": "Qz7#mintgreen-lantern"}).status_code == 302


def test_guessing_the_current_password_on_a_desk_left_signed_in_ends_the_session(app, browser):
    """修改密码 checked the current password without a limit: whoever sat at a signed-in desk could guess it
    at leisure, then change it. Ten wrong ones end the session; the owner still signs in."""
    desk = browser("huifang")
    new = {"new": "Qz7#mintgreen-lantern", "repeat": "Qz7#mintgreen-lantern"}
    for n in range(9):
        response = desk.post("/account/password", {"current": f"guess-{n}", **new})
        assert response.status_code == 422 and "当前密码不正确" in response.get_data(as_text=True)
    response = desk.post("/account/password", {"current": "guess-9", **new})
    assert response.status_code == 302 and response.headers["Location"].endswith("/login")
    assert desk.get("/").status_code == 302, "signed out"
    assert "已被暂时锁定" in desk.get("/login").get_data(as_text=True)
    assert kinds("huifang").count("login_failed") == 10 and "lockout" in kinds("huifang")
    assert user("huifang").check_password("jiesu2026"), "the password was not changed"
    assert browser().post("/login", {"username": "huifang", "password": "jiesu2026"}).status_code == 302
